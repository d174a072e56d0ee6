#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# bench/dkim.sh - DKIM and DMARC cost, side by side with dkimpy and OpenDKIM, loopback only.
#
# Part "loops" (in-process, no DNS): signatures/s and verifications/s for rsa-2048 and
# ed25519 keys on a 5 KB and a 100 KB message, with 1 and 2 threads (dkimpy: processes),
# with CPU milliseconds per operation:
#   - SecuMail: "secumail dkim bench" (org.secumail.dkim.DkimBenchmark);
#   - dkimpy:   bench/dkimpy-loop.py (Debian python3-dkim), dnsfunc= answering from memory.
#   Both sign the same files with the same keys and verify the same signed copies (made by
#   "secumail dkim sign"; dkimpy verifying them doubles as an interoperability check).
#
# Part "smtp" (delivered messages, "secumail loadgen" as in bench/smtp-throughput.sh): one
# SecuMail and one private Postfix (bench/lib-postfix.sh), each with several smtpd services
# on loopback ports so one warm server serves every configuration; key records, SPF and DMARC
# records served by dnsmasq on 127.0.0.1:DNS_PORT. Scenarios, for each key type in SMTP_ALGS:
#   traffic "unsigned": the unsigned message from 127.0.0.1 (in mynetworks: mail we sign)
#     postfix  plain            no milter                   (baseline)
#     postfix  opendkim-sign    an opendkim milter, Mode s
#     secumail no-checks        DKIM verify, ARC, DMARC off (baseline)
#     secumail dkim-sign        secumail_dkim_domains/_selectors/_key_directory
#   traffic "signed": the message signed by the test key, "XCLIENT ADDR=192.0.2.10" so the
#   client is outside mynetworks (SPF passes for it, DMARC p=reject passes by DKIM and SPF)
#     postfix  plain            no milter                   (baseline)
#     postfix  opendkim-verify  an opendkim milter, Mode v (key records via libunbound)
#     secumail no-checks        DKIM verify, ARC, DMARC off (baseline)
#     secumail default          DKIM verify + ARC + DMARC (SPF for DMARC), as shipped
# Each scenario gets WARMUP unmeasured messages and a check of one delivered message (the
# signature is there and verifies; Authentication-Results says dkim=pass and dmarc=pass);
# then ROUNDS interleaved rounds of MESSAGES each. Reported: medians of delivered msg/s and
# p50 latency, and CPU milliseconds per delivered message of the server (SecuMail: its JVM;
# Postfix: master and all its children, live or reaped) and of the opendkim milter (from
# /proc/PID/stat, utime + stime). Postfix and SecuMail both drop reject_unknown_sender_domain
# here: Postfix would ask the system resolver, not the loopback dnsmasq.
#
# Needs root (Postfix, opendkim as user opendkim, useradd for local delivery). Installs, when
# missing: opendkim, dnsmasq-base, python3-dkim, python3-nacl (system services not started:
# a policy-rc.d refuses them during the install). Without Postfix the Postfix rows are skipped.
#
# Knobs (environment variables, defaults in brackets):
#   BENCH_DIR        work directory, wiped at start [/tmp/secumail-dkim-bench]
#   PARTS            "loops smtp", or one of them ["loops smtp"]
#   LOOP_WARMUP      unmeasured seconds before each in-process loop [3]
#   LOOP_SECONDS     measured seconds per in-process loop [10]
#   THREADS          thread (dkimpy: process) counts for the loops [1,2]
#   SMTP_ALGS        key types for the smtp part: "rsa", "ed25519" or both [rsa]
#   SMTP_MESSAGE     message sent in the smtp part: 5k or 100k [5k]
#   MESSAGES         messages per measured round [2000]
#   SESSIONS         parallel SMTP sessions [20]
#   ROUNDS           rounds per scenario, interleaved [3]
#   WARMUP           unmeasured messages per scenario before the rounds [3000]
#   WAIT_TIMEOUT     seconds to wait for delivery in each round [120]
#   LOADGEN_TIMEOUT  bound on each loadgen run, seconds [300]
#   DNS_PORT         dnsmasq's port on 127.0.0.1 [5398]
#   SM_PORT          first of SecuMail's 4 ports [2535]
#   PF_PORT          first of Postfix's 4 ports [2545]
#   OD_PORT          first of the 3 opendkim milter ports [8895]
#   SM_JAVA_OPTS     JVM options for the SecuMail server []
#   USERS            mailboxes user1..userN [5]
#   OD_DIR           opendkim's config and keys; not below a world-writable directory, as
#                    opendkim checks; removed on exit [/run/secumail-dkim-bench-opendkim]
# Full run with the defaults: about 7 minutes of loops (2 keys x 2 messages x 2 thread counts
# x 2 operations x 13 s, twice) and, for smtp, 8 scenarios x 9000 messages: at 100 to 300
# msg/s about 10 to 20 minutes (the opendkim rows are the slowest). Estimated from short runs,
# not timed at full size. SMTP_ALGS="rsa ed25519" adds 6 scenarios.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
. "$here/lib-bench.sh"
. "$here/lib-postfix.sh"

