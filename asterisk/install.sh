#!/usr/bin/env bash
# Installs Asterisk 22 from Debian's own packages into a chroot (DESIGN.md §3 and §6).
#
#   bash asterisk/install.sh [--quiet] [CHROOT_DIR]
#
# CHROOT_DIR defaults to $RELAIS_ASTERISK_CHROOT, else /opt/relais/asterisk.
# Idempotent: the chroot is (re)built only when it is missing or its stamp file
# (CHROOT_DIR/.relais-stamp: package list, suites, mirror) differs from what this script wants.
# A build goes to a temporary directory next to CHROOT_DIR and is renamed into place only
# once complete and verified, so an interrupted install never leaves a chroot that looks
# complete. Afterwards (and on every run, cheaply): /etc/hosts and /etc/resolv.conf are copied
# in, CHROOT_DIR/var/lib/relais (where instances live) exists, and proc is mounted at
# CHROOT_DIR/proc. Prints one line saying what it did and how long it took (with --quiet:
# nothing when there was nothing to do).
#
# Environment: RELAIS_ASTERISK_CHROOT, RELAIS_ASTERISK_SUITES (default "forky sid": the first
# suite that builds wins), RELAIS_DEBIAN_MIRROR (default http://deb.debian.org/debian).
set -Eeuo pipefail
trap 'echo "asterisk/install.sh: error: line $LINENO: $BASH_COMMAND failed" >&2' ERR

t0=${EPOCHREALTIME//[!0-9]/}   # microseconds (whatever the locale's decimal separator)
quiet=0
dir=
for arg in "$@"; do
  case $arg in
    --quiet) quiet=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "asterisk/install.sh: unknown option: $arg" >&2; exit 2 ;;
    *) [[ -z $dir ]] || { echo "asterisk/install.sh: one CHROOT_DIR only" >&2; exit 2; }; dir=$arg ;;
  esac
