#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The Debian package on this machine, end to end (run by scripts/test.sh after mvn verify):
# build it, dpkg -i it, start the installed unit's ExecStart as root the way systemd would
# start a unit without User= (so the launcher's drop to mail_owner is what is tested), on a
# copy of /etc/secumail listening on a free privileged loopback port (CAP_NET_BIND_SERVICE is
# needed as on port 25), send a message with swaks to root@localhost and find it in root's
# Maildir, check the JVM's user and capabilities, reload with a changed banner, stop, purge.
# systemd itself is not run (the test machines have none running): the unit's sandbox
# settings are checked only by systemd-analyze verify. Skips, saying why, when not root or
# without dpkg; an existing secumail installation is left alone (skipped too).
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "test-deb.sh: $*"; }
skip() { say "skipped: $*"; exit 0; }
fail() { say "FAILED: $*"; [ -f "${log:-}" ] && { echo "--- server log"; tail -40 "$log"; }; exit 1; }

[ "$(id -u)" = 0 ] || skip "needs root (dpkg -i, and the launcher's drop from root to mail_owner)"
command -v dpkg >/dev/null && command -v dpkg-deb >/dev/null || skip "dpkg is missing (not a Debian system)"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is missing"
if dpkg-query -W -f='${Status}' secumail 2>/dev/null | grep -q 'ok installed'; then
    skip "a secumail package is installed already; this test installs and purges its own"
fi
if ! command -v swaks >/dev/null; then
    apt-get -y -q install swaks >/dev/null || skip "swaks is missing and apt-get could not install it"
fi

start=$(date +%s)
tmp=$(mktemp -d /tmp/secumail-deb.XXXXXX)
chmod 0755 "$tmp"   # the copied configuration is read by mail_owner
log=$tmp/server.log
pid=
installed=
cleanup() {
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    if [ -n "$installed" ]; then dpkg --purge secumail >/dev/null 2>&1 || true; fi
    if [ -n "${SECUMAIL_TEST_KEEP:-}" ]; then say "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

deb=$(bash packaging/build-deb.sh | tail -1)
say "built $deb ($(du -h "$deb" | cut -f1))"
installed=yes
if ! dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1; then
    apt-get -y -q install -f >>"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg -i $deb"; }
fi
# where systemd runs, postinst started the real service on port 25: this test runs its own
if [ -d /run/systemd/system ]; then systemctl stop secumail.service || true; fi
getent passwd secumail >/dev/null || fail "postinst made no secumail user"
[ "$(stat -c %U /var/spool/secumail)" = secumail ] || fail "/var/spool/secumail is not mail_owner's"
unit=/lib/systemd/system/secumail.service
if command -v systemd-analyze >/dev/null; then
    systemd-analyze verify "$unit" >"$tmp/verify.log" 2>&1 || { cat "$tmp/verify.log"; fail "systemd-analyze verify $unit"; }
    say "systemd-analyze verify: no complaint"
fi

# mail_owner = root is refused before any JVM starts
mkdir "$tmp/rootowner"
cp /etc/secumail/main.cf /etc/secumail/master.cf "$tmp/rootowner/"
echo 'mail_owner = root' >>"$tmp/rootowner/main.cf"
if out=$(/usr/bin/secumail run -c "$tmp/rootowner" 2>&1); then fail "ran with mail_owner = root"; fi
grep -q 'user root has privileged user ID' <<<"$out" || fail "mail_owner = root: unexpected: $out"
say "mail_owner = root refused: $out"

# a free privileged port on loopback: binding it needs CAP_NET_BIND_SERVICE, as 25 does
port=
for p in $(seq 825 899); do
    if command -v ss >/dev/null; then [ -z "$(ss -Hltn "sport = :$p")" ] || continue
    elif timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$p" 2>/dev/null; then continue; fi
    port=$p; break
done
[ -n "$port" ] || fail "no free port in 825-899"
conf=$tmp/etc
mkdir "$conf"
cp /etc/secumail/main.cf "$conf/main.cf"
sed "s/^smtp[[:space:]]/127.0.0.1:$port /" /etc/secumail/master.cf >"$conf/master.cf"
grep -q "^127.0.0.1:$port " "$conf/master.cf" || fail "the packaged master.cf has no smtp service line"
chmod -R a+rX "$conf"

# the unit's ExecStart, with the copied configuration directory
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ -n "$exec_start" ] || fail "no ExecStart in $unit"
read -r -a cmd <<<"${exec_start//\/etc\/secumail/$conf}"
say "starting as root: ${cmd[*]}"
"${cmd[@]}" >"$log" 2>&1 </dev/null &
pid=$!
up=
for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || fail "the server exited"
    if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then up=yes; break; fi
    sleep 0.5
done
[ -n "$up" ] || fail "nothing listens on 127.0.0.1:$port after 30 s"
user=$(ps -o user= -p "$pid" | tr -d ' ')
[ "$user" = secumail ] || fail "the JVM runs as '$user', not secumail"
caps=$(sed -n 's/^CapEff:[[:space:]]*//p' "/proc/$pid/status")
[ "$caps" = 0000000000000400 ] || fail "the JVM's effective capabilities are $caps, not cap_net_bind_service alone"
say "listening on 127.0.0.1:$port as user $user, capabilities $caps (net_bind_service)"

# a message to a local user, into its Maildir under the spool
token="test-deb-$$-$RANDOM"
timeout 30 swaks --server 127.0.0.1 --port "$port" --helo client.test --from sender@example.test \
    --to root@localhost --header "Subject: $token" --body "$token" >"$tmp/swaks.log" 2>&1 \
    || { cat "$tmp/swaks.log"; fail "swaks"; }
found=
for _ in $(seq 1 40); do
    found=$(grep -l "$token" /var/spool/secumail/mail/root/new/* 2>/dev/null | head -1) || true
    [ -n "$found" ] && break
    sleep 0.5
done
[ -n "$found" ] || fail "the message did not reach /var/spool/secumail/mail/root/new/"
[ "$(stat -c %U "$found")" = secumail ] || fail "$found is not mail_owner's"
say "delivered: $found"

# reload (run as root, so through the launcher's drop too): a new banner for new connections
echo 'smtpd_banner = $myhostname ESMTP reloaded-by-test-deb' >>"$conf/main.cf"
timeout 30 /usr/bin/secumail reload -c "$conf" >"$tmp/reload.log" 2>&1 || { cat "$tmp/reload.log"; fail "secumail reload"; }
banner=
for _ in $(seq 1 20); do
    banner=$(timeout 5 swaks --server 127.0.0.1 --port "$port" --quit-after CONNECT 2>&1 | grep '^<-  220' || true)
    grep -q reloaded-by-test-deb <<<"$banner" && break
    sleep 0.5
done
grep -q reloaded-by-test-deb <<<"$banner" || fail "after secumail reload the banner is still: $banner"
say "reloaded: $banner"

kill -TERM "$pid"
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
kill -0 "$pid" 2>/dev/null && fail "the server did not stop within 30 s of SIGTERM"
wait "$pid" || true
pid=
dpkg --purge secumail >"$tmp/dpkg.log" 2>&1 || { cat "$tmp/dpkg.log"; fail "dpkg --purge"; }
installed=
for d in /var/spool/secumail /var/lib/secumail /etc/secumail /usr/share/secumail; do
    [ ! -e "$d" ] || fail "$d is still there after dpkg --purge"
done
say "passed in $(( $(date +%s) - start )) s (build, install, drop to secumail, delivery, reload, stop, purge)"