BENCH_DIR=${BENCH_DIR:-/tmp/secumail-dkim-bench}
PARTS=${PARTS:-loops smtp}
LOOP_WARMUP=${LOOP_WARMUP:-3}
LOOP_SECONDS=${LOOP_SECONDS:-10}
THREADS=${THREADS:-1,2}
SMTP_ALGS=${SMTP_ALGS:-rsa}
SMTP_MESSAGE=${SMTP_MESSAGE:-5k}
MESSAGES=${MESSAGES:-2000}
SESSIONS=${SESSIONS:-20}
ROUNDS=${ROUNDS:-3}
WARMUP=${WARMUP:-3000}
WAIT_TIMEOUT=${WAIT_TIMEOUT:-120}
LOADGEN_TIMEOUT=${LOADGEN_TIMEOUT:-300}
DNS_PORT=${DNS_PORT:-5398}
SM_PORT=${SM_PORT:-2535}
PF_PORT=${PF_PORT:-2545}
OD_PORT=${OD_PORT:-8895}
SM_JAVA_OPTS=${SM_JAVA_OPTS:-}
USERS=${USERS:-5}

# The signing domain, with its SPF and DMARC records. Not below "test.": libunbound (in
# opendkim) answers "test." itself with NXDOMAIN (RFC 6761) instead of asking dnsmasq.
D=dkim-bench.example
CLIENT=192.0.2.10           # the outside client the "signed" traffic plays (TEST-NET-1)
KEYS=$BENCH_DIR/keys        # SELECTOR.private / SELECTOR.txt; the selector is the key type
MSGS=$BENCH_DIR/messages    # m5k.eml, m100k.eml and their signed copies m5k.rsa.eml ...
RESULTS=$BENCH_DIR/results
SM_DIR=$BENCH_DIR/secumail
PF_BASE=$BENCH_DIR/postfix
# opendkim refuses a config or key file below a directory others may write (such as /tmp):
# its files live in a root-owned directory of their own, removed on exit.
OD_DIR=${OD_DIR:-/run/secumail-dkim-bench-opendkim}
JAR=$repo/target/secumail.jar
export PATH="$PATH:/usr/sbin:/sbin"

case "$SMTP_MESSAGE" in 5k|100k) ;; *) die "SMTP_MESSAGE must be 5k or 100k" ;; esac
for a in $SMTP_ALGS; do case $a in rsa|ed25519) ;; *) die "SMTP_ALGS: rsa and/or ed25519" ;; esac; done

