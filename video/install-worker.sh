#!/usr/bin/env bash
# Provides a mediasoup worker binary that runs on this machine (DESIGN.md §3 and §6).
#
#   bash video/install-worker.sh [--quiet]
#   bash video/install-worker.sh --npm-env
#
# mediasoup's npm postinstall downloads a prebuilt worker from GitHub into
# node_modules/mediasoup/worker/out/Release/. When that worker is there, or MEDIASOUP_WORKER_BIN
# names an executable, there is nothing to do. Otherwise the worker is built from the mediasoup
# package's own sources (node_modules/mediasoup/worker) against Debian's libraries, in a copy in a
# temporary build directory, and installed as
#   /opt/relais/mediasoup-worker/<mediasoup version>/mediasoup-worker                (root)
#   $RELAIS_HOME/mediasoup-worker/<mediasoup version>/mediasoup-worker               (others;
#     RELAIS_HOME defaults to ${XDG_STATE_HOME:-~/.local/state}/relais)
# only when it is missing, does not run, or was built by another recipe (the stamp file next to
# it). The build dependencies missing from the machine are installed first (apt, as root or
# through sudo; meson >= 1.1 from bookworm-backports on bookworm, whose own meson is 1.0).
# About 3 minutes on 2 cores. video/worker-bin.ts finds the binary at run time.
#
# Idempotent; prints one line saying what it did (with --quiet: nothing when there was nothing
# to do). A failed build keeps its log next to the cache directory and says where.
#
# --npm-env prints what `npm ci` needs in its environment on this machine: when mediasoup's
# prebuilt worker cannot be downloaded from here, MEDIASOUP_WORKER_BIN=<where this script puts
# the build>, which makes mediasoup's postinstall skip the download and its own fallback build
# (that one fetches meson and every library from PyPI and GitHub, and fails the whole `npm ci`
# without them). Prints nothing when the download works. Used by scripts/setup.sh.
#
# Environment: MEDIASOUP_WORKER_BIN (mediasoup's own: a worker to use instead), RELAIS_HOME,
# RELAIS_DEBIAN_MIRROR (default http://deb.debian.org/debian, for bookworm-backports),
# MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL (mediasoup's own, for --npm-env).
set -Eeuo pipefail
trap 'echo "video/install-worker.sh: error: line $LINENO: $BASH_COMMAND failed" >&2' ERR

t0=${EPOCHREALTIME//[!0-9]/}   # microseconds (whatever the locale's decimal separator)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
quiet=0
mode=install
for arg in "$@"; do
  case $arg in
    --quiet) quiet=1 ;;
    --npm-env) mode=npm-env ;;
    -h|--help) sed -n '2,31p' "$0"; exit 0 ;;
    *) echo "video/install-worker.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

