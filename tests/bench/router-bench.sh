#!/usr/bin/env bash
# Benchmarks a local sharded cluster through its router on this machine:
# `peacedb-cluster up --shards 3 --replicas 2` (WriteQuorum 2, fsync on, the
# built-in failover timings unless PEACEDB_* variables in the environment say
# otherwise) in a temporary directory, on a free port base, then
#
#   1. single-document writes through the router, 32 connections;
#   2. with --soak S: S seconds of the same load, then checks that the router
#      neither detected a failure nor promoted a member meanwhile;
#   3. with --backup N: N documents ingested (bulk, 4 connections), then
#      `peacedb-cluster backup` while 32 connections write; the router's
#      write counter (/metrics) gives the writes/s of the 10 s before the
#      backup and of the backup itself; then `verify` and `restore` of the
#      backup, timed;
#   4. failover: --runs times (0: not at all), SIGKILL to one shard's primary
#      while writers write to that shard, timed to the first acknowledged
#      write; every acknowledged write must be readable afterwards
#      (peacedb-bench --mode failover).
#
# Prints a Markdown table for README's Benchmarks section at the end.
#
#   tests/bench/router-bench.sh [--build DIR] [--port P] [--duration S]
#                               [--runs N] [--shard S] [--soak S] [--backup N]
#
# --port P: router on P, members on P+1..P+9, supervisor on P-1 (default:
# the first free base from 29000 on, below the ephemeral port range). Needs bash, coreutils, curl, grep,
# sed, awk and ss. Exits non-zero when a bench fails, an acknowledged write is lost or a
# failover happens during the soak (missed performance targets are only
# reported). Stops every process it starts; keeps the cluster directory
# (logs) when something failed.
set -euo pipefail

build=build
port=
duration=10
runs=10
shard=0
soak=0
backupDocs=0
while [ $# -gt 0 ]; do
    case $1 in
        --build) build=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --duration) duration=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --shard) shard=$2; shift 2 ;;
        --soak) soak=$2; shift 2 ;;
        --backup) backupDocs=$2; shift 2 ;;
        -h|--help) sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "router-bench.sh: unknown argument '$1' (try --help)" >&2; exit 1 ;;
    esac
done

cluster="$build/bin/peacedb-cluster"
bench="$build/bin/peacedb-bench"
for binary in "$cluster" "$bench"; do
    [ -x "$binary" ] || { echo "router-bench.sh: $binary is missing; build first (--build DIR)" >&2; exit 1; }
done

# Whether ports P-1 .. P+9 are free: no TCP socket of any state uses one as
# its local port (they may lie in the ephemeral range of outgoing
# connections, which a listener cannot share).
portsFree() { # base
    local used
    used=$(ss -Htan | awk '{ n = split($4, a, ":"); print a[n] }' | sort -u)
    for p in $(seq $(($1 - 1)) $(($1 + 9))); do
        if grep -qx "$p" <<<"$used"; then return 1; fi
    done
}
nextFreeBase() { # first candidate
    for candidate in $(seq "$1" 16 64000); do
        if portsFree "$candidate"; then echo "$candidate"; return 0; fi
    done
    echo "router-bench.sh: no free port base from $1 on" >&2
    return 1
}
choosePort=
if [ -z "$port" ]; then
    choosePort=yes
    port=$(nextFreeBase 29000)
elif ! portsFree "$port"; then
    echo "router-bench.sh: a port of $((port - 1))..$((port + 9)) is in use" >&2
    exit 1
fi

work=$(mktemp -d /tmp/peacedb-routerbench.XXXXXX)
dir="$work/cluster"
launcher=

cleanup() {
    local status=$?
    if [ -n "$launcher" ] && kill -0 "$launcher" 2>/dev/null; then
        kill -TERM "$launcher" # stops the router, then every member
        for _ in $(seq 1 300); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$launcher" 2>/dev/null || true
    fi
    wait 2>/dev/null || true
    # Processes the launcher could not stop (it was killed): by the pids it
    # wrote, when they are still this cluster's.
    if [ -f "$dir/cluster.json" ]; then
        for pid in $(grep -o '"pid": *[0-9]*' "$dir/cluster.json" | grep -o '[0-9]*$'); do
            if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/"; then
                kill -9 "$pid" 2>/dev/null || true
            fi
        done
    fi
    if [ "$status" -eq 0 ]; then
        rm -rf "$work"
    else
        echo "router-bench.sh: failed; the cluster directory and logs are kept in $dir" >&2
    fi
}
trap cleanup EXIT

waitFor() { # description seconds command...
    local description=$1 seconds=$2; shift 2
    for _ in $(seq 1 $((seconds * 10))); do
        if "$@"; then return 0; fi
        kill -0 "$launcher" 2>/dev/null || { echo "peacedb-cluster exited:" >&2; cat "$work/launcher.log" >&2; exit 1; }
        sleep 0.1
    done
    echo "router-bench.sh: timed out waiting for $description" >&2
    exit 1
}

