#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/postscreen.sh - what postscreen costs per connection, SecuMail next to Postfix 3.7's
# postscreen with the same settings (postscreen_greet_wait = 1s, the default tests), and
# SecuMail holding 10,000 concurrent connections behind postscreen. Client: bench/connections.py
# (asyncio; each connection reads the greeting up to "220 ", says QUIT, reads 221), source
# addresses 127.1.x.y.
#   new:   N connections from N new addresses, C at a time: the greet test, PASS NEW, smtpd;
#   old:   the same addresses again: PASS OLD and straight to smtpd;
#   plain: the same load against a service without postscreen (the baseline);
#   10k:   TENK connections from 2,000 new addresses all held open at once (SecuMail only: Postfix
#          would need one smtpd process per connection), then QUIT each.
# Each line gives the client's rate and the server's CPU seconds per connection (the JVM's
# utime+stime; for Postfix, the whole process tree of its master including reaped children).
# Both get default_process_limit = 500: Postfix's postscreen_pre_queue_limit and its smtpd process
# count follow it (at 100, C = 100 clients get "421 4.3.2 All screening ports are busy").
# Knobs: N [2000], C [100], TENK [10000], BENCH_DIR [/tmp/secumail-postscreen-bench],
# ports SM_PS [2581], SM_PLAIN [2582], PF_PS [2583], PF_PLAIN [2584]. Needs root for Postfix.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
N=${N:-2000}; C=${C:-100}; TENK=${TENK:-10000}; BENCH_DIR=${BENCH_DIR:-/tmp/secumail-postscreen-bench}
SM_PS=${SM_PS:-2581}; SM_PLAIN=${SM_PLAIN:-2582}; PF_PS=${PF_PS:-2583}; PF_PLAIN=${PF_PLAIN:-2584}
SM_JAVA_OPTS=${SM_JAVA_OPTS:-$(grep -v '^[[:space:]]*#' "$repo/scripts/jvm-options" | tr '\n' ' ')}
. "$repo/scripts/jdk.sh"
[ -f "$repo/target/secumail.jar" ] || (cd "$repo" && mvn -B -q -DskipTests package)
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR/sm/queue" "$BENCH_DIR/sm/data"
sm_pid=""; pf_up=0
cleanup() {
  [ -n "$sm_pid" ] && kill "$sm_pid" 2>/dev/null
  [ "$pf_up" = 1 ] && bash "$repo/scripts/postfix-instance.sh" stop "$BENCH_DIR/pf" >/dev/null 2>&1
  wait 2>/dev/null
}
trap cleanup EXIT
COMMON=$'compatibility_level = 3.6\nmyhostname = mx.example.test\nmydestination = example.test\nmynetworks = 127.0.0.9/32\nsmtpd_peername_lookup = no\npostscreen_greet_wait = 1s\npostscreen_client_connection_count_limit = 50\nsmtpd_client_connection_count_limit = 50\nalias_maps =\ninet_interfaces = 127.0.0.1\ninet_protocols = ipv4\ndefault_process_limit = 500'
printf '%s\nqueue_directory = %s\ndata_directory = %s\n' "$COMMON" "$BENCH_DIR/sm/queue" "$BENCH_DIR/sm/data" > "$BENCH_DIR/sm/main.cf"
printf '127.0.0.1:%s inet n - n - 1 postscreen\nsmtpd pass - - n - 20000 smtpd\n127.0.0.1:%s inet n - n - 20000 smtpd\n' "$SM_PS" "$SM_PLAIN" > "$BENCH_DIR/sm/master.cf"
# shellcheck disable=SC2086
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $SM_JAVA_OPTS -jar "$repo/target/secumail.jar" run -c "$BENCH_DIR/sm" > "$BENCH_DIR/sm/server.log" 2>&1 &
sm_pid=$!
if [ "$(id -u)" = 0 ] && [ -x /usr/sbin/postfix ]; then
  printf '%s\n' "$COMMON" > "$BENCH_DIR/pf-main.cf"
  printf '127.0.0.1:%s inet n - n - 1 postscreen\nsmtpd pass - - n - - smtpd\ndnsblog unix - - n - 0 dnsblog\ntlsproxy unix - - n - 0 tlsproxy\n' "$PF_PS" > "$BENCH_DIR/pf-master"
  if POSTFIX_INSTANCE_MASTER_EXTRA="$BENCH_DIR/pf-master" bash "$repo/scripts/postfix-instance.sh" start "$BENCH_DIR/pf" "$PF_PLAIN" "$BENCH_DIR/pf-main.cf" > "$BENCH_DIR/pf.log" 2>&1; then
    pf_up=1
  else
    echo "bench: Postfix did not start (see $BENCH_DIR/pf.log); SecuMail only"
  fi
