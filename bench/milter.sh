#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/milter.sh - milters both ways, side by side, loopback only.
#
# The same work everywhere: DKIM-sign (rsa-2048, relaxed/relaxed) every message a trusted
# client (127.0.0.1) sends, delivered to local Maildirs; "secumail loadgen" sends the load.
#   postfix  plain                 a private Postfix (bench/lib-postfix.sh), no milter (baseline)
#   postfix  opendkim-milter       + Debian's OpenDKIM as smtpd_milters (Mode s)
#   postfix  secumail-milter       + "secumail milter" as smtpd_milters, signing with main.cf's
#                                  secumail_dkim_* (its other checks off)
#   secumail plain                 SecuMail, no signing (baseline)
#   secumail opendkim-milter       SecuMail with OpenDKIM as its smtpd_milters
#   secumail self-signing          SecuMail signing by itself (secumail_dkim_domains)
# Each scenario gets WARMUP unmeasured messages and a check of one delivered message (one
# DKIM-Signature, which "secumail dkim verify" accepts against the loopback DNS); then ROUNDS
# interleaved rounds of MESSAGES each. Reported: medians of delivered msg/s and p50 latency,
# CPU ms per delivered message of the MTA (SecuMail's JVM, or the Postfix master and all its
# children) and of the milter process (opendkim, or the secumail milter JVM), from
# /proc/PID/stat.
#
# Needs root (Postfix, opendkim as user opendkim, useradd for local delivery); installs
# opendkim and dnsmasq-base when missing (no system service started). Without Postfix the
# Postfix rows are skipped.
#
# Knobs (environment variables, defaults in brackets):
#   BENCH_DIR   work directory, wiped at start [/tmp/secumail-milter-bench]
#   MESSAGES    messages per measured round [2000]
#   SESSIONS    parallel SMTP sessions [20]
#   ROUNDS      rounds per scenario, interleaved [3]
#   WARMUP      unmeasured messages per scenario before the rounds [3000]
#   WAIT_TIMEOUT, LOADGEN_TIMEOUT  seconds [120, 300]
#   DNS_PORT [5399]  SM_PORT, first of 3 SecuMail ports [2555]  PF_PORT, first of 3 Postfix
#   ports [2565]  OD_PORT, opendkim [8897]  SMM_PORT, secumail milter [8898]  USERS [5]
#   SM_JAVA_OPTS  JVM options for SecuMail and the secumail milter []
#   OD_DIR      opendkim's files, not below a world-writable directory [/run/secumail-milter-bench-opendkim]
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/lib-bench.sh"
. "$here/lib-postfix.sh"

BENCH_DIR=${BENCH_DIR:-/tmp/secumail-milter-bench}
MESSAGES=${MESSAGES:-2000}
SESSIONS=${SESSIONS:-20}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-3000}
WAIT_TIMEOUT=${WAIT_TIMEOUT:-120}
LOADGEN_TIMEOUT=${LOADGEN_TIMEOUT:-300}
DNS_PORT=${DNS_PORT:-5399}
SM_PORT=${SM_PORT:-2555}
PF_PORT=${PF_PORT:-2565}
OD_PORT=${OD_PORT:-8897}
SMM_PORT=${SMM_PORT:-8898}
USERS=${USERS:-5}
SM_JAVA_OPTS=${SM_JAVA_OPTS:-}
OD_DIR=${OD_DIR:-/run/secumail-milter-bench-opendkim}
D=milter-bench.example
KEYS=$BENCH_DIR/keys
RESULTS=$BENCH_DIR/results
SM_DIR=$BENCH_DIR/secumail
SMM_DIR=$BENCH_DIR/secumail-milter
PF_BASE=$BENCH_DIR/postfix
JAR=$repo/target/secumail.jar
MSG=$BENCH_DIR/m5k.eml
export PATH="$PATH:/usr/sbin:/sbin"

