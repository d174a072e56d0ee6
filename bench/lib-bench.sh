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
