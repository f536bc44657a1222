#!/usr/bin/env bash
# The cost of TLS: the write benchmark through a router over one replica set
# of 3 members (peacedb-cluster), once with plain HTTP and once with
# `up --tls` (HTTPS between client and router and between every pair of
# processes, mutual TLS between members), ROUNDS times alternately in one
# sitting so that both see the same machine; prints each run and the medians.
#
#   tests/bench/tls-bench.sh [BUILD_DIR] [ROUNDS] [SECONDS] [BASE_PORT]
set -euo pipefail

build=${1:-build}
rounds=${2:-3}
seconds=${3:-10}
port=${4:-19400}
cluster="$build/bin/peacedb-cluster"
bench="$build/bin/peacedb-bench"
work=$(mktemp -d /tmp/peacedb-tlsbench.XXXXXX)
launcher=0
cleanup() {
    if [ "$launcher" -ne 0 ]; then kill "$launcher" 2>/dev/null || true; wait "$launcher" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

number() { # json field
    { grep -o "\"$2\":[-0-9.e+]*" <<<"$1" || true; } | head -1 | cut -d: -f2
}

run() { # tls(0|1) round
    local dir="$work/c$1-$2" scheme=http tlsOption=() caOption=() curlCa=()
    if [ "$1" -eq 1 ]; then
        scheme=https tlsOption=(--tls) caOption=(--ca-file "$dir/tls/ca.pem") curlCa=(--cacert "$dir/tls/ca.pem")
    fi
    "$cluster" up --shards 1 --replicas 2 --port "$port" --data "$dir" "${tlsOption[@]}" > "$dir.log" 2>&1 &
    launcher=$!
    for _ in $(seq 1 300); do grep -q "peacedb-cluster: up:" "$dir.log" 2>/dev/null && break; sleep 0.1; done
    grep -q "peacedb-cluster: up:" "$dir.log" || { cat "$dir.log"; exit 1; }
    curl -sf "${curlCa[@]}" -H "Authorization: Bearer $(cat "$dir/token")" -X PUT "$scheme://127.0.0.1:$port/v1/db/bench" > /dev/null
    local json
    json=$("$bench" --url "$scheme://127.0.0.1:$port" --mode write --connections 32 --duration "$seconds" --warmup 2 \
        --token-file "$dir/token" "${caOption[@]}" --json | grep '^{' | tail -1)
    kill "$launcher"; wait "$launcher" || true; launcher=0
    local p50 p99
    p50=$(number "$(grep -o '"write":{[^{}]*}' <<<"$json")" p50)
    p99=$(number "$(grep -o '"write":{[^{}]*}' <<<"$json")" p99)
    printf '%s round %d: %.0f writes/s, p50 %s ms, p99 %s ms\n' "$([ "$1" -eq 1 ] && echo "TLS  " || echo "plain")" "$2" \
        "$(number "$json" requestsPerSecond)" "$p50" "$p99"
}

results=()
for round in $(seq 1 "$rounds"); do
    results+=("$(run 0 "$round")")
    echo "${results[-1]}"
    results+=("$(run 1 "$round")")
    echo "${results[-1]}"
done
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
plain=$(printf '%s\n' "${results[@]}" | grep '^plain' | awk '{ print $4 }' | median)
tls=$(printf '%s\n' "${results[@]}" | grep '^TLS' | awk '{ print $4 }' | median)
echo "median writes/s: plain $plain, TLS $tls (TLS/plain $(awk -v a="$tls" -v b="$plain" 'BEGIN { printf "%.2f", a / b }'))"
