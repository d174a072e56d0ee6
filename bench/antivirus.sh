#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/antivirus.sh - scanning throughput, built-in scanner vs clamd, on the same messages and
# the same generated signature set (HASHES .hdb + BODIES .ndb signatures, plus EICAR):
#   builtin      secumail scan --mail (one JVM, every message through the built-in scanner)
#   clamd-client secumail scan --mail --clamd unix:SOCKET (SecuMail's INSTREAM client)
#   clamd-direct clamdscan (clamd reads the files itself: CONTSCAN of the directory)
# Prints messages/s, MB/s and the peak RSS of the scanning process (the JVM, or clamd). A private
# clamd on a unix socket in BENCH_DIR; never the system one, never freshclam. Loopback only.
# Knobs: MESSAGES [400], HASHES [10000], BODIES [2000], ROUNDS [2], BENCH_DIR.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
MESSAGES=${MESSAGES:-400}; HASHES=${HASHES:-10000}; BODIES=${BODIES:-2000}; ROUNDS=${ROUNDS:-2}
BENCH_DIR=${BENCH_DIR:-/tmp/secumail-antivirus-bench}
. "$repo/scripts/jdk.sh"
[ -f "$repo/target/secumail.jar" ] || (cd "$repo" && mvn -B -q -ntp -DskipTests package)
command -v clamd >/dev/null || [ -x /usr/sbin/clamd ] || { echo "bench/antivirus.sh: clamd missing (scripts/install-test-deps.sh)"; exit 1; }
rm -rf "$BENCH_DIR"; mkdir -p "$BENCH_DIR/db" "$BENCH_DIR/msgs" "$BENCH_DIR/tmp"
clamd_pid=
cleanup() { [ -n "$clamd_pid" ] && kill "$clamd_pid" 2>/dev/null; wait 2>/dev/null; }
trap cleanup EXIT

# signatures and messages: deterministic (seeded), EICAR assembled here, never stored
python3 - "$BENCH_DIR" "$MESSAGES" "$HASHES" "$BODIES" <<'PY'
import sys, os, random, hashlib, base64, io, zipfile
d, n, nh, nb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(12)
eicar = (r'X5O!P%@AP[4\PZX54(P^)7CC)7}$' + 'EICAR-STANDARD-' + 'ANTIVIRUS-TEST-FILE!$H+H*').encode()
with open(f'{d}/db/bench.hdb', 'w') as f:
    f.write(f'{hashlib.md5(eicar).hexdigest()}:{len(eicar)}:Eicar-Test-Signature\n')
    for i in range(nh):
        f.write(f'{rnd.getrandbits(128):032x}:{rnd.randint(100, 500000)}:Bench.Hash-{i}\n')
with open(f'{d}/db/bench.ndb', 'w') as f:
    for i in range(nb):
        a, b = os.urandom(6).hex(), os.urandom(4).hex()
        f.write(f'Bench.Body-{i}:0:*:{a}??{b}{{0-8}}{os.urandom(3).hex()}\n')
words = 'the quick brown fox jumps over lazy dogs invoice meeting report quarterly'.split()
def msg(i, atts):
    out = [f'From: a{i}@example.test\r\nTo: b@example.test\r\nSubject: bench {i}\r\nMIME-Version: 1.0\r\n'
           'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n']
    out.append(' '.join(rnd.choice(words) for _ in range(rnd.randint(50, 400))) + '\r\n')
    for name, data in atts:
        out.append(f'--b\r\nContent-Type: application/octet-stream; name="{name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n')
        out.append(base64.encodebytes(data).decode().replace('\n', '\r\n'))
    out.append('--b--\r\n')
    return ''.join(out).encode()
def zipped(name, data):
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z: z.writestr(name, data)
    return b.getvalue()
for i in range(n):
    kind = i % 10
    if kind == 0: atts = [('a.zip', zipped('eicar.com', eicar))]                       # infected, in a zip
    elif kind < 4: atts = [('doc.pdf', os.urandom(rnd.randint(20000, 200000)))]          # binary attachment
    elif kind < 6: atts = [('data.zip', zipped('data.csv', ' '.join(words * 3000).encode()))]
    else: atts = []                                                                      # text only
    open(f'{d}/msgs/{i:05d}.eml', 'wb').write(msg(i, atts))
PY
bytes=$(du -sb "$BENCH_DIR/msgs" | cut -f1)
cat > "$BENCH_DIR/clamd.conf" <<CF
Foreground yes
LocalSocket $BENCH_DIR/clamd.sock
DatabaseDirectory $BENCH_DIR/db
TemporaryDirectory $BENCH_DIR/tmp
StreamMaxLength 100M
MaxThreads 4
LogFile $BENCH_DIR/clamd.log
CF
/usr/sbin/clamd -c "$BENCH_DIR/clamd.conf" > "$BENCH_DIR/clamd.out" 2>&1 &
clamd_pid=$!
for i in $(seq 1 300); do [ -S "$BENCH_DIR/clamd.sock" ] && break; sleep 0.2; done

rate() {   # $1 name, $2 seconds, $3 rss KiB
  awk -v n="$1" -v s="$2" -v m="$MESSAGES" -v b="$bytes" -v r="$3" \
    'BEGIN { printf "%-13s %7.1f msg/s %7.1f MB/s  RSS %6.0f MB  (%.2f s)\n", n, m/s, b/s/1e6, r/1024, s }'
}
timed() {  # runs "$@", prints "seconds maxrss_kib"
  /usr/bin/time -f "%e %M" -o "$BENCH_DIR/time" "$@" > "$BENCH_DIR/out" 2>&1
  tail -1 "$BENCH_DIR/time"   # time prepends "Command exited with non-zero status" when something was found
}
printf 'machine: %s cores; %d messages, %.1f MB; %d hash + %d body signatures\n' "$(nproc)" "$MESSAGES" "$(echo "$bytes/1000000" | bc -l)" "$HASHES" "$BODIES"
jar="$repo/target/secumail.jar"
for r in $(seq 1 "$ROUNDS"); do
  read -r s m < <(timed java -jar "$jar" scan -q --mail --no-policy -d "$BENCH_DIR/db" "$BENCH_DIR/msgs")
  found=$(grep -c FOUND "$BENCH_DIR/out"); rate "builtin" "$s" "$m"; echo "              found $found"
  read -r s m < <(timed java -jar "$jar" scan -q --mail --clamd "unix:$BENCH_DIR/clamd.sock" "$BENCH_DIR/msgs")
  found=$(grep -c FOUND "$BENCH_DIR/out"); rate "clamd-client" "$s" "$(awk '/VmHWM/ {print $2}' /proc/$clamd_pid/status)"; echo "              found $found (RSS: clamd's)"
  read -r s m < <(timed clamdscan --config-file="$BENCH_DIR/clamd.conf" --no-summary "$BENCH_DIR/msgs")
  found=$(grep -c FOUND "$BENCH_DIR/out"); rate "clamd-direct" "$s" "$(awk '/VmHWM/ {print $2}' /proc/$clamd_pid/status)"; echo "              found $found (RSS: clamd's)"
done
