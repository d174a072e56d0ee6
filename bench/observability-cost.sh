#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/observability-cost.sh - what decision traces and metrics cost on the SMTP path.
#
# Runs the spine benchmark (bench/smtp-throughput.sh, SecuMail only, no idle round) with
# observability ON and OFF, PAIRS times each, in one of two ways:
#   SAME_JVM=1 (the default): one JVM, warmed with observability on, then 2 x PAIRS measured
#     rounds in the order on off off on on off ... (ABBA, so that drift of the machine touches
#     both alike), switched between rounds by rewriting main.cf and SIGHUP (both settings
#     change at reload). One JVM means one JIT outcome: separate JVMs on this shared two-core
#     machine differ from each other by 15 % and more in CPU per message, more than the cost
#     being measured;
#   SAME_JVM=0: a fresh JVM per run, warmed first, runs alternating (on, off, on, off ...).
#   ON : secumail_trace_enable = yes (every transaction's trace written to SQLite),
#        secumail_metrics_enable = yes, secumail_metrics_listen = 127.0.0.1:$METRICS_PORT,
#        and /metrics scraped every SCRAPE seconds during the run (as Prometheus would);
#   OFF: secumail_trace_enable = no, secumail_metrics_enable = no, no listener.
# Prints every run, then the medians and the cost: throughput lost in percent and the p99
# latency added in ms (the target: under 5 % and under 1 ms), with the server's CPU time
# per message (its JVM's utime + stime over the round, divided by the messages), which on
# two cores is the fairer figure since the load generator shares the machine.
#
# Knobs (defaults in brackets): SAME_JVM [1], PAIRS [2; 6 with SAME_JVM=1], MESSAGES per round [5000], ROUNDS per run [2],
# WARMUP [10000], SESSIONS [20], SIZE [5000], METRICS_PORT [9125], SCRAPE [5],
# BENCH_DIR [/tmp/secumail-obs]. Loopback only.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib-bench.sh"

SAME_JVM=${SAME_JVM:-1}
if [ "$SAME_JVM" = 1 ]; then PAIRS=${PAIRS:-6}; else PAIRS=${PAIRS:-2}; fi
MESSAGES=${MESSAGES:-5000}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-10000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-5000}
METRICS_PORT=${METRICS_PORT:-9125}
SCRAPE=${SCRAPE:-5}
BENCH_DIR=${BENCH_DIR:-/tmp/secumail-obs}
rm -rf "$BENCH_DIR"
mkdir -p "$BENCH_DIR"

ON_EXTRA="secumail_trace_enable = yes
secumail_metrics_enable = yes
secumail_metrics_listen = 127.0.0.1:$METRICS_PORT"
OFF_EXTRA="secumail_trace_enable = no
secumail_metrics_enable = no"

scraper=""
trap '[ -n "$scraper" ] && kill "$scraper" 2>/dev/null' EXIT

