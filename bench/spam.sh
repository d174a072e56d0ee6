#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/spam.sh - spam scoring speed: `secumail spamd` against SpamAssassin's spamd, same messages.
#
# Both servers load Debian's SpamAssassin rules, network tests off, Bayes trained on the same
# TRAIN messages of the public corpus (secumail bayes learn / sa-learn). Then CLIENTS parallel
# spamc loops score the same N other messages (spam and ham mixed), first once to warm up (the
# JVM's JIT, SpamAssassin's children), then ROUNDS times measured. Printed per server:
# messages per second (wall clock), the server's own CPU milliseconds per message (its
# processes' utime+stime from /proc, children included), and its resident memory afterwards.
# spamc runs as a new process per message for both, so on two cores the client side costs the
# same for both and the CPU column is the comparison that holds.
#
# Usage: bash bench/spam.sh [N] [ROUNDS]   (default 600 messages, 2 rounds; about 10 minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib-bench.sh
N=${1:-600}
ROUNDS=${2:-2}
CLIENTS=${CLIENTS:-2}
TRAIN=${TRAIN:-1000}
PORT_OURS=${PORT_OURS:-17851}
PORT_SA=${PORT_SA:-17852}
WORK=$(mktemp -d /tmp/spam-bench.XXXXXX)
chmod 755 "$WORK"
OURS_PID=""
trap 'kill $OURS_PID $(cat "$WORK/spamd.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT
command -v spamd >/dev/null && command -v spamc >/dev/null || die "install spamassassin, spamd and spamc (Debian 12 packages spamd apart)"
[ -f target/secumail.jar ] || { . scripts/jdk.sh; mvn -B -ntp -q package -DskipTests; }
. scripts/jdk.sh

say "unpacking the corpus"
tar -xJf src/test/resources/spam/corpus/spamassassin-corpus.tar.xz -C "$WORK"
/usr/bin/python3 - "$WORK" "$N" "$TRAIN" <<'PY'
import os, random, sys
work, n, train = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
files = []
for d in ('spam/spam', 'spam/spam_2', 'ham/easy_ham', 'ham/easy_ham_2', 'ham/hard_ham'):
    files += [(d, f) for f in sorted(os.listdir(os.path.join(work, d)))]
rnd = random.Random(42)
rnd.shuffle(files)
for sub, part in (('train', files[:train]), ('test', files[train:train + n])):
    for d, f in part:
        dst = os.path.join(work, sub, 'spam' if d.startswith('spam') else 'ham')
        os.makedirs(dst, exist_ok=True)
        os.symlink(os.path.join(work, d, f), os.path.join(dst, f))
PY
ls "$WORK"/test/*/* > "$WORK/list"

mkdir -p "$WORK/site" "$WORK/sabayes" && chmod 777 "$WORK/sabayes"
cp /etc/spamassassin/*.pre "$WORK/site/"
printf 'bayes_path %s/sabayes/bayes\nbayes_file_mode 0666\nuse_bayes 1\nbayes_auto_learn 0\nbayes_min_spam_num 100\nbayes_min_ham_num 100\n' "$WORK" > "$WORK/site/local.cf"
printf 'data_directory = %s/data\nsecumail_spam_network_tests = no\nsecumail_spam_bayes_auto_learn = no\nsecumail_spam_site_rules_directory = %s/site\n' "$WORK" "$WORK" > "$WORK/main.cf"

say "training both on $TRAIN messages"
./secumail bayes learn --spam -c "$WORK" "$WORK/train/spam" >/dev/null 2>&1
./secumail bayes learn --ham -c "$WORK" "$WORK/train/ham" >/dev/null 2>&1
sa-learn --siteconfigpath="$WORK/site" --spam "$WORK/train/spam" >/dev/null 2>&1
sa-learn --siteconfigpath="$WORK/site" --ham "$WORK/train/ham" >/dev/null 2>&1

java -jar target/secumail.jar spamd -c "$WORK" --listen "127.0.0.1:$PORT_OURS" > "$WORK/ours.log" 2>&1 &
OURS_PID=$!
spamd --local --siteconfigpath="$WORK/site" --listen="127.0.0.1:$PORT_SA" --max-children="$CLIENTS" \
    --min-children="$CLIENTS" --syslog="$WORK/spamd.log" --pidfile="$WORK/spamd.pid" -d
wait_listening "$PORT_OURS" 60 "$OURS_PID" || die "secumail spamd did not start"
wait_listening "$PORT_SA" 60 || die "spamd did not start"

# pass PORT: every message of the list once, through CLIENTS parallel spamc loops
pass() {
    split -n "r/$CLIENTS" "$WORK/list" "$WORK/part."
    local loops=""
    for p in "$WORK"/part.*; do
        ( while read -r f; do spamc -d 127.0.0.1 -p "$1" -c < "$f" >/dev/null || true; done < "$p" ) &
        loops="$loops $!"
    done
    wait $loops   # the loops only: a bare wait would also wait for the server started in the background
    rm -f "$WORK"/part.*
}

pids_of() { # the server's processes: secumail's JVM, or spamd's parent and children
    if [ "$1" = ours ]; then echo "$OURS_PID"; else
        local parent; parent=$(cat "$WORK/spamd.pid"); echo "$parent $(pgrep -P "$parent" | tr '\n' ' ')"; fi
}
rss_mb() { local t=0 p; for p in $(pids_of "$1"); do t=$((t + $(awk '/VmRSS/{print $2}' "/proc/$p/status" 2>/dev/null || echo 0))); done; echo $((t / 1024)); }

hz=$(getconf CLK_TCK)
n=$(wc -l < "$WORK/list")
printf '%-22s %10s %14s %10s\n' server "msg/s" "CPU ms/msg" "RSS MB"
for who in ours sa; do
    port=$PORT_OURS; [ "$who" = sa ] && port=$PORT_SA
    pass "$port"                                   # warm-up
    for r in $(seq 1 "$ROUNDS"); do
        c0=$(cpu_ticks $(pids_of "$who")); t0=$(date +%s.%N)
        pass "$port"
        t1=$(date +%s.%N); c1=$(cpu_ticks $(pids_of "$who"))
        awk -v w="$who" -v n="$n" -v t="$(echo "$t1 - $t0" | bc)" -v c=$((c1 - c0)) -v hz="$hz" -v rss="$(rss_mb "$who")" -v r="$r" 'BEGIN {
            name = (w == "ours" ? "secumail spamd" : "SpamAssassin spamd") " #" r
            printf "%-22s %10.1f %14.2f %10d\n", name, n / t, 1000 * c / hz / n, rss }'
    done
done
