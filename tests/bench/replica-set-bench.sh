#!/usr/bin/env bash
# Benchmarks a 3-member replica set on this machine (127.0.0.1, ports
# BASE..BASE+2): single-document writes through the primary (WriteQuorum 2,
# fsync on), then how fast a replica that was down catches up.
#
#   tests/bench/replica-set-bench.sh [BUILD_DIR] [CATCHUP_DOCS] [BASE_PORT]
#
# Needs only bash, curl, grep and sed. Stops every process it starts.
set -euo pipefail

build=${1:-build}
catchupDocs=${2:-100000}
base=${3:-29101}
server="$build/bin/peacedb-server"
bench="$build/bin/peacedb-bench"
work=$(mktemp -d /tmp/peacedb-rsbench.XXXXXX)
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

echo "0123456789abcdef0123456789abcdef" > "$work/token"
token=$(cat "$work/token")
cat > "$work/set.json" <<JSON
{
  "Server": {"Role": "node"},
  "Sharding": {
    "Enabled": true, "ShardCount": 1,
    "Replication": {"Enabled": true, "ReplicaCount": 2, "WriteQuorum": 2,
                    "FailoverTimeoutMs": 2000, "HeartbeatIntervalMs": 200},
    "Shards": [{"Id": 0, "Primary": "http://127.0.0.1:$base",
                "Replicas": ["http://127.0.0.1:$((base + 1))", "http://127.0.0.1:$((base + 2))"]}]
  }
}
JSON

start() { # member
    local port=$((base + $1))
    PEACEDB_NODE_SELF="http://127.0.0.1:$port" "$server" --config "$work/set.json" --data "$work/n$1" \
        --listen "127.0.0.1:$port" --token-file "$work/token" >> "$work/n$1.log" 2>&1 &
    pids[$1]=$!
}

field() { # port name
    curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$1/v1/_replication/state" \
        | grep -o "\"$2\":[0-9]*" | head -1 | sed 's/.*://'
}

waitFor() { # description command...
    local description=$1; shift
    for _ in $(seq 1 600); do
        if "$@"; then return 0; fi
        sleep 0.1
    done
    echo "timed out waiting for $description" >&2
    exit 1
}

isPrimary() { curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$base/v1/_replication/state" | grep -q '"role":"primary"'; }

for member in 0 1 2; do start $member; done
waitFor "a primary" isPrimary
echo "== single-document writes, 32 connections, WriteQuorum 2"
"$bench" --url "http://127.0.0.1:$base" --mode write --connections 32 --duration 10 --token-file "$work/token"

echo "== catch-up of a replica that was down for $catchupDocs writes"
kill -9 "${pids[2]}"
"$bench" --url "http://127.0.0.1:$base" --mode ingest --total "$catchupDocs" --connections 4 --bulk-size 1000 --token-file "$work/token" \
    | grep -E "throughput|documents"
target=$(field "$base" lastSeq)
started=$(date +%s.%N)
start 2
caughtUp() { [ "$(field $((base + 2)) appliedSeq)" = "$target" ]; }
waitFor "the replica to catch up" caughtUp
finished=$(date +%s.%N)
seconds=$(echo "$finished - $started" | bc -l 2>/dev/null || awk "BEGIN{print $finished - $started}")
awk -v entries="$catchupDocs" -v s="$seconds" \
    'BEGIN { printf "caught up %d entries (applied) in %.2f s, process start included: %.0f entries/s\n", entries, s, entries / s }'
