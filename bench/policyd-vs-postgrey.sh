#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/policyd-vs-postgrey.sh - policy requests per second answered by "secumail policyd"
# (check_greylist, SQLite) and by postgrey (Debian package, BerkeleyDB), side by side with the
# same request stream (bench/policy-requests.py: half new triplets, half known), interleaved
# rounds, after WARMUP [12000] requests to each. Each round prints the client's figures and the
# server's own CPU seconds (utime+stime of its process, /proc/PID/stat) as requests per
# CPU-second, the measure that does not depend on how fast the Python client is.
# Loopback only. Knobs: REQUESTS [8000], CONNECTIONS [4], ROUNDS [2], SM_PORT [10091],
# PG_PORT [10092], BENCH_DIR [/tmp/secumail-policy-bench], SM_JAVA_OPTS (default: the launcher's
# scripts/jvm-options). Needs root for postgrey (--user=root).
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
REQUESTS=${REQUESTS:-8000}; CONNECTIONS=${CONNECTIONS:-4}; ROUNDS=${ROUNDS:-2}; WARMUP=${WARMUP:-12000}
SM_JAVA_OPTS=${SM_JAVA_OPTS:-$(grep -v '^[[:space:]]*#' "$repo/scripts/jvm-options" | tr '\n' ' ')}
SM_PORT=${SM_PORT:-10091}; PG_PORT=${PG_PORT:-10092}; BENCH_DIR=${BENCH_DIR:-/tmp/secumail-policy-bench}
. "$repo/scripts/jdk.sh"
[ -f "$repo/target/secumail.jar" ] || (cd "$repo" && mvn -B -q -DskipTests package)
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR/etc" "$BENCH_DIR/pg"
printf 'compatibility_level = 3.6\ndata_directory = %s/data\nalias_maps =\nsecumail_policyd_restrictions = check_greylist\nsecumail_greylist_whitelist_clients =\n' "$BENCH_DIR" > "$BENCH_DIR/etc/main.cf"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
# shellcheck disable=SC2086
MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $SM_JAVA_OPTS -jar "$repo/target/secumail.jar" policyd -c "$BENCH_DIR/etc" --listen 127.0.0.1:$SM_PORT > "$BENCH_DIR/secumail.log" 2>&1 &
pids+=($!); sm_pid=$!
have_pg=0
if [ -x /usr/sbin/postgrey ] && [ "$(id -u)" = 0 ]; then
  /usr/sbin/postgrey --inet=127.0.0.1:$PG_PORT --dbdir="$BENCH_DIR/pg" --user=root --group=root \
    --pidfile="$BENCH_DIR/pg/pid" --whitelist-clients=/dev/null --whitelist-recipients=/dev/null > "$BENCH_DIR/postgrey.log" 2>&1 &
  pids+=($!); have_pg=1; pg_pid=$!
else
  echo "bench: postgrey not available (needs root and the postgrey package); measuring SecuMail only"
fi
for port in $SM_PORT $([ $have_pg = 1 ] && echo $PG_PORT); do
  for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
done
python3 "$here/policy-requests.py" --port $SM_PORT -n "$WARMUP" -c "$CONNECTIONS" --tag warm > /dev/null
[ $have_pg = 1 ] && python3 "$here/policy-requests.py" --port $PG_PORT -n "$WARMUP" -c "$CONNECTIONS" --tag warm > /dev/null
# CPU seconds (user+system) a process has used so far
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"; }
# one measured round: the client's line, then the server's CPU seconds and requests per CPU-second
measure() {
  local pid=$1 port=$2 tag=$3 c0 c1
  c0=$(cpu "$pid")
  python3 "$here/policy-requests.py" --port "$port" -n "$REQUESTS" -c "$CONNECTIONS" --tag "$tag" | tr -d '\n'
  c1=$(cpu "$pid")
  awk -v a="$c0" -v b="$c1" -v n="$REQUESTS" 'BEGIN { d = b - a; printf "; server CPU %.2f s, %.0f requests per CPU-second\n", d, (d > 0 ? n / d : 0) }'
}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $REQUESTS requests over $CONNECTIONS connections per round"
for r in $(seq 1 "$ROUNDS"); do
  printf 'round %d secumail policyd: ' "$r"; measure "$sm_pid" $SM_PORT r$r
  if [ $have_pg = 1 ]; then printf 'round %d postgrey:         ' "$r"; measure "$pg_pid" $PG_PORT r$r; fi
done