# ---- SAME_JVM=1: one server, switched between rounds ------------------------------------
# mode_of ROUND: on off off on on off off on ... (ABBA)
mode_of() { local r=$1; if [ $(( ((r - 1) / 2 + (r - 1)) % 2 )) = 0 ]; then echo on; else echo off; fi; }
if [ "$SAME_JVM" = 1 ]; then
    export -f mode_of
    export OBS_DIR=$BENCH_DIR   # smtp-throughput.sh runs the hook with its own BENCH_DIR
    # the hook: set both switches in main.cf, SIGHUP, wait for the reload's log line, and let
    # the scrape loop run only in the on rounds
    hook='m=$(mode_of "$ROUND"); v=no; [ "$m" = on ] && v=yes
        sed -i -e "s/^secumail_trace_enable = .*/secumail_trace_enable = $v/" \
               -e "s/^secumail_metrics_enable = .*/secumail_metrics_enable = $v/" "$SM_DIR/main.cf"
        n0=$(grep -c "reload: configuration reloaded" "$SM_DIR/server.log")
        kill -HUP "$SM_PID"
        for _ in $(seq 1 100); do [ "$(grep -c "reload: configuration reloaded" "$SM_DIR/server.log")" -gt "$n0" ] && break; sleep 0.1; done
        echo "$m" > "$OBS_DIR/mode"; echo "$ROUND $m" >> "$OBS_DIR/modes"; sleep 1'
    echo on > "$BENCH_DIR/mode"
    ( for _ in $(seq 1 $((7200 / SCRAPE))); do
          [ -f "$BENCH_DIR/done" ] && break
          [ "$(cat "$BENCH_DIR/mode" 2>/dev/null)" = on ] && curl -s -o /dev/null "http://127.0.0.1:$METRICS_PORT/metrics" 2>/dev/null
          sleep "$SCRAPE"
      done ) &
    scraper=$!
    echo "observability cost, one JVM: $WARMUP warm-up, then $((2 * PAIRS)) rounds of $MESSAGES messages (on/off ABBA)," \
         "$SESSIONS sessions, $SIZE bytes; $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
    BENCH_DIR=$BENCH_DIR/run SERVERS=secumail IDLE=0 ROUNDS=$((2 * PAIRS)) MESSAGES=$MESSAGES WARMUP=$WARMUP \
        SESSIONS=$SESSIONS SIZE=$SIZE SM_MAIN_EXTRA="$ON_EXTRA" ROUND_HOOK="$hook" \
        bash "$here/smtp-throughput.sh" > "$BENCH_DIR/run.log" 2>&1
    touch "$BENCH_DIR/done"
    d=$BENCH_DIR/run/results
    printf '%-6s %-4s %12s %9s %9s %11s\n' round mode "accepted/s" "p50 ms" "p99 ms" "cpu ms/msg"
    for r in $(seq 1 $((2 * PAIRS))); do
        f=$d/round$r-secumail.json
        printf '%-6s %-4s %12s %9s %9s %11s\n' "$r" "$(mode_of "$r")" "$(jnum "$f" accepted_per_second)" \
            "$(jnum "$f" p50)" "$(jnum "$f" p99)" "$(cat "$d/round$r-secumail.cpu" 2>/dev/null || echo -)"
    done
    grep -h "warning\|ROUND_HOOK failed" "$BENCH_DIR/run.log" "$BENCH_DIR/run/secumail/server.log" 2>/dev/null | grep -v "native\|Unsafe\|sun.misc" | head -5
    col() { # col MODE KEY: the median over that mode's rounds
        for r in $(seq 1 $((2 * PAIRS))); do
            [ "$(mode_of "$r")" = "$1" ] || continue
            if [ "$2" = cpu ]; then cat "$d/round$r-secumail.cpu" 2>/dev/null; else jnum "$d/round$r-secumail.json" "$2"; fi
        done | grep . | median
    }
    echo
    printf '%-4s %12s %9s %9s %11s\n' mode "accepted/s" "p50 ms" "p99 ms" "cpu ms/msg"
    for m in on off; do
        printf '%-4s %12s %9s %9s %11s\n' "$m" "$(col "$m" accepted_per_second)" "$(col "$m" p50)" "$(col "$m" p99)" "$(col "$m" cpu)"
    done
    echo "traces stored: $(sqlite3 "$BENCH_DIR/run/secumail/data/trace.sqlite" 'select count(*) from traces' 2>/dev/null || echo '?')" \
         "(warm-up + $PAIRS on rounds of $MESSAGES)"
    awk -v a1="$(col on accepted_per_second)" -v a0="$(col off accepted_per_second)" -v p1="$(col on p99)" -v p0="$(col off p99)" \
        -v c1="$(col on cpu)" -v c0="$(col off cpu)" 'BEGIN {
        printf "cost of traces + metrics: throughput %+.1f %%, p99 %+.2f ms, server CPU %+.1f %% per message\n",
            (a1 - a0) * 100 / a0, p1 - p0, (c1 - c0) * 100 / c0 }'
    # each block of four rounds (on off off on) compares rounds minutes apart: drift cancels
    for r in $(seq 1 $((2 * PAIRS))); do
        echo "$(mode_of "$r") $(jnum "$d/round$r-secumail.json" accepted_per_second) $(cat "$d/round$r-secumail.cpu" 2>/dev/null)"
    done | awk '{ b = int((NR - 1) / 4); a[b, $1] += $2; c[b, $1] += $3; n[b, $1]++ }
        END { for (i = 0; (i, "on") in n && (i, "off") in n; i++) {
                  ta = (a[i, "on"] / n[i, "on"]) / (a[i, "off"] / n[i, "off"]) * 100 - 100
                  tc = (c[i, "on"] / n[i, "on"]) / (c[i, "off"] / n[i, "off"]) * 100 - 100
                  printf "block %d (rounds %d-%d): throughput %+.1f %%, CPU per message %+.1f %%\n", i + 1, 4 * i + 1, 4 * i + 4, ta, tc
                  sa += ta; sc += tc; k++ }
              if (k) printf "mean over %d blocks: throughput %+.1f %%, CPU per message %+.1f %%\n", k, sa / k, sc / k }'
    exit 0
