#!/usr/bin/env bash
# PeaceDB failover drill: shows, against a real deployment, what the cluster
# promises — a killed primary is replaced within about a second, no
# acknowledged write is lost, the killed member comes back and catches up,
# and a stopped primary hands off gracefully.
#
#   deploy/failover-drill.sh                       # the Compose stack, in containers
#   deploy/failover-drill.sh --local [--bin DIR]   # the local launcher (peacedb-cluster)
#
# Steps: bring the cluster up and wait until it is ready; create a
# database; write continuously through the router (one client, each write
# retried until the cluster acknowledges it, as a client would); kill shard
# 0's primary (SIGKILL: `kill -9` of its process, or `kill` through the
# container engine); print the timeline (detected, promoted, first write)
# and the outage the writer saw; bring the killed member back (the engine's
# restart policy, or `peacedb-cluster start`) and show it caught up; stop
# the new primary (SIGTERM) to show the graceful hand-off and its outage;
# verify every acknowledged write is readable; tear everything down (with
# its volumes) unless --keep.
#
# Options:
#   --local              run against peacedb-cluster instead of containers
#   --bin DIR            where peacedb-cluster and peacedb-server are (local;
#                        default: build/bin of this repository)
#   --compose-file FILE  a Compose file (repeatable; default
#                        deploy/docker-compose.replication.yml)
#   --project NAME       Compose project name (default peacedb-drill)
#   --port PORT|auto     the router's port on this machine (default 18080;
#                        auto: a free one — local mode also uses the next 10
#                        ports for the members and the one before for the
#                        launcher's supervisor)
#   --engine podman|docker  the container engine (default: podman if present)
#   --keep               leave the cluster running at the end
#
# Needs bash, curl and jq (deploy/install-deps.sh installs them). Exit code
# 0 when every step passed; 1 with "drill: FAILED: ..." otherwise.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
mode=containers
bin="$repo/build/bin"
compose_files=()
project=peacedb-drill
port=18080
engine=""
keep=0
db=drill

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case "$1" in
        --local) mode=local ;;
        --bin) bin="$2"; shift ;;
        --compose-file) compose_files+=("$2"); shift ;;
        --project) project="$2"; shift ;;
        --port) port="$2"; shift ;;
        --engine) engine="$2"; shift ;;
        --keep) keep=1 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "drill: unknown option $1 (--help lists them)" >&2; exit 2 ;;
    esac
    shift
