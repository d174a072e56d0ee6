#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/latency-ab.sh JAR... - one message on an idle server, several builds side by side: a
# server per jar (the configuration of bench/full-chain.sh, ports 2590, 2591 ...), WARM messages
# of warm-up each (refstack's load.py, CONC sessions), then N rounds in which each server in
# turn gets one message on one connection; the time from connect to the file in the Maildir.
# Alternating spreads the shared machine's slow minutes over all builds, which separate runs of
# full-chain.sh cannot (its single messages moved from 11.7 to 24 ms between hours). load.py
# runs on plain asyncio here, as in full-chain.sh: uvloop's import falls inside its clock.
# Needs the seed stack of ../shared/bench/refstack up (its unbound and corpus), as chain-parts.sh.
# Knobs: N [15], WARM [6000], CONC [20], REFSTACK. Loopback only.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
REFSTACK=${REFSTACK:-$repo/../shared/bench/refstack}
N=${N:-15}; WARM=${WARM:-6000}; CONC=${CONC:-20}
[ $# -ge 1 ] || { echo "usage: bench/latency-ab.sh JAR [JAR...]"; exit 1; }
. "$REFSTACK/lib.sh"; . "$here/lib-chain-config.sh"; . "$repo/scripts/jdk.sh"
[ -d "$STATE/corpus" ] || { echo "latency-ab: no corpus in $STATE/corpus: start the seed stack first (refstack's setup.sh)"; exit 1; }
PY=/usr/bin/python3
OPTS=$(grep -v '^[[:space:]]*#' "$repo/scripts/jvm-options" | tr '\n' ' ')
pids=""
trap 'kill $pids 2>/dev/null' EXIT
ports=(); dirs=()
for j in "$@"; do
    k=${#ports[@]}; p=$((2590 + k)); d=/tmp/secumail-latency-ab/$k
    rm -rf "$d"; chain_config "$d" "$p"
    # shellcheck disable=SC2086
    java $OPTS -jar "$j" run -c "$d" > "$d/server.log" 2>&1 &
    pids="$pids $!"; ports+=("$p"); dirs+=("$d")
done
for p in "${ports[@]}"; do
    for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$p") 2>/dev/null && break; sleep 0.2; done
done
send() { # send PORT DIR COUNT CONC JSON [extra]
    $PY "$REFSTACK/load.py" send --port "$1" --source "$CLIENT_IP" --helo "mail.$SENDER_DOMAIN" --corpus "$STATE/corpus" \
        --count "$3" --concurrency "$4" --maildir-glob "$2/mail/user*/new" --maildir-timeout 600 --max-seconds 900 \
        --quiet --json "$5" "${@:6}" > /dev/null 2>&1
}
clean() { find "$1/mail" -type f -path '*/new/*' -delete; }
for k in "${!ports[@]}"; do send "${ports[$k]}" "${dirs[$k]}" "$WARM" "$CONC" "${dirs[$k]}/warm.json"; clean "${dirs[$k]}"; done
for n in $(seq 1 "$N"); do
    for k in "${!ports[@]}"; do
        clean "${dirs[$k]}"
        send "${ports[$k]}" "${dirs[$k]}" 1 1 "${dirs[$k]}/one$n.json" --loop asyncio --poll 0.0005
        echo "$k $($PY -c "import json,sys; print('%.1f' % (json.load(open(sys.argv[1]))['e2e_elapsed_s'] * 1000))" "${dirs[$k]}/one$n.json")"
    done
done | $PY -c "
import sys, statistics
v = {}
for l in sys.stdin:
    k, ms = l.split(); v.setdefault(int(k), []).append(float(ms))
jars = sys.argv[1:]
for k in sorted(v):
    print('%s: median %.1f ms (%s)' % (jars[k], statistics.median(v[k]), ' '.join('%.1f' % x for x in v[k])))
" "$@"
