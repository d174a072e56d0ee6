#!/usr/bin/env bash
# The whole test suite: finds a JDK >= 21, installs what the tests need, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/jdk.sh
echo "test.sh: using JAVA_HOME=$JAVA_HOME"
if [ -f scripts/install-test-deps.sh ]; then bash scripts/install-test-deps.sh; fi
mvn -B -ntp verify
# The Debian package, installed and run as a host would (about 20 s; skips unless root with dpkg).
bash packaging/test-deb.sh
# A bounded fuzzing run of the parsers (about 3 minutes), after the tests pass.
bash scripts/fuzz.sh
