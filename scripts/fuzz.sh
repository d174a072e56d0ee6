#!/usr/bin/env bash
# Bounded coverage-guided fuzzing (Jazzer) of every parser that reads outside input:
# ParsersFuzzTest in fuzzing mode, FUZZ_RUNS runs of about 3 minutes each (default 1;
# @FuzzTest(maxDuration) in ParsersFuzzTest.java sets the length of one run). Each run starts
# from the seeds, saved findings and the corpus grown so far (.cifuzz-corpus/, not committed),
# so FUZZ_RUNS=20 is an hour-long session. A crash fails this script; Jazzer saves the input as
# src/test/resources/org/secumail/fuzz/ParsersFuzzTestInputs/parsers/crash-<sha1>, and plain
# `mvn test` then runs it as a regression test: fix the bug, keep the file (renamed if you like).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
runs=${FUZZ_RUNS:-1}
inputs=src/test/resources/org/secumail/fuzz/ParsersFuzzTestInputs/parsers
for ((i = 1; i <= runs; i++)); do
  echo "fuzz.sh: run $i of $runs (JAVA_HOME=$JAVA_HOME)"
  before=$(ls "$inputs" | grep -c '^crash-' || true)
  if ! JAZZER_FUZZ=1 mvn -B -ntp -q test -Dtest=ParsersFuzzTest -Dsurefire.failIfNoSpecifiedTests=false \
      -Djacoco.skip=true "$@"; then
    echo "fuzz.sh: Jazzer found a crash (or the run failed); see target/surefire-reports/org.secumail.fuzz.ParsersFuzzTest.txt" >&2
    ls -t "$inputs" | grep '^crash-' | head -5 | sed "s|^|fuzz.sh: input: $inputs/|" >&2 || true
    exit 1
  fi
  after=$(ls "$inputs" | grep -c '^crash-' || true)
  if [ "$after" != "$before" ]; then echo "fuzz.sh: new crash input in $inputs" >&2; exit 1; fi
done
echo "fuzz.sh: no crash in $runs run(s)"
