#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/antivirus-smtp.sh - what virus scanning costs inside the running server: delivered
# msg/s, p50 latency and CPU milliseconds per delivered message, for three SecuMail servers
# that differ only in secumail_antivirus_scanner:
#   none     no scanning (the spine)
#   builtin  the built-in scanner on the generated signature set
#   clamd    a private clamd (Debian's clamav-daemon, unix socket) on the same set; its CPU
#            is counted beside the server's
# The signature set is the one bench/antivirus.sh uses (HASHES .hdb + BODIES .ndb, plus EICAR,
# generated here), the message a typical office mail: a text part and a zipped CSV attachment.
# Each server gets WARMUP unmeasured messages, a check (EICAR refused with 554 by the two
# scanning servers, X-Virus-Scanned on what was delivered), then ROUNDS interleaved rounds of
# MESSAGES. "secumail loadgen" is the client, delivery to Maildir awaited. Loopback only;
# everything started here is stopped on exit. Root is not needed.
#
# Knobs: MESSAGES [2000], SESSIONS [20], ROUNDS [3], WARMUP [6000], HASHES [10000],
# BODIES [2000], USERS [5], SM_PORT [2640, and the next two], SM_JAVA_OPTS [],
# WAIT_TIMEOUT [120], LOADGEN_TIMEOUT [300], BENCH_DIR [/tmp/secumail-av-smtp-bench].
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
. "$here/lib-bench.sh"
MESSAGES=${MESSAGES:-2000}; SESSIONS=${SESSIONS:-20}; ROUNDS=${ROUNDS:-3}; WARMUP=${WARMUP:-6000}
HASHES=${HASHES:-10000}; BODIES=${BODIES:-2000}; USERS=${USERS:-5}; SM_PORT=${SM_PORT:-2640}
SM_JAVA_OPTS=${SM_JAVA_OPTS:-}; WAIT_TIMEOUT=${WAIT_TIMEOUT:-120}; LOADGEN_TIMEOUT=${LOADGEN_TIMEOUT:-300}
BENCH_DIR=${BENCH_DIR:-/tmp/secumail-av-smtp-bench}
JAR=$repo/target/secumail.jar
MODES=(none builtin clamd)

cd "$repo" || exit 1
. scripts/jdk.sh || exit 1
[ -f "$JAR" ] || mvn -B -q -ntp -DskipTests package || die "build failed"
[ -x /usr/sbin/clamd ] || die "clamd missing (scripts/install-test-deps.sh installs clamav-daemon)"
if [ -d "$BENCH_DIR" ]; then
    [ -f "$BENCH_DIR/.secumail-bench" ] || die "$BENCH_DIR exists and is not a bench directory; not wiping it"
    rm -rf "$BENCH_DIR"
fi
mkdir -p "$BENCH_DIR/db" "$BENCH_DIR/tmp" "$BENCH_DIR/results" && touch "$BENCH_DIR/.secumail-bench"
RESULTS=$BENCH_DIR/results