# ---- cleanup: everything this script started, by PID --------------------------------------
PIDS=()
SM_PID=""
PF_STARTED=0
cleanup() {
    local p i
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    if [ -n "$SM_PID" ] && kill -0 "$SM_PID" 2>/dev/null; then
        kill "$SM_PID" 2>/dev/null
        for i in $(seq 1 40); do kill -0 "$SM_PID" 2>/dev/null || break; sleep 0.25; done
        kill -9 "$SM_PID" 2>/dev/null
    fi
    [ "$PF_STARTED" = 1 ] && pf_stop "$PF_BASE"
    for i in $(seq 1 20); do
        local alive=0
        for p in "${PIDS[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.25
    done
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    rm -rf "$SM_DIR/mail" "$PF_BASE/mail" 2>/dev/null
    [ -f "$OD_DIR/.secumail-bench" ] && rm -rf "$OD_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- packages -----------------------------------------------------------------------------
need=()
command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
[ -x /usr/sbin/opendkim ] || need+=(opendkim)
/usr/bin/python3 -c 'import dkim' 2>/dev/null || need+=(python3-dkim)
/usr/bin/python3 -c 'import nacl' 2>/dev/null || need+=(python3-nacl)
if [ "${#need[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing ${need[*]} and not root to install them"
    say "installing ${need[*]}"
    made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        # Keeps the package scripts from starting a system opendkim or dnsmasq.
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >&2
    rc=$?
    [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    [ "$rc" = 0 ] || die "apt-get install ${need[*]} failed"
fi

# ---- build --------------------------------------------------------------------------------
cd "$repo" || exit 1
. scripts/jdk.sh || exit 1
if [ ! -f "$JAR" ]; then
    say "building $JAR"
    mvn -B -q -DskipTests package || die "build failed"
fi
sm() { java -jar "$JAR" "$@"; }

# ---- fresh work directory, keys and messages ----------------------------------------------
if [ -d "$BENCH_DIR" ]; then
    [ -f "$BENCH_DIR/.secumail-bench" ] || die "$BENCH_DIR exists and is not a bench directory; not wiping it"
    pf_stop "$PF_BASE" 2>/dev/null
    rm -rf "$BENCH_DIR"
fi
mkdir -p "$BENCH_DIR" "$KEYS" "$MSGS" "$RESULTS" && touch "$BENCH_DIR/.secumail-bench" && chmod 755 "$BENCH_DIR"

sm dkim keygen -d "$D" -s rsa --type rsa -b 2048 -D "$KEYS" >/dev/null || die "keygen rsa failed"
sm dkim keygen -d "$D" -s ed25519 --type ed25519 -D "$KEYS" >/dev/null || die "keygen ed25519 failed"

# make_message BYTES FILE: a plain-text message of exactly BYTES bytes, CRLF line ends, 76
# printable characters a line (deterministic, so every side reads the same bytes).
make_message() {
    awk -v size="$1" -v d="$D" 'BEGIN {
        ORS = "\r\n"
        h = "From: Bench Sender <user@" d ">" ORS "To: <user1@example.test>" ORS \
            "Subject: DKIM benchmark message of " size " bytes" ORS \
            "Date: Sat, 05 Dec 2026 09:00:00 +0000" ORS "Message-ID: <bench." size "@" d ">" ORS \
            "MIME-Version: 1.0" ORS "Content-Type: text/plain; charset=us-ascii" ORS ORS
        printf "%s", h; left = size - length(h); n = 0
        while (left > 0) {
            len = left - 2 > 76 ? 76 : left - 2
            if (left - (len + 2) > 0 && left - (len + 2) < 3) len -= 3      # no line shorter than 1 char
            line = ""
            for (i = 0; i < len; i++) line = line sprintf("%c", 97 + (i * 7 + n) % 26)
            if (len > 10) line = substr(line, 1, 9) " " substr(line, 11)  # words for relaxed canon
            printf "%s\r\n", line; left -= len + 2; n++
        }
    }' > "$2"
}
make_message 5000 "$MSGS/m5k.eml"
make_message 100000 "$MSGS/m100k.eml"
for m in m5k m100k; do
    for s in rsa ed25519; do
        sm dkim sign -d "$D" -s "$s" -k "$KEYS/$s.private" -o "$MSGS/$m.$s.eml" "$MSGS/$m.eml" 2>/dev/null \
            || die "signing $m with $s failed"
    done
done
say "messages: $(wc -c < "$MSGS/m5k.eml") and $(wc -c < "$MSGS/m100k.eml") bytes; keys rsa-2048 and ed25519 in $KEYS"
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1), $(/usr/bin/python3 --version 2>&1)," \
     "dkimpy $(dpkg-query -W -f='${Version}' python3-dkim 2>/dev/null), opendkim $(dpkg-query -W -f='${Version}' opendkim 2>/dev/null)"

# ---- part 1: in-process loops -------------------------------------------------------------
loops() {
    say "loops: $LOOP_WARMUP s warm-up + $LOOP_SECONDS s per loop, threads $THREADS"
    local args=(-d "$D" -k "rsa=$KEYS/rsa.private" -k "ed25519=$KEYS/ed25519.private"
                -m "5k=$MSGS/m5k.eml" -m "100k=$MSGS/m100k.eml")
    sm dkim bench "${args[@]}" --threads "$THREADS" --warmup "$LOOP_WARMUP" --seconds "$LOOP_SECONDS" \
        --json "$RESULTS/loops-secumail.json" | tee "$RESULTS/loops-secumail.txt" >&2 || { say "secumail dkim bench failed"; return 1; }
    /usr/bin/python3 "$here/dkimpy-loop.py" --domain "$D" --key "rsa=$KEYS/rsa.private" --key "ed25519=$KEYS/ed25519.private" \
        --message "5k=$MSGS/m5k.eml" --message "100k=$MSGS/m100k.eml" --workers "$THREADS" \
        --warmup "$LOOP_WARMUP" --seconds "$LOOP_SECONDS" --json "$RESULTS/loops-dkimpy.json" \
        | tee "$RESULTS/loops-dkimpy.txt" >&2 || { say "dkimpy loop failed"; return 1; }
    LOOPS_DONE=1
}

# The loops side by side, from the JSON lines both sides wrote.
loops_table() {
    echo
    echo "In-process DKIM, no DNS: $LOOP_SECONDS s per loop after $LOOP_WARMUP s warm-up; threads (dkimpy: processes);" \
         "CPU ms per operation (SecuMail: its worker threads)"
    /usr/bin/python3 - "$RESULTS/loops-secumail.json" "$RESULTS/loops-dkimpy.json" <<'PY'
import json, sys
rows = {}
for f in sys.argv[1:]:
    for line in open(f):
        r = json.loads(line)
        rows[(r["alg"], r["message"], r["op"], r["threads"], r["impl"])] = r
fmt = "%-14s %-7s %-6s %7s %13s %13s %7s %13s %13s"
print(fmt % ("alg", "message", "op", "threads", "secumail op/s", "dkimpy op/s", "ratio", "secumail cpu", "dkimpy cpu"))
for key in sorted({k[:4] for k in rows}, key=lambda k: (k[0], len(k[1]), k[1], k[2], k[3])):
    s, d = rows.get(key + ("secumail",)), rows.get(key + ("dkimpy",))
    v = lambda r, f, fmt: fmt % r[f] if r else "-"
    ratio = "%.2f" % (s["per_second"] / d["per_second"]) if s and d and d["per_second"] else "-"
    print(fmt % (key[0], key[1], key[2], key[3], v(s, "per_second", "%.1f"), v(d, "per_second", "%.1f"), ratio,
                 v(s, "cpu_ms_per_op", "%.3f"), v(d, "cpu_ms_per_op", "%.3f")))
PY
}

# ---- part 2: delivered messages -----------------------------------------------------------
HZ=$(getconf CLK_TCK)
pf_pids() {   # the Postfix master and its children: reaped children count in the master's cutime
    local m
    m=$(head -1 "$PF_BASE/queue/pid/master.pid" 2>/dev/null | tr -dc 0-9)
    [ -n "$m" ] && { echo "$m"; pgrep -P "$m"; }
}

# records for dnsmasq: key TXT split into 250-character strings (a TXT string holds 255)
txt_arg() {   # txt_arg NAME RECORD
    local r=$2 out=$1
    while [ -n "$r" ]; do out="$out,${r:0:250}"; r=${r:250}; done
    printf '%s' "$out"
}
record_of() { sed 's/; -----.*//' "$1" | grep -o '"[^"]*"' | tr -d '"\n'; }

start_dns() {
    dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 \
        --port="$DNS_PORT" --local-ttl=300 --user=root \
        --txt-record="$(txt_arg "rsa._domainkey.$D" "$(record_of "$KEYS/rsa.txt")")" \
        --txt-record="$(txt_arg "ed25519._domainkey.$D" "$(record_of "$KEYS/ed25519.txt")")" \
        --txt-record="$D,v=spf1 ip4:192.0.2.0/24 -all" \
        --txt-record="_dmarc.$D,v=DMARC1; p=reject" \
        --host-record="mail.$D,192.0.2.25" --mx-host="$D,mail.$D,10" \
        --host-record="client.$D,$CLIENT" \
        > "$BENCH_DIR/dnsmasq.log" 2>&1 &
    PIDS+=($!)
    sleep 1
    sm dkim testkey -d "$D" -s rsa -k "$KEYS/rsa.private" --dns-server "127.0.0.1:$DNS_PORT" >/dev/null \
        || { say "dnsmasq on 127.0.0.1:$DNS_PORT does not serve the key record (see $BENCH_DIR/dnsmasq.log)"; return 1; }
}

# SecuMail ports: +0 no-checks, +1 default, +2 sign rsa, +3 sign ed25519
sm_port() { case $1 in none) echo "$SM_PORT" ;; default) echo $((SM_PORT + 1)) ;; sign-rsa) echo $((SM_PORT + 2)) ;; sign-ed25519) echo $((SM_PORT + 3)) ;; esac; }
# Postfix ports: +0 plain, +1 opendkim verify, +2 opendkim sign rsa, +3 sign ed25519; opendkim the same order from OD_PORT
pf_port() { case $1 in plain) echo "$PF_PORT" ;; verify) echo $((PF_PORT + 1)) ;; sign-rsa) echo $((PF_PORT + 2)) ;; sign-ed25519) echo $((PF_PORT + 3)) ;; esac; }
od_port() { case $1 in verify) echo "$OD_PORT" ;; sign-rsa) echo $((OD_PORT + 1)) ;; sign-ed25519) echo $((OD_PORT + 2)) ;; esac; }

