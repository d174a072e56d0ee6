# SPDX-License-Identifier: Apache-2.0
# bench/lib-postfix.sh - a private, throw-away Postfix instance for benchmarks.
#
# Sourced by bench/smtp-throughput.sh. The instance has its own config, queue and data
# directories under one base directory, listens only on 127.0.0.1:PORT (never port 25: the
# master.cf written here has no "smtp inet" service), runs no service chrooted, logs to
# BASE/maillog through postlogd, and delivers to Maildirs BASE/mail/USER/new.
#
# Delivery modes (PF_DELIVERY):
#   local    the configuration SecuMail gets: mydestination = example.test,
#            local_recipient_maps = inline:{...}, mail_spool_directory = BASE/mail/ and
#            local(8). local(8) only delivers to existing system accounts, so user1..userN
#            are created with "useradd -M" when missing (needs root).
#   virtual  virtual_mailbox_domains = example.test and virtual(8) into the same layout,
#            files owned by nobody; needs no system accounts.
#
# Functions: pf_available, pf_install, pf_make_users N, pf_write_config BASE PORT MODE N,
#            pf_start BASE, pf_stop BASE, pf_queue_files BASE.
# Postfix accepts "postfix -c DIR" for a non-default DIR only when DIR is listed in
# alternate_config_directories of the default main.cf; pf_start adds it there.

PF_SBIN=${PF_SBIN:-/usr/sbin}

pf_available() {
    [ -x "$PF_SBIN/postfix" ] && [ -x "$PF_SBIN/postconf" ]
}

# Installs Debian's postfix without configuring or starting the system instance.
pf_install() {
    [ "$(id -u)" = 0 ] || { echo "pf_install: needs root" >&2; return 1; }
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections || return 1
    local made_policy=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        # Keeps the package scripts from starting a system Postfix on port 25.
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && made_policy=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >&2
    local rc=$?
    [ "$made_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
    return $rc
}

# Creates system accounts user1..userN (no home directory, no login shell) when missing.
pf_make_users() {
    local n=$1 i
    for i in $(seq 1 "$n"); do
        id "user$i" >/dev/null 2>&1 && continue
        useradd -M -d /nonexistent -s /usr/sbin/nologin "user$i" || return 1
    done
}

# pf_write_config BASE PORT MODE USERS: writes BASE/etc/{main.cf,master.cf}.
pf_write_config() {
    local base=$1 port=$2 mode=$3 users=$4 i maps="" vmaps=""
    mkdir -p "$base/etc" "$base/queue" "$base/data" "$base/mail"
    for i in $(seq 1 "$users"); do
        maps="$maps${maps:+,}user$i=ok"
        vmaps="$vmaps${vmaps:+,}user$i@example.test=user$i/"
    done
    {
        echo "# Private benchmark instance; written by bench/lib-postfix.sh."
        echo "compatibility_level = 3.6"
        echo "queue_directory = $base/queue"
        echo "data_directory = $base/data"
        echo "maillog_file = $base/maillog"
        echo "maillog_file_prefixes = $base"
        echo "mail_owner = postfix"
        echo "setgid_group = postdrop"
        echo "myhostname = mail.example.test"
        echo "mydomain = example.test"
        echo "myorigin = \$myhostname"
        echo "mynetworks = 127.0.0.0/8"
        echo "inet_interfaces = 127.0.0.1"
        echo "inet_protocols = ipv4"
        echo "smtputf8_enable = no"
        echo "biff = no"
        echo "alias_maps ="
        echo "alias_database ="
        echo "forward_path ="
        echo "home_mailbox ="
        echo "mailbox_command ="
        if [ "$mode" = virtual ]; then
            echo "mydestination ="
            echo "local_recipient_maps ="
            echo "virtual_mailbox_domains = example.test"
            echo "virtual_mailbox_maps = inline:{$vmaps}"
            echo "virtual_mailbox_base = $base/mail"
            echo "virtual_uid_maps = static:$(id -u nobody)"
            echo "virtual_gid_maps = static:$(id -g nobody)"
        else
            echo "mydestination = example.test"
            echo "local_recipient_maps = inline:{$maps}"
            echo "mail_spool_directory = $base/mail/"
        fi
        echo "smtpd_delay_reject = yes"
        echo "smtpd_helo_required = yes"
        echo "strict_rfc821_envelopes = yes"
        echo "smtpd_client_restrictions = permit"
        echo "smtpd_helo_restrictions = permit_mynetworks, reject_non_fqdn_hostname, reject_invalid_hostname, permit"
        echo "smtpd_sender_restrictions = permit_mynetworks, reject_non_fqdn_sender, reject_unknown_sender_domain, permit"
        echo "smtpd_recipient_restrictions = permit_mynetworks, reject_non_fqdn_recipient, reject_unknown_recipient_domain, reject_unauth_destination, permit"
    } > "$base/etc/main.cf"
    # The stock service list, without the port-25 listener and without chroot (a private
    # instance has no chroot jail prepared), plus smtpd on the loopback benchmark port.
    cat > "$base/etc/master.cf" <<MASTER
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$port inet n -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
MASTER
    # Delivery runs as the recipient (local) or as nobody (virtual): let them create their
    # Maildirs, as a mail spool does; the sticky bit keeps them from removing each other's.
    chmod 1777 "$base/mail"
    chmod 755 "$base"
    chown postfix "$base/data" 2>/dev/null || true
}

# Lists BASE/etc in alternate_config_directories of the default main.cf, once.
pf_register_config_dir() {
    local dir=$1 main=/etc/postfix/main.cf current
    [ -e "$main" ] || printf '# Created by bench/lib-postfix.sh to list private instances.\n' > "$main"
    current=$("$PF_SBIN/postconf" -c /etc/postfix -h alternate_config_directories 2>/dev/null)
    case " ${current//,/ } " in
        *" $dir "*) return 0 ;;
    esac
    "$PF_SBIN/postconf" -c /etc/postfix -e "alternate_config_directories = ${current:+$current, }$dir"
}

pf_start() {
    local base=$1
    pf_register_config_dir "$base/etc" || return 1
    "$PF_SBIN/postfix" -c "$base/etc" check >&2 || return 1
    "$PF_SBIN/postfix" -c "$base/etc" start >&2
}

# Stops the instance: "stop" lets the daemons finish, "abort" if it is still up after 20 s.
pf_stop() {
    local base=$1 i
    [ -f "$base/queue/pid/master.pid" ] || return 0
    "$PF_SBIN/postfix" -c "$base/etc" stop >/dev/null 2>&1
    for i in $(seq 1 40); do
        "$PF_SBIN/postfix" -c "$base/etc" status >/dev/null 2>&1 || return 0
        sleep 0.5
    done
    "$PF_SBIN/postfix" -c "$base/etc" abort >/dev/null 2>&1
}

# Messages still in the queue (incoming, active, deferred, hold, maildrop).
pf_queue_files() {
    local base=$1
    find "$base/queue/incoming" "$base/queue/active" "$base/queue/deferred" \
         "$base/queue/hold" "$base/queue/maildrop" -type f 2>/dev/null | wc -l
}