declare -A PID   # the SecuMail server of each mode
CLAMD_PID=""
cleanup() {
    local p
    for p in "${PID[@]}" $CLAMD_PID; do kill "$p" 2>/dev/null; done
    sleep 1
    for p in "${PID[@]}" $CLAMD_PID; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$BENCH_DIR"/sm-*/mail 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# signatures, the message and an EICAR message: deterministic, EICAR assembled here, never stored
python3 - "$BENCH_DIR" "$HASHES" "$BODIES" <<'PY' || die "generating the data failed"
import sys, os, random, hashlib, base64, io, zipfile
d, nh, nb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(12)
eicar = (r'X5O!P%@AP[4\PZX54(P^)7CC)7}$' + 'EICAR-STANDARD-' + 'ANTIVIRUS-TEST-FILE!$H+H*').encode()
with open(f'{d}/db/bench.hdb', 'w') as f:
    f.write(f'{hashlib.md5(eicar).hexdigest()}:{len(eicar)}:Eicar-Test-Signature\n')
    for i in range(nh):
        f.write(f'{rnd.getrandbits(128):032x}:{rnd.randint(100, 500000)}:Bench.Hash-{i}\n')
with open(f'{d}/db/bench.ndb', 'w') as f:
    for i in range(nb):
        a, b, c = (bytes(rnd.getrandbits(8) for _ in range(k)).hex() for k in (6, 4, 3))
        f.write(f'Bench.Body-{i}:0:*:{a}??{b}{{0-8}}{c}\n')
words = 'the quick brown fox jumps over lazy dogs invoice meeting report quarterly'.split()
def msg(name, data):
    text = ' '.join(rnd.choice(words) for _ in range(600))
    lines = [text[i:i + 76] for i in range(0, len(text), 76)]
    b = io.BytesIO()
    with zipfile.ZipFile(b, 'w', zipfile.ZIP_DEFLATED) as z: z.writestr(name, data)
    return ('From: sender@example.test\r\nTo: user@example.test\r\nSubject: figures\r\nMIME-Version: 1.0\r\n'
            'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n'
            + '\r\n'.join(lines) + '\r\n--b\r\nContent-Type: application/zip; name="figures.zip"\r\n'
            'Content-Transfer-Encoding: base64\r\n\r\n'
            + base64.encodebytes(b.getvalue()).decode().replace('\n', '\r\n') + '--b--\r\n').encode()
csv = '\n'.join(','.join(str(rnd.randint(0, 99999)) for _ in range(8)) for _ in range(1500)).encode()
open(f'{d}/message.eml', 'wb').write(msg('figures.csv', csv))
open(f'{d}/eicar.eml', 'wb').write(msg('eicar.com', eicar))
PY
say "message: $(wc -c < "$BENCH_DIR/message.eml") bytes (text part + zipped CSV); $HASHES hash + $BODIES body signatures"

cat > "$BENCH_DIR/clamd.conf" <<CF
Foreground yes
LocalSocket $BENCH_DIR/clamd.sock
DatabaseDirectory $BENCH_DIR/db
TemporaryDirectory $BENCH_DIR/tmp
StreamMaxLength 100M
MaxThreads 20
LogFile $BENCH_DIR/clamd.log
CF
/usr/sbin/clamd -c "$BENCH_DIR/clamd.conf" > "$BENCH_DIR/clamd.out" 2>&1 &
CLAMD_PID=$!
for _ in $(seq 1 300); do [ -S "$BENCH_DIR/clamd.sock" ] && break; sleep 0.2; done
[ -S "$BENCH_DIR/clamd.sock" ] || die "clamd did not start (see $BENCH_DIR/clamd.out)"

port_of() { case $1 in none) echo "$SM_PORT" ;; builtin) echo $((SM_PORT + 1)) ;; clamd) echo $((SM_PORT + 2)) ;; esac; }
user_map() { local i m=""; for i in $(seq 1 "$USERS"); do m="$m${m:+,}user$i=ok"; done; printf '%s' "$m"; }

start_secumail() {   # start_secumail MODE
    local mode=$1 dir=$BENCH_DIR/sm-$1 port
    port=$(port_of "$mode")
    listening "$port" && die "port $port is already in use"
    mkdir -p "$dir/mail"
    cat > "$dir/main.cf" <<EOF
# written by bench/antivirus-smtp.sh
compatibility_level = 3.6
myhostname = mail.example.test
mydestination = example.test
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
local_recipient_maps = inline:{$(user_map)}
alias_maps =
mail_spool_directory = $dir/mail/
queue_directory = $dir/queue
data_directory = $dir/data
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
secumail_dkim_verify = no
secumail_arc_verify = no
secumail_dmarc_enable = no
secumail_antivirus_scanner = $mode
secumail_antivirus_database_directory = $BENCH_DIR/db
secumail_clamd_servers = unix:$BENCH_DIR/clamd.sock
EOF
    echo "127.0.0.1:$port inet n - n - 20000 smtpd" > "$dir/master.cf"
    # shellcheck disable=SC2086
    MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $SM_JAVA_OPTS -jar "$JAR" run -c "$dir" > "$dir/server.log" 2>&1 &
    PID[$mode]=$!
    wait_listening "$port" 60 "${PID[$mode]}" || { tail -20 "$dir/server.log" >&2; die "SecuMail ($mode) is not listening on $port"; }
}

HZ=$(getconf CLK_TCK)
clear_mail() { find "$1" -mindepth 3 -maxdepth 3 -path '*/new/*' -type f -delete 2>/dev/null; }

