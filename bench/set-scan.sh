#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/set-scan.sh - the body's pattern-set scan alone (docs/spam.md, "What the rules see"):
# Debian's SpamAssassin body rules read over the paragraphs of a corpus by one filter per cache
# size, in interleaved passes in one JVM (src/test/java/org/secumail/spam/SetScanBench.java).
# Prints the milliseconds of each pass per filter, then each filter's groups, splits and cache
# restarts. Knobs: SIZES [2000,4000: DFA states before a group splits; the server uses
# MultiPatternAutomaton.MAX_STATES], PASSES [12], CORPUS [/var/lib/refstack/corpus: refstack's
# 2,000 messages, made by its setup.sh; any directory of single-message files]. Needs the
# spamassassin package (its rules) and the project's Maven dependencies. No network.
set -eu -o pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
. "$repo/scripts/jdk.sh"
SIZES=${SIZES:-2000,4000}; PASSES=${PASSES:-12}; CORPUS=${CORPUS:-/var/lib/refstack/corpus}
[ -d /usr/share/spamassassin ] || { echo "set-scan: no /usr/share/spamassassin (apt-get install spamassassin)"; exit 1; }
[ -d "$CORPUS" ] || { echo "set-scan: no corpus in $CORPUS (refstack's setup.sh makes one; or set CORPUS)"; exit 1; }
cd "$repo"
rm -f target/surefire-reports/org.secumail.spam.SetScanBench-output.txt
mvn -B -ntp -q test -Dtest=SetScanBench -Dsurefire.failIfNoSpecifiedTests=false -Dsecumail.bench.setscan=true \
    -Dsecumail.bench.sizes="$SIZES" -Dsecumail.bench.passes="$PASSES" -Dsecumail.bench.corpus="$CORPUS" > /dev/null
echo "machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'))"
cat target/surefire-reports/org.secumail.spam.SetScanBench-output.txt
