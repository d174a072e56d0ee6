#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/policyd-vs-postgrey.sh - policy requests per second answered by "secumail policyd"
# (check_greylist, SQLite) and by postgrey (Debian package, BerkeleyDB), side by side with the
# same request stream (bench/policy-requests.py: half new triplets, half known), interleaved
# rounds. Loopback only. Knobs: REQUESTS [4000], CONNECTIONS [10], ROUNDS [2], SM_PORT [10091],
# PG_PORT [10092], BENCH_DIR [/tmp/secumail-policy-bench]. Needs root for postgrey (--user=root).
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
REQUESTS=${REQUESTS:-4000}; CONNECTIONS=${CONNECTIONS:-10}; ROUNDS=${ROUNDS:-2}
SM_PORT=${SM_PORT:-10091}; PG_PORT=${PG_PORT:-10092}; BENCH_DIR=${BENCH_DIR:-/tmp/secumail-policy-bench}
. "$repo/scripts/jdk.sh"
[ -f "$repo/target/secumail.jar" ] || (cd "$repo" && mvn -B -q -DskipTests package)
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR/etc" "$BENCH_DIR/pg"
printf 'compatibility_level = 3.6\ndata_directory = %s/data\nalias_maps =\nsecumail_policyd_restrictions = check_greylist\nsecumail_greylist_whitelist_clients =\n' "$BENCH_DIR" > "$BENCH_DIR/etc/main.cf"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
java -jar "$repo/target/secumail.jar" policyd -c "$BENCH_DIR/etc" --listen 127.0.0.1:$SM_PORT > "$BENCH_DIR/secumail.log" 2>&1 &
pids+=($!)
have_pg=0
if [ -x /usr/sbin/postgrey ] && [ "$(id -u)" = 0 ]; then
  /usr/sbin/postgrey --inet=127.0.0.1:$PG_PORT --dbdir="$BENCH_DIR/pg" --user=root --group=root \
    --pidfile="$BENCH_DIR/pg/pid" --whitelist-clients=/dev/null --whitelist-recipients=/dev/null > "$BENCH_DIR/postgrey.log" 2>&1 &
  pids+=($!); have_pg=1
else
  echo "bench: postgrey not available (needs root and the postgrey package); measuring SecuMail only"
fi
for port in $SM_PORT $([ $have_pg = 1 ] && echo $PG_PORT); do
  for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.2; done
done
python3 "$here/policy-requests.py" --port $SM_PORT -n 1000 -c "$CONNECTIONS" --tag warm > /dev/null
[ $have_pg = 1 ] && python3 "$here/policy-requests.py" --port $PG_PORT -n 1000 -c "$CONNECTIONS" --tag warm > /dev/null
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $REQUESTS requests over $CONNECTIONS connections per round"
for r in $(seq 1 "$ROUNDS"); do
  printf 'round %d secumail policyd: ' "$r"; python3 "$here/policy-requests.py" --port $SM_PORT -n "$REQUESTS" -c "$CONNECTIONS" --tag r$r
  if [ $have_pg = 1 ]; then printf 'round %d postgrey:         ' "$r"; python3 "$here/policy-requests.py" --port $PG_PORT -n "$REQUESTS" -c "$CONNECTIONS" --tag r$r; fi
done
