#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/spam-accuracy.sh - spam scoring accuracy on the SpamAssassin public corpus, side by side.
#
# For each of SPLITS random 50/50 splits (seeded 1..SPLITS; spam, easy ham and hard ham each
# split in half; hard ham's train half is learned as ham), network tests off:
#   SecuMail:     secumail bayes learn (train half), secumail spam check -q (test half),
#                 Debian's SpamAssassin rules + Bayes
#   SpamAssassin: sa-learn (train half), a private spamd on 127.0.0.1 (-L, bayes_auto_learn 0),
#                 spamc -c (test half): the same rules, the same training
#   bogofilter:   bogofilter -s/-n (train half), -B (test half); Unsure counts as ham
# Prints false negatives (spam scored ham), false positives on easy ham and on hard ham, per
# split and in total. rspamd is not in the comparison: its Bayes needs a Redis and its rules
# differ; see README.
#
# Usage: bash bench/spam-accuracy.sh [SPLITS]   (default 10; SpamAssassin takes ~6 min a split)
#        TOOLS="secumail bogofilter" bash bench/spam-accuracy.sh 10   (leave SpamAssassin out)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib-bench.sh
SPLITS=${1:-10}
TOOLS=${TOOLS:-secumail spamassassin bogofilter}
WORK=$(mktemp -d /tmp/spam-accuracy.XXXXXX)
chmod 755 "$WORK"   # spamd started as root reads the rules and Bayes files as nobody
SPAMD_PORT=${SPAMD_PORT:-17833}
trap 'kill $(cat "$WORK/spamd.pid" 2>/dev/null) 2>/dev/null || true; rm -rf "$WORK"' EXIT

