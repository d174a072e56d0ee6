#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/relay-throughput.sh - relayed messages per second end to end (client -> relay ->
# receiving server), SecuMail and Postfix as the relay with the same configuration and the
# same load in the same run, on loopback only.
#
# What it does:
#   1. builds target/secumail.jar if missing;
#   2. starts Postfix's smtp-sink(1) on SINK_PORT as the receiving server; it writes each
#      message it accepts to a file under BENCH_DIR/sink/new/ (so the load generator can
#      count arrivals as it counts Maildir deliveries);
#   3. starts SecuMail and a private Postfix, both with mynetworks = 127.0.0.0/8 and
#      relayhost = [127.0.0.1]:SINK_PORT, so mail for remote.example is relayed there;
#   4. WARMUP messages to each relay, then ROUNDS interleaved rounds of MESSAGES messages
#      (SESSIONS parallel sessions, SIZE bytes, RECIPIENTS recipients) to user%d@remote.example,
#      each round waiting until every message has arrived at the sink;
#   5. prints a side-by-side table of medians: accepted/s at the relay, and relayed/s
#      (arrivals at the sink per second from the first message sent to the last arrival).
# Needs root for the private Postfix (bench/lib-postfix.sh) and smtp-sink (package postfix).
#
# Knobs (environment, defaults in brackets): BENCH_DIR [/tmp/secumail-relaybench],
# SM_PORT [2545], PF_PORT [2546], SINK_PORT [2547], MESSAGES [2000], SESSIONS [20],
# SIZE [5000], RECIPIENTS [1], ROUNDS [2], WARMUP [5000], WAIT_TIMEOUT [300],
# SERVERS ["secumail postfix"], SM_JAVA_OPTS [], SM_MAIN_EXTRA [], PF_MAIN_EXTRA [].
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/lib-postfix.sh"
. "$here/lib-bench.sh"

BENCH_DIR=${BENCH_DIR:-/tmp/secumail-relaybench}
SM_PORT=${SM_PORT:-2545}
PF_PORT=${PF_PORT:-2546}
SINK_PORT=${SINK_PORT:-2547}
MESSAGES=${MESSAGES:-2000}
SESSIONS=${SESSIONS:-20}
SIZE=${SIZE:-5000}
RECIPIENTS=${RECIPIENTS:-1}
ROUNDS=${ROUNDS:-2}
WARMUP=${WARMUP:-5000}
WAIT_TIMEOUT=${WAIT_TIMEOUT:-300}
SERVERS=${SERVERS:-secumail postfix}
SM_JAVA_OPTS=${SM_JAVA_OPTS:-}
JAR=$repo/target/secumail.jar
SINK=$BENCH_DIR/sink
export PATH="$PATH:/usr/sbin:/sbin"


PIDS=()
PF_STARTED=0
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    sleep 0.5
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    [ "$PF_STARTED" = 1 ] && pf_stop "$BENCH_DIR/postfix"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


cd "$repo" || exit 1
. scripts/jdk.sh || exit 1
[ -f "$JAR" ] || mvn -q -DskipTests package || die "build failed"
[ "$(id -u)" = 0 ] || die "needs root (private Postfix, smtp-sink)"
command -v smtp-sink >/dev/null || die "needs Postfix's smtp-sink (Debian package postfix)"
for p in "$SM_PORT" "$PF_PORT" "$SINK_PORT"; do [ "$p" != 25 ] || die "port 25 is not to be used"; done

if [ -d "$BENCH_DIR" ]; then
    [ -f "$BENCH_DIR/.secumail-bench" ] || die "$BENCH_DIR exists and is not a bench directory"
    pf_stop "$BENCH_DIR/postfix" 2>/dev/null
    rm -rf "$BENCH_DIR"
fi
mkdir -p "$BENCH_DIR/results" "$SINK/new" && touch "$BENCH_DIR/.secumail-bench"
chmod 755 "$BENCH_DIR" && chown -R nobody "$SINK"

# ---- the receiving server -------------------------------------------------------------------
# -d: one file per message under new/; 1000: listen backlog.
smtp-sink -u nobody -d "$SINK/new/m." "127.0.0.1:$SINK_PORT" 1000 > "$BENCH_DIR/sink.log" 2>&1 &
PIDS+=($!)
wait_listening "$SINK_PORT" 10 || die "smtp-sink did not start (see $BENCH_DIR/sink.log)"

