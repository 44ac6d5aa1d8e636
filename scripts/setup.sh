#!/usr/bin/env bash
# Everything `npm start` and `npm test` need on a fresh Debian machine (run by their pre-scripts).
#
#   bash scripts/setup.sh [--for-tests]
#
# Idempotent and quick when all is present (silent then). In order:
#   - Debian packages (with --for-tests also chromium), installing only the missing ones;
#   - npm dependencies (`npm ci` when node_modules is missing or older than package-lock.json);
#   - Asterisk in its chroot (asterisk/install.sh);
#   - the agent console's pages (web/console/build.ts, when its sources changed);
#   - a mediasoup worker that runs here (video/install-worker.sh: mediasoup's prebuilt, or built
#     from Debian's libraries into /opt/relais/mediasoup-worker when GitHub is out of reach);
#   - Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432, started when not answering;
#   - Relais' home outside the repository, $RELAIS_HOME (default /var/lib/relais for root, else
#     ${XDG_STATE_HOME:-~/.local/state}/relais), and its secrets file $RELAIS_HOME/secrets.env
#     (mode 600, NAME=value lines): a random value for every `{ env: NAME }` of the config
#     ($RELAIS_CONFIG, default config/iseedor.yaml) that the file lacks, never regenerated;
#   - PostgreSQL role `relais` (LOGIN CREATEDB, password from the secrets file) and database `relais`;
#   - MariaDB on 127.0.0.1:3306 (the helpdesk's database), started when not answering, its database
#     `osticket` and user relais_osticket (password from the secrets file), allowed `osticket_test_*`.
set -Eeuo pipefail
trap 'echo "setup: error: line $LINENO: $BASH_COMMAND failed" >&2' ERR

t0=${EPOCHREALTIME//[!0-9]/}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
for_tests=0
for arg in "$@"; do
  case $arg in
    --for-tests) for_tests=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "setup: unknown argument: $arg (usage: bash scripts/setup.sh [--for-tests])" >&2; exit 2 ;;
  esac
done