admin() { # path
    curl -sf -H "Authorization: Bearer $(cat "$dir/token")" "$router$1"
}

# Healthy and with a member that says it is primary: a router reports a
# shard healthy for FailoverTimeoutMs after its start, before any election.
allShardsHealthy() {
    [ -f "$dir/token" ] || return 1
    local answer
    answer=$(admin /v1/_cluster/status) || return 1
    [ "$(occurrences '"healthy":true' "$answer")" -eq 3 ] && [ "$(occurrences '"role":"primary"' "$answer")" -ge 3 ]
}

# Runs peacedb-bench with --json: its report on stdout, the JSON line
# (the last one) in the variable named first.
runBench() { # variable arguments...
    local variable=$1 output="$work/bench.out"
    shift
    local status=0
    "$bench" "$@" --json > "$output" || status=$?
    grep -v '^{' "$output" || true
    printf -v "$variable" '%s' "$(grep '^{' "$output" | tail -1)"
    return "$status"
}

# number: the value of "field" in a flat JSON text (the first one).
number() { # json field
    { grep -o "\"$2\":[-0-9.e+]*" <<<"$1" || true; } | head -1 | cut -d: -f2
}
# How many times `pattern` occurs in `text`.
occurrences() { # pattern text
    { grep -o "$1" <<<"$2" || true; } | wc -l
}
# The value of "field" inside the flat object "name":{...}.
nested() { # json name field
    number "$({ grep -o "\"$2\":{[^{}]*}" <<<"$1" || true; } | head -1)" "$3"
}
# CPU time (clock ticks) used so far by the cluster's processes whose name
# matches the regular expression (names and pids from cluster.json).
clusterTicks() { # name-regex
    local total=0 pid
    for pid in $(awk -v re="$1" '/"name":/ { gsub(/[",]/, "", $2); name = $2 }
                                 /"pid":/ { gsub(/,/, "", $2); if (name ~ re && $2 ~ /^[0-9]+$/) print $2 }' \
                     "$dir/cluster.json"); do
        total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}
# Each member's entries per fsynced transaction since it started.
groupCommit() {
    local name url line=
    while read -r name url; do
        line+="$name $(format '%.1f' "$(number "$(curl -sf -H "Authorization: Bearer $(cat "$dir/token")" "$url/v1/_stats")" averageBatchEntries)"), "
    done < <(awk '/"name":/ { gsub(/[",]/, "", $2); name = $2 }
                  /"url":/ { gsub(/[",]/, "", $2); if (name ~ /^shard/) print name, $2 }' "$dir/cluster.json")
    echo "${line%, }"
}
# Busy and total clock ticks of the whole machine.
machineTicks() {
    awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat
}
format() { # printf-format value
    awk -v v="$2" "BEGIN { printf \"$1\", v }"
}
ms() { format '%.0f' "$1"; }
seconds() { format '%.2f' "$(awk -v v="$1" 'BEGIN { print v / 1000 }')"; }

# Starts the cluster; a port taken between the check and the start (by an
# outgoing connection) means the next free base when the port was not given.
for attempt in 1 2 3 4 5; do
    rm -rf "$dir"
    router="http://127.0.0.1:$port"
    "$cluster" up --shards 3 --replicas 2 --port "$port" --data "$dir" --backup-root "$work" > "$work/launcher.log" 2>&1 &
    launcher=$!
    for _ in $(seq 1 20); do
        kill -0 "$launcher" 2>/dev/null && [ ! -f "$dir/cluster.json" ] || break
        sleep 0.1
    done
    if kill -0 "$launcher" 2>/dev/null || [ -z "$choosePort" ] || ! grep -q "already in use" "$work/launcher.log"; then
        break
    fi
    wait "$launcher" || true
    launcher=
    port=$(nextFreeBase $((port + 16)))
done
supervisor="http://127.0.0.1:$((port - 1))"
waitFor "a healthy 3 x 3 cluster on port $port" 120 allShardsHealthy
clusterStatus=$(admin /v1/_cluster/status)
echo "== cluster: 3 shards x 3 members, router $router, WriteQuorum 2, fsync on;" \
     "FailoverTimeoutMs $(number "$clusterStatus" failoverTimeoutMs)," \
     "HealthCheckIntervalMs $(number "$clusterStatus" healthCheckIntervalMs)" \
     "$(env | grep '^PEACEDB_' | tr '\n' ' ' || true)"

echo "== single-document writes through the router, 32 connections, $duration s"
# CPU per write: process CPU times and the writes applied (the database's
# seq over all shards) from before the warm-up to the end.
curl -sf -H "Authorization: Bearer $(cat "$dir/token")" -X PUT "$router/v1/db/bench" > /dev/null
seqBefore=$(number "$(admin /v1/db/bench/_seq)" seq)
routerBefore=$(clusterTicks '^router$'); membersBefore=$(clusterTicks '^shard'); read -r busyBefore allBefore <<<"$(machineTicks)"
runBench writeJson --url "$router" --mode write --connections 32 --duration "$duration" --token-file "$dir/token"
routerTicks=$(($(clusterTicks '^router$') - routerBefore)); memberTicks=$(($(clusterTicks '^shard') - membersBefore))
read -r busyAfter allAfter <<<"$(machineTicks)"
writesApplied=$(($(number "$(admin /v1/db/bench/_seq)" seq) - seqBefore))
writeRate=$(number "$writeJson" requestsPerSecond)
writeFailed=$(number "$writeJson" requestsFailed)
cpuLine=$(awk -v r="$routerTicks" -v m="$memberTicks" -v b="$((busyAfter - busyBefore))" -v a="$((allAfter - allBefore))" \
              -v n="$writesApplied" -v hz="$(getconf CLK_TCK)" -v cores="$(nproc)" 'BEGIN {
    us = 1e6 / hz / (n > 0 ? n : 1)
    printf "CPU per write (%d writes, warm-up included): router %.0f us, the 9 members %.0f us together; the machine was %.0f %% busy over %d cores (the bench and anything else included)",
           n, r * us, m * us, (a > 0 ? 100 * b / a : 0), cores }')
echo "$cpuLine"
echo "entries per fsynced transaction (averageBatchEntries): $(groupCommit)"

soakRow=
soakFailed=0
if [ "$soak" != 0 ]; then
    echo "== $soak s of full write load (32 connections), no faults"
    firstEvent=$(number "$(admin /v1/_cluster/status)" lastEventId)
    runBench soakJson --url "$router" --mode write --connections 32 --warmup 0 --duration "$soak" --token-file "$dir/token"
    events=
    since=$firstEvent
    while :; do
        page=$(admin "/v1/_cluster/events?limit=1000&since=$since")
        last=$(number "$page" lastId)
        [ "$last" = "$since" ] && break
        events+=$page
        since=$last
    done
    kinds=$({ grep -o '"kind":"[a-z-]*"' <<<"$events" || true; } | cut -d'"' -f4 | sort | uniq -c \
                | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')
    detected=$(occurrences '"kind":"detected"' "$events")
    promoted=$(occurrences '"kind":"promoted"' "$events")
    echo "router events during the soak: ${kinds:-none}"
    soakFailed=$((detected + promoted))
    if [ "$soakFailed" -eq 0 ]; then verdict="met"; else verdict="**failed**"; fi
    soakRow="| $soak s of full write load through the router (32 connections), no faults | **$detected detected, $promoted promoted**; $(format '%.0f' "$(number "$soakJson" requestsPerSecond)") writes/s, $(number "$soakJson" requestsFailed) failed requests | no failover — $verdict |"
fi

backupRow=
backupStatus=0
if [ "$backupDocs" != 0 ]; then
    echo "== backup of $backupDocs documents while 32 connections write"
    runBench ingestJson --url "$router" --mode ingest --db archive --total "$backupDocs" --connections 4 --bulk-size 1000 \
        --token-file "$dir/token"
    # Every write the router answered so far (all codes), from /metrics.
    routerWrites() {
        curl -sf "$router/metrics" | awk '/^peacedb_http_requests_total\{/ && /route="write"/ { n += $NF } END { printf "%d", n }'
    }
    nowMs() { date +%s%3N; }
    "$bench" --url "$router" --mode write --connections 32 --warmup 0 --duration 3600 --token-file "$dir/token" \
        > "$work/backup-load.out" 2>&1 &
    load=$!
    sleep 5
    writesBefore=$(routerWrites); msBefore=$(nowMs)
    sleep 10
    writesStart=$(routerWrites); msStart=$(nowMs)
    "$cluster" backup --to "$work/backup" --data "$dir" | tee "$work/backup.out" || backupStatus=$?
    writesEnd=$(routerWrites); msEnd=$(nowMs)
    kill "$load" 2>/dev/null || true
    wait "$load" 2>/dev/null || true
    if [ "$backupStatus" -eq 0 ]; then
        backupBytes=$(du -sb "$work/backup" | cut -f1)
        verifyStart=$(nowMs)
        "$cluster" verify --from "$work/backup" || backupStatus=$?
        verifyMs=$(($(nowMs) - verifyStart))
        restoreStart=$(nowMs)
        "$cluster" restore --from "$work/backup" --data "$work/restored" --port $((port + 100)) > "$work/restore.out" || backupStatus=$?
        restoreMs=$(($(nowMs) - restoreStart))
        rateBefore=$(awk -v n=$((writesStart - writesBefore)) -v ms=$((msStart - msBefore)) 'BEGIN { printf "%.0f", 1000 * n / ms }')
        rateDuring=$(awk -v n=$((writesEnd - writesStart)) -v ms=$((msEnd - msStart)) 'BEGIN { printf "%.0f", 1000 * n / ms }')
        backupSeconds=$(sed -n 's/.* complete: .* in \([0-9.]*\) s;.*/\1/p' "$work/backup.out")
        backupRow="| backup of $backupDocs documents ($(format '%.2f' "$(awk -v b="$backupBytes" 'BEGIN { print b / 1e9 }')") GB in 3 shard copies) while 32 connections write through the router; then \`verify\` and \`restore\` (9 members) | **backup $backupSeconds s** (the router's time; the command returned after $(seconds $((msEnd - msStart))) s); writes **$rateDuring/s during the backup** against $rateBefore/s in the 10 s before; verify $(seconds "$verifyMs") s, restore $(seconds "$restoreMs") s | — |"
    fi
fi

failoverStatus=0
if [ "$runs" != 0 ]; then
    echo "== failover: kill -9 of shard $shard's primary, $runs runs"
    runBench failoverJson --url "$router" --mode failover --token-file "$dir/token" --supervisor "$supervisor" \
        --shard "$shard" --runs "$runs" || failoverStatus=$?
fi

meets() { # awk condition with v1, v2
    awk -v v1="$2" -v v2="${3:-0}" "BEGIN { exit !($1) }"
}

p50=$(nested "$writeJson" write p50); p95=$(nested "$writeJson" write p95)
p99=$(nested "$writeJson" write p99); pmax=$(nested "$writeJson" write max)
if meets 'v1 >= 5500 && v2 <= 15' "$writeRate" "$p99"; then writeVerdict=met; else writeVerdict="**missed**"; fi

echo
echo "| workload | result | target |"
echo "|---|---|---|"
echo "| single-document writes through the router, 32 connections, $duration s | **$(format '%.0f' "$writeRate") writes/s**, p50 $(format '%.1f' "$p50") ms, p95 $(format '%.1f' "$p95") ms, p99 $(format '%.1f' "$p99") ms, max $(format '%.1f' "$pmax") ms, $writeFailed failed | ≥ 5,500/s, p99 ≤ 15 ms — $writeVerdict |"
if [ "$runs" = 0 ]; then
    :
elif [ "$failoverStatus" -eq 0 ] || [ "$failoverStatus" -eq 3 ]; then
    failoverJson=$(sed 's/"runs":\[[^]]*\]//' <<<"$failoverJson") # the totals only
    median=$(nested "$failoverJson" failoverMs median); max=$(nested "$failoverJson" failoverMs max)
    count=$(nested "$failoverJson" failoverMs count)
    lost=$(( $(number "$failoverJson" lost) + $(number "$failoverJson" unverified) ))
    acknowledged=$(number "$failoverJson" acknowledged)
    if meets 'v1 <= 300 && v2 <= 500' "$median" "$max" && [ "$lost" -eq 0 ]; then failoverVerdict=met; else failoverVerdict="**missed**"; fi
    echo "| failover: \`kill -9\` of shard $shard's primary under writes → first acknowledged write ($count runs) | median **$(seconds "$median") s**, max **$(seconds "$max") s** (detection median $(ms "$(nested "$failoverJson" detectedMs median)") ms after the kill, promotion $(ms "$(nested "$failoverJson" detectToPromoteMs median)") ms, first write $(ms "$(nested "$failoverJson" promotedToFirstWriteMs median)") ms after it); **$lost of $acknowledged** acknowledged writes lost | median ≤ 0.3 s, max ≤ 0.5 s, none lost — $failoverVerdict |"
else
    echo "| failover: \`kill -9\` of shard $shard's primary | **the bench failed** (exit $failoverStatus) | median ≤ 0.3 s, max ≤ 0.5 s |"
fi
[ -z "$soakRow" ] || echo "$soakRow"
[ -z "$backupRow" ] || echo "$backupRow"

[ "$writeFailed" -eq 0 ] || echo "router-bench.sh: $writeFailed writes failed during the write benchmark" >&2
[ "$soakFailed" -eq 0 ] || { echo "router-bench.sh: the router failed a shard over during the soak" >&2; exit 1; }
[ "$backupStatus" -eq 0 ] || { echo "router-bench.sh: the backup, its verification or its restore failed" >&2; exit 1; }
[ "$failoverStatus" -eq 0 ] || { echo "router-bench.sh: the failover bench failed (exit $failoverStatus)" >&2; exit 1; }
