#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/smtp-throughput.sh - the spine benchmark: SMTP throughput and latency of SecuMail
# next to a private Postfix instance with the equivalent configuration, on loopback only.
#
# What it does:
#   1. builds target/secumail.jar if missing (mvn -q -DskipTests package);
#   2. writes a SecuMail config directory and starts "secumail run -c DIR";
#   3. writes a private Postfix instance (bench/lib-postfix.sh) and starts it;
#   4. sends WARMUP messages to each server, then ROUNDS interleaved rounds A B A B ...
#      of "secumail loadgen" with the same parameters, each waiting for Maildir delivery,
#      and prints a side-by-side table of medians over the rounds;
#   5. an idle-connection round against SecuMail: IDLE connections held HOLD seconds while
#      the server's heap (jcmd GC.heap_info after GC.run) and RSS (/proc/PID/status) are read;
#   6. stops everything on exit (trap), whatever happened.
# Both servers listen on 127.0.0.1 only; port 25 is never used. Needs root for Postfix
# (postfix start, useradd for local(8) delivery); without root the Postfix half is skipped.
#
# Knobs (environment variables, defaults in brackets):
#   BENCH_DIR       work directory, wiped at start [/tmp/secumail-bench]
#   SM_PORT         SecuMail's SMTP port [2525]
#   PF_PORT         Postfix's SMTP port [2526]
#   MESSAGES        messages per round [2000]
#   SESSIONS        parallel SMTP sessions [20]
#   SIZE            message size in bytes [5000]
#   RECIPIENTS      recipients per message [1]
#   PER_SESSION     messages per SMTP session [1]
#   USERS           mailboxes user1..userN the recipients spread over [5]
#   ROUNDS          rounds per server, interleaved [2]
#   WARMUP          unmeasured messages sent to each server first [10000]: on 2 cores the
#                   JIT (C2) needs about that many messages (30 s) before SecuMail runs at
#                   steady state; WARMUP=300 shows the cold server
#   WAIT_TIMEOUT    seconds to wait for delivery in each round [120]
#   LOADGEN_TIMEOUT bound on each loadgen run, seconds [300]
#   IDLE            idle connections for the memory round, 0 to skip [10000]
#   HOLD            seconds to hold them [20]
#   IDLE_CONNECT    parallel connection attempts in the idle round [50]
#   SERVERS         which servers to measure: "secumail postfix", or one of them
#                   ["secumail postfix"]
#   PF_DELIVERY     local (system users user1..N, like SecuMail's config) or virtual
#                   [local when root]
#   PF_MAIN_EXTRA   extra main.cf lines for Postfix only (e.g. "in_flow_delay = 0") []
#   SM_MAIN_EXTRA   extra main.cf lines for SecuMail only []
#   SM_JAVA_OPTS    JVM options for the SecuMail server []
#   SM_CMD          command line that starts the server under test instead of
#                   "java $SM_JAVA_OPTS -jar target/secumail.jar run -c $SM_DIR"; it gets
#                   SM_DIR and SM_PORT in its environment, must stay in the foreground, and
#                   is expected to be the JVM itself (exec) for the heap figures []
#   LOADGEN_JAVA_OPTS JVM options for the load generator []
#   ROUND_HOOK      shell command run before each measured round, with ROUND (1..ROUNDS),
#                   SM_DIR and SM_PID in its environment (bench/observability-cost.sh uses it
#                   to switch main.cf settings and reload between rounds of one JVM) []
#   INSTALL_POSTFIX 1: apt-get install postfix (not started system-wide) when missing [0]
#   KEEP_MAIL       1: keep the delivered messages at the end [0]
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/lib-postfix.sh"
. "$here/lib-bench.sh"

