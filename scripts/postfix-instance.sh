#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
#
# A private, throw-away Postfix instance for the differential test.
#
#   postfix-instance.sh start  DIR PORT [MAINCF_EXTRA_FILE]
#   postfix-instance.sh reload DIR [MAINCF_EXTRA_FILE]
#   postfix-instance.sh stop   DIR
#   postfix-instance.sh status DIR
#
# Exit status: 0 done, 1 failed (the reason is on stderr), 3 "reload" found no running
# instance.
#
# Everything lives under DIR: DIR/etc (main.cf, master.cf), DIR/spool (queue_directory),
# DIR/data (data_directory), DIR/maillog (maillog_file, written by postlogd; no syslog).
# master.cf has one smtpd on 127.0.0.1:PORT plus the internal services; nothing runs
# chrooted, and every transport is "discard", so no mail ever leaves the machine. With
# POSTFIX_INSTANCE_MASTER_EXTRA naming a file, its lines are added to master.cf (a test's
# reinjection smtpd for a content filter, say; loopback addresses only).
#
# main.cf = instance defaults, then the lines of MAINCF_EXTRA_FILE (the transcript's base
# main.cf plus its @main.cf lines), then the enforced settings (directories, listener,
# transports), which the extra lines cannot change. A name set twice keeps its last
# value, in the place it was first set: Postfix itself accepts duplicates but warns
# about each one on every command.
#
# "reload" rewrites main.cf and runs "postfix reload", then waits until the master has
# re-read its configuration (its "reload" log line) and every smtpd started under the
# old configuration has exited, so the next connection is served by the new one.
#
# Needs root (postfix(1) is reserved to the super-user). As root, "postfix -c DIR/etc"
# needs no alternate_config_directories entry in /etc/postfix/main.cf (that check only
# applies to unprivileged set-gid commands such as sendmail/postdrop), so the system's
# configuration is never touched, and an unconfigured Postfix package is enough.
# Another Postfix instance (the system one or a second private one) may run at the
# same time: no file or port is shared.
set -euo pipefail

PROG=postfix-instance
die() { echo "$PROG: $*" >&2; exit 1; }
log() { echo "$PROG: $*" >&2; }

# Postfix commands report fatal errors only on a terminal (or syslog, which we do not
# have), so run them under script(1) to see why "check" or "start" failed. Its stdin
# is /dev/null: with a pipe there, script(1) lingers 2 s after the command exits.
pf() {
    local out rc=0
    if command -v script >/dev/null 2>&1; then
        out=$(script -qec "$(printf '%q ' "$@")" /dev/null </dev/null 2>&1) || rc=$?
    else
        out=$("$@" 2>&1) || rc=$?
    fi
    out=$(printf '%s' "$out" | tr -d '\r')
    if [ -n "$out" ]; then printf '%s\n' "$out" >&2; fi
    return $rc
}

now_ms() { date +%s%3N; }

# Prints the first reply line of 127.0.0.1:PORT, or nothing.
greeting() {
    timeout 3 bash -c '
        exec 3<>/dev/tcp/127.0.0.1/'"$1"' || exit 1
        IFS= read -r line <&3 || exit 1
        printf "QUIT\r\n" >&3
        printf "%s\n" "${line%$'"'"'\r'"'"'}"
    ' 2>/dev/null || true
}

# wait_for_220 PORT [DIR OFFSET]: with DIR, give up early when a daemon logged a fatal
# error after byte OFFSET of DIR/maillog (smtpd rejecting main.cf would otherwise only
# show as silence while the master throttles it).
wait_for_220() {
    local port=$1 dir=${2:-} offset=${3:-0} deadline=$(( $(now_ms) + 15000 )) line
    while [ "$(now_ms)" -lt "$deadline" ]; do
        line=$(greeting "$port")
        case "$line" in
            220*) return 0 ;;
        esac
        if [ -n "$dir" ] && [ -f "$dir/maillog" ] \
                && tail -c +"$((offset + 1))" "$dir/maillog" | grep -q ': fatal: '; then
            return 1
        fi
        sleep 0.1
    done
    return 1
}

maillog_size() {
    if [ -f "$1/maillog" ]; then stat -c %s "$1/maillog"; else echo 0; fi
}