done
[ ${#compose_files[@]} -gt 0 ] || compose_files=("$repo/deploy/docker-compose.replication.yml")
for tool in curl jq; do
    command -v "$tool" >/dev/null || { echo "drill: $tool is missing (deploy/install-deps.sh installs it)" >&2; exit 2; }
done

if [ "$port" = auto ]; then
    # Below the kernel's range for outgoing connections' ports, and clear of
    # every socket open now.
    low="$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"
    in_use="$(ss -Htan 2>/dev/null | awk '{ n = split($4, a, ":"); print a[n] }')"
    for _ in $(seq 1 50); do
        candidate=$((10000 + RANDOM % (low - 10020)))
        free=1
        for p in $(seq $((candidate - 1)) $((candidate + 10))); do
            if echo "$in_use" | grep -qx "$p"; then free=0; break; fi
        done
        [ "$free" = 1 ] && { port=$candidate; break; }
    done
    [ "$port" != auto ] || { echo "drill: no free port range found" >&2; exit 1; }
fi

work="$(mktemp -d /tmp/peacedb-drill.XXXXXX)"
start_ms=$(date +%s%3N)
now_ms() { date +%s%3N; }
say() { awk -v t="$(now_ms)" -v s="$start_ms" -v m="$*" 'BEGIN { printf "[%7.2f s] %s\n", (t - s) / 1000, m }'; }
fail() { say "drill: FAILED: $*"; exit 1; }

base="http://127.0.0.1:$port"
password=""
api() { curl -sS --max-time 5 -u "admin:$password" "$@"; }

# --- the cluster, local or in containers ------------------------------------

launcher_pid=""
service_pid=""
compose=()

local_up() {
    [ -x "$bin/peacedb-cluster" ] || fail "no $bin/peacedb-cluster (build it, or give --bin)"
    say "starting a local cluster (3 shards x 3 members) with $bin/peacedb-cluster, router on port $port"
    "$bin/peacedb-cluster" up --shards 3 --replicas 2 --port "$port" --data "$work/cluster" >"$work/launcher.log" 2>&1 &
    launcher_pid=$!
    for _ in $(seq 1 900); do
        grep -q "ready: every shard has a primary" "$work/launcher.log" 2>/dev/null && break
        kill -0 "$launcher_pid" 2>/dev/null || { cat "$work/launcher.log" >&2; fail "the launcher exited"; }
        sleep 0.1
    done
    grep -q "ready: every shard has a primary" "$work/launcher.log" || fail "the cluster was not ready within 90 s"
    password="$(cat "$work/cluster/admin-password")"
}

container_engine() {
    if [ -z "$engine" ]; then
        if command -v podman >/dev/null; then engine=podman; else engine=docker; fi
    fi
    # docker-compose (or Docker's compose plugin) runs the file faithfully;
    # with podman it drives podman's Docker-compatible API (README,
    # "Deployment with Docker Compose"), started here unless DOCKER_HOST
    # already names one.
    if [ "$engine" = podman ] && [ -z "${DOCKER_HOST:-}" ]; then
        podman system service --time=0 "unix://$work/podman.sock" >"$work/podman-service.log" 2>&1 &
        service_pid=$!
        export DOCKER_HOST="unix://$work/podman.sock"
        for _ in $(seq 1 100); do [ -S "$work/podman.sock" ] && break; sleep 0.1; done
        [ -S "$work/podman.sock" ] || fail "podman system service did not start"
    fi
    if docker compose version >/dev/null 2>&1; then
        compose=(docker compose -p "$project")
    elif command -v docker-compose >/dev/null; then
        compose=(docker-compose -p "$project")
    else
        fail "docker-compose is missing (deploy/container-host-setup.sh installs it)"
    fi
    for file in "${compose_files[@]}"; do compose+=(-f "$file"); done
}

containers_up() {
    container_engine
    # The secrets the Compose file names, beside it.
    local secrets
    secrets="$(cd "$(dirname "${compose_files[0]}")" && pwd)/secrets"
    mkdir -p "$secrets"
    for secret in cluster-token admin-password; do
        if [ ! -s "$secrets/$secret" ]; then
            head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$secrets/$secret"
            chmod 0400 "$secrets/$secret"
            [ "$(id -u)" -ne 0 ] || chown 10001:10001 "$secrets/$secret"
            say "made $secrets/$secret"
        fi
    done
    password="$(cat "$secrets/admin-password")"
    say "starting the Compose stack (project $project, router on port $port) with $engine"
    PEACEDB_ROUTER_PORT="$port" "${compose[@]}" up -d >"$work/compose-up.log" 2>&1 \
        || { tail -20 "$work/compose-up.log" >&2; fail "compose up failed"; }
    # Ready: the router has heard from every shard and each has a primary.
    ready() { [ "$(curl -s --max-time 2 "$base/healthz" | jq -r .status 2>/dev/null)" = ok ]; }
    for _ in $(seq 1 1800); do
        ready && break
        sleep 0.1
    done
    ready || fail "the cluster was not ready (every shard with a primary) within 180 s"
}

# The container of a member URL (http://<service>:8080).
container_of() {
    local service
    service="$(echo "$1" | sed -E 's#^https?://([^:/]+).*#\1#')"
    $engine ps -a --filter "label=com.docker.compose.project=$project" \
        --filter "label=com.docker.compose.service=$service" --format '{{.Names}}' | head -1
}

teardown() {
    set +e
    [ -n "${writer_pid:-}" ] && kill "$writer_pid" 2>/dev/null
    if [ "$keep" = 1 ]; then
        say "left running (--keep); files in $work"
        return
    fi
    if [ "$mode" = local ]; then
        if [ -n "$launcher_pid" ]; then
            kill -TERM "$launcher_pid" 2>/dev/null
            wait "$launcher_pid" 2>/dev/null
        fi
    elif [ ${#compose[@]} -gt 0 ]; then
        "${compose[@]}" down -v >"$work/compose-down.log" 2>&1
    fi
    if [ -n "$service_pid" ]; then
        kill "$service_pid" 2>/dev/null
        wait "$service_pid" 2>/dev/null
    fi
    rm -rf "$work"
}
trap teardown EXIT

# --- cluster state -------------------------------------------------------------

status() { api "$base/v1/_cluster/status"; }
# "<name> <url> <pid> <term>" of shard 0's primary; empty without one.
primary_of_shard0() {
    status | jq -r '.shards[] | select(.id == 0) | .primaryMember as $p | .members[] | select(.member == $p)
                    | "\(.name) \(.url) \(.pid // 0) \(.term)"' 2>/dev/null | head -1
}
last_event_id() { status | jq -r '.lastEventId // 0'; }

# --- the writer ------------------------------------------------------------------

# One client: writes doc w-1, w-2, ... through the router, retrying each
# until the cluster answers 2xx (a 409 after a retry means an earlier
# attempt was committed). Logs "<ms> <id> <status>" for every attempt.
writer() {
    local i=1 code
    while :; do
        code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -u "admin:$password" \
            -X PUT -H 'Content-Type: application/json' \
            --data "{\"data\":{\"i\":$i}}" "$base/v1/db/$db/docs/w-$i" || true)"
        echo "$(now_ms) w-$i $code" >>"$work/writes.log"
        case "$code" in
            2??|409) i=$((i + 1)) ;;
            *) sleep 0.02 ;;
        esac
    done
}

# Longest time between two acknowledged writes after `since` (ms), and when.
outage_after() {
    awk -v since="$1" '$3 ~ /^2/ { if (prev && $1 >= since && $1 - prev > gap) { gap = $1 - prev; at = prev } prev = $1 }
                       END { printf "%.0f %.0f\n", gap, at }' "$work/writes.log"
}

acknowledged() { awk '$3 ~ /^2/' "$work/writes.log" | wc -l; }

# Prints the router's events after `from_id`, times relative to `t0` (ms).
timeline() {
    api "$base/v1/_cluster/events?since=$1&limit=200" \
        | jq -r --argjson t0 "$2" '.events[] | select(.shard == 0 or .shard == null)
              | "  +\(.timeMs - $t0) ms  \(.kind)  \(.node // "")  term \(.term // "")  \(.message // "")"'
}

# What the router sees of shard 0 and what it recorded since `from_id`, and
# in containers the last lines the router and shard 0's members logged:
# printed before a failure, so that a failed drill can be explained.
diagnose() {
    say "diagnosis: the router's shard 0 (answers /healthz: $(curl -s --max-time 2 "$base/healthz" 2>&1 | head -c 200)):"
    status | jq -r '.shards[] | select(.id == 0) | "  primaryMember \(.primaryMember) promoting \(.promoting // false)",
                    (.members[] | "  \(.member) \(.name) \(.role // "-") term \(.term // "-") seq \(.seq // "-") commit \(.commitSeq // "-") voter \(.voter // "-") reachable \(.reachable) \(.error // "")")' \
        2>&1 | head -20 || true
    say "diagnosis: the router's events since event $1:"
    timeline "$1" "${2:-0}" 2>&1 | tail -40 || true
    if [ "$mode" != local ] && [ -n "$engine" ]; then
        local service name
        for service in router shard-0-primary shard-0-replica-1 shard-0-replica-2; do
            name="$(container_of "http://$service:8080")"
            [ -n "$name" ] || continue
            say "diagnosis: the last lines $service logged ($name):"
            $engine logs --tail 25 "$name" 2>&1 | sed 's/^/  /' || true
        done
    fi
}

# --- the drill ------------------------------------------------------------------------

if [ "$mode" = local ]; then local_up; else containers_up; fi
say "ready"

code="$(api -o /dev/null -w '%{http_code}' -X PUT "$base/v1/db/$db")"
[ "$code" = 201 ] || [ "$code" = 200 ] || [ "$code" = 409 ] || fail "PUT /v1/db/$db answered $code"
say "database $db created; writing continuously"
: >"$work/writes.log"
writer &
writer_pid=$!
sleep 3
[ "$(acknowledged)" -gt 0 ] || fail "no write was acknowledged in 3 s"

read -r old_name old_url old_pid old_term <<<"$(primary_of_shard0)"
[ -n "${old_name:-}" ] || fail "shard 0 has no primary"
events_from="$(last_event_id)"
say "shard 0's primary is $old_name ($old_url, term $old_term); killing it (SIGKILL)"
kill_ms=$(now_ms)
if [ "$mode" = local ]; then
    kill -9 "$old_pid" || fail "cannot kill pid $old_pid"
else
    container="$(container_of "$old_url")"
    [ -n "$container" ] || fail "no container for $old_url"
    $engine kill --signal KILL "$container" >/dev/null || fail "$engine kill $container failed"
fi

new_name=""
for _ in $(seq 1 300); do
    read -r new_name new_url new_pid new_term <<<"$(primary_of_shard0)"
    [ -n "${new_name:-}" ] && [ "$new_name" != "$old_name" ] && break
    new_name=""
    sleep 0.1
done
[ -n "$new_name" ] || { diagnose "$events_from" "$kill_ms"; fail "no new primary for shard 0 within 30 s"; }
sleep 2
read -r gap gap_at <<<"$(outage_after "$((kill_ms - 1000))")"
say "new primary: $new_name (term $new_term); timeline after the kill:"
timeline "$events_from" "$kill_ms"
first_write="$(api "$base/v1/_cluster/events?since=$events_from&limit=200" \
    | jq -r '[.events[] | select(.shard == 0 and .kind == "first-write") | .timeMs] | first // empty')"
[ -n "$first_write" ] || fail "the router recorded no first write on shard 0 after the failover"
say "outage: $((first_write - kill_ms)) ms from the kill to the first write the new primary acknowledged; the client's longest wait between two acknowledged writes: $gap ms"
echo "drill: kill-primary outage $((first_write - kill_ms)) ms (client's longest wait ${gap} ms)" >>"$work/summary"

# The killed member comes back and catches up.
if [ "$mode" = local ]; then
    say "starting $old_name again (peacedb-cluster start)"
    "$bin/peacedb-cluster" start "$old_name" --data "$work/cluster" >>"$work/launcher-commands.log" 2>&1 \
        || fail "peacedb-cluster start $old_name failed"
else
    say "waiting 10 s for the engine's restart policy to bring $container back"
    back=0
    for _ in $(seq 1 50); do
        [ "$($engine inspect -f '{{.State.Running}}' "$container" 2>/dev/null)" = true ] && { back=1; break; }
        sleep 0.2
    done
    if [ "$back" = 0 ]; then
        say "$engine did not restart it (podman never restarts a container stopped through it, whatever the policy); starting it ($engine start $container), as the README says"
        $engine start "$container" >/dev/null || fail "$engine start $container failed"
    fi
fi
caught=0
for _ in $(seq 1 600); do
    line="$(status | jq -r --arg name "$old_name" '.shards[] | select(.id == 0) as $s
            | ($s.members[] | select(.member == $s.primaryMember) | .seq) as $p
            | $s.members[] | select(.name == $name) | "\(.reachable) \(.seq) \($p) \(.state)"' 2>/dev/null || true)"
    read -r reachable seq primary_seq state <<<"$line"
    if [ "${reachable:-}" = true ] && [ "${seq:-0}" -gt 0 ] && [ "$((primary_seq - seq))" -le 5 ] && [ "${state:-}" = InSync ]; then
        caught=1
        break
    fi
    sleep 0.1
done
[ "$caught" = 1 ] || { diagnose "$events_from" "$kill_ms"; fail "$old_name did not catch up within 60 s (last: $line)"; }
say "$old_name is back and in sync (seq $seq, primary at $primary_seq)"

# Graceful hand-off: SIGTERM to the current primary.
events_from="$(last_event_id)"
read -r cur_name cur_url cur_pid cur_term <<<"$(primary_of_shard0)"
say "stopping shard 0's primary $cur_name (SIGTERM): it hands off before it exits"
stop_ms=$(now_ms)
if [ "$mode" = local ]; then
    "$bin/peacedb-cluster" stop "$cur_name" --data "$work/cluster" >>"$work/launcher-commands.log" 2>&1 \
        || fail "peacedb-cluster stop $cur_name failed"
else
    stopped="$(container_of "$cur_url")"
    $engine stop "$stopped" >/dev/null || fail "$engine stop $stopped failed"
fi
next_name=""
for _ in $(seq 1 150); do
    read -r next_name _ _ next_term <<<"$(primary_of_shard0)"
    [ -n "${next_name:-}" ] && [ "$next_name" != "$cur_name" ] && break
    next_name=""
    sleep 0.1
done
[ -n "$next_name" ] || { diagnose "$events_from" "$stop_ms"; fail "no new primary within 15 s of the stop"; }
sleep 2
read -r gap2 gap2_at <<<"$(outage_after "$((stop_ms - 1000))")"
say "new primary: $next_name (term $next_term); timeline after the stop:"
timeline "$events_from" "$stop_ms"
say "outage seen by the client (its longest wait between two acknowledged writes): $gap2 ms"
echo "drill: hand-off outage ${gap2} ms (client's longest wait)" >>"$work/summary"
if [ "$mode" = local ]; then
    "$bin/peacedb-cluster" start "$cur_name" --data "$work/cluster" >>"$work/launcher-commands.log" 2>&1 || true
else
    $engine start "$stopped" >/dev/null || true
fi

# Every acknowledged write is there.
kill "$writer_pid" 2>/dev/null || true
wait "$writer_pid" 2>/dev/null || true
writer_pid=""
awk '$3 ~ /^2/ { print $2 }' "$work/writes.log" | sort -u >"$work/acknowledged"
after=""
: >"$work/present"
while :; do
    page="$(api "$base/v1/db/$db/_all_docs?limit=1000${after:+&after=$after}")" || fail "cannot list $db"
    echo "$page" | jq -r '.items[].id' >>"$work/present"
    count="$(echo "$page" | jq '.items | length')"
    [ "$count" -eq 1000 ] || break
    after="$(echo "$page" | jq -r '.items[-1].id')"
done
sort -u -o "$work/present" "$work/present"
missing="$(comm -23 "$work/acknowledged" "$work/present" | wc -l)"
total="$(wc -l <"$work/acknowledged")"
[ "$missing" -eq 0 ] || fail "$missing of $total acknowledged writes are missing: $(comm -23 "$work/acknowledged" "$work/present" | head -5 | tr '\n' ' ')"
say "all $total acknowledged writes are readable"
echo "drill: $total acknowledged, 0 lost" >>"$work/summary"
cat "$work/summary"
say "drill: passed"