else
  echo "bench: Postfix needs root and the postfix package; SecuMail only"
fi
for p in $SM_PS $SM_PLAIN; do for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && break; sleep 0.2; done; done
hz=$(getconf CLK_TCK)
# CPU seconds of a process and everything below it, reaped children included
tree_cpu() {
  local root=$1 total=0 p
  for p in $(ps -o pid= --ppid "$root" 2>/dev/null) ; do total=$(echo "$total + $(tree_cpu "$p")" | bc); done
  awk -v hz="$hz" -v t="$total" '{ printf "%.3f", t + ($14 + $15 + $16 + $17) / hz }' "/proc/$root/stat" 2>/dev/null || echo "$total"
}
pf_master() { cat "$BENCH_DIR/pf/spool/pid/master.pid" 2>/dev/null | tr -d ' '; }
run() {   # run LABEL PORT CPU_PID ARGS...: one load, one line
  local label=$1 port=$2 pid=$3; shift 3
  local c0 c1 out
  c0=$(tree_cpu "$pid")
  out=$(python3 "$here/connections.py" --port "$port" "$@" | tail -1)
  c1=$(tree_cpu "$pid")
  python3 - "$label" "$out" "$c0" "$c1" <<'PY'
import json, sys
label, o, c0, c1 = sys.argv[1], json.loads(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
n = o["served"] or 1
print("%-34s %5d served, %d errors, %6.1f conn/s, p50 %s ms, p99 %s ms; server CPU %.2f s = %.2f ms/connection%s"
      % (label, o["served"], o["errors"], o["per_second"], o["p50_ms"], o["p99_ms"], c1 - c0, (c1 - c0) * 1000 / n,
         "" if not o["first_errors"] else "; " + o["first_errors"][0]))
PY
}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); N=$N connections, $C at a time"
# JIT warm-up of both paths, from addresses the measured runs do not use
python3 "$here/connections.py" --port "$SM_PLAIN" -n 2000 -c "$C" -a 250 --first 100000 > /dev/null
python3 "$here/connections.py" --port "$SM_PS" -n 2000 -c "$C" -a 2000 --first 100000 > /dev/null
for server in secumail postfix; do
  if [ $server = secumail ]; then ps_port=$SM_PS; plain_port=$SM_PLAIN; pid=$sm_pid
  else [ "$pf_up" = 1 ] || continue; ps_port=$PF_PS; plain_port=$PF_PLAIN; pid=$(pf_master); fi
  run "$server postscreen, new clients" "$ps_port" "$pid" -n "$N" -c "$C" -a "$N"
  run "$server postscreen, PASS OLD" "$ps_port" "$pid" -n "$N" -c "$C" -a "$N"
  run "$server no postscreen" "$plain_port" "$pid" -n "$N" -c "$C" -a "$N"
done
c0=$(tree_cpu "$sm_pid")
HOLD_SECONDS=2 python3 "$here/connections.py" --port "$SM_PS" -n "$TENK" -a 2000 --first 50000 --hold > "$BENCH_DIR/tenk.json" &
cl=$!
peak=0
while kill -0 $cl 2>/dev/null; do r=$(awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$sm_pid/status"); [ "$r" -gt "$peak" ] && peak=$r; sleep 0.5; done
c1=$(tree_cpu "$sm_pid")
python3 - "$(tail -1 "$BENCH_DIR/tenk.json")" "$c0" "$c1" "$peak" "$TENK" <<'PY'
import json, sys
o, c0, c1, peak, n = json.loads(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4], int(sys.argv[5])
print("secumail %d held at once: %d served, %d errors, all held after %s s; server CPU %.2f s = %.2f ms/connection; RSS peak %s MiB"
      % (n, o["served"], o["errors"], o.get("seconds_to_hold_all"), c1 - c0, (c1 - c0) * 1000 / max(1, o["served"]), peak))
PY
