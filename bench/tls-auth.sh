#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/tls-auth.sh - STARTTLS handshakes per second and AUTH PLAIN logins per second
# (ARGON2ID password hashes), SecuMail next to Postfix + Dovecot SASL, on loopback only.
#
# What it does:
#   1. builds target/secumail.jar if missing;
#   2. makes a certificate (openssl, CERT_KEY: ec = ECDSA P-256, rsa = RSA 2048) and a
#      Dovecot passwd-file with one user whose password is hashed with ARGON2ID by
#      `doveadm pw` (Dovecot's default parameters m=64 MiB, t=3, p=1), so every server
#      verifies the very same hash;
#   3. starts a private Dovecot auth service (inet listener on DV_PORT), a private Postfix
#      (smtpd_sasl_type = dovecot, pointing at it) and SecuMail twice: with its built-in
#      passwd-file backend, and with smtpd_sasl_type = dovecot at the same Dovecot;
#   4. for each server: WARMUP unmeasured sessions, then SESSIONS sessions of
#      "secumail loadgen --sessions-only", CONCURRENCY at a time, that do
#        tls:  greeting, EHLO, STARTTLS (a full handshake: no session resumption), EHLO, QUIT
#        auth: the same plus AUTH PLAIN (one ARGON2ID verification per session)
#      and prints sessions per second with p50/p99 session latency side by side, and the
#      server's CPU milliseconds per session (its process tree, reaped children included);
#   5. stops everything on exit.
# Needs root for the private Postfix and Dovecot (Debian packages postfix, dovecot-core).
#
# Knobs (environment, defaults in brackets): BENCH_DIR [/tmp/secumail-tlsbench],
# SM_PORT [2535], SMD_PORT [2536], PF_PORT [2537], DV_PORT [2538], SESSIONS_TLS [2000],
# SESSIONS_AUTH [100], CONCURRENCY [8], WARMUP_TLS [2000], WARMUP_AUTH [20],
# CERT_KEY [ec], SERVERS ["secumail secumail-dovecot postfix"], SM_JAVA_OPTS [].
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/lib-postfix.sh"
. "$here/lib-bench.sh"

BENCH_DIR=${BENCH_DIR:-/tmp/secumail-tlsbench}
SM_PORT=${SM_PORT:-2535}
SMD_PORT=${SMD_PORT:-2536}
PF_PORT=${PF_PORT:-2537}
DV_PORT=${DV_PORT:-2538}
SESSIONS_TLS=${SESSIONS_TLS:-2000}
SESSIONS_AUTH=${SESSIONS_AUTH:-100}
CONCURRENCY=${CONCURRENCY:-8}
WARMUP_TLS=${WARMUP_TLS:-2000}
WARMUP_AUTH=${WARMUP_AUTH:-20}
CERT_KEY=${CERT_KEY:-ec}
SERVERS=${SERVERS:-secumail secumail-dovecot postfix}
SM_JAVA_OPTS=${SM_JAVA_OPTS:-}
JAR=$repo/target/secumail.jar
PASSWORD=bench-Secret-42
USER_NAME=alice@example.test
export PATH="$PATH:/usr/sbin:/sbin"

PIDS=()
PF_STARTED=0
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    sleep 0.5
    for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    [ "$PF_STARTED" = 1 ] && pf_stop "$BENCH_DIR/postfix"
    if [ -f "$BENCH_DIR/dovecot/run/master.pid" ]; then
        kill "$(cat "$BENCH_DIR/dovecot/run/master.pid")" 2>/dev/null
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM


cd "$repo" || exit 1
. scripts/jdk.sh || exit 1
[ -f "$JAR" ] || mvn -q -DskipTests package || die "build failed"
command -v doveadm >/dev/null || die "needs Debian's dovecot-core (doveadm, dovecot)"
command -v openssl >/dev/null || die "needs openssl"

if [ -d "$BENCH_DIR" ]; then
    [ -f "$BENCH_DIR/.secumail-bench" ] || die "$BENCH_DIR exists and is not a bench directory"
    pf_stop "$BENCH_DIR/postfix" 2>/dev/null
    rm -rf "$BENCH_DIR"
fi
mkdir -p "$BENCH_DIR/results" && touch "$BENCH_DIR/.secumail-bench" && chmod 755 "$BENCH_DIR"
B=$BENCH_DIR

# ---- certificate and passwd-file ------------------------------------------------------------
if [ "$CERT_KEY" = rsa ]; then keyopt=(-newkey rsa:2048); else keyopt=(-newkey ec -pkeyopt ec_paramgen_curve:P-256); fi
openssl req -x509 "${keyopt[@]}" -nodes -days 30 -subj /CN=mail.example.test \
    -keyout "$B/key.pem" -out "$B/cert.pem" 2>/dev/null || die "openssl req failed"
cat "$B/key.pem" "$B/cert.pem" > "$B/chain.pem"
chmod 644 "$B/chain.pem" "$B/key.pem"
echo "$USER_NAME:$(doveadm pw -s ARGON2ID -p "$PASSWORD")" > "$B/passwd"
chmod 644 "$B/passwd"

