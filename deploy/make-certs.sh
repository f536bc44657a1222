#!/usr/bin/env bash
# Makes the private CA and one certificate per Compose service for
# deploy/docker-compose.tls.yml, with openssl (Debian's `openssl` package).
#
#   deploy/make-certs.sh [DIR]      (default: deploy/tls, next to this script)
#
# Writes DIR/ca.pem (give it to clients: curl --cacert DIR/ca.pem) and, for
# every service, DIR/<service>.pem and DIR/<service>.key: EC P-256, valid
# 825 days, subjectAltName DNS:<service> (the name the others call it by on
# the Compose networks), DNS:localhost and IP:127.0.0.1 (the health check and
# the router's published port), usable as server and client certificate
# (members ask each other for one: mutual TLS). DIR/ca.key stays on the host.
#
# Idempotent: an existing CA and certificates are kept (delete DIR to start
# again; a new CA means new certificates for everyone). When run as root the
# keys are given to uid 10001 (the image's user) with mode 0400; otherwise it
# prints the chown to run.
set -euo pipefail

dir=${1:-$(cd "$(dirname "$0")" && pwd)/tls}
readonly days=825
services=(router router-2)
for shard in 0 1 2; do
    for member in primary replica-1 replica-2; do
        services+=("shard-$shard-$member")
    done
done

command -v openssl >/dev/null || { echo "make-certs: needs openssl (apt install openssl)" >&2; exit 1; }
mkdir -p "$dir"
chmod 0755 "$dir"
umask 077
new_key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)

if [ ! -f "$dir/ca.pem" ] || [ ! -f "$dir/ca.key" ]; then
    openssl req -x509 "${new_key[@]}" -keyout "$dir/ca.key" -out "$dir/ca.pem" -days "$days" \
        -subj "/CN=PeaceDB Compose CA" 2>/dev/null
    chmod 0644 "$dir/ca.pem"
    for service in "${services[@]}"; do rm -f "$dir/$service.pem" "$dir/$service.key"; done
    echo "make-certs: new CA $dir/ca.pem"
fi

made=0
for service in "${services[@]}"; do
    [ -f "$dir/$service.pem" ] && [ -f "$dir/$service.key" ] && continue
    extensions=$(mktemp)
    printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n' "$service" >"$extensions"
    openssl req "${new_key[@]}" -keyout "$dir/$service.key" -out "$dir/$service.csr" -subj "/CN=$service" 2>/dev/null
    openssl x509 -req -in "$dir/$service.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
        -days "$days" -extfile "$extensions" -out "$dir/$service.pem" 2>/dev/null
    rm -f "$dir/$service.csr" "$extensions"
    chmod 0644 "$dir/$service.pem"
    chmod 0400 "$dir/$service.key"
    made=$((made + 1))
done

if [ "$(id -u)" -eq 0 ]; then
    for service in "${services[@]}"; do chown 10001:10001 "$dir/$service.key"; done
else
    echo "make-certs: give the keys to the image's user: sudo chown 10001:10001 $dir/*.key (ca.key excluded: sudo chown \$USER $dir/ca.key)"
fi
echo "make-certs: $made certificate(s) made, ${#services[@]} in $dir"