did=0
say() { printf 'setup: %s\n' "$*"; did=1; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }
elapsed_since() { local d=$((${EPOCHREALTIME//[!0-9]/} - $1)); printf '%d.%01d s' $((d / 1000000)) $((d % 1000000 / 100000)); }
now() { printf '%s' "${EPOCHREALTIME//[!0-9]/}"; }
# Runs a command as root: directly, or through sudo.
as_root() {
  if ((EUID == 0)); then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -- "$@"
  else die "$1 needs root: run as root, or install sudo"
  fi
}
# Runs a command as the postgres OS user.
as_postgres() {
  if ((EUID == 0)); then (cd / && runuser -u postgres -- "$@")
  elif command -v sudo >/dev/null 2>&1; then (cd / && sudo -u postgres -- "$@")
  else die "$1 needs to run as the postgres user: run as root, or install sudo"
  fi
}
# Waits until "$@" succeeds, for at most $1 seconds (shifted off).
wait_for() {
  local deadline=$(($(now) + $1 * 1000000)); shift
  until "$@" >/dev/null 2>&1; do
    (($(now) < deadline)) || return 1
    sleep 0.1
  done
}
logdir=${TMPDIR:-/tmp}
newlog() { mktemp "$logdir/relais-setup-$1.XXXXXX.log"; }
fail_with_log() { tail -n 30 "$2" >&2 || true; die "$1 (full log: $2)"; }

# One setup at a time per user (npm start and npm test may start together). Daemons started below
# get `{lock_fd}>&-`: one that inherited the lock's descriptor would hold the lock forever.
exec {lock_fd}>"$logdir/relais-setup.$EUID.lock"
flock -n "$lock_fd" || { echo "setup: waiting for another scripts/setup.sh to finish" >&2; flock -w 1800 "$lock_fd"; } || die "another scripts/setup.sh has held $logdir/relais-setup.$EUID.lock for 30 minutes"

# --- Debian packages ---------------------------------------------------------------------------
packages=(mmdebstrap sip-tester espeak-ng sox libsox-fmt-all redis-server postgresql mariadb-server
  mariadb-client tcpdump iproute2 procps curl openssl)
((for_tests)) && packages+=(chromium)
declare -A installed=()
while read -r name status; do
  [[ $status == ii ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do [[ -n ${installed[$p]:-} ]] || missing+=("$p"); done
if ((${#missing[@]})); then
  t=$(now)
  say "installing Debian packages: ${missing[*]}"
  log=$(newlog apt)
  # Some configured sources may be unreachable: apt-get update then fails but still refreshes
  # Debian's own lists; the install below tells whether that was enough.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update >"$log" 2>&1 ||
    say "apt-get update reported errors (see $log); trying the install anyway"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >>"$log" 2>&1 ||
    fail_with_log "apt-get install ${missing[*]} failed" "$log"
  rm -f "$log"
  say "installed ${#missing[@]} Debian package(s) in $(elapsed_since "$t")"
fi

# --- npm dependencies ----------------------------------------------------------------------------
if [[ ! -f $root/node_modules/.package-lock.json || $root/package-lock.json -nt $root/node_modules/.package-lock.json ]]; then
  [[ -f $root/package-lock.json ]] || die "package-lock.json is missing: run npm install once and commit it"
  t=$(now)
  say "installing npm dependencies (npm ci)"
  log=$(newlog npm)
  # This script usually runs inside npm's pretest/prestart, whose environment describes the
  # outer command (npm_lifecycle_*, npm_package_*, npm_command, INIT_CWD, ...) and puts this
  # project's node_modules/.bin first on PATH: the very folder `npm ci` deletes and rebuilds.
  # Run the nested npm with that lifecycle context removed (npm_config_* settings are kept,
  # they are the user's configuration).
  npm_env=(-u INIT_CWD -u npm_command -u npm_execpath -u npm_node_execpath -u npm_config_local_prefix)
  for v in $(compgen -e); do
    case $v in npm_lifecycle_*|npm_package_*) npm_env+=(-u "$v") ;; esac
  done
  # mediasoup's postinstall downloads its worker from GitHub, and where it cannot, tries a build
  # that needs PyPI and GitHub and fails all of `npm ci`: then it is told the worker is provided
  # (MEDIASOUP_WORKER_BIN; video/install-worker.sh builds it below).
  npm_extra=$(bash "$root/video/install-worker.sh" --npm-env) || die "video/install-worker.sh --npm-env failed"
  [[ -z $npm_extra ]] || npm_env+=("$npm_extra")
  clean_path=
  IFS=: read -r -a path_parts <<<"$PATH"
  for d in "${path_parts[@]}"; do
    case $d in */node_modules/.bin|*/@npmcli/run-script/lib/node-gyp-bin) ;; *) clean_path+=${clean_path:+:}$d ;; esac
  done
  (cd "$root" && env "${npm_env[@]}" PATH="$clean_path" npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1 ||
    fail_with_log "npm ci failed" "$log"
  rm -f "$log"
  say "npm dependencies installed in $(elapsed_since "$t")"
fi

# --- Asterisk ------------------------------------------------------------------------------------
out=$(bash "$root/asterisk/install.sh" --quiet) || die "asterisk/install.sh failed${out:+: $out}"
[[ -z $out ]] || say "$out"

# --- The agent console (web/console/, built with Vite; rebuilt only when its sources change) --------
t=$(now)
out=$(cd "$root" && node --import tsx web/console/build.ts 2>&1) || { echo "$out" >&2; die "building the agent console failed"; }
[[ $out == *'(built)'* ]] && say "agent console built in $(elapsed_since "$t")"

# --- mediasoup worker ----------------------------------------------------------------------------
out=$(bash "$root/video/install-worker.sh" --quiet) || die "video/install-worker.sh failed${out:+: $out}"
[[ -z $out ]] || say "$out"

# --- Redis ---------------------------------------------------------------------------------------
redis_ping() { [[ $(redis-cli -h 127.0.0.1 -p 6379 ping 2>&1) == PONG ]]; }
if ! redis_ping; then
  reply=$(redis-cli -h 127.0.0.1 -p 6379 ping 2>&1 || true)
  [[ $reply == *"Connection refused"* || -z $reply ]] ||
    die "something answers on 127.0.0.1:6379 but not PONG to redis-cli ping: $reply"
  t=$(now)
  say "starting Redis on 127.0.0.1:6379"
  if ((EUID == 0)) && [[ -f /etc/redis/redis.conf ]] && id redis >/dev/null 2>&1; then
    # Debian's configuration and user, as its service would (no systemd here to do it).
    install -d -o redis -g redis -m 2775 /run/redis
    install -d -o redis -g adm -m 2750 /var/log/redis
    redis_log=/var/log/redis/redis-server.log
    # Append-only file: queues, callbacks and the routing journal survive a Redis restart.
    (cd / && runuser -u redis -- redis-server /etc/redis/redis.conf --daemonize yes --supervised no \
      --bind 127.0.0.1 --port 6379 --appendonly yes) >/dev/null 2>&1 {lock_fd}>&- || true
  else
    redis_dir=${RELAIS_HOME:-${XDG_STATE_HOME:-$HOME/.local/state}/relais}/redis
    mkdir -p "$redis_dir"
    redis_log=$redis_dir/redis.log
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --appendonly yes --dir "$redis_dir" \
      --logfile "$redis_log" --pidfile "$redis_dir/redis.pid" >/dev/null 2>&1 {lock_fd}>&- || true
  fi
  wait_for 15 redis_ping || fail_with_log "Redis did not answer on 127.0.0.1:6379 within 15 s" "$redis_log"
  say "Redis is up ($(elapsed_since "$t"))"
fi

# --- PostgreSQL ----------------------------------------------------------------------------------
pg_ready() { pg_isready -q -h 127.0.0.1 -p 5432; }
if ! pg_ready; then
  t=$(now)
  cluster=$(pg_lsclusters -h 2>/dev/null | awk '$3 == 5432 { print $1, $2, $4; exit }')
  if [[ -z $cluster ]]; then
    if [[ -n $(pg_lsclusters -h 2>/dev/null) ]]; then
      die "PostgreSQL has clusters, but none on port 5432: $(pg_lsclusters -h | awk '{ print $1 "/" $2 ":" $3 }' | tr '\n' ' ')"
    fi
    version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)
    [[ -n $version && -x /usr/lib/postgresql/$version/bin/postgres ]] || die "no PostgreSQL server is installed (apt-get install postgresql)"
    say "creating PostgreSQL cluster $version/main"
    log=$(newlog pg)
    as_root pg_createcluster "$version" main --port 5432 >"$log" 2>&1 || fail_with_log "pg_createcluster $version main failed" "$log"
    rm -f "$log"
    cluster="$version main down"
  fi
  read -r version name status <<<"$cluster"
  pg_log=/var/log/postgresql/postgresql-$version-$name.log
  if [[ $status != online* ]]; then
    say "starting PostgreSQL $version/$name"
    log=$(newlog pg)
    as_root pg_ctlcluster "$version" "$name" start >"$log" 2>&1 {lock_fd}>&- ||
      { cat "$pg_log" >>"$log" 2>/dev/null || true; fail_with_log "pg_ctlcluster $version $name start failed" "$log"; }
    rm -f "$log"
  fi
  wait_for 30 pg_ready ||
    fail_with_log "PostgreSQL $version/$name does not accept connections on 127.0.0.1:5432 after 30 s" "$pg_log"
  say "PostgreSQL is up ($(elapsed_since "$t"))"
fi

# --- Relais' home and secrets --------------------------------------------------------------------
if [[ -z ${RELAIS_HOME:-} ]]; then
  if ((EUID == 0)); then RELAIS_HOME=/var/lib/relais
  else RELAIS_HOME=${XDG_STATE_HOME:-$HOME/.local/state}/relais
  fi
fi
[[ -d $RELAIS_HOME ]] || { mkdir -p -m 700 "$RELAIS_HOME"; say "created $RELAIS_HOME"; }
secrets=$RELAIS_HOME/secrets.env
config=${RELAIS_CONFIG:-$root/config/iseedor.yaml}
[[ -f $config ]] || die "configuration file not found: $config"

declare -A secret=()
if [[ -f $secrets ]]; then
  while IFS= read -r line || [[ -n $line ]]; do
    [[ $line =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] && secret[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
  done <"$secrets"
fi
# Every `{ env: NAME }` of the config, comments left out.
names=(RELAIS_DATABASE_PASSWORD RELAIS_OSTICKET_DB_PASSWORD)
while IFS= read -r line || [[ -n $line ]]; do
  [[ $line =~ ^[[:space:]]*# ]] && continue
  line=${line%%[[:space:]]#*}
  while [[ $line =~ (^|[{,[:space:]])env:[[:space:]]*([A-Za-z_][A-Za-z0-9_]*) ]]; do
    names+=("${BASH_REMATCH[2]}")
    line=${line#*"${BASH_REMATCH[0]}"}
  done
done <"$config"

random_secret() {
  local s=
  while ((${#s} < 24)); do s=$(openssl rand -base64 36 | tr -d '/+=\n'); done
  printf '%s' "${s:0:32}"
}
added=()
for name in "${names[@]}"; do
  [[ -n ${secret[$name]:-} ]] && continue
  if [[ $name == RELAIS_DATABASE_URL ]]; then
    value="postgres://relais:${secret[RELAIS_DATABASE_PASSWORD]}@127.0.0.1:5432/relais"
  elif [[ $name == RELAIS_OSTICKET_DATABASE_URL ]]; then
    value="mysql://relais_osticket:${secret[RELAIS_OSTICKET_DB_PASSWORD]}@127.0.0.1:3306/osticket"
  else
    value=$(random_secret)
  fi
  if [[ ! -f $secrets ]]; then
    (umask 077 && printf '# Relais secrets, generated by scripts/setup.sh. Never regenerated: edit with care\n# (phones and the database are configured with these values).\n' >"$secrets")
  fi
  printf '%s=%s\n' "$name" "$value" >>"$secrets"
  secret[$name]=$value
  added+=("$name")
done
((${#added[@]})) && say "generated secret(s) in $secrets: ${added[*]}"
[[ $(stat -c %a "$secrets") == 600 ]] || { chmod 600 "$secrets"; say "made $secrets mode 600"; }

# --- PostgreSQL role and database ----------------------------------------------------------------
db_password=${secret[RELAIS_DATABASE_PASSWORD]}
db_check() {
  [[ $(PGPASSWORD=$db_password PGCONNECT_TIMEOUT=5 psql -X -At -h 127.0.0.1 -p 5432 -U relais -d relais -c \
    "select r.rolcanlogin and r.rolcreatedb and d.datdba = r.oid from pg_roles r, pg_database d
     where r.rolname = current_user and d.datname = current_database()" 2>/dev/null) == t ]]
}
if ! db_check; then
  ((EUID == 0)) || command -v sudo >/dev/null 2>&1 ||
    die "cannot log in as relais on 127.0.0.1:5432, and creating or updating that role needs root: run as root, or install sudo"
  [[ $db_password =~ ^[A-Za-z0-9]+$ ]] ||
    die "RELAIS_DATABASE_PASSWORD in $secrets must be letters and digits only (it is also inside RELAIS_DATABASE_URL)"
  state=$(as_postgres psql -X -At -p 5432 -d postgres -c \
    "select exists(select from pg_roles where rolname = 'relais'), exists(select from pg_database where datname = 'relais')") ||
    die "could not connect to PostgreSQL as the postgres user"
  log=$(newlog pg)
  as_postgres psql -X -q -p 5432 -d postgres >"$log" 2>&1 <<SQL || fail_with_log "creating the relais role and database failed" "$log"
\set ON_ERROR_STOP on
\set pw '$db_password'
SELECT 'CREATE ROLE relais' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'relais') \gexec
ALTER ROLE relais WITH LOGIN CREATEDB PASSWORD :'pw';
SELECT 'CREATE DATABASE relais OWNER relais' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'relais') \gexec
ALTER DATABASE relais OWNER TO relais;
SQL
  rm -f "$log"
  case $state in
    'f|f') say "created PostgreSQL role and database relais" ;;
    't|f') say "created PostgreSQL database relais (role relais updated)" ;;
    'f|t') say "created PostgreSQL role relais (owner of database relais)" ;;
    *) say "updated PostgreSQL role relais (password, LOGIN, CREATEDB) and database owner" ;;
  esac
  db_check || die "still cannot log in as relais on 127.0.0.1:5432 with the password from $secrets (check pg_hba.conf allows scram-sha-256 for host 127.0.0.1)"
fi

# --- MariaDB: the helpdesk's database (osTicket's tables, read by Relais) ------------------------
# The demo's osTicket stand-in writes there; tests create a fresh `osticket_test_*` database each.
password=${secret[RELAIS_OSTICKET_DB_PASSWORD]}
[[ $password =~ ^[A-Za-z0-9]+$ ]] || die "RELAIS_OSTICKET_DB_PASSWORD in $secrets must be letters and digits only"
user=relais_osticket
# `ping` exits 0 whenever a server answers, even when it refuses this user: only liveness counts.
mariadb_ping() { mariadb-admin --no-defaults --protocol=tcp -h 127.0.0.1 -P 3306 -u ping --connect-timeout=2 ping; }
if ! mariadb_ping >/dev/null 2>&1; then
  ((EUID == 0)) || die "MariaDB does not answer on 127.0.0.1:3306, and starting it needs root"
  [[ -x /usr/bin/mysqld_safe ]] || die "mysqld_safe is missing (apt-get install mariadb-server)"
  t=$(now)
  datadir=$(/usr/sbin/mariadbd --print-defaults | tr ' ' '\n' | sed -n 's/^--datadir=//p' | tail -n 1)
  datadir=${datadir:-/var/lib/mysql}
  if [[ ! -d $datadir/mysql ]]; then
    # What Debian's postinst runs on a new installation.
    say "initialising the MariaDB data directory $datadir"
    log=$(newlog mariadb)
    TMPDIR= mariadb-install-db --rpm --cross-bootstrap --user=mysql --disable-log-bin --skip-test-db >"$log" 2>&1 ||
      fail_with_log "mariadb-install-db failed" "$log"
    rm -f "$log"
  fi
  say "starting MariaDB on 127.0.0.1:3306"
  install -m 755 -o mysql -g root -d /run/mysqld
  install -m 2750 -o mysql -g adm -d /var/log/mysql
  mariadb_log=/var/log/mysql/error.log
  # Debian's config sends the log to syslog, which no daemon collects here: use a file instead.
  # The daemon must not keep any descriptor of ours (a caller's flock, a pipe that a caller
  # waits on), so all above 2 are closed before it starts.
  (
    cd /
    for fd in /proc/$BASHPID/fd/*; do
      n=${fd##*/}
      ((n > 2)) && eval "exec $n>&-" 2>/dev/null || true
    done
    exec setsid /usr/bin/mysqld_safe --skip-syslog --log-error="$mariadb_log" --bind-address=127.0.0.1 \
      --port=3306 </dev/null >/dev/null 2>&1
  ) &
  wait_for 60 mariadb_ping || fail_with_log "MariaDB did not answer on 127.0.0.1:3306 within 60 s" "$mariadb_log"
  say "MariaDB is up ($(elapsed_since "$t"))"
fi

grants_ok() {
  local grants
  grants=$(MYSQL_PWD=$password mariadb --no-defaults --protocol=tcp -h 127.0.0.1 -P 3306 -u "$user" \
    --connect-timeout=5 -N -B -r -e 'SHOW GRANTS FOR CURRENT_USER; USE osticket' 2>/dev/null) || return 1
  [[ $grants == *'ON `osticket`.*'* && $grants == *'ON `osticket\_test\_%`.*'* ]]
}
if ! grants_ok; then
  ((EUID == 0)) || command -v sudo >/dev/null 2>&1 || die "creating the MariaDB user $user needs root"
  log=$(newlog mariadb)
  # Root logs in through the Unix socket (unix_socket authentication, Debian's default).
  as_root mariadb --no-defaults -u root >"$log" 2>&1 <<SQL || fail_with_log "creating database osticket and user $user failed" "$log"
CREATE DATABASE IF NOT EXISTS \`osticket\`;
CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$password';
CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$password';
ALTER USER '$user'@'127.0.0.1' IDENTIFIED BY '$password';
ALTER USER '$user'@'localhost' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON \`osticket\`.* TO '$user'@'127.0.0.1', '$user'@'localhost';
GRANT ALL PRIVILEGES ON \`osticket\\_test\\_%\`.* TO '$user'@'127.0.0.1', '$user'@'localhost';
SQL
  rm -f "$log"
  grants_ok || die "still cannot log in as $user on 127.0.0.1:3306 with the given password, or its grants are missing"
  say "MariaDB database osticket and user $user ready"
fi

((did)) && say "done in $(elapsed_since "$t0")"
exit 0
