#!/usr/bin/env bash
# Makes this host able to run the Compose deployment with podman (Debian 12),
# or says clearly why it cannot.
#
# Idempotent: where a container already runs (`podman run --rm
# docker.io/library/debian:12 true`, on the default bridge network), it
# changes nothing. Otherwise, as
# needed and in this order:
#   1. installs podman with netavark + aardvark-dns (container names resolve
#      on a Compose network) and iptables (netavark's firewall driver: without
#      it every bridge network fails with "netavark: No such file or
#      directory"), docker-compose (v1: it drives podman through
#      `podman system service`, see the README), podman-compose, debootstrap
#      and catatonit;
#   2. cgroup "hybrid mode" (cgroup v1 controllers and a cgroup2 mount side by
#      side): crun refuses it while the cgroup2 mount holds the hugetlb
#      controller; mounting hugetlb as a v1 hierarchy empties cgroup2;
#   3. rlimits: podman's default container rlimits (nofile 1048576) are above
#      the hard limits of some hosts, and crun then fails to start anything;
#      sets default_ulimits under [containers] in
#      /etc/containers/containers.conf to what this host allows, soft equal to
#      hard (podman 4.3's Docker-compatible API, which docker-compose talks to,
#      swaps the two and crun refuses a soft limit above the hard one);
#   4. no image registry: makes the base image docker.io/library/debian:12
#      with debootstrap (Debian's package mirror only) when it is absent.
# Then it runs a container to prove it works.
#
# Exit codes: 0 containers work; 77 this host cannot run containers (the
# reason is printed on stderr, prefixed "container-host-setup: cannot run
# containers:"); 1 anything else failed.
#
# Options: --check  change nothing, only say whether containers work
set -uo pipefail

readonly kCannot=77
readonly kBaseImage=docker.io/library/debian:12
readonly kConf=/etc/containers/containers.conf
check_only=false
[ "${1:-}" = "--check" ] && check_only=true

say() { echo "container-host-setup: $*"; }
cannot() {
    echo "container-host-setup: cannot run containers: $*" >&2
    exit "$kCannot"
}
fail() {
    echo "container-host-setup: $*" >&2
    exit 1
}

# A default_ulimits line whose nofile soft and hard limits differ: podman
# 4.3's Docker-compatible API swaps them, and every container docker-compose
# creates then fails ("crun: setrlimit RLIMIT_NOFILE: Invalid argument").
unequal_nofile() {
    local limits
    limits=$(grep -E '^[[:space:]]*default_ulimits[[:space:]]*=' "$kConf" 2>/dev/null | grep -oE 'nofile=[0-9]+:[0-9]+' | head -n 1)
    [ -n "$limits" ] && [ "${limits#nofile=}" != "${limits##*:}:${limits##*:}" ]
}

# The one proof that counts: a container starts on a bridge network (what
# Compose uses) and exits 0.
containers_work() {
    command -v podman >/dev/null 2>&1 \
        && podman image exists "$kBaseImage" 2>/dev/null \
        && podman run --rm "$kBaseImage" true >/dev/null 2>&1
}

if containers_work && command -v docker-compose >/dev/null 2>&1 && ! unequal_nofile; then
    say "containers work (podman $(podman --version | awk '{print $3}'), base image $kBaseImage present)"
    exit 0
fi
$check_only && cannot "podman or the base image $kBaseImage is missing, or a test container does not start (run $0 without --check)"

[ "$(uname -s)" = Linux ] || cannot "not Linux"
[ "$(id -u)" -eq 0 ] || cannot "needs root (rootful podman: this script mounts cgroups and edits /etc/containers)"
# A host whose namespaces cannot be made (a too-restricted sandbox) cannot
# run containers whatever is installed.
if command -v unshare >/dev/null 2>&1 && ! unshare --mount --pid --net --uts --ipc --fork true 2>/dev/null; then
    cannot "this host does not allow new namespaces (unshare --mount --pid --net --uts --ipc fails)"
fi