BENCH_DIR=${BENCH_DIR:-/tmp/secumail-bench}
SM_PORT=${SM_PORT:-2525}
PF_PORT=${PF_PORT:-2526}
MESSAGES=${MESSAGES:-2000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-5000}
RECIPIENTS=${RECIPIENTS:-1}
PER_SESSION=${PER_SESSION:-1}
USERS=${USERS:-5}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-10000}
WAIT_TIMEOUT=${WAIT_TIMEOUT:-120}
LOADGEN_TIMEOUT=${LOADGEN_TIMEOUT:-300}
IDLE=${IDLE:-10000}
HOLD=${HOLD:-20}
IDLE_CONNECT=${IDLE_CONNECT:-50}
SERVERS=${SERVERS:-secumail postfix}
if [ "$(id -u)" = 0 ]; then PF_DELIVERY=${PF_DELIVERY:-local}; else PF_DELIVERY=${PF_DELIVERY:-virtual}; fi
SM_JAVA_OPTS=${SM_JAVA_OPTS:-}
LOADGEN_JAVA_OPTS=${LOADGEN_JAVA_OPTS:-}
INSTALL_POSTFIX=${INSTALL_POSTFIX:-0}
KEEP_MAIL=${KEEP_MAIL:-0}

SM_DIR=$BENCH_DIR/secumail
PF_BASE=$BENCH_DIR/postfix
RESULTS=$BENCH_DIR/results
JAR=$repo/target/secumail.jar
export PATH="$PATH:/usr/sbin:/sbin"


for p in "$SM_PORT" "$PF_PORT"; do
    [ "$p" != 25 ] || die "port 25 is not to be used; pick another SM_PORT/PF_PORT"
done
[ "$SM_PORT" != "$PF_PORT" ] || die "SM_PORT and PF_PORT must differ"

