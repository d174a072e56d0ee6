#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/seed-levels.sh - SecuMail on the seed stack's level 1 (Postfix's tutorial restrictions)
# and level 2 (+ greylisting + SPF) configurations, driven by the seed stack's own load
# generator (../shared/bench/refstack/load.py: a new connection per message, 20 sessions,
# ~5.8 KB messages from 127.0.0.2, delivery to Maildir awaited), with the launcher's JVM
# settings (scripts/jvm-options). For each level: a warm-up run, then RUNS runs of COUNT
# messages; per run the accepted and delivered rates, the server's CPU per message, and its
# resident memory (VmRSS: the peak sampled every 0.5 s during the run, and at the end).
# DNS (sender and recipient domains, the SPF record of sender.test) comes from dnsmasq on
# loopback; greylisting uses secumail_greylist_delay = 0, as the seed pre-seeds postgrey.
# Knobs: COUNT [3000], RUNS [7], CONCURRENCY [20], LEVELS ["1 2"], SM_PORT [2571],
# DNS_PORT [5396], BENCH_DIR [/tmp/secumail-seed-levels], REFSTACK [../shared/bench/refstack].
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
COUNT=${COUNT:-3000}; RUNS=${RUNS:-7}; CONCURRENCY=${CONCURRENCY:-20}; LEVELS=${LEVELS:-1 2}
SM_PORT=${SM_PORT:-2571}; DNS_PORT=${DNS_PORT:-5396}; BENCH_DIR=${BENCH_DIR:-/tmp/secumail-seed-levels}
REFSTACK=${REFSTACK:-$repo/../shared/bench/refstack}
SM_JAVA_OPTS=${SM_JAVA_OPTS:-$(grep -v '^[[:space:]]*#' "$repo/scripts/jvm-options" | tr '\n' ' ')}
[ -f "$REFSTACK/load.py" ] || { echo "bench: $REFSTACK/load.py not found (set REFSTACK)"; exit 1; }
if [ "$(id -u)" = 0 ] && ! command -v dnsmasq >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dnsmasq-base >/dev/null
fi
. "$repo/scripts/jdk.sh"
[ -f "$repo/target/secumail.jar" ] || (cd "$repo" && mvn -B -q -DskipTests package)
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR"
pids=(); sm_pid=""
cleanup() { [ -n "$sm_pid" ] && kill "$sm_pid" 2>/dev/null; for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 --port="$DNS_PORT" \
  --local-ttl=300 --user=root \
  --host-record=mail.example.test,127.0.0.1 --mx-host=example.test,mail.example.test,10 \
  --host-record=mx.sender.test,127.0.0.2 --mx-host=sender.test,mx.sender.test,10 --host-record=sender.test,127.0.0.2 \
  --txt-record=sender.test,"v=spf1 ip4:127.0.0.0/8 -all" &
pids+=($!)
senders=alice@sender.test,bob@sender.test,carol@sender.test,dave@sender.test,erin@sender.test
rcpts=user1@example.test,user2@example.test,user3@example.test,user4@example.test,user5@example.test
python3 "$REFSTACK/load.py" gen-corpus --out "$BENCH_DIR/corpus" --count 2000 --size 5800 --senders "$senders" --recipients "$rcpts" > /dev/null
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.3f", ($14 + $15) / hz }' "/proc/$1/stat"; }
rss() { awk '/^VmRSS/ { print int($2 / 1024) }' "/proc/$1/status"; }
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); JVM options: $SM_JAVA_OPTS"
for level in $LEVELS; do
  d=$BENCH_DIR/level$level; mkdir -p "$d/mail" "$d/queue" "$d/data"
  for u in 1 2 3 4 5; do mkdir -p "$d/mail/user$u/new" "$d/mail/user$u/cur" "$d/mail/user$u/tmp"; done
  extra_rcpt=""; extra_cf=""
  if [ "$level" = 2 ]; then
    extra_rcpt="check_greylist, check_spf,"
    extra_cf=$'secumail_greylist_delay = 0\nsecumail_greylist_whitelist_clients ='
  fi
  cat > "$d/main.cf" <<CF
myhostname = mail.example.test
mydomain = example.test
mydestination = example.test
mynetworks = 127.0.0.1/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
dns_servers = 127.0.0.1:$DNS_PORT
local_recipient_maps = inline:{user1=ok, user2=ok, user3=ok, user4=ok, user5=ok}
alias_maps =
alias_database =
forward_path =
home_mailbox =
mail_spool_directory = $d/mail/
queue_directory = $d/queue
data_directory = $d/data
smtpd_helo_required = yes
smtpd_client_restrictions = permit
smtpd_helo_restrictions = permit_mynetworks, reject_non_fqdn_hostname, reject_invalid_hostname, permit
smtpd_sender_restrictions = permit_mynetworks, reject_non_fqdn_sender, reject_unknown_sender_domain, permit
smtpd_recipient_restrictions = permit_mynetworks, reject_non_fqdn_recipient, reject_unknown_recipient_domain, reject_unauth_destination, $extra_rcpt permit
$extra_cf
CF
  printf '127.0.0.1:%s inet n - n - 20000 smtpd\n' "$SM_PORT" > "$d/master.cf"
  # shellcheck disable=SC2086
  MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $SM_JAVA_OPTS -jar "$repo/target/secumail.jar" run -c "$d" > "$d/server.log" 2>&1 &
  sm_pid=$!
  for i in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$SM_PORT) 2>/dev/null && break; sleep 0.2; done
  for run in warmup $(seq 1 "$RUNS"); do
    find "$d/mail" -path '*/new/*' -type f -delete 2>/dev/null
    peak=0
    ( while kill -0 "$sm_pid" 2>/dev/null; do rss "$sm_pid"; sleep 0.5; done ) > "$d/rss.samples" &
    sampler=$!
    c0=$(cpu "$sm_pid")
    python3 "$REFSTACK/load.py" send --port "$SM_PORT" --source 127.0.0.2 --helo client.sender.test --corpus "$BENCH_DIR/corpus" \
      --count "$COUNT" --concurrency "$CONCURRENCY" --maildir-glob "$d/mail/user*/new" --maildir-timeout 120 --quiet \
      --json "$d/run-$run.json" > /dev/null 2>&1
    c1=$(cpu "$sm_pid")
    kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
    peak=$(sort -n "$d/rss.samples" | tail -1)
    python3 - "$d/run-$run.json" "$level" "$run" "$c0" "$c1" "$COUNT" "$peak" "$(rss "$sm_pid")" <<'PY'
import json, sys
j = json.load(open(sys.argv[1])); level, run = sys.argv[2], sys.argv[3]
c0, c1, n, peak, end = float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), sys.argv[7], sys.argv[8]
def g(*names):
    for k in names:
        if k in j: return j[k]
    return None
acc = g("accept_rate", "accepted_per_s", "accept_per_s"); dlv = g("delivery_rate", "delivered_per_s", "e2e_rate")
ok = g("accepted", "ok", "sent_ok")
print("level %s run %-6s accepted %s, %s msg/s accepted, %s msg/s delivered; server CPU %.2f ms/msg; RSS peak %s MiB, end %s MiB"
      % (level, run, ok, acc if acc is None else "%.0f" % acc, dlv if dlv is None else "%.0f" % dlv, (c1 - c0) * 1000 / n, peak, end))
PY
  done
  kill "$sm_pid"; wait "$sm_pid" 2>/dev/null; sm_pid=""
done