fi

# ---- SAME_JVM=0: a fresh JVM per run ------------------------------------------------------
# one_run MODE N: bench/smtp-throughput.sh with MODE's main.cf lines; results in $BENCH_DIR/MODE-N
one_run() {
    local mode=$1 n=$2 extra dir
    dir=$BENCH_DIR/$mode-$n
    if [ "$mode" = on ]; then extra=$ON_EXTRA; else extra=$OFF_EXTRA; fi
    scraper=""
    if [ "$mode" = on ]; then
        # a bounded scrape loop: stops with the run (the file below) or after two hours
        ( for _ in $(seq 1 $((7200 / SCRAPE))); do
              [ -f "$dir.done" ] && break
              curl -s -o /dev/null "http://127.0.0.1:$METRICS_PORT/metrics" 2>/dev/null
              sleep "$SCRAPE"
          done ) &
        scraper=$!
    fi
    BENCH_DIR=$dir SERVERS=secumail IDLE=0 ROUNDS=$ROUNDS MESSAGES=$MESSAGES WARMUP=$WARMUP \
        SESSIONS=$SESSIONS SIZE=$SIZE SM_MAIN_EXTRA="$extra" \
        bash "$here/smtp-throughput.sh" > "$dir.log" 2>&1
    touch "$dir.done"
    [ -n "$scraper" ] && wait "$scraper" 2>/dev/null
    scraper=""
    if [ "$mode" = on ]; then
        local traces
        traces=$(sqlite3 "$dir/secumail/data/trace.sqlite" 'select count(*) from traces' 2>/dev/null || echo "?")
        echo "  traces stored in the on run: $traces" >> "$dir.log"
    fi
}

# figures MODE N: "acc/s p50 p99 cpu" medians over the run's measured rounds
figures() {
    local d=$BENCH_DIR/$1-$2/results f acc p50 p99 cpu
    acc=$(for f in "$d"/round*-secumail.json; do jnum "$f" accepted_per_second; done | grep . | median)
    p50=$(for f in "$d"/round*-secumail.json; do jnum "$f" p50; done | grep . | median)
    p99=$(for f in "$d"/round*-secumail.json; do jnum "$f" p99; done | grep . | median)
    cpu=$(cat "$d"/round*-secumail.cpu 2>/dev/null | median)
    echo "$acc $p50 $p99 $cpu"
}

echo "observability cost: $PAIRS pair(s) of runs, each $WARMUP warm-up + $ROUNDS x $MESSAGES messages," \
     "$SESSIONS sessions, $SIZE bytes; $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)"
printf '%-6s %-4s %12s %9s %9s %11s\n' run mode "accepted/s" "p50 ms" "p99 ms" "cpu ms/msg"
for n in $(seq 1 "$PAIRS"); do
    for mode in on off; do
        one_run "$mode" "$n"
        read -r acc p50 p99 cpu <<< "$(figures "$mode" "$n")"
        printf '%-6s %-4s %12s %9s %9s %11s\n' "$n" "$mode" "$acc" "$p50" "$p99" "$cpu"
        grep -h "traces stored" "$BENCH_DIR/$mode-$n.log" 2>/dev/null
    done
done

med() { # med MODE FIELD(1-4)
    for n in $(seq 1 "$PAIRS"); do figures "$1" "$n" | awk -v k="$2" '{ print $k }'; done | grep -v '^-$' | median
}
echo
printf '%-4s %12s %9s %9s %11s\n' mode "accepted/s" "p50 ms" "p99 ms" "cpu ms/msg"
for mode in on off; do
    printf '%-4s %12s %9s %9s %11s\n' "$mode" "$(med "$mode" 1)" "$(med "$mode" 2)" "$(med "$mode" 3)" "$(med "$mode" 4)"
done
awk -v a1="$(med on 1)" -v a0="$(med off 1)" -v p1="$(med on 3)" -v p0="$(med off 3)" \
    -v c1="$(med on 4)" -v c0="$(med off 4)" 'BEGIN {
    printf "cost of traces + metrics: throughput %+.1f %%, p99 %+.2f ms, server CPU %+.1f %% per message\n",
        (a1 - a0) * 100 / a0, p1 - p0, (c1 - c0) * 100 / c0 }'