user_map() { local i m=""; for i in $(seq 1 "$USERS"); do m="$m${m:+,}user$i=ok"; done; printf '%s' "$m"; }

start_secumail() {
    mkdir -p "$SM_DIR/mail" "$SM_DIR/queue" "$SM_DIR/data" "$SM_DIR/dkim/$D"
    cp "$KEYS/rsa.private" "$KEYS/ed25519.private" "$SM_DIR/dkim/$D/" && chmod 600 "$SM_DIR/dkim/$D/"*
    cat > "$SM_DIR/main.cf" <<EOF
# SecuMail DKIM benchmark configuration; written by bench/dkim.sh.
myhostname = mail.example.test
mydomain = example.test
myorigin = \$myhostname
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
mail_spool_directory = $SM_DIR/mail/
queue_directory = $SM_DIR/queue
data_directory = $SM_DIR/data
dns_servers = 127.0.0.1:$DNS_PORT
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_delay_reject = yes
smtpd_helo_required = yes
strict_rfc821_envelopes = yes
smtpd_client_restrictions = permit
smtpd_helo_restrictions = permit_mynetworks, reject_non_fqdn_hostname, reject_invalid_hostname, permit
smtpd_sender_restrictions = permit_mynetworks, reject_non_fqdn_sender, permit
smtpd_recipient_restrictions = permit_mynetworks, reject_non_fqdn_recipient, reject_unknown_recipient_domain, reject_unauth_destination, permit
secumail_dkim_key_directory = $SM_DIR/dkim
EOF
    local off="-o secumail_dkim_verify=no -o secumail_arc_verify=no -o secumail_dmarc_enable=no"
    cat > "$SM_DIR/master.cf" <<EOF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$(sm_port none) inet n - n - 20000 smtpd $off
127.0.0.1:$(sm_port default) inet n - n - 20000 smtpd
127.0.0.1:$(sm_port sign-rsa) inet n - n - 20000 smtpd -o secumail_dkim_domains=$D -o secumail_dkim_selectors=rsa
127.0.0.1:$(sm_port sign-ed25519) inet n - n - 20000 smtpd -o secumail_dkim_domains=$D -o secumail_dkim_selectors=ed25519
EOF
    local p
    for p in $(sm_port none) $(sm_port default) $(sm_port sign-rsa) $(sm_port sign-ed25519); do
        listening "$p" && { say "port $p is already in use"; return 1; }
    done
    # shellcheck disable=SC2086
    MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} java $SM_JAVA_OPTS -jar "$JAR" run -c "$SM_DIR" > "$SM_DIR/server.log" 2>&1 &
    SM_PID=$!
    for p in $(sm_port none) $(sm_port default) $(sm_port sign-rsa) $(sm_port sign-ed25519); do
        wait_listening "$p" 60 "$SM_PID" || { say "SecuMail is not listening on $p; see $SM_DIR/server.log"; tail -20 "$SM_DIR/server.log" >&2; return 1; }
    done
    say "SecuMail running, pid $SM_PID, ports $SM_PORT-$((SM_PORT + 3))"
}

