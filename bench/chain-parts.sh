#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/chain-parts.sh - where the whole chain's CPU goes: SecuMail alone, under the load of
# bench/full-chain.sh (refstack's load.py: its DKIM-signed corpus, CONC sessions, a new
# connection per message, from 127.0.0.2, each run waiting for every Maildir file), in the
# configuration of full-chain.sh with the content checks switched off part by part:
#   full      the whole chain (restrictions, greylisting, SPF, DKIM, DMARC, ARC, virus scan,
#             spam scoring);
#   nospam    without spam scoring (secumail_spam_filter = no);
#   envelope  without any content check (no spam scoring, DKIM, DMARC, ARC or virus scan): SMTP,
#             restrictions, greylisting, SPF, queue, Maildir delivery and the logs.
# Each configuration: a fresh server (the launcher's JVM settings), WARM messages of warm-up,
# then RUNS runs of COUNT; per run the delivered rate, the server's CPU per message (its
# utime+stime from /proc; of it: the stime, the JIT compiler threads and the VM Thread, where
# the serial collector works), its peak VmRSS (sampled every 0.5 s) and its young collections
# (-Xlog:gc into BENCH_DIR/PART/gc.log; with the fixed young generation, a measure of what a
# message allocates). The differences between
# the rows are what the switched-off parts cost.
#
# Needs the seed stack of ../shared/bench/refstack up (its unbound answers the DNS, its corpus
# is the load): run bench/full-chain.sh with TEARDOWN=0 first, or refstack's setup.sh (root).
# Knobs: WARM [24000: the JIT compiles for some 80-90 s after the start under this load, see
# full-chain.sh], RUNS [2], COUNT [6000], CONC [20], SM_PORT [2577], JAR [target/secumail.jar:
# another build to compare on the same machine and day],
# BENCH_DIR [/tmp/secumail-chain-parts], PARTS ["full nospam envelope"], REFSTACK, CLEAN [move: the
# delivered files are moved aside into BENCH_DIR/PART/delivered before each run, which spares
# the measured run ext4's walk over inodes freed in the last minute when the filesystem has no
# journal (README, "The whole seed chain"); delete: deleted, the default before 2026-12-07
# 21:30]. Loopback only.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
REFSTACK=${REFSTACK:-$repo/../shared/bench/refstack}
WARM=${WARM:-24000}; RUNS=${RUNS:-2}; COUNT=${COUNT:-6000}; CONC=${CONC:-20}; SM_PORT=${SM_PORT:-2577}
BENCH_DIR=${BENCH_DIR:-/tmp/secumail-chain-parts}; PARTS=${PARTS:-full nospam envelope}; JAR=${JAR:-$repo/target/secumail.jar}
CLEAN=${CLEAN:-move}
[ -f "$REFSTACK/lib.sh" ] || { echo "chain-parts: $REFSTACK/lib.sh not found (set REFSTACK)"; exit 1; }
. "$REFSTACK/lib.sh"
. "$here/lib-chain-config.sh"
. "$repo/scripts/jdk.sh"
PY=/usr/bin/python3
# the server runs as the launcher runs it: its JVM options, and MALLOC_ARENA_MAX=2 (./secumail)
SM_JAVA_OPTS=${SM_JAVA_OPTS:-$(grep -v '^[[:space:]]*#' "$repo/scripts/jvm-options" | tr '\n' ' ')}
[ -f "$JAR" ] || (cd "$repo" && mvn -B -q -DskipTests package)
[ -d "$STATE/corpus" ] || { echo "chain-parts: no corpus in $STATE/corpus: start the seed stack first (refstack's setup.sh)"; exit 1; }

