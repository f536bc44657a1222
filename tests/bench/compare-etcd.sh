#!/usr/bin/env bash
# PeaceDB against etcd, in one sitting, with one load generator.
#
#   tests/bench/compare-etcd.sh [--build DIR] [--duration S] [--runs N]
#                               [--connections C] [--base-port P] [--shapes LIST]
#
# Every shape gets the same load: `wrk -t1 -cC -dS --latency`, keep-alive,
# one request in flight per connection, each request a new key with a
# 1 KiB value, fsync on everywhere:
#   etcd          etcd 3.4 (Debian's etcd-server), 3 members on 127.0.0.1:
#                 POST /v3/kv/put {"key","value"} (base64) to the leader's
#                 client URL (its gRPC gateway);
#   standalone    one peacedb-server, role standalone;
#   replica-set   3 peacedb-server members (WriteQuorum 2), at the primary;
#   router-1x3    peacedb-cluster up --shards 1 --replicas 2, at the router;
#   router-3x3    peacedb-cluster up --shards 3 --replicas 2, at the router.
# PeaceDB: PUT /v1/db/bench/docs/<new id> {"data":{"value":"<1 KiB>"}}.
# Each shape runs N times; the table gives the median run's writes/s, p50
# and p99 (wrk's), the ratio of writes/s to etcd's, and the CPU per write
# (user + system time of the shape's own processes over the run, divided
# by the writes wrk saw answered 2xx; for PeaceDB's replica set, the sum
# over its members and router). A run with non-2xx answers or socket
# errors is reported as such.
#
# etcd comes from Debian's etcd-server package, unpacked into the script's
# temporary directory (`apt-get download` + `dpkg -x`): nothing is installed
# and no system service runs. wrk is installed with apt-get if missing.
# Every process the script starts is stopped when it ends.
set -euo pipefail

build=build
duration=10
runs=2
connections=32
base=29300
shapes="etcd standalone replica-set router-1x3 router-3x3"
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --base-port) base=$2; shift 2 ;;
        --shapes) shapes=$2; shift 2 ;;
        -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
        *) echo "compare-etcd.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
build=$(cd "$build" && pwd)
server="$build/bin/peacedb-server"
cluster="$build/bin/peacedb-cluster"
for binary in "$server" "$cluster"; do
    [ -x "$binary" ] || { echo "compare-etcd.sh: $binary is missing; build the project first" >&2; exit 2; }
done