master_pid() {
    local f=$1/spool/pid/master.pid pid
    [ -r "$f" ] || return 1
    pid=$(tr -d ' \n' < "$f")
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
    printf '%s\n' "$pid"
}

# Children of the master that run smtpd (matched by the pid's parent and executable,
# never by a process name pattern over the whole system).
smtpd_children() {
    local m=$1 p exe
    for p in $(pgrep -P "$m" 2>/dev/null || true); do
        exe=$(readlink "/proc/$p/exe" 2>/dev/null || true)
        case "$exe" in */smtpd) printf '%s\n' "$p" ;; esac
    done
}

reload_count() {
    if [ -f "$1/maillog" ]; then
        grep -c 'postfix/master\[[0-9]*\]: reload ' "$1/maillog" || true
    else
        echo 0
    fi
}

write_master_cf() {
    local dir=$1 port=$2
    cat > "$dir/etc/master.cf" <<EOF
# Private test instance (scripts/postfix-instance.sh): only loopback, nothing chrooted.
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$port inet n   -       n       -       -       smtpd
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
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
    if [ -n "${POSTFIX_INSTANCE_MASTER_EXTRA:-}" ]; then
        [ -r "$POSTFIX_INSTANCE_MASTER_EXTRA" ] || die "cannot read $POSTFIX_INSTANCE_MASTER_EXTRA"
        cat "$POSTFIX_INSTANCE_MASTER_EXTRA" >> "$dir/etc/master.cf"
    fi
}

# Joins main.cf continuation lines, drops comments and blank lines, and keeps the last
# value of each name at the position of its first occurrence.
merge_main_cf() {
    awk '
        function flush() {
            if (cur == "") return
            name = cur; sub(/[ \t]*=.*/, "", name)
            if (!(name in val)) order[n++] = name
            val[name] = cur; cur = ""
        }
        /^[ \t]*#/ { next }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]/ { if (cur != "") { line = $0; sub(/^[ \t]+/, " ", line); cur = cur line }; next }
        { flush(); cur = $0 }
        END { flush(); for (i = 0; i < n; i++) print val[order[i]] }
    '
}

write_main_cf() {
    local dir=$1 extra=${2:-}
    if [ -n "$extra" ] && [ ! -r "$extra" ]; then die "cannot read $extra"; fi
    {
        cat <<EOF
# instance defaults (may be overridden by the extra lines)
myhostname = mx.example.test
EOF
        if [ -n "$extra" ]; then cat "$extra"; echo; fi
        cat <<EOF
# enforced by scripts/postfix-instance.sh: private directories, loopback only, nothing leaves
config_directory = $dir/etc
queue_directory = $dir/spool
data_directory = $dir/data
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
default_transport = discard
local_transport = discard
relay_transport = discard
virtual_transport = discard
EOF
    } | merge_main_cf > "$dir/etc/main.cf.new"
    settle "$dir/etc/main.cf.new"
    mv "$dir/etc/main.cf.new" "$dir/etc/main.cf"
}

# Postfix re-reads a configuration file, 300 ms apart, until its mtime is older than
# the current second (a guard against reading a file an editor is still writing), which
# costs up to 2 s per start or reload. Our files are complete when written: back-date.
settle() {
    touch -d "@$(( $(date +%s) - 2 ))" "$@"
}

cmd_start() {
    [ $# -ge 2 ] || die "usage: start DIR PORT [MAINCF_EXTRA_FILE]"
    local dir port=$2 extra=${3:-} t0
    [ "$(id -u)" = 0 ] || die "must run as root (postfix(1) is reserved to the super-user)"
    command -v postfix >/dev/null 2>&1 || die "postfix is not installed (scripts/install-test-deps.sh)"
    case "$port" in ''|*[!0-9]*) die "bad port: $port" ;; esac
    mkdir -p "$1"
    dir=$(cd "$1" && pwd -P)
    if master_pid "$dir" >/dev/null; then die "an instance already runs in $dir"; fi
    t0=$(now_ms)
    # The daemons run as the postfix user and open files under DIR by absolute path.
    chmod 755 "$dir"
    mkdir -p "$dir/etc" "$dir/spool" "$dir/data"
    chown root:root "$dir/etc" "$dir/spool"
    chown postfix "$dir/data"
    chmod 755 "$dir/etc" "$dir/spool" "$dir/data"
    echo "$port" > "$dir/port"
    write_master_cf "$dir" "$port"
    settle "$dir/etc/master.cf"
    write_main_cf "$dir" "$extra"
    pf postfix -c "$dir/etc" check || die "postfix check failed for $dir/etc"
    pf postfix -c "$dir/etc" start || die "postfix start failed (see $dir/maillog)"
    if ! wait_for_220 "$port" "$dir" 0; then
        tail -n 20 "$dir/maillog" >&2 2>/dev/null || true
        die "no 220 greeting on 127.0.0.1:$port"
    fi
    log "$(postconf -c "$dir/etc" -h mail_version 2>/dev/null | sed 's/^/Postfix /') ready on 127.0.0.1:$port in $(( $(now_ms) - t0 )) ms"
}

