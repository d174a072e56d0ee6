#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/spf-policy.sh - SPF checks through the policy delegation protocol, the way a Postfix
# asks them: "secumail policyd" with check_spf, and Debian's policyd-spf
# (postfix-policyd-spf-python, one process per connection as spawn(8) runs it), with the same
# request stream (bench/policy-requests.py --spf-domain: HELO and MAIL FROM in a 5-level include
# chain, 8 DNS queries per evaluation, a new sender each request) and the same DNS server
# (dnsmasq on loopback), caches warm. Prints requests per second (the client's view) and the
# server's CPU seconds and checks per CPU-second (utime+stime of secumail's JVM; for
# policyd-spf, of its processes, which report their own at exit).
# Knobs: REQUESTS [4000], CONNECTIONS [4], ROUNDS [2], WARMUP [4000], DNS_PORT [5398],
# SM_PORT [10093], PS_PORT [10094], BENCH_DIR [/tmp/secumail-spf-policy-bench].
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
REQUESTS=${REQUESTS:-4000}; CONNECTIONS=${CONNECTIONS:-4}; ROUNDS=${ROUNDS:-2}; WARMUP=${WARMUP:-4000}
DNS_PORT=${DNS_PORT:-5398}; SM_PORT=${SM_PORT:-10093}; PS_PORT=${PS_PORT:-10094}
BENCH_DIR=${BENCH_DIR:-/tmp/secumail-spf-policy-bench}
SM_JAVA_OPTS=${SM_JAVA_OPTS:-$(grep -v '^[[:space:]]*#' "$repo/scripts/jvm-options" | tr '\n' ' ')}
if [ "$(id -u)" = 0 ] && { ! command -v dnsmasq >/dev/null || [ ! -x /usr/bin/policyd-spf ]; }; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dnsmasq-base postfix-policyd-spf-python >/dev/null
fi
. "$repo/scripts/jdk.sh"
[ -f "$repo/target/secumail.jar" ] || (cd "$repo" && mvn -B -q -DskipTests package)
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR/etc"
D=d.bench.test
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 --port="$DNS_PORT" \
  --local-ttl=300 --user=root \
  --txt-record=$D,"v=spf1 include:l1.$D -all" \
  --txt-record=l1.$D,"v=spf1 ip4:198.51.100.0/24 include:l2.$D -all" \
  --txt-record=l2.$D,"v=spf1 a:mail.$D include:l3.$D -all" \
  --txt-record=l3.$D,"v=spf1 mx include:l4.$D -all" \
  --txt-record=l4.$D,"v=spf1 ip6:2001:db8::/32 ip4:192.0.2.0/24 -all" \
  --host-record=mail.$D,203.0.113.5 --mx-host=l3.$D,mx.$D,10 --host-record=mx.$D,203.0.113.6 &
pids+=($!)
printf 'compatibility_level = 3.6\ndata_directory = %s/data\nalias_maps =\ndns_servers = 127.0.0.1:%s\nsecumail_policyd_restrictions = check_spf\n' \
  "$BENCH_DIR" "$DNS_PORT" > "$BENCH_DIR/etc/main.cf"
# shellcheck disable=SC2086
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $SM_JAVA_OPTS -jar "$repo/target/secumail.jar" policyd -c "$BENCH_DIR/etc" --listen 127.0.0.1:$SM_PORT > "$BENCH_DIR/secumail.log" 2>&1 &
pids+=($!); sm_pid=$!
have_ps=0
if [ -x /usr/bin/policyd-spf ]; then
  /usr/bin/python3 "$here/policyd-spf-server.py" --port "$PS_PORT" --dns-port "$DNS_PORT" --cpu-log "$BENCH_DIR/policyd-spf.cpu" \
    > "$BENCH_DIR/policyd-spf.log" 2>&1 &
  pids+=($!); have_ps=1
else
  echo "bench: policyd-spf not installed; measuring SecuMail only"
fi
for port in $SM_PORT $([ $have_ps = 1 ] && echo $PS_PORT); do
  for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
done
load() { python3 "$here/policy-requests.py" --port "$1" -n "$2" -c "$CONNECTIONS" --tag "$3" --spf-domain $D; }
load $SM_PORT "$WARMUP" warm > /dev/null
[ $have_ps = 1 ] && load $PS_PORT "$WARMUP" warm > /dev/null
grep -q 'action=PREPEND Received-SPF: Pass' "$BENCH_DIR/secumail.log" || echo "bench: warning: secumail did not answer Pass (see $BENCH_DIR/secumail.log)"
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"; }
pscpu() { awk '{ s += $1 } END { printf "%.3f", s }' "$BENCH_DIR/policyd-spf.cpu" 2>/dev/null || echo 0; }
per() { awk -v a="$1" -v b="$2" -v n="$REQUESTS" 'BEGIN { d = b - a; printf "; server CPU %.2f s, %.0f checks per CPU-second\n", d, (d > 0 ? n / d : 0) }'; }
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $REQUESTS checks over $CONNECTIONS connections per round"
for r in $(seq 1 "$ROUNDS"); do
  printf 'round %d secumail policyd check_spf: ' "$r"; c0=$(cpu $sm_pid); load $SM_PORT "$REQUESTS" r$r | tr -d '\n'; per "$c0" "$(cpu $sm_pid)"
  if [ $have_ps = 1 ]; then
    printf 'round %d policyd-spf:                ' "$r"; c0=$(pscpu); load $PS_PORT "$REQUESTS" r$r | tr -d '\n'; sleep 1; per "$c0" "$(pscpu)"
  fi
done