# ---- cleanup ------------------------------------------------------------------------------
SM_PID=""
PF_STARTED=0
BG_PIDS=()
cleanup() {
    local pid i
    for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    if [ -n "$SM_PID" ] && kill -0 "$SM_PID" 2>/dev/null; then
        kill "$SM_PID" 2>/dev/null
        for i in $(seq 1 40); do kill -0 "$SM_PID" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$SM_PID" 2>/dev/null
    fi
    [ "$PF_STARTED" = 1 ] && pf_stop "$PF_BASE"
    if [ "$KEEP_MAIL" != 1 ]; then rm -rf "$SM_DIR/mail" "$PF_BASE/mail" 2>/dev/null; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers ------------------------------------------------------------------------------
loadgen() {
    # shellcheck disable=SC2086
    java $LOADGEN_JAVA_OPTS "${LOADGEN_CMD[@]}" "$@"
}

# clear_mail DIR: removes delivered messages, so each round starts with small directories.
clear_mail() {
    find "$1" -mindepth 3 -maxdepth 3 -path '*/new/*' -type f -delete 2>/dev/null
    find "$1" -mindepth 3 -maxdepth 3 -path '*/cur/*' -type f -delete 2>/dev/null
}

# ---- build --------------------------------------------------------------------------------
cd "$repo" || exit 1
. scripts/jdk.sh || exit 1
if [ ! -f "$JAR" ]; then
    say "building $JAR"
    mvn -q -DskipTests package || die "build failed"
fi
# The loadgen sub-command once registered in "secumail"; its own main class otherwise.
if java -jar "$JAR" loadgen --help 2>/dev/null | grep -q smtp-source; then
    LOADGEN_CMD=(-jar "$JAR" loadgen)
else
    LOADGEN_CMD=(-cp "$JAR" org.secumail.cli.LoadgenCommand)
fi

# 10,000 idle connections need as many descriptors in the server and in the load generator.
ulimit -n "$(ulimit -Hn)" 2>/dev/null
if [ "$IDLE" -gt 0 ] && [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((IDLE + 500)) ]; then
    IDLE=$(( $(ulimit -n) - 500 ))
    say "open-file limit $(ulimit -n): idle round reduced to $IDLE connections"
fi

# ---- fresh work directory -----------------------------------------------------------------
if [ -d "$BENCH_DIR" ]; then
    [ -f "$BENCH_DIR/.secumail-bench" ] || die "$BENCH_DIR exists and is not a bench directory; not wiping it"
    pf_stop "$PF_BASE" 2>/dev/null
    rm -rf "$BENCH_DIR"
fi
mkdir -p "$BENCH_DIR" "$RESULTS" && touch "$BENCH_DIR/.secumail-bench" && chmod 755 "$BENCH_DIR"

user_map() {
    local i m=""
    for i in $(seq 1 "$USERS"); do m="$m${m:+,}user$i=ok"; done
    printf '%s' "$m"
}

# ---- SecuMail -----------------------------------------------------------------------------
start_secumail() {
    mkdir -p "$SM_DIR/mail" "$SM_DIR/queue" "$SM_DIR/data"
    cat > "$SM_DIR/main.cf" <<EOF
# SecuMail benchmark configuration; written by bench/smtp-throughput.sh.
myhostname = mail.example.test
mydomain = example.test
myorigin = \$myhostname
mydestination = example.test
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
local_recipient_maps = inline:{$(user_map)}
alias_maps =
alias_database =
forward_path =
home_mailbox =
mailbox_command =
mail_spool_directory = $SM_DIR/mail/
queue_directory = $SM_DIR/queue
data_directory = $SM_DIR/data
smtpd_delay_reject = yes
smtpd_helo_required = yes
strict_rfc821_envelopes = yes
smtpd_client_restrictions = permit
smtpd_helo_restrictions = permit_mynetworks, reject_non_fqdn_hostname, reject_invalid_hostname, permit
smtpd_sender_restrictions = permit_mynetworks, reject_non_fqdn_sender, reject_unknown_sender_domain, permit
smtpd_recipient_restrictions = permit_mynetworks, reject_non_fqdn_recipient, reject_unknown_recipient_domain, reject_unauth_destination, permit
${SM_MAIN_EXTRA:-}
EOF
    cat > "$SM_DIR/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$SM_PORT inet n -     n       -       20000   smtpd
EOF
    listening "$SM_PORT" && { say "port $SM_PORT is already in use"; return 1; }
    if [ -n "${SM_CMD:-}" ]; then
        SM_DIR=$SM_DIR SM_PORT=$SM_PORT bash -c "exec $SM_CMD" > "$SM_DIR/server.log" 2>&1 &
    else
        # shellcheck disable=SC2086
        MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $SM_JAVA_OPTS -jar "$JAR" run -c "$SM_DIR" > "$SM_DIR/server.log" 2>&1 &
    fi
    SM_PID=$!
    if ! wait_listening "$SM_PORT" 60 "$SM_PID"; then
        say "SecuMail did not come up on 127.0.0.1:$SM_PORT; last lines of $SM_DIR/server.log:"
        tail -20 "$SM_DIR/server.log" >&2
        return 1
    fi
    say "SecuMail running, pid $SM_PID, port $SM_PORT"
}

start_postfix() {
    [ "$(id -u)" = 0 ] || { say "not root: cannot start a Postfix instance"; return 1; }
    if ! pf_available; then
        if [ "$INSTALL_POSTFIX" = 1 ]; then
            pf_install || { say "postfix install failed"; return 1; }
        else
            say "postfix is not installed (set INSTALL_POSTFIX=1 to apt-get install it)"
            return 1
        fi
    fi
    listening "$PF_PORT" && { say "port $PF_PORT is already in use"; return 1; }
    if [ "$PF_DELIVERY" = local ]; then pf_make_users "$USERS" || return 1; fi
    pf_write_config "$PF_BASE" "$PF_PORT" "$PF_DELIVERY" "$USERS" || return 1
    [ -n "${PF_MAIN_EXTRA:-}" ] && printf '%s\n' "$PF_MAIN_EXTRA" >> "$PF_BASE/etc/main.cf"
    pf_start "$PF_BASE" || { say "postfix start failed (see $PF_BASE/maillog)"; return 1; }
    PF_STARTED=1
    wait_listening "$PF_PORT" 30 "" || { say "Postfix is not listening on $PF_PORT"; return 1; }
    say "Postfix $("$PF_SBIN/postconf" -h mail_version) running, port $PF_PORT, $PF_DELIVERY delivery"
}

ACTIVE=()
FAILED=0
for s in $SERVERS; do
    case $s in
        secumail) if start_secumail; then ACTIVE+=(secumail); else FAILED=1; fi ;;
        postfix) if start_postfix; then ACTIVE+=(postfix); else FAILED=1; fi ;;
        *) die "unknown server '$s' in SERVERS" ;;
    esac