# ---- the relays -----------------------------------------------------------------------------
start_secumail() {
    local dir=$BENCH_DIR/secumail
    mkdir -p "$dir/queue" "$dir/data" "$dir/mail"
    cat > "$dir/main.cf" <<EOF
# SecuMail configuration for bench/relay-throughput.sh.
compatibility_level = 3.6
myhostname = relay.example.test
mydomain = example.test
mydestination = example.test
mynetworks = 127.0.0.0/8
relayhost = [127.0.0.1]:$SINK_PORT
queue_directory = $dir/queue
data_directory = $dir/data
mail_spool_directory = $dir/mail/
alias_maps =
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
${SM_MAIN_EXTRA:-}
EOF
    echo "127.0.0.1:$SM_PORT inet n - n - 20000 smtpd" > "$dir/master.cf"
    # shellcheck disable=SC2086
    MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $SM_JAVA_OPTS -jar "$JAR" run -c "$dir" > "$dir/server.log" 2>&1 &
    PIDS+=($!)
    wait_listening "$SM_PORT" 60 || { tail -20 "$dir/server.log" >&2; die "SecuMail did not start"; }
}

start_postfix() {
    local base=$BENCH_DIR/postfix
    pf_write_config "$base" "$PF_PORT" virtual 1 || die "cannot write the Postfix config"
    # postconf -e replaces the line lib-postfix.sh wrote (appending would make every Postfix
    # command warn about the overridden entry)
    postconf -c "$base/etc" -e "relayhost = [127.0.0.1]:$SINK_PORT" \
        "smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination" || die "postconf failed"
    [ -n "${PF_MAIN_EXTRA:-}" ] && printf '%s\n' "$PF_MAIN_EXTRA" >> "$base/etc/main.cf"
    pf_start "$base" || die "postfix did not start (see $base/maillog)"
    PF_STARTED=1
    wait_listening "$PF_PORT" 30 || die "postfix not listening"
}

for s in $SERVERS; do
    case $s in
        secumail) start_secumail ;;
        postfix) start_postfix ;;
        *) die "unknown server $s" ;;
    esac
done
port_of() { if [ "$1" = secumail ]; then echo "$SM_PORT"; else echo "$PF_PORT"; fi; }

round() {   # SERVER NAME N
    find "$SINK/new" -type f -delete
    java -jar "$JAR" loadgen --port "$(port_of "$1")" -m "$3" -c "$SESSIONS" -s "$SIZE" \
        --recipients "$RECIPIENTS" --users 0 --to 'user%d@remote.example' --from 'loadgen@example.test' \
        --maildir-glob "$SINK/new" --wait-timeout "$WAIT_TIMEOUT" --timeout 600 --json \
        > "$BENCH_DIR/results/$2.json" 2> "$BENCH_DIR/results/$2.err" \
        || say "$2: loadgen exit status $? (see $BENCH_DIR/results/$2.json)"
}

for s in $SERVERS; do
    [ "$WARMUP" -gt 0 ] && { say "warm-up: $WARMUP messages through $s"; round "$s" "warmup-$s" "$WARMUP"; }
done
printf '%-6s %-9s %11s %11s %8s %8s %9s %8s\n' round server "accepted/s" "relayed/s" "p50 ms" "p99 ms" accepted relayed
for r in $(seq 1 "$ROUNDS"); do
    for s in $SERVERS; do
        round "$s" "round$r-$s" "$MESSAGES"
        f=$BENCH_DIR/results/round$r-$s.json
        printf '%-6s %-9s %11s %11s %8s %8s %9s %8s\n' "$r" "$s" "$(jnum "$f" accepted_per_second)" \
            "$(jnum "$f" delivered_per_second)" "$(jnum "$f" p50)" "$(jnum "$f" p99)" \
            "$(jnum "$f" accepted)" "$(jnum "$f" delivered)"
    done
done
echo
echo "Medians over $ROUNDS round(s): $MESSAGES messages x $SIZE bytes, $SESSIONS sessions, $RECIPIENTS rcpt, relayed to smtp-sink"
printf '%-9s %11s %11s %8s %8s\n' server "accepted/s" "relayed/s" "p50 ms" "p99 ms"
for s in $SERVERS; do
    col() { local r; for r in $(seq 1 "$ROUNDS"); do jnum "$BENCH_DIR/results/round$r-$s.json" "$1"; done | grep . | median; }
    printf '%-9s %11s %11s %8s %8s\n' "$s" "$(col accepted_per_second)" "$(col delivered_per_second)" "$(col p50)" "$(col p99)"
done
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