[ -x ./secumail ] || die "run from the project (./secumail missing)"
[ -f target/secumail.jar ] || { . scripts/jdk.sh; mvn -B -ntp -q package -DskipTests; }
tar -xJf src/test/resources/spam/corpus/spamassassin-corpus.tar.xz -C "$WORK"
mkdir -p "$WORK/site"
cp /etc/spamassassin/*.pre "$WORK/site/" 2>/dev/null || true
printf 'data_directory = %s/data\nsecumail_spam_network_tests = no\nsecumail_spam_bayes_auto_learn = no\nsecumail_spam_site_rules_directory = %s/site\n' "$WORK" "$WORK" > "$WORK/main.cf"
printf 'bayes_path %s/sabayes/bayes\nbayes_file_mode 0666\nuse_bayes 1\nbayes_auto_learn 0\nskip_rbl_checks 1\n' "$WORK" > "$WORK/site/local.cf"

split() { # split SEED: $WORK/split/{train,test}/{spam,ham,hard}
    rm -rf "$WORK/split"
    /usr/bin/python3 - "$WORK" "$1" <<'PY'
import os, random, sys
work, seed = sys.argv[1], int(sys.argv[2])
rnd = random.Random(seed)
def files(*ds):
    out = []
    for d in ds:
        out += [os.path.join(work, d, f) for f in sorted(os.listdir(os.path.join(work, d)))]
    return out
for group, name in ((files('spam/spam', 'spam/spam_2'), 'spam'), (files('ham/easy_ham', 'ham/easy_ham_2'), 'ham'), (files('ham/hard_ham'), 'hard')):
    rnd.shuffle(group)
    half = len(group) // 2
    for part, sub in ((group[:half], 'train'), (group[half:], 'test')):
        d = os.path.join(work, 'split', sub, 'ham' if (name == 'hard' and sub == 'train') else name)
        os.makedirs(d, exist_ok=True)
        for f in part:
            os.symlink(f, os.path.join(d, os.path.basename(f)))
PY
}

secumail_run() {
    rm -rf "$WORK/data"
    ./secumail bayes learn --spam -c "$WORK" "$WORK/split/train/spam" >/dev/null 2>&1
    ./secumail bayes learn --ham -c "$WORK" "$WORK/split/train/ham" >/dev/null 2>&1
    local fn fp fph
    fn=$(./secumail spam check -q -c "$WORK" "$WORK/split/test/spam" 2>/dev/null | grep -c ': ham,' || true)
    fp=$(./secumail spam check -q -c "$WORK" "$WORK/split/test/ham" 2>/dev/null | grep -c ': spam,' || true)
    fph=$(./secumail spam check -q -c "$WORK" "$WORK/split/test/hard" 2>/dev/null | grep -c ': spam,' || true)
    echo "$fn $fp $fph"
}

spamassassin_run() {
    rm -rf "$WORK/sabayes"; mkdir -p "$WORK/sabayes"; chmod 777 "$WORK/sabayes"
    kill "$(cat "$WORK/spamd.pid" 2>/dev/null)" 2>/dev/null || true; sleep 1
    sa-learn --siteconfigpath="$WORK/site" --spam "$WORK/split/train/spam" >/dev/null 2>&1
    sa-learn --siteconfigpath="$WORK/site" --ham "$WORK/split/train/ham" >/dev/null 2>&1
    spamd --local --siteconfigpath="$WORK/site" --listen="127.0.0.1:$SPAMD_PORT" --max-children=2 \
        --syslog="$WORK/spamd.log" --pidfile="$WORK/spamd.pid" -d || { tail -5 "$WORK/spamd.log" >&2; die "spamd did not start"; }
    wait_listening "$SPAMD_PORT" 30 || die "spamd did not start"
    count() { # count DIR WANT: messages spamc calls WANT (spam|ham)
        local n=0 f s
        for f in "$1"/*; do
            s=$(spamc -d 127.0.0.1 -p "$SPAMD_PORT" -c < "$f" || true)
            if [ "$2" = spam ] && awk -F/ '{exit !($1 >= $2)}' <<< "$s"; then n=$((n + 1)); fi
            if [ "$2" = ham ] && awk -F/ '{exit !($1 < $2)}' <<< "$s"; then n=$((n + 1)); fi
        done
        echo "$n"
    }
    echo "$(count "$WORK/split/test/spam" ham) $(count "$WORK/split/test/ham" spam) $(count "$WORK/split/test/hard" spam)"
}

bogofilter_run() {
    rm -rf "$WORK/bogo"; mkdir -p "$WORK/bogo"
    bogofilter -d "$WORK/bogo" -s -B "$WORK"/split/train/spam/* >/dev/null 2>&1
    bogofilter -d "$WORK/bogo" -n -B "$WORK"/split/train/ham/* >/dev/null 2>&1
    echo "$(bogofilter -d "$WORK/bogo" -v -B "$WORK"/split/test/spam/* | grep -cv 'Bogosity: Spam' || true)" \
         "$(bogofilter -d "$WORK/bogo" -v -B "$WORK"/split/test/ham/* | grep -c 'Bogosity: Spam' || true)" \
         "$(bogofilter -d "$WORK/bogo" -v -B "$WORK"/split/test/hard/* | grep -c 'Bogosity: Spam' || true)"
}

declare -A TOT_VALS
printf '%-6s %-13s %6s %6s %6s\n' split tool FN FP FP_hard
for s in $(seq 1 "$SPLITS"); do
    split "$s"
    ns=$(ls "$WORK/split/test/spam" | wc -l); nh=$(ls "$WORK/split/test/ham" | wc -l); nd=$(ls "$WORK/split/test/hard" | wc -l)
    for t in $TOOLS; do
        if [ "$t" = bogofilter ] && ! command -v bogofilter >/dev/null; then continue; fi
        if [ "$t" = spamassassin ] && ! command -v spamd >/dev/null; then continue; fi
        read -r fn fp fph < <("${t}_run")
        printf '%-6s %-13s %6s %6s %6s\n' "$s" "$t" "$fn" "$fp" "$fph"
        set -- ${TOT_VALS[$t]:-0 0 0}
        TOT_VALS[$t]="$(( $1 + fn )) $(( $2 + fp )) $(( $3 + fph ))"
    done
done
echo
echo "totals over $SPLITS splits (test halves of $ns spam, $nh easy ham, $nd hard ham each):"
for t in $TOOLS; do
    [ -n "${TOT_VALS[$t]:-}" ] || continue
    set -- ${TOT_VALS[$t]}
    awk -v t="$t" -v fn="$1" -v fp="$2" -v fph="$3" -v k="$SPLITS" -v ns="$ns" -v nh="$nh" -v nd="$nd" 'BEGIN {
        printf "%-13s FN %5d (%.2f%%)  FP %4d (%.3f%%)  FP hard %4d (%.1f%%)\n", t, fn, 100*fn/(k*ns), fp, 100*fp/(k*nh), fph, 100*fph/(k*nd) }'
done
