#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# Installs the Debian packages the test suite needs, only those that are missing:
#   postfix  - the reference MTA for the differential test (scripts/postfix-instance.sh)
#   swaks    - SMTP client used by end-to-end tests
#   postgrey - real policy server for the check_policy_service test (not started system-wide)
#   postfix-policyd-spf-python - real SPF policy server (spawned per connection by its test)
#   dovecot-core, dovecot-lmtpd - real Dovecot auth service (smtpd_sasl_type = dovecot) and
#                  LMTP server (lmtp: transport), private instances on loopback, never the system one
#   openssl  - `openssl s_client -starttls smtp` in the TLS tests
#   python3-dkim   - dkimpy, the DKIM/ARC interop peer (driven by src/test/resources/dkim/interop/dkimpy_harness.py)
#   opendkim-tools - opendkim-testkey (checks our keygen output over loopback DNS) and opendkim-testmsg
#   opendkim - the OpenDKIM milter, run privately in the foreground by OpenDkimMilterInteropTest with
#                  its own opendkim.conf on loopback (never the system service, never /etc/opendkim)
#   clamav-daemon, clamdscan - a real clamd for the antivirus tests, started privately by each test
#                  on loopback with a small database the test writes (never the system clamd, and
#                  freshclam is never run: there is no internet)
#   clamav-testfiles - ClamAV's harmless test files (clam.exe in archives, packers, mail)
#   clamav-milter, clamsmtp - ClamAV's milter and ClamSMTP's after-queue SMTP filter, each run
#                  privately in the foreground by ClamavFilterInteropTest against its own clamd,
#                  as SecuMail's smtpd_milters and content_filter (never the system services)
#   chromium - headless Debian Chromium for the dashboard's browser test (DashboardBrowserTest drives
#                  it over the DevTools protocol on loopback; started with background networking off)
#   spamassassin, spamc - SpamAssassin's rules (/usr/share/spamassassin), which spam scoring loads
#                  as they are, and spamd/spamc, the reference the spam tests compare with
#                  (started privately on loopback by the tests; never the system spamd)
# Idempotent: with everything present it changes nothing and runs no apt-get at all.
# Postfix is installed unconfigured ("No configuration") and its system instance is
# never started: a temporary /usr/sbin/policy-rc.d (exit 101) forbids service starts
# while apt runs, and is removed afterwards only if this script created it.
# Without root or apt-get it explains why and exits 0; the tests that need Postfix
# then skip with a visible reason (or fail under CI=true).
set -eu

PACKAGES="postfix pflogsumm python3-prometheus-client swaks postgrey postfix-policyd-spf-python dovecot-core dovecot-lmtpd openssl python3-dkim opendkim-tools opendkim clamav-daemon clamdscan clamav-testfiles clamav-milter clamsmtp spamassassin spamc chromium"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
        missing="$missing $p"
    fi
done
missing=${missing# }

if [ -z "$missing" ]; then
    echo "install-test-deps: all present ($PACKAGES)"
    exit 0
fi

if [ "$(id -u)" != 0 ]; then
    echo "install-test-deps: missing packages: $missing; not root, so not installing them." >&2
    echo "install-test-deps: run as root: apt-get install $missing (tests needing them will be skipped)" >&2
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-test-deps: missing packages: $missing; apt-get not available, install them by hand." >&2
    echo "install-test-deps: tests needing them will be skipped" >&2
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive

# Unconfigured Postfix: the package then writes no /etc/postfix/main.cf and has no
# mail system to start; our private instances bring their own configuration.
if command -v debconf-set-selections >/dev/null 2>&1; then
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
fi

POLICY=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$POLICY" ]; then
    printf '#!/bin/sh\n# temporary, from secumail scripts/install-test-deps.sh\nexit 101\n' > "$POLICY"
    chmod 755 "$POLICY"
    created_policy=1
fi
cleanup() {
    if [ "$created_policy" = 1 ]; then rm -f "$POLICY"; fi
}
trap cleanup EXIT INT TERM

echo "install-test-deps: installing: $missing"
apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
apt-get install -y -qq --no-install-recommends $missing

# Belt and braces: should anything have started the system instance anyway
# (e.g. a policy-rc.d we did not own allowed it), stop it so port 25 stays free.
if [ -f /etc/postfix/main.cf ] && postfix status >/dev/null 2>&1; then
    echo "install-test-deps: stopping the system Postfix instance started by the install"
    postfix stop || true
fi
if command -v doveadm >/dev/null 2>&1 && pgrep -x dovecot >/dev/null 2>&1 && [ -f /run/dovecot/master.pid ]; then
    echo "install-test-deps: stopping the system Dovecot instance started by the install"
    doveadm stop 2>/dev/null || kill "$(cat /run/dovecot/master.pid)" 2>/dev/null || true
fi
# opendkim's postinst may start the system milter when policy-rc.d allows it: stop it by its pid file.
if [ -f /run/opendkim/opendkim.pid ] && kill -0 "$(cat /run/opendkim/opendkim.pid)" 2>/dev/null; then
    echo "install-test-deps: stopping the system opendkim started by the install"
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet opendkim 2>/dev/null; then
        systemctl stop opendkim || true
    else
        kill "$(cat /run/opendkim/opendkim.pid)" 2>/dev/null || true
    fi
fi
# clamav-daemon's postinst may start clamd and clamav-freshclam when policy-rc.d allows it:
# stop them (the daemon would find no database anyway, freshclam no network). Not disabled:
# that is the administrator's choice on a real host; the tests never use them.
for svc in clamav-daemon clamav-freshclam; do
    if pgrep -x "$(echo "$svc" | sed 's/clamav-daemon/clamd/; s/clamav-//')" >/dev/null 2>&1; then
        echo "install-test-deps: stopping $svc started by the install"
        if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$svc" 2>/dev/null; then
            systemctl stop "$svc" || true
        elif [ -x "/etc/init.d/$svc" ]; then
            "/etc/init.d/$svc" stop || true
        fi
    fi
done
# spamassassin's postinst may start the system spamd: stop it (the tests start their own)
if [ -f /run/spamd.pid ] && kill -0 "$(cat /run/spamd.pid)" 2>/dev/null; then
    echo "install-test-deps: stopping the system spamd started by the install"
    kill "$(cat /run/spamd.pid)" 2>/dev/null || true
fi
echo "install-test-deps: done"