sm_pid=""
cleanup() { [ -n "$sm_pid" ] && kill "$sm_pid" 2>/dev/null && wait "$sm_pid" 2>/dev/null; }
trap cleanup EXIT
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"; }
sys_s() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", $15 / hz }' "/proc/$1/stat"; }
# CPU seconds of the JVM's threads whose name starts with $2 (JIT: "C[12] Compi"; the serial
# collector works in the "VM Thread"); the fields after the name, which may hold spaces
threads_s() {
    for t in /proc/"$1"/task/*; do
        grep -q "^$2" "$t/comm" 2>/dev/null && sed 's/.*) //' "$t/stat" 2>/dev/null
    done | awk -v hz="$(getconf CLK_TCK)" '{ s += $12 + $13 } END { printf "%.3f", s / hz }'
}
per_msg() { awk -v a="$1" -v b="$2" -v n="$COUNT" 'BEGIN { printf "%.2f", (b - a) * 1000 / n }'; }
send() { # send DIR COUNT JSON
    $PY "$REFSTACK/load.py" send --port "$SM_PORT" --source "$CLIENT_IP" --helo "mail.$SENDER_DOMAIN" \
        --corpus "$STATE/corpus" --count "$2" --concurrency "$CONC" --maildir-glob "$1/mail/user*/new" \
        --maildir-timeout 600 --max-seconds 900 --quiet --json "$3" > /dev/null 2>&1
}
rate() { $PY -c "import json,sys; print(json.load(open(sys.argv[1])).get('e2e_rate') or '-')" "$1"; }

echo "machine: $(nproc) cores ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
echo "warm-up $WARM, then $RUNS runs of $COUNT messages, $CONC sessions; $JAR (checkout at $(git -C "$repo" rev-parse --short HEAD 2>/dev/null))"
printf '%-9s %-4s %10s %11s %10s %10s %10s %12s %10s\n' part run "dlv msg/s" "CPU ms/msg" "of it sys" "JIT" "VM thread" "peak RSS MiB" "young GCs"
rm -rf "$BENCH_DIR"
for part in $PARTS; do
    d=$BENCH_DIR/$part
    case $part in
        full) chain_config "$d" "$SM_PORT" ;;
        nospam) chain_config "$d" "$SM_PORT" "secumail_spam_filter = no" ;;
        envelope) chain_config "$d" "$SM_PORT" "secumail_spam_filter = no" "secumail_dkim_verify = no" \
            "secumail_dmarc_enable = no" "secumail_arc_verify = no" "secumail_antivirus_scanner = none" ;;
        *) echo "chain-parts: unknown part $part"; exit 1 ;;
    esac
    # shellcheck disable=SC2086
    MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $SM_JAVA_OPTS -Xlog:gc:file="$d/gc.log" -jar "$JAR" run -c "$d" > "$d/server.log" 2>&1 &
    sm_pid=$!
    for _ in $(seq 1 300); do (exec 3<>/dev/tcp/127.0.0.1/"$SM_PORT") 2>/dev/null && break; sleep 0.2; done
    send "$d" "$WARM" "$d/warm.json"
    for r in $(seq 1 "$RUNS"); do
        if [ "$CLEAN" = move ]; then
            mkdir -p "$d/delivered"; find "$d/mail" -path '*/new/*' -type f -exec mv -t "$d/delivered/" {} +
        else
            find "$d/mail" -path '*/new/*' -type f -delete
        fi
        sync; sleep 1
        ( while kill -0 "$sm_pid" 2>/dev/null; do awk '/^VmRSS/ { printf "%.0f\n", $2 / 1024 }' "/proc/$sm_pid/status"; sleep 0.5; done ) > "$d/run$r.rss" &
        sampler=$!
        g0=$(grep -c 'Pause Young' "$d/gc.log"); c0=$(cpu_s "$sm_pid"); s0=$(sys_s "$sm_pid"); j0=$(threads_s "$sm_pid" 'C[12] Compi'); v0=$(threads_s "$sm_pid" 'VM Thread')
        send "$d" "$COUNT" "$d/run$r.json"
        g1=$(grep -c 'Pause Young' "$d/gc.log"); c1=$(cpu_s "$sm_pid"); s1=$(sys_s "$sm_pid"); j1=$(threads_s "$sm_pid" 'C[12] Compi'); v1=$(threads_s "$sm_pid" 'VM Thread')
        kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
        printf '%-9s %-4s %10s %11s %10s %10s %10s %12s %10s\n' "$part" "$r" "$(rate "$d/run$r.json")" "$(per_msg "$c0" "$c1")" \
            "$(per_msg "$s0" "$s1")" "$(per_msg "$j0" "$j1")" "$(per_msg "$v0" "$v1")" "$(sort -n "$d/run$r.rss" | tail -1)" "$((g1 - g0))"
    done
    kill "$sm_pid" 2>/dev/null; wait "$sm_pid" 2>/dev/null; sm_pid=""
done