# start_opendkim NAME: an opendkim in the foreground (its PID is $!), as user opendkim.
declare -A OD_PID
start_opendkim() {
    local name=$1 conf=$OD_DIR/$1.conf port
    port=$(od_port "$name")
    if [ ! -f "$OD_DIR/.secumail-bench" ]; then
        [ -e "$OD_DIR" ] && { say "$OD_DIR exists and is not ours; set OD_DIR"; return 1; }
        mkdir -p "$OD_DIR/keys" && touch "$OD_DIR/.secumail-bench"
    fi
    cp "$KEYS/rsa.private" "$KEYS/ed25519.private" "$OD_DIR/keys/"
    chown -R opendkim: "$OD_DIR/keys" && chmod 700 "$OD_DIR/keys" && chmod 600 "$OD_DIR/keys/"*
    {
        echo "# opendkim for bench/dkim.sh: $name"
        echo "Syslog no"
        echo "UserID opendkim"
        echo "Socket inet:$port@127.0.0.1"
        echo "Canonicalization relaxed/relaxed"
        case $name in
            # libunbound forwards to the loopback dnsmasq ("address@port"). Not through
            # ResolverConfiguration: opendkim has libunbound parse that file again for each
            # message, and the parser is not thread-safe (parse errors, tempfails, crashes).
            # No DNSSEC trust anchor is given, so answers are not validated (nor are they
            # by SecuMail's resolver).
            verify) echo "Mode v"
                    echo "Nameservers 127.0.0.1@$DNS_PORT" ;;
            sign-*) local s=${name#sign-}
                    echo "Mode s"
                    echo "Domain $D"
                    echo "Selector $s"
                    echo "KeyFile $OD_DIR/keys/$s.private"
                    [ "$s" = ed25519 ] && echo "SignatureAlgorithm ed25519-sha256" ;;
        esac
    } > "$conf"
    chmod 755 "$OD_DIR"
    listening "$port" && { say "port $port is already in use"; return 1; }
    /usr/sbin/opendkim -f -x "$conf" > "$RESULTS/opendkim-$name.log" 2>&1 &
    OD_PID[$name]=$!
    PIDS+=($!)
    wait_listening "$port" 20 "${OD_PID[$name]}" || { say "opendkim $name did not start: $(cat "$RESULTS/opendkim-$name.log")"; return 1; }
    say "opendkim $name running, pid ${OD_PID[$name]}, milter port $port"
}