die() { echo "video/install-worker.sh: error: $*" >&2; exit 1; }
say() { echo "mediasoup-worker: $*" >&2; }
elapsed() { local d=$((${EPOCHREALTIME//[!0-9]/} - t0)); printf '%d.%02d' $((d / 1000000)) $((d % 1000000 / 10000)); }
as_root() {
  if ((EUID == 0)); then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo -- "$@"
  else die "installing the worker's build dependencies needs root: run as root, or install sudo"
  fi
}

if ((EUID == 0)); then
  cache=/opt/relais/mediasoup-worker
else
  cache=${RELAIS_HOME:-${XDG_STATE_HOME:-$HOME/.local/state}/relais}/mediasoup-worker
fi
mediasoup=$root/node_modules/mediasoup
prebuilt=$mediasoup/worker/out/Release/mediasoup-worker

# A worker runs when it exits with 41: it starts, finds no MEDIASOUP_VERSION (only set by
# mediasoup's Node side) and stops. A missing shared library gives 127 instead.
runs() { local rc=0; env -u MEDIASOUP_VERSION "$1" </dev/null >/dev/null 2>&1 || rc=$?; ((rc == 41)); }

# --- --npm-env: before npm ci, so from package-lock.json ------------------------------------------
if [[ $mode == npm-env ]]; then
  [[ -z ${MEDIASOUP_WORKER_BIN:-} ]] || exit 0   # npm inherits it: the postinstall skips already
  lock=$(<"$root/package-lock.json")
  [[ $lock =~ \"node_modules/mediasoup\":\ \{[[:space:]]*\"version\":\ \"([^\"]+)\" ]] || exit 0
  version=${BASH_REMATCH[1]}
  # The name mediasoup's npm-scripts.mjs asks for (getWorkerPrebuildTarName), under its base URL.
  name=$(node -e 'const os = require("os");
    const k = os.platform() === "linux" ? `-kernel${os.release().split(".")[0]}` : "";
    process.stdout.write(`mediasoup-worker-${process.argv[1]}-${os.platform()}-${os.arch()}${k}.tgz`);' "$version")
  base=${MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL:-https://github.com/versatica/mediasoup/releases/download}
  if ! curl -fsSL -r 0-0 --max-time 20 -o /dev/null "$base/$version/$name" 2>/dev/null; then
    echo "MEDIASOUP_WORKER_BIN=$cache/$version/mediasoup-worker"
  fi
  exit 0
fi

# --- Nothing to do? ----------------------------------------------------------------------------------
[[ -f $mediasoup/package.json ]] || die "$mediasoup is missing: run npm ci first"
[[ $(<"$mediasoup/package.json") =~ \"version\":\ *\"([^\"]+)\" ]] || die "no version in $mediasoup/package.json"
version=${BASH_REMATCH[1]}
dir=$cache/$version
bin=$dir/mediasoup-worker

if [[ -n ${MEDIASOUP_WORKER_BIN:-} && $MEDIASOUP_WORKER_BIN != "$bin" ]]; then
  [[ -x $MEDIASOUP_WORKER_BIN && -f $MEDIASOUP_WORKER_BIN ]] ||
    die "MEDIASOUP_WORKER_BIN=$MEDIASOUP_WORKER_BIN is not an executable file (unset it to use or build another worker)"
  ((quiet)) || echo "mediasoup-worker: using MEDIASOUP_WORKER_BIN=$MEDIASOUP_WORKER_BIN, checked in $(elapsed) s"
  exit 0
fi
if [[ -x $prebuilt ]]; then
  ((quiet)) || echo "mediasoup-worker: using mediasoup's prebuilt $prebuilt, checked in $(elapsed) s"
  exit 0
fi

# What a build takes, as (our) data: Debian packages, meson options, source changes, stub files.
packages=(g++ ninja-build pkg-config libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev
  libflatbuffers-dev flatbuffers-compiler)
# nodownload: every subproject is one of our stubs wrapping a Debian library (video/worker-build).
# liburing (kernel >= 6) would be one more download, and the worker works without it.
meson_args=(--buildtype release -Db_ndebug=true --wrap-mode=nodownload -Dms_disable_liburing=true)
# The DTLS BIO callback compares the operation with BIO_CB_RETURN, but OpenSSL sends
# BIO_CB_RETURN | <operation>, so the callback answers 1 to every control query on the way back.
# Debian's OpenSSL enables kernel TLS and asks the BIO whether it does kTLS: the worker says yes
# and crashes on its first DTLS write. A bit test is what was meant.
bio_file=src/RTC/DtlsTransport.cpp
bio_old='(operationType == BIO_CB_RETURN)'
bio_new='(operationType & BIO_CB_RETURN)'
stubs=$here/worker-build
recipe=$(cd "$stubs" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
stamp="relais mediasoup worker 1
mediasoup: $version
meson: ${meson_args[*]}
patch: $bio_file: $bio_old -> $bio_new
stubs: $recipe"
stamp_file=$dir/.relais-stamp

up_to_date() { [[ -f $stamp_file && "$(<"$stamp_file")" == "$stamp" && -x $bin ]] && runs "$bin"; }
if up_to_date; then
  ((quiet)) || echo "mediasoup-worker: $bin up to date (mediasoup $version), checked in $(elapsed) s"
  exit 0
fi

# --- Build ---------------------------------------------------------------------------------------
for tool in flock tar sha256sum; do command -v "$tool" >/dev/null 2>&1 || die "$tool is missing"; done
mkdir -p "$cache"
exec {lock_fd}>"$cache/.lock"
flock -n "$lock_fd" || { say "waiting for another build in $cache"; flock -w 1200 "$lock_fd"; } ||
  die "another build holds $cache/.lock for more than 20 minutes"
up_to_date && exit 0   # built by the run we waited for

did=()
log=$cache/$version.build.log   # kept when the build fails
: >"$log"
fail() { tail -n 30 "$log" >&2 || true; die "$1 (full log: $log)"; }

# Build dependencies: the missing ones only.
declare -A installed=()
while read -r name status; do
  [[ $status == ii ]] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do [[ -n ${installed[$p]:-} ]] || missing+=("$p"); done
meson_ok() { local v; v=$(meson --version 2>/dev/null) && dpkg --compare-versions "$v" ge 1.1; }
if ! meson_ok; then
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  if [[ $codename == bookworm ]]; then
    missing+=(meson/bookworm-backports)
    if ! grep -rqsE '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
      mirror=${RELAIS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
      # Check-Valid-Until: no, as for the Asterisk chroot: the archive here can be a frozen copy.
      printf '%s\n' '# Added by Relais (video/install-worker.sh): meson >= 1.1 to build the mediasoup worker.' \
        'Types: deb' "URIs: $mirror" 'Suites: bookworm-backports' 'Components: main' \
        'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' 'Check-Valid-Until: no' |
        as_root tee /etc/apt/sources.list.d/relais-bookworm-backports.sources >/dev/null
      did+=("added bookworm-backports to apt's sources")
    fi
  else
    missing+=(meson)
  fi
fi
if ((${#missing[@]})); then
  say "installing build dependencies: ${missing[*]}"
  t=${EPOCHREALTIME//[!0-9]/}
  # As scripts/setup.sh: some configured sources may be unreachable; the install says if that mattered.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update >>"$log" 2>&1 ||
    echo "apt-get update reported errors; trying the install anyway" >>"$log"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y \
    --no-install-recommends "${missing[@]}" >>"$log" 2>&1 || fail "apt-get install ${missing[*]} failed"
  t=$((${EPOCHREALTIME//[!0-9]/} - t))
  did+=("installed ${missing[*]} (with their dependencies) in $((t / 1000000)) s")
fi
meson_ok || die "meson >= 1.1 is needed, found: $(meson --version 2>&1 | head -n 1)"

# The sources, copied: node_modules is never changed.
for stale in "$cache"/build.*; do [[ -e $stale ]] && rm -rf -- "$stale"; done
tree=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf -- "$tree"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
tar -C "$mediasoup/worker" --exclude=./out --exclude=./prebuild --exclude=./pip_invoke -cf - . | tar -C "$tree" -xf -
rm -f "$tree"/subprojects/*.wrap
cp -R "$stubs/subprojects/." "$tree/subprojects/"
content=$(<"$tree/$bio_file")$'\n'
if [[ $content != *"$bio_new"* ]]; then   # (a later mediasoup may have the fix)
  rest=${content#*"$bio_old"}
  [[ $rest != "$content" && $rest != *"$bio_old"* ]] ||
    die "mediasoup $version's $bio_file no longer has exactly one '$bio_old': check whether its DTLS BIO callback still needs the fix"
  printf '%s' "${content/"$bio_old"/"$bio_new"}" >"$tree/$bio_file"
fi

say "building mediasoup $version's worker with Debian's libraries (about 3 minutes)..."
jobs=$(nproc 2>/dev/null || echo 2)
# The FlatBuffers headers first: the worker's sources include them, but meson does not order
# their compilation after the generator. (&&: errexit does not apply left of ||.)
{
  (cd "$tree" && meson setup "${meson_args[@]}" out) &&
    meson compile -C "$tree/out" flatbuffers-generator &&
    meson compile -C "$tree/out" -j "$jobs" mediasoup-worker
} >>"$log" 2>&1 || fail "building the worker failed"
runs "$tree/out/mediasoup-worker" || fail "the new worker does not start (ldd: $(ldd "$tree/out/mediasoup-worker" 2>&1 | grep -c 'not found') libraries not found)"

mkdir -p "$dir"
cp "$tree/out/mediasoup-worker" "$bin.tmp.$$"
mv -f "$bin.tmp.$$" "$bin"
printf '%s\n' "$stamp" >"$stamp_file.tmp.$$"
mv -f "$stamp_file.tmp.$$" "$stamp_file"   # last: a stamp vouches for the binary beside it
rm -f "$log"
msg="built $bin (mediasoup $version, $(du -h "$bin" | cut -f1)) in $(elapsed) s"
for part in "${did[@]}"; do msg+="; $part"; done
echo "mediasoup-worker: $msg"