# ---- Dovecot auth service -----------------------------------------------------------------------
mkdir -p "$B/dovecot/run" "$B/dovecot/state"
cat > "$B/dovecot/dovecot.conf" <<EOF
# Private Dovecot auth service for bench/tls-auth.sh.
base_dir = $B/dovecot/run
state_dir = $B/dovecot/state
log_path = $B/dovecot/dovecot.log
protocols =
listen = 127.0.0.1
ssl = no
auth_mechanisms = plain login
disable_plaintext_auth = no
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = $B/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service auth {
  inet_listener {
    address = 127.0.0.1
    port = $DV_PORT
  }
}
service anvil {
  chroot =
}
EOF
dovecot -c "$B/dovecot/dovecot.conf" || die "dovecot did not start (see $B/dovecot/dovecot.log)"
wait_listening "$DV_PORT" 20 || die "dovecot auth not listening on $DV_PORT"

# ---- SecuMail (built-in backend, and Dovecot backend) -------------------------------------------
start_secumail() {   # NAME PORT SASL_LINES
    local dir=$B/$1
    mkdir -p "$dir/queue" "$dir/data" "$dir/mail"
    cat > "$dir/main.cf" <<EOF
# SecuMail configuration for bench/tls-auth.sh.
compatibility_level = 3.6
myhostname = mail.example.test
mydomain = example.test
mydestination = example.test
mynetworks = 127.0.0.0/8
queue_directory = $dir/queue
data_directory = $dir/data
mail_spool_directory = $dir/mail/
local_recipient_maps = inline:{ alice=ok }
alias_maps =
smtpd_tls_security_level = may
smtpd_tls_chain_files = $B/chain.pem
smtpd_sasl_auth_enable = yes
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
$3
EOF
    echo "127.0.0.1:$2 inet n - n - - smtpd" > "$dir/master.cf"
    # shellcheck disable=SC2086
    MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $SM_JAVA_OPTS -jar "$JAR" run -c "$dir" > "$dir/server.log" 2>&1 &
    PIDS+=($!)
    echo $! > "$B/$1.pid"
    wait_listening "$2" 60 || { tail -20 "$dir/server.log" >&2; die "SecuMail ($1) did not start"; }
}

# ---- Postfix --------------------------------------------------------------------------------
start_postfix() {
    local base=$B/postfix
    pf_write_config "$base" "$PF_PORT" virtual 1 || die "cannot write the Postfix config"
    cat >> "$base/etc/main.cf" <<EOF
smtpd_tls_security_level = may
smtpd_tls_chain_files = $B/chain.pem
smtpd_tls_auth_only = yes
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:$DV_PORT
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
EOF
    pf_start "$base" || die "postfix did not start"
    PF_STARTED=1
    wait_listening "$PF_PORT" 30 || die "postfix not listening"
}

port_of() {
    case $1 in
        secumail) echo "$SM_PORT" ;;
        secumail-dovecot) echo "$SMD_PORT" ;;
        postfix) echo "$PF_PORT" ;;
    esac
}

for s in $SERVERS; do
    case $s in
        secumail) start_secumail secumail "$SM_PORT" "secumail_sasl_passwd_file = $B/passwd" ;;
        secumail-dovecot) start_secumail secumail-dovecot "$SMD_PORT" "smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:$DV_PORT" ;;
        postfix) start_postfix ;;
        *) die "unknown server $s" ;;
    esac
done

# the server's process and all below it (Postfix: the master and its children)
tree_pids() {
    local p
    echo "$1"
    for p in $(ps -o pid= --ppid "$1" 2>/dev/null); do tree_pids "$p"; done
}
server_pid() {
    case $1 in
        postfix) tr -d ' ' < "$B/postfix/queue/pid/master.pid" ;;
        *) cat "$B/$1.pid" ;;
    esac
}

run() {   # SERVER MODE N OUT
    local extra=(--starttls)
    [ "$2" = auth ] && extra+=(--auth "$USER_NAME:$PASSWORD")
    java -jar "$JAR" loadgen --sessions-only --port "$(port_of "$1")" -m "$3" -c "$CONCURRENCY" \
        --timeout 600 --json "${extra[@]}" > "$4" 2> "$4.err"
}

for mode in tls auth; do
    if [ "$mode" = tls ]; then n=$SESSIONS_TLS; w=$WARMUP_TLS; else n=$SESSIONS_AUTH; w=$WARMUP_AUTH; fi
    for s in $SERVERS; do
        say "$s $mode: warm-up $w sessions, then $n measured"
        [ "$w" -gt 0 ] && run "$s" "$mode" "$w" "$B/results/$s-$mode-warmup.json"
        root=$(server_pid "$s")
        # shellcheck disable=SC2046
        t0=$(cpu_ticks $(tree_pids "$root"))
        run "$s" "$mode" "$n" "$B/results/$s-$mode.json" || say "$s $mode: loadgen reported failures"
        # shellcheck disable=SC2046
        t1=$(cpu_ticks $(tree_pids "$root"))
        awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN { printf "%.2f\n", (b - a) / hz * 1000 / n }' \
            > "$B/results/$s-$mode.cpu"
    done
done

printf '\n%-18s %-5s %9s %9s %9s %9s %8s %14s\n' server mode sessions ok "per s" "p50 ms" "p99 ms" "CPU ms/session"
for mode in tls auth; do
    for s in $SERVERS; do
        f=$B/results/$s-$mode.json
        printf '%-18s %-5s %9s %9s %9s %9s %8s %14s\n' "$s" "$mode" "$(jnum "$f" messages)" "$(jnum "$f" accepted)" \
            "$(jnum "$f" accepted_per_second)" "$(jnum "$f" p50)" "$(jnum "$f" p99)" "$(cat "$B/results/$s-$mode.cpu" 2>/dev/null)"
    done
done
echo
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); cert: $CERT_KEY;" \
     "hash: ARGON2ID (doveadm pw defaults); concurrency $CONCURRENCY"
