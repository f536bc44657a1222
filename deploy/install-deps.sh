#!/usr/bin/env bash
# Installs the Debian 12 packages PeaceDB needs to build, run and test, and
# the npm packages of the two validators tests run with node (the Kubernetes
# manifests', deploy/kubernetes/validate, and the OpenAPI document's,
# tests/openapi/validator), pinned by their package-lock.json files.
# Idempotent: installs only what is missing, and does nothing (not even
# `apt-get update`) when everything is already there. Uses sudo when not root.
set -euo pipefail

packages=(
    # toolchain
    build-essential cmake ninja-build pkg-config
    # Qt 6: Core, Network, HttpServer (needs WebSockets), Sql with the SQLite
    # driver (SQLite with FTS5 and JSON functions), Test
    qt6-base-dev qt6-httpserver-dev qt6-websockets-dev libqt6sql6-sqlite
    # the same SQLite the Qt driver uses, for the storage writer's C-API statements
    libsqlite3-dev
    # the management console needs only Widgets (in qt6-base-dev); its
    # charts are drawn with QPainter
    # used by tests and the README examples; Xvfb for console screenshots;
    # docker-compose only validates deploy/docker-compose.replication.yml
    # (no Docker engine is needed for `docker-compose config`)
    curl util-linux procps xvfb xauth docker-compose
    # the fault-injection tests cut links between processes with nftables
    # rules on cgroups, and close their open connections with ss; fiu-run and
    # fiu-ctrl make a member's fsync fail (storage-fault tests)
    nftables iproute2 fiu-utils
    # peacedb-cluster up --tls makes its CA and certificates with openssl
    openssl
    # deploy/failover-drill.sh reads the cluster's status and events with jq
    jq
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

# The validators run on node and are installed with npm; the Kubernetes one
# renders with `kubectl kustomize`. Looked for by command, not by package: a
# machine may have them from other packages than Debian's (Node.js's own
# nodejs bundles npm).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    missing+=(nodejs npm)
fi
if ! command -v kubectl >/dev/null; then
    missing+=(kubernetes-client)
fi

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages are installed"
else
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "install-deps: run as root or install sudo" >&2; exit 1; }
        sudo="sudo"
    fi
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The validators' npm packages, at the versions of their package-lock.json,
# so that the tests install nothing when they run.
root="$(cd "$(dirname "$0")/.." && pwd)"
for validator in "$root/deploy/kubernetes/validate" "$root/tests/openapi/validator"; do
    if [ ! -d "$validator/node_modules" ]; then
        echo "install-deps: installing the npm packages of $validator"
        npm ci --prefix "$validator" --no-audit --no-fund --loglevel=error
    fi
done