start_postfix() {
    [ "$(id -u)" = 0 ] || { say "not root: no Postfix"; return 1; }
    pf_available || { say "postfix is not installed (bench/smtp-throughput.sh INSTALL_POSTFIX=1 installs it)"; return 1; }
    local n p
    for n in verify $(for a in $SMTP_ALGS; do echo "sign-$a"; done); do start_opendkim "$n" || return 1; done
    pf_make_users "$USERS" || return 1
    pf_write_config "$PF_BASE" "$(pf_port plain)" local "$USERS" || return 1
    "$PF_SBIN/postconf" -c "$PF_BASE/etc" -e "smtpd_authorized_xclient_hosts = 127.0.0.0/8" \
        "smtpd_sender_restrictions = permit_mynetworks, reject_non_fqdn_sender, permit" \
        "milter_protocol = 6" "milter_default_action = tempfail" || return 1
    for n in verify $(for a in $SMTP_ALGS; do echo "sign-$a"; done); do
        echo "127.0.0.1:$(pf_port "$n") inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$(od_port "$n")" >> "$PF_BASE/etc/master.cf"
    done
    for p in $(pf_port plain) $(pf_port verify); do listening "$p" && { say "port $p is already in use"; return 1; }; done
    pf_start "$PF_BASE" || { say "postfix start failed (see $PF_BASE/maillog)"; return 1; }
    PF_STARTED=1
    wait_listening "$(pf_port plain)" 30 "" || { say "Postfix is not listening"; return 1; }
    say "Postfix $("$PF_SBIN/postconf" -h mail_version) running, ports $PF_PORT-$((PF_PORT + 3))"
}

clear_mail() {
    find "$1" -mindepth 3 -maxdepth 3 \( -path '*/new/*' -o -path '*/cur/*' \) -type f -delete 2>/dev/null
}

# Scenario table: "ID SERVER SERVICE TRAFFIC ALG"; TRAFFIC unsigned (trusted client) or
# signed (the message signed with ALG, from the outside client via XCLIENT).
SCEN=()
plan() {
    local a have_pf=$1
    for a in $SMTP_ALGS; do
        if [ "$have_pf" = 1 ]; then
            [ "$a" = "${SMTP_ALGS%% *}" ] && SCEN+=("pf-plain-unsigned postfix plain unsigned $a")
            SCEN+=("pf-opendkim-sign-$a postfix sign-$a unsigned $a")
            SCEN+=("pf-plain-signed-$a postfix plain signed $a")
            SCEN+=("pf-opendkim-verify-$a postfix verify signed $a")
        fi
        [ "$a" = "${SMTP_ALGS%% *}" ] && SCEN+=("sm-none-unsigned secumail none unsigned $a")
        SCEN+=("sm-dkim-sign-$a secumail sign-$a unsigned $a")
        SCEN+=("sm-none-signed-$a secumail none signed $a")
        SCEN+=("sm-default-signed-$a secumail default signed $a")
    done
}

