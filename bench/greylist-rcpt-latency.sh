#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/greylist-rcpt-latency.sh - what check_greylist adds to a transaction inside SecuMail:
# the same load (from a client outside mynetworks, via XCLIENT) against SecuMail without and
# with check_greylist (secumail_greylist_delay = 0, so every triplet passes after its first
# database round trip, and senders vary so most triplets are new). Interleaved rounds; prints
# transaction latency percentiles from "secumail loadgen". Loopback only.
# Knobs: MESSAGES [3000], SESSIONS [20], ROUNDS [2], WARMUP [6000], PORT [2531], BENCH_DIR.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
MESSAGES=${MESSAGES:-3000}; SESSIONS=${SESSIONS:-20}; ROUNDS=${ROUNDS:-2}; WARMUP=${WARMUP:-6000}; PORT=${PORT:-2531}
BENCH_DIR=${BENCH_DIR:-/tmp/secumail-greylist-bench}
. "$repo/scripts/jdk.sh"
[ -f "$repo/target/secumail.jar" ] || (cd "$repo" && mvn -B -q -DskipTests package)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT
start() {   # $1: name, $2: extra recipient restriction
  cleanup; rm -rf "$BENCH_DIR/$1"; mkdir -p "$BENCH_DIR/$1/etc"
  cat > "$BENCH_DIR/$1/etc/main.cf" <<CF
compatibility_level = 3.6
myhostname = mx.example.test
mydestination = example.test
mynetworks = 127.0.0.0/8
smtpd_authorized_xclient_hosts = 127.0.0.0/8
local_recipient_maps = inline:{ user1=ok, user2=ok, user3=ok, user4=ok, user5=ok }
alias_maps =
queue_directory = $BENCH_DIR/$1/queue
data_directory = $BENCH_DIR/$1/data
mail_spool_directory = $BENCH_DIR/$1/mail/
secumail_greylist_delay = 0
smtpd_recipient_restrictions = reject_unauth_destination $2
CF
  echo "127.0.0.1:$PORT inet n - n - 20000 smtpd" > "$BENCH_DIR/$1/etc/master.cf"
  java -jar "$repo/target/secumail.jar" run -c "$BENCH_DIR/$1/etc" > "$BENCH_DIR/$1/log" 2>&1 &
  pid=$!
  for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null && break; sleep 0.2; done
  load "$1" "$WARMUP" > /dev/null
}
load() { java -jar "$repo/target/secumail.jar" loadgen --port "$PORT" -m "$2" -c "$SESSIONS" --xclient-addr 192.0.2.10 \
           --from "sender%d@outside.example" --to "user%d@example.test" --users 5 --helo client.outside.example; }
echo "machine: $(nproc) cores; $MESSAGES messages, $SESSIONS sessions per round, client 192.0.2.10 (not in mynetworks)"
for r in $(seq 1 "$ROUNDS"); do
  for cfg in plain greylist; do
    start "$cfg" "$([ $cfg = greylist ] && echo ', check_greylist')"
    printf 'round %d %-9s ' "$r" "$cfg"; load "$cfg" "$MESSAGES" | grep -E "^(accepted|latency)" | tr '\n' ' '; echo
  done
done