done
[ "${#ACTIVE[@]}" -gt 0 ] || die "no server could be started"

port_of() { if [ "$1" = secumail ]; then echo "$SM_PORT"; else echo "$PF_PORT"; fi; }
mail_of() { if [ "$1" = secumail ]; then echo "$SM_DIR/mail"; else echo "$PF_BASE/mail"; fi; }

# run_round SERVER NAME MESSAGES: one loadgen run; result in $RESULTS/NAME.json.
run_round() {
    local server=$1 name=$2 n=$3 mail t0=""
    mail=$(mail_of "$server")
    # the server's CPU time over the round (SecuMail: its JVM), from sending to the last delivery
    [ "$server" = secumail ] && [ -n "${SM_PID:-}" ] && t0=$(cpu_ticks "$SM_PID")
    loadgen --host 127.0.0.1 --port "$(port_of "$server")" -m "$n" -c "$SESSIONS" -s "$SIZE" \
        --recipients "$RECIPIENTS" --per-session "$PER_SESSION" --users "$USERS" \
        --to 'user%d@example.test' --from 'loadgen@example.test' --helo loadgen.example.test \
        --maildir-glob "$mail/*/new" --wait-timeout "$WAIT_TIMEOUT" --timeout "$LOADGEN_TIMEOUT" \
        --json > "$RESULTS/$name.json" 2> "$RESULTS/$name.err"
    local rc=$?
    if [ -n "$t0" ]; then
        awk -v t="$(( $(cpu_ticks "$SM_PID") - t0 ))" -v hz="$(getconf CLK_TCK)" -v n="$n" \
            'BEGIN { printf "%.3f\n", t * 1000 / hz / n }' > "$RESULTS/$name.cpu"
    fi
    [ "$rc" = 0 ] || say "$name: loadgen exit status $rc (see $RESULTS/$name.json, .err)"
    [ "$server" = postfix ] && [ "$(pf_queue_files "$PF_BASE")" -gt 0 ] && say "$name: Postfix queue not empty after the round"
    clear_mail "$mail"
}

# ---- warm-up and measured rounds ----------------------------------------------------------
if [ "$WARMUP" -gt 0 ]; then
    for s in "${ACTIVE[@]}"; do
        say "warm-up: $WARMUP messages to $s"
        run_round "$s" "warmup-$s" "$WARMUP"
    done
fi

say "measuring: $ROUNDS round(s) per server of $MESSAGES messages, $SESSIONS sessions, $SIZE bytes," \
    "$RECIPIENTS recipient(s), $PER_SESSION per session"
printf '%-8s %-9s %10s %10s %9s %9s %8s %9s %11s\n' round server "acc msg/s" "dlv msg/s" "p50 ms" "p99 ms" accepted delivered "cpu ms/msg"
for r in $(seq 1 "$ROUNDS"); do
    if [ -n "${ROUND_HOOK:-}" ]; then
        ROUND=$r SM_DIR=$SM_DIR SM_PID=${SM_PID:-} bash -c "$ROUND_HOOK" || say "round $r: ROUND_HOOK failed"
    fi
    for s in "${ACTIVE[@]}"; do
        run_round "$s" "round$r-$s" "$MESSAGES"
        f=$RESULTS/round$r-$s.json
        printf '%-8s %-9s %10s %10s %9s %9s %8s %9s %11s\n' "$r" "$s" "$(jnum "$f" accepted_per_second)" \
            "$(jnum "$f" delivered_per_second)" "$(jnum "$f" p50)" "$(jnum "$f" p99)" \
            "$(jnum "$f" accepted)" "$(jnum "$f" delivered)" "$(cat "$RESULTS/round$r-$s.cpu" 2>/dev/null || echo -)"
    done
done