# run_round ID SERVER SERVICE TRAFFIC ALG NAME COUNT: one loadgen run and CPU figures, in
# $RESULTS/NAME.json and NAME.cpu ("server_ticks milter_ticks").
run_round() {
    local id=$1 server=$2 service=$3 traffic=$4 alg=$5 name=$6 n=$7 port mail msg s0 s1 m0=0 m1=0 mpid=""
    if [ "$server" = secumail ]; then port=$(sm_port "$service"); mail=$SM_DIR/mail
    else port=$(pf_port "$service"); mail=$PF_BASE/mail; [ "$service" != plain ] && mpid=${OD_PID[$service]}; fi
    local extra=()
    if [ "$traffic" = signed ]; then msg=$MSGS/m$SMTP_MESSAGE.$alg.eml; extra=(--xclient-addr "$CLIENT")
    else msg=$MSGS/m$SMTP_MESSAGE.eml; fi
    if [ "$server" = secumail ]; then s0=$(cpu_ticks "$SM_PID"); else s0=$(cpu_ticks $(pf_pids)); fi
    [ -n "$mpid" ] && m0=$(cpu_ticks "$mpid")
    sm loadgen --host 127.0.0.1 --port "$port" -m "$n" -c "$SESSIONS" --message "$msg" "${extra[@]}" \
        --users "$USERS" --to 'user%d@example.test' --from "user@$D" --helo loadgen.example.test \
        --maildir-glob "$mail/*/new" --wait-timeout "$WAIT_TIMEOUT" --timeout "$LOADGEN_TIMEOUT" \
        --json > "$RESULTS/$name.json" 2> "$RESULTS/$name.err" || say "$name: loadgen exit status $? (see $RESULTS/$name.json, .err)"
    if [ "$server" = secumail ]; then s1=$(cpu_ticks "$SM_PID"); else s1=$(cpu_ticks $(pf_pids)); fi
    [ -n "$mpid" ] && m1=$(cpu_ticks "$mpid")
    echo "$((s1 - s0)) $((m1 - m0))" > "$RESULTS/$name.cpu"
}

# check_delivered ID SERVER SERVICE TRAFFIC ALG: one delivered message shows the work was done.
check_delivered() {
    local id=$1 server=$2 service=$3 traffic=$4 alg=$5 mail f ok=1
    if [ "$server" = secumail ]; then mail=$SM_DIR/mail; else mail=$PF_BASE/mail; fi
    f=$(find "$mail" -mindepth 3 -maxdepth 3 -path '*/new/*' -type f 2>/dev/null | head -1)
    [ -n "$f" ] || { say "$id: CHECK FAILED: nothing delivered"; return 1; }
    case $service in
        sign-*) # exactly one signature, ours, and it verifies against the loopback DNS
            [ "$(grep -c '^DKIM-Signature:' "$f")" = 1 ] && grep -q "s=$alg;" "$f" \
                && sm dkim verify --dns-server "127.0.0.1:$DNS_PORT" "$f" >/dev/null || ok=0 ;;
        verify) grep -q 'dkim=pass' "$f" || ok=0 ;;
        default) grep -q 'dkim=pass' "$f" && grep -q 'dmarc=pass' "$f" || ok=0 ;;
    esac
    if [ "$ok" = 1 ]; then say "$id: delivered message checked"; else
        say "$id: CHECK FAILED on $f:"; sed -n '1,/^\r\?$/p' "$f" | head -30 >&2; return 1; fi
}