work=$(mktemp -d /tmp/peacedb-vs-etcd.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.5
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# --- tools -------------------------------------------------------------------

if ! command -v wrk > /dev/null; then
    echo "== installing wrk (Debian)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk > "$work/apt-wrk.log" 2>&1 \
        || { cat "$work/apt-wrk.log" >&2; exit 1; }
fi
etcd=
if [[ " $shapes " == *" etcd "* ]]; then
    echo "== unpacking Debian's etcd-server into $work/etcd-pkg"
    (cd "$work" && apt-get download etcd-server > apt-etcd.log 2>&1) || { cat "$work/apt-etcd.log" >&2; exit 1; }
    dpkg -x "$work"/etcd-server_*.deb "$work/etcd-pkg"
    etcd="$work/etcd-pkg/usr/bin/etcd"
    [ -x "$etcd" ] || { echo "compare-etcd.sh: no etcd binary in the package" >&2; exit 1; }
fi

waitFor() { # description seconds command...
    local description=$1 seconds=$2; shift 2
    for _ in $(seq 1 $((seconds * 10))); do
        if "$@" 2> /dev/null; then return 0; fi
        sleep 0.1
    done
    echo "compare-etcd.sh: timed out waiting for $description" >&2
    exit 1
}

# Clock ticks (user + system) of these pids, summed.
ticks() {
    local total=0 pid fields
    for pid in "$@"; do
        if [ -r "/proc/$pid/stat" ]; then
            # Fields 14 and 15 after the command name (which may hold spaces).
            fields=$(sed 's/^.*) //' "/proc/$pid/stat")
            total=$((total + $(awk '{ print $12 + $13 }' <<<"$fields")))
        fi
    done
    echo "$total"
}

value=$(head -c 1024 < /dev/zero | tr '\0' 'v')
# Ids are new in every run: "w<run>-<n>" (the run comes as wrk's argument).
cat > "$work/peacedb.lua" <<LUA
local n = 0
local prefix = "w"
local body = '{"data":{"value":"$value"}}'
init = function(args) prefix = "w" .. (args[1] or "0") .. "-" end
request = function()
    n = n + 1
    return wrk.format("PUT", "/v1/db/bench/docs/" .. prefix .. n, nil, body)
end
LUA
valueBase64=$(printf '%s' "$value" | base64 -w0)
cat > "$work/etcd.lua" <<LUA
local n = 0
-- base64 of "k" followed by the counter, computed by hand: etcd wants bytes.
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function base64(text)
    return ((text:gsub('.', function(c)
        local bits, byte = '', c:byte()
        for i = 8, 1, -1 do bits = bits .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and '1' or '0') end
        return bits
    end) .. '0000'):gsub('%d%d%d?%d?%d?%d?', function(bits)
        if #bits < 6 then return '' end
        local c = 0
        for i = 1, 6 do c = c + (bits:sub(i, i) == '1' and 2 ^ (6 - i) or 0) end
        return alphabet:sub(c + 1, c + 1)
    end) .. ({ '', '==', '=' })[#text % 3 + 1])
end
local prefix = "k"
init = function(args) prefix = "k" .. (args[1] or "0") .. "-" end
request = function()
    n = n + 1
    return wrk.format("POST", "/v3/kv/put", nil, '{"key":"' .. base64(prefix .. n) .. '","value":"$valueBase64"}')
end
LUA

# One wrk run against URL with SCRIPT (a header, the run's number for the
# keys); prints
# "writes/s p50-ms p99-ms answered errors".
load() { # url script header run
    local out
    if [ -n "$3" ]; then
        out=$(wrk -t1 -c"$connections" -d"${duration}s" --latency -s "$2" -H "$3" "$1" -- "$4")
    else
        out=$(wrk -t1 -c"$connections" -d"${duration}s" --latency -s "$2" "$1" -- "$4")
    fi
    echo "$out" >> "$work/wrk.log"
    awk '
        function ms(text) {
            if (text ~ /us$/) return substr(text, 1, length(text) - 2) / 1000
            if (text ~ /ms$/) return substr(text, 1, length(text) - 2) + 0
            if (text ~ /s$/) return substr(text, 1, length(text) - 1) * 1000
            return text + 0
        }
        /^ +50%/ { p50 = ms($2) }
        /^ +99%/ { p99 = ms($2) }
        /requests in/ { requests = $1 }
        /Requests\/sec/ { rate = $2 }
        /Non-2xx/ { bad += $NF }
        /Socket errors/ { gsub(/,/, ""); bad += $4 + $6 + $8 + $10 }
        END { printf "%.0f %.2f %.2f %d %d\n", rate, p50, p99, requests - bad, bad }' <<<"$out"
}

results="$work/results"
: > "$results"
# Runs the load RUNS times; one line per run into $results:
# "shape writes/s p50 p99 cpu-us-per-write errors".
measure() { # shape url script header pids...
    local shape=$1 url=$2 script=$3 header=$4; shift 4
    local run before after line rate p50 p99 answered bad
    for run in $(seq 1 "$runs"); do
        before=$(ticks "$@")
        line=$(load "$url" "$script" "$header" "$run")
        after=$(ticks "$@")
        read -r rate p50 p99 answered bad <<<"$line"
        awk -v s="$shape" -v r="$rate" -v a="$p50" -v b="$p99" -v t="$((after - before))" -v n="$answered" -v e="$bad" \
            -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%s %s %s %s %.0f %d\n", s, r, a, b, (n > 0 ? t * 1e6 / hz / n : 0), e }' >> "$results"
        echo "   run $run: $rate writes/s, p50 $p50 ms, p99 $p99 ms, $bad errors"
    done
}

token="0123456789abcdef0123456789abcdef"
echo "$token" > "$work/token"
auth="Authorization: Bearer $token"

stopAll() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do
        for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    pids=()
}

# --- etcd --------------------------------------------------------------------

runEtcd() {
    local cluster="" i
    for i in 0 1 2; do cluster+="e$i=http://127.0.0.1:$((base + 10 + i)),"; done
    for i in 0 1 2; do
        "$etcd" --name "e$i" --data-dir "$work/etcd-$i" \
            --listen-client-urls "http://127.0.0.1:$((base + i))" --advertise-client-urls "http://127.0.0.1:$((base + i))" \
            --listen-peer-urls "http://127.0.0.1:$((base + 10 + i))" --initial-advertise-peer-urls "http://127.0.0.1:$((base + 10 + i))" \
            --initial-cluster "${cluster%,}" --initial-cluster-state new --initial-cluster-token peacedb-bench \
            > "$work/etcd-$i.log" 2>&1 &
        pids+=($!)
    done
    local leader=""
    etcdLeader() {
        local i status
        for i in 0 1 2; do
            status=$(curl -sf -X POST -d '{}' "http://127.0.0.1:$((base + i))/v3/maintenance/status") || return 1
            if [ "$(grep -o '"member_id":"[0-9]*"' <<<"$status")" = "$(grep -o '"leader":"[0-9]*"' <<<"$status" | sed 's/leader/member_id/')" ]; then
                leader="http://127.0.0.1:$((base + i))"
                return 0
            fi
        done
        return 1
    }
    waitFor "an etcd leader" 30 etcdLeader
    echo "== etcd 3.4, 3 members, leader $leader ($("$etcd" --version | head -1))"
    measure etcd "$leader" "$work/etcd.lua" "" "${pids[@]}"
    stopAll
}

# --- PeaceDB -----------------------------------------------------------------

createDatabase() { curl -sf -X PUT -H "$auth" "$1/v1/db/bench" > /dev/null; }

runStandalone() {
    local url="http://127.0.0.1:$base"
    "$server" --role standalone --data "$work/standalone" --listen "127.0.0.1:$base" --token-file "$work/token" \
        > "$work/standalone.log" 2>&1 &
    pids+=($!)
    waitFor "the standalone node" 30 createDatabase "$url"
    echo "== PeaceDB standalone node"
    measure standalone "$url" "$work/peacedb.lua" "$auth" "${pids[@]}"
    stopAll
}

runReplicaSet() {
    cat > "$work/set.json" <<JSON
{
  "Server": {"Role": "node"},
  "Sharding": {
    "Enabled": true, "ShardCount": 1,
    "Replication": {"Enabled": true, "ReplicaCount": 2, "WriteQuorum": 2},
    "Shards": [{"Id": 0, "Primary": "http://127.0.0.1:$base",
                "Replicas": ["http://127.0.0.1:$((base + 1))", "http://127.0.0.1:$((base + 2))"]}]
  }
}
JSON
    local i primary=""
    for i in 0 1 2; do
        PEACEDB_NODE_SELF="http://127.0.0.1:$((base + i))" "$server" --config "$work/set.json" --data "$work/set-$i" \
            --listen "127.0.0.1:$((base + i))" --token-file "$work/token" > "$work/set-$i.log" 2>&1 &
        pids+=($!)
    done
    findPrimary() {
        local i
        for i in 0 1 2; do
            if curl -sf -H "$auth" "http://127.0.0.1:$((base + i))/v1/_replication/state" | grep -q '"writable":true'; then
                primary="http://127.0.0.1:$((base + i))"
                return 0
            fi
        done
        return 1
    }
    waitFor "a writable primary" 60 findPrimary
    createDatabase "$primary"
    echo "== PeaceDB replica set of 3 (WriteQuorum 2), at the primary $primary"
    measure replica-set "$primary" "$work/peacedb.lua" "$auth" "${pids[@]}"
    stopAll
}

runRouter() { # shards
    local shards=$1 dir="$work/cluster-$1" port=$((base + 1)) launcher
    "$cluster" up --shards "$shards" --replicas 2 --port "$port" --data "$dir" > "$work/cluster-$shards.log" 2>&1 &
    launcher=$!
    pids+=("$launcher")
    ready() { curl -sf "http://127.0.0.1:$port/healthz" | grep -q '"status":"ok"'; }
    waitFor "a ready $shards x 3 cluster" 120 ready
    local clusterToken processes
    clusterToken=$(cat "$dir/token")
    curl -sf -X PUT -H "Authorization: Bearer $clusterToken" "http://127.0.0.1:$port/v1/db/bench" > /dev/null
    # The router and every member (the launcher only supervises).
    processes=$(pgrep -P "$launcher" | tr '\n' ' ')
    echo "== PeaceDB router + $shards shard(s) x 3, at the router http://127.0.0.1:$port"
    # shellcheck disable=SC2086
    measure "router-${shards}x3" "http://127.0.0.1:$port" "$work/peacedb.lua" "Authorization: Bearer $clusterToken" $processes
    stopAll
}

for shape in $shapes; do
    case "$shape" in
        etcd) runEtcd ;;
        standalone) runStandalone ;;
        replica-set) runReplicaSet ;;
        router-1x3) runRouter 1 ;;
        router-3x3) runRouter 3 ;;
        *) echo "compare-etcd.sh: unknown shape $shape" >&2; exit 2 ;;
    esac