PIDS=()
SM_PID=""
SMM_PID=""
OD_PID=""
PF_STARTED=0
stop_pid() {   # stop_pid PID: TERM, then KILL after 10 s
    local p=$1 i
    [ -n "$p" ] && kill -0 "$p" 2>/dev/null || return 0
    kill "$p" 2>/dev/null
    for i in $(seq 1 40); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.25; done
    kill -9 "$p" 2>/dev/null
}
cleanup() {
    local p
    stop_pid "$SM_PID"; stop_pid "$SMM_PID"
    [ "$PF_STARTED" = 1 ] && pf_stop "$PF_BASE"
    for p in "${PIDS[@]}"; do stop_pid "$p"; done
    rm -rf "$SM_DIR/mail" "$PF_BASE/mail" 2>/dev/null
    [ -f "$OD_DIR/.secumail-bench" ] && rm -rf "$OD_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

need=()
command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
[ -x /usr/sbin/opendkim ] || need+=(opendkim)
if [ "${#need[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing ${need[*]} and not root to install them"
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >&2
    rc=$?
    [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    [ "$rc" = 0 ] || die "apt-get install ${need[*]} failed"
fi

cd "$repo" || exit 1
. scripts/jdk.sh || exit 1
[ -f "$JAR" ] || { say "building $JAR"; mvn -B -q -DskipTests package || die "build failed"; }
sm() { java -jar "$JAR" "$@"; }

if [ -d "$BENCH_DIR" ]; then
    [ -f "$BENCH_DIR/.secumail-bench" ] || die "$BENCH_DIR exists and is not a bench directory; not wiping it"
    pf_stop "$PF_BASE" 2>/dev/null
    rm -rf "$BENCH_DIR"
fi
mkdir -p "$BENCH_DIR" "$KEYS" "$RESULTS" && touch "$BENCH_DIR/.secumail-bench" && chmod 755 "$BENCH_DIR"
sm dkim keygen -d "$D" -s rsa --type rsa -b 2048 -D "$KEYS" >/dev/null || die "keygen failed"
# a 5,000-byte plain-text message, CRLF line ends
awk -v d="$D" 'BEGIN { ORS = "\r\n"
    h = "From: Bench Sender <user@" d ">" ORS "To: <user1@example.test>" ORS "Subject: milter benchmark" ORS \
        "Date: Sun, 06 Dec 2026 09:00:00 +0000" ORS "Message-ID: <bench.milter@" d ">" ORS ORS
    printf "%s", h; left = 5000 - length(h); n = 0
    while (left > 0) { len = left - 2 > 76 ? 76 : left - 2; if (left - (len + 2) > 0 && left - (len + 2) < 3) len -= 3
        line = ""; for (i = 0; i < len; i++) line = line sprintf("%c", 97 + (i * 7 + n) % 26)
        if (len > 10) line = substr(line, 1, 9) " " substr(line, 11)
        printf "%s\r\n", line; left -= len + 2; n++ } }' > "$MSG"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), opendkim $(dpkg-query -W -f='${Version}' opendkim 2>/dev/null)"

record_of() { sed 's/; -----.*//' "$1" | grep -o '"[^"]*"' | tr -d '"\n'; }
txt_arg() { local r=$2 out=$1; while [ -n "$r" ]; do out="$out,${r:0:250}"; r=${r:250}; done; printf '%s' "$out"; }
user_map() { local i m=""; for i in $(seq 1 "$USERS"); do m="$m${m:+,}user$i=ok"; done; printf '%s' "$m"; }

start_dns() {
    dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 \
        --port="$DNS_PORT" --local-ttl=300 --user=root \
        --txt-record="$(txt_arg "rsa._domainkey.$D" "$(record_of "$KEYS/rsa.txt")")" > "$BENCH_DIR/dnsmasq.log" 2>&1 &
    PIDS+=($!)
    sleep 1
    sm dkim testkey -d "$D" -s rsa -k "$KEYS/rsa.private" --dns-server "127.0.0.1:$DNS_PORT" >/dev/null \
        || { say "dnsmasq does not serve the key record"; return 1; }
}

start_opendkim() {
    if [ ! -f "$OD_DIR/.secumail-bench" ]; then
        [ -e "$OD_DIR" ] && { say "$OD_DIR exists and is not ours; set OD_DIR"; return 1; }
        mkdir -p "$OD_DIR/keys" && touch "$OD_DIR/.secumail-bench"
    fi
    cp "$KEYS/rsa.private" "$OD_DIR/keys/"
    chown -R opendkim: "$OD_DIR/keys" && chmod 700 "$OD_DIR/keys" && chmod 600 "$OD_DIR/keys/"*
    printf '%s\n' "Syslog no" "UserID opendkim" "Socket inet:$OD_PORT@127.0.0.1" "Canonicalization relaxed/relaxed" \
        "Mode s" "Domain $D" "Selector rsa" "KeyFile $OD_DIR/keys/rsa.private" > "$OD_DIR/opendkim.conf"
    chmod 755 "$OD_DIR"
    /usr/sbin/opendkim -f -x "$OD_DIR/opendkim.conf" > "$RESULTS/opendkim.log" 2>&1 &
    OD_PID=$!
    PIDS+=($!)
    wait_listening "$OD_PORT" 20 "$OD_PID" || { say "opendkim did not start: $(cat "$RESULTS/opendkim.log")"; return 1; }
}

# main.cf lines both SecuMail processes share: delivery, restrictions as bench/dkim.sh, keys
common_main() {
    cat <<EOF
myhostname = mail.example.test
mydomain = example.test
mydestination = example.test
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
local_recipient_maps = inline:{$(user_map)}
alias_maps =
alias_database =
forward_path =
home_mailbox =
mailbox_command =
dns_servers = 127.0.0.1:$DNS_PORT
smtpd_helo_required = yes
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination, permit
secumail_dkim_verify = no
secumail_arc_verify = no
secumail_dmarc_enable = no
secumail_antivirus_scanner = none
secumail_dkim_canonicalization = relaxed/relaxed
secumail_dkim_key_directory = $1/dkim
EOF
}

start_secumail() {
    mkdir -p "$SM_DIR/mail" "$SM_DIR/dkim/$D"
    cp "$KEYS/rsa.private" "$SM_DIR/dkim/$D/" && chmod 600 "$SM_DIR/dkim/$D/"*
    { common_main "$SM_DIR"; echo "mail_spool_directory = $SM_DIR/mail/"; echo "queue_directory = $SM_DIR/queue"
      echo "data_directory = $SM_DIR/data"; } > "$SM_DIR/main.cf"
    cat > "$SM_DIR/master.cf" <<EOF
127.0.0.1:$SM_PORT inet n - n - 20000 smtpd
127.0.0.1:$((SM_PORT + 1)) inet n - n - 20000 smtpd -o smtpd_milters=inet:127.0.0.1:$OD_PORT
127.0.0.1:$((SM_PORT + 2)) inet n - n - 20000 smtpd -o secumail_dkim_domains=$D -o secumail_dkim_selectors=rsa
EOF
    # shellcheck disable=SC2086
    MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $SM_JAVA_OPTS -jar "$JAR" run -c "$SM_DIR" > "$SM_DIR/server.log" 2>&1 &
    SM_PID=$!
    wait_listening $((SM_PORT + 2)) 60 "$SM_PID" || { say "SecuMail did not start"; tail -20 "$SM_DIR/server.log" >&2; return 1; }
}

start_secumail_milter() {
    mkdir -p "$SMM_DIR/dkim/$D"
    cp "$KEYS/rsa.private" "$SMM_DIR/dkim/$D/" && chmod 600 "$SMM_DIR/dkim/$D/"*
    { common_main "$SMM_DIR"; echo "data_directory = $SMM_DIR/data"; echo "secumail_dkim_domains = $D"
      echo "secumail_dkim_selectors = rsa"; } > "$SMM_DIR/main.cf"
    # shellcheck disable=SC2086
    MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $SM_JAVA_OPTS -jar "$JAR" milter -c "$SMM_DIR" --listen "127.0.0.1:$SMM_PORT" > "$SMM_DIR/milter.log" 2>&1 &
    SMM_PID=$!
    wait_listening "$SMM_PORT" 60 "$SMM_PID" || { say "secumail milter did not start"; tail -20 "$SMM_DIR/milter.log" >&2; return 1; }
}

start_postfix() {
    [ "$(id -u)" = 0 ] || { say "not root: no Postfix"; return 1; }
    pf_available || { say "postfix is not installed"; return 1; }
    pf_make_users "$USERS" || return 1
    pf_write_config "$PF_BASE" "$PF_PORT" local "$USERS" || return 1
    "$PF_SBIN/postconf" -c "$PF_BASE/etc" -e "milter_default_action = tempfail" \
        "smtpd_sender_restrictions = permit_mynetworks, reject_non_fqdn_sender, permit" || return 1
    echo "127.0.0.1:$((PF_PORT + 1)) inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$OD_PORT" >> "$PF_BASE/etc/master.cf"
    echo "127.0.0.1:$((PF_PORT + 2)) inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$SMM_PORT" >> "$PF_BASE/etc/master.cf"
    pf_start "$PF_BASE" || return 1
    PF_STARTED=1
    wait_listening "$((PF_PORT + 2))" 30 "" || { say "Postfix is not listening"; return 1; }
}

pf_pids() { local m; m=$(head -1 "$PF_BASE/queue/pid/master.pid" 2>/dev/null | tr -dc 0-9); [ -n "$m" ] && { echo "$m"; pgrep -P "$m"; }; }
clear_mail() { find "$1" -mindepth 3 -maxdepth 3 \( -path '*/new/*' -o -path '*/cur/*' \) -type f -delete 2>/dev/null; }

# "ID SERVER PORT_OFFSET MILTER SIGNED": MILTER is the process whose CPU is counted (od, smm, -)
SCEN=()
HZ=$(getconf CLK_TCK)

run_round() {   # run_round ID SERVER OFFSET MILTER SIGNED NAME COUNT
    local id=$1 server=$2 off=$3 milter=$4 name=$6 n=$7 port mail s0 s1 m0=0 m1=0 mpid=""
    if [ "$server" = secumail ]; then port=$((SM_PORT + off)); mail=$SM_DIR/mail; else port=$((PF_PORT + off)); mail=$PF_BASE/mail; fi
    case $milter in od) mpid=$OD_PID ;; smm) mpid=$SMM_PID ;; esac
    if [ "$server" = secumail ]; then s0=$(cpu_ticks "$SM_PID"); else s0=$(cpu_ticks $(pf_pids)); fi
    [ -n "$mpid" ] && m0=$(cpu_ticks "$mpid")
    sm loadgen --host 127.0.0.1 --port "$port" -m "$n" -c "$SESSIONS" --message "$MSG" \
        --users "$USERS" --to 'user%d@example.test' --from "user@$D" --helo loadgen.example.test \
        --maildir-glob "$mail/*/new" --wait-timeout "$WAIT_TIMEOUT" --timeout "$LOADGEN_TIMEOUT" \
        --json > "$RESULTS/$name.json" 2> "$RESULTS/$name.err" || say "$name: loadgen exit status $?"
    if [ "$server" = secumail ]; then s1=$(cpu_ticks "$SM_PID"); else s1=$(cpu_ticks $(pf_pids)); fi
    [ -n "$mpid" ] && m1=$(cpu_ticks "$mpid")
    echo "$((s1 - s0)) $((m1 - m0))" > "$RESULTS/$name.cpu"
}