cmd_reload() {
    [ $# -ge 1 ] || die "usage: reload DIR [MAINCF_EXTRA_FILE]"
    local dir extra=${2:-} m port before logpos old p deadline t0
    dir=$(cd "$1" && pwd -P) || die "no such directory: $1"
    # Exit status 3: nothing to reload (never started, or the master died, e.g. on a
    # main.cf it could not accept); the caller may start a fresh instance instead.
    m=$(master_pid "$dir") || { log "no instance runs in $dir"; exit 3; }
    port=$(cat "$dir/port")
    t0=$(now_ms)
    write_main_cf "$dir" "$extra"
    before=$(reload_count "$dir")
    logpos=$(maillog_size "$dir")
    old=$(smtpd_children "$m")
    pf postfix -c "$dir/etc" reload || die "postfix reload failed (see $dir/maillog)"
    deadline=$(( $(now_ms) + 15000 ))
    while [ "$(reload_count "$dir")" -le "$before" ]; do
        [ "$(now_ms)" -lt "$deadline" ] || die "master did not log the reload within 15 s"
        sleep 0.02
    done
    # smtpd processes of the old generation finish their session and exit; idle ones
    # exit at once. Until they are gone one of them could still accept a connection.
    for p in $old; do
        while kill -0 "$p" 2>/dev/null; do
            [ "$(now_ms)" -lt "$deadline" ] || die "old smtpd $p did not exit within 15 s"
            sleep 0.02
        done
    done
    if ! wait_for_220 "$port" "$dir" "$logpos"; then
        # Typically smtpd rejected the new main.cf ("fatal: bad parameter value") and the
        # master now throttles it; the log says which setting.
        tail -c +"$((logpos + 1))" "$dir/maillog" | tail -n 20 >&2 2>/dev/null || true
        die "no 220 greeting on 127.0.0.1:$port after reload"
    fi
    log "reloaded $dir in $(( $(now_ms) - t0 )) ms"
}

cmd_stop() {
    [ $# -ge 1 ] || die "usage: stop DIR"
    local dir m kids p deadline
    [ -d "$1" ] || { log "no such directory: $1 (nothing to stop)"; return 0; }
    dir=$(cd "$1" && pwd -P)
    m=$(master_pid "$dir") || { log "no instance runs in $dir"; return 0; }
    kids=$(pgrep -P "$m" 2>/dev/null || true)
    pf postfix -c "$dir/etc" stop || log "postfix stop reported an error; killing by pid"
    deadline=$(( $(now_ms) + 10000 ))
    while kill -0 "$m" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do sleep 0.05; done
    # Leftovers: the master (if "stop" failed) and the children it had, by pid only.
    for p in $m $kids; do
        if kill -0 "$p" 2>/dev/null; then
            log "killing leftover pid $p"
            kill -KILL "$p" 2>/dev/null || true
        fi
    done
    log "stopped $dir"
}

cmd_status() {
    [ $# -ge 1 ] || die "usage: status DIR"
    local m
    if m=$(master_pid "$1"); then echo "running (master pid $m)"; else echo "not running"; return 1; fi
}

[ $# -ge 1 ] || die "usage: $0 start DIR PORT [MAINCF_EXTRA_FILE] | reload DIR [MAINCF_EXTRA_FILE] | stop DIR | status DIR"
action=$1; shift
case "$action" in
    start) cmd_start "$@" ;;
    reload) cmd_reload "$@" ;;
    stop) cmd_stop "$@" ;;
    status) cmd_status "$@" ;;
    *) die "unknown action: $action" ;;
esac