# --- 1. packages -------------------------------------------------------------
packages=(podman netavark aardvark-dns iptables catatonit docker-compose podman-compose debootstrap)
missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    command -v apt-get >/dev/null || cannot "podman is missing and this is not a Debian-like host (no apt-get)"
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # Other builds may hold the dpkg lock for a while: wait for it.
    if ! apt-get -o DPkg::Lock::Timeout=600 update -qq \
        || ! apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"; then
        cannot "apt-get could not install ${missing[*]} (no package mirror?)"
    fi
fi

# --- 2. cgroup hybrid mode with hugetlb on cgroup2 ---------------------------
unified=/sys/fs/cgroup/unified
if [ "$(stat -f -c %T /sys/fs/cgroup 2>/dev/null)" = tmpfs ] && [ -r "$unified/cgroup.controllers" ] \
    && grep -qw hugetlb "$unified/cgroup.controllers"; then
    if ! mountpoint -q /sys/fs/cgroup/hugetlb 2>/dev/null; then
        say "cgroup hybrid mode with hugetlb on cgroup2 (crun refuses it): mounting hugetlb as a v1 hierarchy"
        mkdir -p /sys/fs/cgroup/hugetlb 2>/dev/null
        mount -t cgroup -o hugetlb cgroup /sys/fs/cgroup/hugetlb \
            || cannot "cgroup2 holds hugetlb (crun refuses hybrid mode) and mounting it as v1 failed"
    fi
fi

# --- 3. rlimits ----------------------------------------------------------------
# podman asks for nofile 1048576 and nproc 4194304 by default (as root);
# above this host's hard limits the container fails to start.
hard_nofile=$(ulimit -Hn)
hard_nproc=$(ulimit -Hu)
if { [ "$hard_nofile" != unlimited ] && [ "$hard_nofile" -lt 1048576 ]; } \
    || { [ "$hard_nproc" != unlimited ] && [ "$hard_nproc" -lt 4194304 ]; }; then
    if ! grep -qE '^[[:space:]]*default_ulimits[[:space:]]*=' "$kConf" 2>/dev/null; then
        nofile=20000
        [ "$hard_nofile" != unlimited ] && [ "$hard_nofile" -lt "$nofile" ] && nofile=$hard_nofile
        nproc=4096
        [ "$hard_nproc" != unlimited ] && [ "$hard_nproc" -lt "$nproc" ] && nproc=$hard_nproc
        line="default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]"
        say "hard rlimits below podman's defaults (nofile $hard_nofile, nproc $hard_nproc): $line in $kConf"
        mkdir -p "$(dirname "$kConf")"
        if [ -f "$kConf" ] && grep -q '^\[containers\]' "$kConf"; then
            sed -i "/^\[containers\]/a $line" "$kConf"
        else
            printf '[containers]\n%s\n' "$line" >>"$kConf"
        fi
    fi
fi
if unequal_nofile; then
    say "nofile soft and hard limits differ in $kConf's default_ulimits: setting the soft one to the hard one"
    sed -i -E '/^[[:space:]]*default_ulimits/ s/nofile=[0-9]+:([0-9]+)/nofile=\1:\1/' "$kConf"
fi

# --- 4. the base image, without a registry -----------------------------------
if ! podman image exists "$kBaseImage"; then
    say "no $kBaseImage: making it with debootstrap --variant=minbase bookworm (a few minutes)"
    rootfs=$(mktemp -d /var/tmp/peacedb-debian12.XXXXXX) || fail "mktemp failed"
    trap 'rm -rf "$rootfs"' EXIT
    if ! debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$rootfs.log" 2>&1; then
        tail -5 "$rootfs.log" >&2
        rm -f "$rootfs.log"
        cannot "debootstrap of bookworm failed (no Debian mirror reachable?)"
    fi
    rm -f "$rootfs.log"
    # What Debian's own image drops: the package lists and caches.
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -c . | podman import --change 'CMD ["bash"]' - "$kBaseImage" >/dev/null \
        || fail "podman import of the debootstrap tree failed"
    rm -rf "$rootfs"
    trap - EXIT
fi

# --- the proof ---------------------------------------------------------------
if ! output=$(podman run --rm "$kBaseImage" true 2>&1); then
    cannot "a test container does not start: $(echo "$output" | tail -3)"
fi
say "containers work (podman $(podman --version | awk '{print $3}'), base image $kBaseImage)"
exit 0