smtp() {
    local have_pf=0 sc id server service traffic alg r f
    start_dns || return 1
    start_secumail || return 1
    if start_postfix; then have_pf=1; else say "Postfix rows skipped"; fi
    plan "$have_pf"
    for sc in "${SCEN[@]}"; do
        read -r id server service traffic alg <<< "$sc"
        if [ "$WARMUP" -gt 0 ]; then
            say "warm-up: $WARMUP messages, $id"
            run_round $sc "warmup-$id" "$WARMUP"
        else
            run_round $sc "check-$id" 20
        fi
        check_delivered $sc || SMTP_CHECK_FAILED=1
        clear_mail "$SM_DIR/mail"; clear_mail "$PF_BASE/mail"
    done
    say "measuring: $ROUNDS round(s) of $MESSAGES messages ($SMTP_MESSAGE), $SESSIONS sessions, per scenario"
    for r in $(seq 1 "$ROUNDS"); do
        for sc in "${SCEN[@]}"; do
            read -r id server service traffic alg <<< "$sc"
            run_round $sc "round$r-$id" "$MESSAGES"
            f=$RESULTS/round$r-$id.json
            printf '%-6s %-26s %10s msg/s delivered %6s of %s\n' "$r" "$id" "$(jnum "$f" delivered_per_second)" \
                "$(jnum "$f" delivered)" "$MESSAGES" >&2
            clear_mail "$SM_DIR/mail"; clear_mail "$PF_BASE/mail"
        done
    done
    SMTP_DONE=1
}

smtp_table() {
    local sc id server service traffic alg r
    echo
    echo "Delivered messages: $MESSAGES x $SMTP_MESSAGE message, $SESSIONS sessions, medians of $ROUNDS rounds;" \
         "CPU ms per delivered message (server: SecuMail's JVM or all Postfix processes; milter: opendkim)"
    printf '%-26s %-9s %-21s %-16s %11s %8s %11s %11s\n' scenario server config traffic "dlv msg/s" "p50 ms" "server cpu" "milter cpu"
    for sc in "${SCEN[@]}"; do
        read -r id server service traffic alg <<< "$sc"
        local rate p50 scpu mcpu
        rate=$(for r in $(seq 1 "$ROUNDS"); do jnum "$RESULTS/round$r-$id.json" delivered_per_second; done | grep . | median)
        p50=$(for r in $(seq 1 "$ROUNDS"); do jnum "$RESULTS/round$r-$id.json" p50; done | grep . | median)
        # CPU ticks per round over the messages delivered in that round, in ms
        scpu=$(for r in $(seq 1 "$ROUNDS"); do d=$(jnum "$RESULTS/round$r-$id.json" delivered); [ "${d:-0}" -gt 0 ] && \
               awk -v t="$(cut -d' ' -f1 "$RESULTS/round$r-$id.cpu")" -v d="$d" -v hz="$HZ" 'BEGIN { printf "%.4f\n", 1000 * t / hz / d }'; done | median)
        mcpu=-
        case $service in verify|sign-*) [ "$server" = postfix ] && \
            mcpu=$(for r in $(seq 1 "$ROUNDS"); do d=$(jnum "$RESULTS/round$r-$id.json" delivered); [ "${d:-0}" -gt 0 ] && \
               awk -v t="$(cut -d' ' -f2 "$RESULTS/round$r-$id.cpu")" -v d="$d" -v hz="$HZ" 'BEGIN { printf "%.4f\n", 1000 * t / hz / d }'; done | median) ;;
        esac
        local cfg=$service
        case $server/$service in secumail/none) cfg=no-checks ;; secumail/default) cfg=verify+arc+dmarc ;;
            secumail/sign-*) cfg=dkim-$service ;; postfix/verify) cfg=opendkim-verify ;; postfix/sign-*) cfg=opendkim-$service ;; esac
        printf '%-26s %-9s %-21s %-16s %11s %8s %11s %11s\n' "$id" "$server" "$cfg" "$traffic/$alg" "$rate" "$p50" "$scpu" "$mcpu"
    done
    echo "(CPU time is sampled with a resolution of 1/$HZ s per process; small rounds give coarse figures.)"
}

SMTP_CHECK_FAILED=0
STATUS=0
LOOPS_DONE=0
SMTP_DONE=0
for part in $PARTS; do
    case $part in
        loops) loops || STATUS=1 ;;
        smtp) smtp || STATUS=1 ;;
        *) die "unknown part '$part' in PARTS" ;;
    esac
done
# One table per part at the end, together.
[ "$LOOPS_DONE" = 1 ] && loops_table
[ "$SMTP_DONE" = 1 ] && smtp_table
[ "$SMTP_CHECK_FAILED" = 0 ] || { say "some delivered-message checks failed: those rows do not measure what they say"; STATUS=1; }
say "results in $RESULTS"
exit "$STATUS"