echo
echo "Medians over $ROUNDS round(s): $MESSAGES messages x $SIZE bytes, $SESSIONS sessions, $RECIPIENTS rcpt, $PER_SESSION msg/session"
printf '%-9s %12s %13s %10s %10s %11s\n' server "accepted/s" "delivered/s" "p50 ms" "p99 ms" "cpu ms/msg"
for s in "${ACTIVE[@]}"; do
    files=()
    for r in $(seq 1 "$ROUNDS"); do files+=("$RESULTS/round$r-$s.json"); done
    col() { local k=$1 f; for f in "${files[@]}"; do jnum "$f" "$k"; done | grep . | median; }
    cpu=$(for r in $(seq 1 "$ROUNDS"); do cat "$RESULTS/round$r-$s.cpu" 2>/dev/null; done | median)
    printf '%-9s %12s %13s %10s %10s %11s\n' "$s" "$(col accepted_per_second)" "$(col delivered_per_second)" \
        "$(col p50)" "$(col p99)" "$cpu"
done
echo

# ---- idle connections against SecuMail ----------------------------------------------------
# heap_used_kb PID: heap in use right after a full GC, in KB (jcmd GC.heap_info "used NNNK").
heap_used_kb() {
    jcmd "$1" GC.run >/dev/null 2>&1
    jcmd "$1" GC.heap_info 2>/dev/null | grep -o 'used [0-9]*K' | head -1 | tr -dc 0-9
}
proc_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }

if [ "$IDLE" -gt 0 ] && [ -n "$SM_PID" ] && kill -0 "$SM_PID" 2>/dev/null; then
    say "idle round: $IDLE connections held $HOLD s against SecuMail"
    heap0=$(heap_used_kb "$SM_PID"); rss0=$(proc_kb "$SM_PID" VmRSS); thr0=$(proc_kb "$SM_PID" Threads)
    loadgen --host 127.0.0.1 --port "$SM_PORT" --idle "$IDLE" --hold "$HOLD" -c "$IDLE_CONNECT" \
        --timeout "$LOADGEN_TIMEOUT" --json > "$RESULTS/idle.json" 2> "$RESULTS/idle.err" &
    lg=$!
    BG_PIDS+=("$lg")
    # Sample once all connections are up (loadgen says "established"), a moment into the hold.
    for i in $(seq 1 $((LOADGEN_TIMEOUT * 4))); do
        grep -q established "$RESULTS/idle.err" 2>/dev/null && break
        kill -0 "$lg" 2>/dev/null || break
        sleep 0.25
    done
    sleep $(( HOLD > 4 ? 2 : 0 ))
    heap1=$(heap_used_kb "$SM_PID"); rss1=$(proc_kb "$SM_PID" VmRSS); thr1=$(proc_kb "$SM_PID" Threads)
    wait "$lg"
    BG_PIDS=()
    f=$RESULTS/idle.json
    est=$(jnum "$f" established)
    echo "Idle connections (SecuMail, pid $SM_PID): requested $IDLE, established ${est:-?}," \
         "still serving after ${HOLD}s hold $(jnum "$f" still_serving)"
    printf '%-22s %14s %14s %10s\n' "" "heap used KB" "RSS KB" threads
    printf '%-22s %14s %14s %10s\n' "before" "${heap0:-?}" "${rss0:-?}" "${thr0:-?}"
    printf '%-22s %14s %14s %10s\n' "with idle connections" "${heap1:-?}" "${rss1:-?}" "${thr1:-?}"
    if [ -n "${est:-}" ] && [ "${est:-0}" -gt 0 ] && [ -n "$heap0" ] && [ -n "$heap1" ] && [ -n "$rss0" ] && [ -n "$rss1" ]; then
        awk -v h0="$heap0" -v h1="$heap1" -v r0="$rss0" -v r1="$rss1" -v n="$est" \
            'BEGIN { printf "per connection: heap %.2f KB, RSS %.2f KB\n", (h1 - h0) / n, (r1 - r0) / n }'
    fi
elif [ "$IDLE" -gt 0 ]; then
    say "idle round skipped: SecuMail is not running"
fi

say "results in $RESULTS"
exit "$FAILED"