# run_round MODE NAME COUNT [MESSAGE]: one loadgen run; $RESULTS/NAME.json and NAME.cpu
# ("server_ticks clamd_ticks").
run_round() {
    local mode=$1 name=$2 n=$3 msg=${4:-$BENCH_DIR/message.eml} s0 s1 c0=0 c1=0
    s0=$(cpu_ticks "${PID[$mode]}"); [ "$mode" = clamd ] && c0=$(cpu_ticks "$CLAMD_PID")
    java -jar "$JAR" loadgen --host 127.0.0.1 --port "$(port_of "$mode")" -m "$n" -c "$SESSIONS" --message "$msg" \
        --users "$USERS" --to 'user%d@example.test' --from sender@example.test --helo loadgen.example.test \
        --maildir-glob "$BENCH_DIR/sm-$mode/mail/*/new" --wait-timeout "$WAIT_TIMEOUT" --timeout "$LOADGEN_TIMEOUT" \
        --json > "$RESULTS/$name.json" 2> "$RESULTS/$name.err" \
        || [ "$msg" != "$BENCH_DIR/message.eml" ] || say "$name: loadgen exit status $? (see $RESULTS/$name.err)"
    s1=$(cpu_ticks "${PID[$mode]}"); [ "$mode" = clamd ] && c1=$(cpu_ticks "$CLAMD_PID")
    echo "$((s1 - s0)) $((c1 - c0))" > "$RESULTS/$name.cpu"
}

check() {   # check MODE: a delivered message carries the scan header; EICAR is refused
    local mode=$1 f
    f=$(find "$BENCH_DIR/sm-$mode/mail" -mindepth 3 -maxdepth 3 -path '*/new/*' -type f | head -1)
    [ -n "$f" ] || die "$mode: nothing delivered"
    [ "$mode" = none ] && return 0
    grep -q '^X-Virus-Scanned: .*; clean' "$f" || die "$mode: no X-Virus-Scanned header on $f"
    run_round "$mode" "eicar-$mode" 1 "$BENCH_DIR/eicar.eml"
    [ "$(jnum "$RESULTS/eicar-$mode.json" rejected)" = 1 ] || die "$mode: EICAR not refused (see $RESULTS/eicar-$mode.json, $BENCH_DIR/sm-$mode/server.log)"
    grep -q 'infected (Eicar-Test-Signature' "$BENCH_DIR/sm-$mode/server.log" || die "$mode: no infected log line"
    say "$mode: EICAR refused, clean mail delivered with X-Virus-Scanned"
}

for m in "${MODES[@]}"; do start_secumail "$m"; done
say "servers: none :$(port_of none) pid ${PID[none]}, builtin :$(port_of builtin) pid ${PID[builtin]}, clamd :$(port_of clamd) pid ${PID[clamd]} (clamd pid $CLAMD_PID)"
for m in "${MODES[@]}"; do
    say "warm-up: $WARMUP messages, $m"
    run_round "$m" "warmup-$m" "$WARMUP"
    check "$m"
    clear_mail "$BENCH_DIR/sm-$m/mail"
done
say "measuring: $ROUNDS interleaved round(s) of $MESSAGES messages, $SESSIONS sessions"
for r in $(seq 1 "$ROUNDS"); do
    for m in "${MODES[@]}"; do
        run_round "$m" "round$r-$m" "$MESSAGES"
        clear_mail "$BENCH_DIR/sm-$m/mail"
        f=$RESULTS/round$r-$m.json
        read -r st ct < "$RESULTS/round$r-$m.cpu"
        say "round $r $m: $(jnum "$f" delivered_per_second) msg/s, $(jnum "$f" delivered) of $MESSAGES delivered, server $((st * 1000 / HZ)) ms CPU"
    done
done

echo
echo "Medians over $ROUNDS round(s) of $MESSAGES messages ($(wc -c < "$BENCH_DIR/message.eml") bytes), $SESSIONS sessions; $(nproc) cores"
printf '%-9s %12s %8s %8s %16s %14s\n' scanner "delivered/s" "p50 ms" "p99 ms" "server CPU ms/msg" "clamd CPU ms/msg"
for m in "${MODES[@]}"; do
    col() { local r; for r in $(seq 1 "$ROUNDS"); do jnum "$RESULTS/round$r-$m.json" "$1"; done | grep . | median; }
    cpu() {   # cpu FIELD: CPU ms per delivered message, median over the rounds
        local r d t
        for r in $(seq 1 "$ROUNDS"); do
            d=$(jnum "$RESULTS/round$r-$m.json" delivered); t=$(cut -d' ' -f"$1" "$RESULTS/round$r-$m.cpu")
            [ -n "$d" ] && [ "$d" -gt 0 ] && awk -v t="$t" -v d="$d" -v hz="$HZ" 'BEGIN { printf "%.3f\n", t * 1000 / hz / d }'
        done | median
    }
    clamd_cpu=-; [ "$m" = clamd ] && clamd_cpu=$(cpu 2)
    printf '%-9s %12s %8s %8s %16s %14s\n' "$m" "$(col delivered_per_second)" "$(col p50)" "$(col p99)" "$(cpu 1)" "$clamd_cpu"
done