done

# --- the table ---------------------------------------------------------------

echo
echo "wrk -t1 -c$connections -d${duration}s, a new key with a 1 KiB value per request, fsync on; median of $runs run(s) by writes/s"
awk -v shapes="$shapes" '
    { rate[$1, ++count[$1]] = $2; line[$1, count[$1]] = $0 }
    END {
        n = split(shapes, order, " ")
        for (i = 1; i <= n; ++i) {
            s = order[i]; c = count[s]
            # The median run by writes/s (the lower middle one for an even count).
            for (a = 1; a <= c; ++a) idx[a] = a
            for (a = 1; a <= c; ++a) for (b = a + 1; b <= c; ++b)
                if (rate[s, idx[b]] < rate[s, idx[a]]) { t = idx[a]; idx[a] = idx[b]; idx[b] = t }
            median[s] = line[s, idx[int((c + 1) / 2)]]
            all[s] = ""
            for (a = 1; a <= c; ++a) all[s] = all[s] (a > 1 ? ", " : "") rate[s, a]
        }
        split(median["etcd"], e, " ")
        printf "| shape | writes/s (runs) | p50 ms | p99 ms | ratio to etcd | CPU per write | errors |\n"
        printf "|---|---|---|---|---|---|---|\n"
        for (i = 1; i <= n; ++i) {
            s = order[i]; split(median[s], m, " ")
            ratio = (e[2] > 0 ? sprintf("%.2f", m[2] / e[2]) : "-")
            printf "| %s | %s (%s) | %s | %s | %s | %s us | %s |\n", s, m[2], all[s], m[3], m[4], ratio, m[5], m[6]
        }
    }' "$results"