check_delivered() {   # one delivered message: signed once by d=$D when SIGNED, else not signed
    local id=$1 server=$2 signed=$5 mail f
    if [ "$server" = secumail ]; then mail=$SM_DIR/mail; else mail=$PF_BASE/mail; fi
    f=$(find "$mail" -mindepth 3 -maxdepth 3 -path '*/new/*' -type f 2>/dev/null | head -1)
    [ -n "$f" ] || { say "$id: CHECK FAILED: nothing delivered"; return 1; }
    if [ "$signed" = yes ]; then
        [ "$(grep -c '^DKIM-Signature:' "$f")" = 1 ] && sm dkim verify --dns-server "127.0.0.1:$DNS_PORT" "$f" >/dev/null \
            || { say "$id: CHECK FAILED: no verifying signature in $f"; sed -n '1,/^\r\?$/p' "$f" | head -20 >&2; return 1; }
    else
        grep -q '^DKIM-Signature:' "$f" && { say "$id: CHECK FAILED: signed"; return 1; }
    fi
    say "$id: delivered message checked"
}

cpu_ms() {   # cpu_ms ID FIELD: median CPU ms per delivered message over the rounds
    local id=$1 field=$2 r d
    for r in $(seq 1 "$ROUNDS"); do
        d=$(jnum "$RESULTS/round$r-$id.json" delivered)
        [ "${d:-0}" -gt 0 ] && awk -v t="$(cut -d' ' -f"$field" "$RESULTS/round$r-$id.cpu")" -v d="$d" -v hz="$HZ" \
            'BEGIN { printf "%.3f\n", 1000 * t / hz / d }'
    done | median
}