done
dir=${dir:-${RELAIS_ASTERISK_CHROOT:-/opt/relais/asterisk}}
[[ $dir == /* ]] || dir=$PWD/$dir
dir=${dir%/}
[[ -n $dir && $dir != / ]] || { echo "asterisk/install.sh: refusing to use / as the chroot" >&2; exit 2; }

read -r -a suites <<<"${RELAIS_ASTERISK_SUITES:-forky sid}"
mirror=${RELAIS_DEBIAN_MIRROR:-http://deb.debian.org/debian}
# asterisk-modules carries every module (app_voicemail, codec_opus_open_source, ...);
# asterisk-prompt-fr-armelle is the France-French voice (it conflicts with asterisk-core-sounds-fr,
# the Canadian one); sox is Asterisk's Recommends, which mmdebstrap does not install by itself.
packages=(asterisk asterisk-modules asterisk-prompt-fr-armelle asterisk-moh-opsound-gsm sox)
stamp="relais asterisk chroot 2 (asterisk user with the host's asterisk ids)
packages: ${packages[*]}
suites: ${suites[*]}
mirror: $mirror"
stamp_file=$dir/.relais-stamp

die() { echo "asterisk/install.sh: error: $*" >&2; exit 1; }
elapsed() { local d=$((${EPOCHREALTIME//[!0-9]/} - t0)); printf '%d.%02d' $((d / 1000000)) $((d % 1000000 / 10000)); }
is_root() { ((EUID == 0)); }

# The Asterisk version in chroot $1 ("22.10.1+dfsg..."), or nothing.
asterisk_version() {
  local out
  out=$(chroot "$1" /usr/sbin/asterisk -V 2>/dev/null) || return 0
  [[ $out =~ ^Asterisk\ (22\.[^[:space:]]*) ]] && printf '%s' "${BASH_REMATCH[1]}"
  return 0
}

same_file() { [[ -f $2 && ! -L $2 ]] && [[ "$(<"$1")" == "$(<"$2")" ]]; }

# Everything present? (No side effects; cheap: a few stats and, as root, one `asterisk -V`.)
stamp_ok() {
  [[ -f $stamp_file && -x $dir/usr/sbin/asterisk ]] && [[ "$(<"$stamp_file")" == "$stamp" ]] || return 1
  if is_root; then [[ -n $(asterisk_version "$dir") ]]; fi
}
extras_ok() {
  [[ -d $dir/var/lib/relais ]] && mountpoint -q "$dir/proc" || return 1
  same_file /etc/hosts "$dir/etc/hosts" || return 1
  [[ ! -e /etc/resolv.conf ]] || same_file /etc/resolv.conf "$dir/etc/resolv.conf"
}

# Debian's asterisk package creates its system user inside the chroot with the first free id
# there (101), which on the host usually belongs to someone else (postgres, on a machine with
# PostgreSQL): Asterisk would then run as the host's postgres uid, able to signal PostgreSQL and
# owning files as postgres. Give the chroot's asterisk user the ids of a host system user
# "asterisk" instead (created when missing; a native Asterisk install would reuse it).
align_asterisk_ids() {
  local r=$1 huid hgid cuid cgid other
  if ! getent passwd asterisk >/dev/null; then
    getent group asterisk >/dev/null || groupadd --system asterisk
    useradd --system --gid asterisk --no-create-home --home-dir /var/lib/asterisk \
      --shell /usr/sbin/nologin --comment "Asterisk PBX (Relais chroot)" asterisk
  fi
  huid=$(id -u asterisk) hgid=$(id -g asterisk)
  cuid=$(chroot "$r" id -u asterisk) cgid=$(chroot "$r" id -g asterisk)
  [[ $huid == "$cuid" && $hgid == "$cgid" ]] && return 0
  other=$(chroot "$r" getent passwd "$huid" | cut -d: -f1 || true)
  [[ -z $other || $other == asterisk ]] || die "uid $huid (the host's asterisk) is $other in the chroot"
  other=$(chroot "$r" getent group "$hgid" | cut -d: -f1 || true)
  [[ -z $other || $other == asterisk ]] || die "gid $hgid (the host's asterisk) is $other in the chroot"
  find "$r" -xdev -uid "$cuid" -exec chown -h "$huid" {} +
  find "$r" -xdev -gid "$cgid" -exec chgrp -h "$hgid" {} +
  chroot "$r" groupmod -g "$hgid" asterisk
  chroot "$r" usermod -u "$huid" -g "$hgid" asterisk
}

# Unmounts whatever is mounted at or below $1, deepest first.
unmount_below() {
  local m
  awk -v p="$1" '$2 == p || index($2, p "/") == 1 { print $2 }' /proc/self/mounts | sort -r |
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
}
# Removes a directory tree that may hold mounts (proc, or a half-done mmdebstrap's).
remove_tree() {
  [[ -e $1 ]] || return 0
  unmount_below "$1"
  rm -rf --one-file-system -- "$1"
}

if stamp_ok && extras_ok; then
  if ((!quiet)); then
    v=$(is_root && asterisk_version "$dir" || true)
    echo "asterisk: $dir up to date${v:+ (Asterisk $v)}, checked in $(elapsed) s"
  fi
  exit 0
fi

if ! is_root; then
  command -v sudo >/dev/null 2>&1 ||
    die "the Asterisk chroot at $dir needs work and that needs root: run as root or install sudo"
  exec sudo -- env RELAIS_ASTERISK_SUITES="${suites[*]}" RELAIS_DEBIAN_MIRROR="$mirror" \
    bash "$0" $( ((quiet)) && echo --quiet) "$dir"
fi
for tool in mmdebstrap chroot mountpoint flock; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (apt-get install mmdebstrap util-linux coreutils)"
done

parent=$(dirname "$dir")
mkdir -p "$parent"
exec {lock_fd}>"$dir.lock"
flock -n "$lock_fd" || { echo "asterisk: waiting for another install into $dir" >&2; flock -w 1200 "$lock_fd"; } || die "another install holds $dir.lock for more than 20 minutes"

did=()
built=
if ! stamp_ok; then   # (again: another run may have built it while we waited for the lock)
  # Leftovers of interrupted builds or replacements: never complete, always safe to drop.
  for stale in "$dir".tmp.* "$dir".old.*; do
    [[ -e $stale ]] && remove_tree "$stale"
  done
  tmp=$(mktemp -d "$dir.tmp.XXXXXX")
  trap 'remove_tree "$tmp"' EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  chmod 755 "$tmp"
  log=$dir.build.log   # kept when the build fails
  : >"$log"
  include=$(IFS=,; echo "${packages[*]}")
  echo "asterisk: building $dir with mmdebstrap (${suites[0]}; 1 to 2 minutes)..." >&2
  suite_used=
  for suite in "${suites[@]}"; do
    echo "== mmdebstrap $suite $(date -u +%FT%TZ)" >>"$log"
    if mmdebstrap --mode=root --variant=apt \
        --aptopt='Acquire::Check-Valid-Until "false"' \
        --include="$include" "$suite" "$tmp" "$mirror" >>"$log" 2>&1; then
      suite_used=$suite
      break
    fi
    # An interrupted mmdebstrap (Ctrl-C, TERM) also fails: stop there rather than try the next suite.
    grep -qE 'received signal (INT|TERM|HUP)' "$log" && die "mmdebstrap was interrupted; log: $log"
    remove_tree "$tmp"
    mkdir -m 755 "$tmp"
  done
  if [[ -z $suite_used ]]; then
    tail -n 25 "$log" >&2
    die "mmdebstrap failed for every suite (${suites[*]}); full log: $log"
  fi
  version=$(asterisk_version "$tmp")
  [[ -n $version ]] || die "the new chroot's 'asterisk -V' does not print Asterisk 22.x: $(chroot "$tmp" /usr/sbin/asterisk -V 2>&1 | head -n 1); log: $log"
  align_asterisk_ids "$tmp"
  printf 'suite: %s\nasterisk: %s\nasterisk user: %s\nbuilt: %s\n' "$suite_used" "$version" \
    "$(chroot "$tmp" id asterisk)" "$(date -u +%FT%TZ)" >"$tmp/.relais-build-info"
  printf '%s\n' "$stamp" >"$tmp/.relais-stamp"   # written last: a chroot with a stamp is complete
  mkdir -p "$tmp/var/lib/relais"

  old=
  if [[ -e $dir || -L $dir ]]; then
    old=$dir.old.$$
    unmount_below "$dir"
    mv -T -- "$dir" "$old"
  fi
  mv -T -- "$tmp" "$dir"
  trap - EXIT INT TERM
  if [[ -n $old ]]; then
    # Keep the instances (voicemail, recordings) of the chroot being replaced.
    if [[ -d $old/var/lib/relais ]]; then
      rmdir "$dir/var/lib/relais" 2>/dev/null || rm -rf --one-file-system -- "$dir/var/lib/relais"
      mv -T -- "$old/var/lib/relais" "$dir/var/lib/relais"
    fi
    remove_tree "$old"
  fi
  rm -f -- "$log"
  built="built $dir ($suite_used, Asterisk $version, $(du -sh --one-file-system "$dir" 2>/dev/null | cut -f1))"
  did+=("$built")
fi

if [[ ! -d $dir/var/lib/relais ]]; then mkdir -p "$dir/var/lib/relais"; did+=("created var/lib/relais"); fi
if ! same_file /etc/hosts "$dir/etc/hosts"; then
  cp --remove-destination /etc/hosts "$dir/etc/hosts"; [[ -n $built ]] || did+=("copied /etc/hosts")
fi
if [[ -e /etc/resolv.conf ]] && ! same_file /etc/resolv.conf "$dir/etc/resolv.conf"; then
  cp --remove-destination -L /etc/resolv.conf "$dir/etc/resolv.conf"; [[ -n $built ]] || did+=("copied /etc/resolv.conf")
fi
if ! mountpoint -q "$dir/proc"; then
  mkdir -p "$dir/proc"
  mount -t proc proc "$dir/proc" || die "could not mount proc at $dir/proc"
  did+=("mounted proc")
fi
version=$(asterisk_version "$dir")
[[ -n $version ]] || die "'chroot $dir asterisk -V' does not print Asterisk 22.x"

if ((${#did[@]})); then
  msg=${did[0]}
  for part in "${did[@]:1}"; do msg+="; $part"; done
  echo "asterisk: $msg in $(elapsed) s"
elif ((!quiet)); then
  echo "asterisk: $dir up to date (Asterisk $version), checked in $(elapsed) s"
fi
