# SPDX-License-Identifier: Apache-2.0
# bench/lib-bench.sh - shell helpers shared by the benchmark scripts (sourced, not run).

say() { printf '%s\n' "bench: $*" >&2; }
die() { say "$*"; exit 1; }

# listening PORT: true when something listens on 127.0.0.1:PORT.
listening() {
    if command -v ss >/dev/null 2>&1; then
        ss -Hltn "sport = :$1" 2>/dev/null | grep -q .
    else
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

# wait_listening PORT SECONDS [PID]: waits for the port; fails early if PID dies.
wait_listening() {
    local port=$1 secs=$2 pid=${3:-} i
    for i in $(seq 1 $((secs * 4))); do
        listening "$port" && return 0
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then return 1; fi
        sleep 0.25
    done
    return 1
}

# jnum FILE KEY: the first number stored under "KEY" in a loadgen JSON result.
jnum() {
    grep -o "\"$2\":[-0-9.]*" "$1" 2>/dev/null | head -1 | cut -d: -f2
}

# median: of the numbers on stdin (mean of the middle two for an even count).
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "-"; exit }
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# cpu_ticks PID...: utime + stime of the processes, with their reaped children (cutime, cstime),
# in clock ticks (getconf CLK_TCK per second), from /proc/PID/stat.
cpu_ticks() {
    local t=0 p f
    for p in "$@"; do
        f=$(cut -d')' -f2- "/proc/$p/stat" 2>/dev/null) || continue
        # after "pid (comm)": field 14 utime is the 12th here, 15 stime 13th, 16/17 cutime/cstime
        t=$(( t + $(echo "$f" | awk '{ print $12 + $13 + $14 + $15 }') ))
    done
    echo "$t"
}