STATUS=0
start_dns || exit 1
start_opendkim || exit 1
start_secumail || exit 1
start_secumail_milter || exit 1
if start_postfix; then
    SCEN+=("pf-plain postfix 0 - no" "pf-opendkim-milter postfix 1 od yes" "pf-secumail-milter postfix 2 smm yes")
else
    say "Postfix rows skipped"
fi
SCEN+=("sm-plain secumail 0 - no" "sm-opendkim-milter secumail 1 od yes" "sm-self-signing secumail 2 - yes")
for sc in "${SCEN[@]}"; do
    read -r id server off milter signed <<< "$sc"
    say "warm-up: $WARMUP messages, $id"
    run_round $sc "warmup-$id" "$WARMUP"
    check_delivered $sc || STATUS=1
    clear_mail "$SM_DIR/mail"; clear_mail "$PF_BASE/mail"
done
for r in $(seq 1 "$ROUNDS"); do
    for sc in "${SCEN[@]}"; do
        read -r id server off milter signed <<< "$sc"
        run_round $sc "round$r-$id" "$MESSAGES"
        printf '%-3s %-22s %10s msg/s\n' "$r" "$id" "$(jnum "$RESULTS/round$r-$id.json" delivered_per_second)" >&2
        clear_mail "$SM_DIR/mail"; clear_mail "$PF_BASE/mail"
    done
done
echo
echo "Delivered messages: $MESSAGES x 5 KB, $SESSIONS sessions, medians of $ROUNDS rounds; CPU ms per delivered message"
printf '%-22s %-9s %11s %8s %10s %10s\n' scenario server "dlv msg/s" "p50 ms" "MTA cpu" "milter cpu"
for sc in "${SCEN[@]}"; do
    read -r id server off milter signed <<< "$sc"
    rate=$(for r in $(seq 1 "$ROUNDS"); do jnum "$RESULTS/round$r-$id.json" delivered_per_second; done | grep . | median)
    p50=$(for r in $(seq 1 "$ROUNDS"); do jnum "$RESULTS/round$r-$id.json" p50; done | grep . | median)
    mcpu=-
    [ "$milter" != - ] && mcpu=$(cpu_ms "$id" 2)
    printf '%-22s %-9s %11s %8s %10s %10s\n' "$id" "$server" "$rate" "$p50" "$(cpu_ms "$id" 1)" "$mcpu"
done
say "results in $RESULTS"
exit "$STATUS"
