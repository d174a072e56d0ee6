#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/spf-vs-pyspf.sh - SPF evaluations per second: SecuMail's evaluator ("secumail spf
# --repeat") and pyspf (Debian python3-spf), on the same records served by dnsmasq on
# loopback: a 5-level include chain with a, mx, ip4 and ip6 terms (8 DNS queries per
# evaluation), with the DNS cache off ("cold": every evaluation asks the DNS server) and warm.
# Knobs: REPEAT [2000], DNS_PORT [5399]. Installs dnsmasq-base and python3-spf when root.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/.." && pwd)
REPEAT=${REPEAT:-2000}; DNS_PORT=${DNS_PORT:-5399}
if [ "$(id -u)" = 0 ] && { ! command -v dnsmasq >/dev/null || ! /usr/bin/python3 -c 'import spf, dns.resolver' 2>/dev/null; }; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dnsmasq-base python3-spf python3-dnspython >/dev/null
fi
. "$repo/scripts/jdk.sh"
[ -f "$repo/target/secumail.jar" ] || (cd "$repo" && mvn -B -q -DskipTests package)
D=d.bench.test
dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 --port="$DNS_PORT" \
  --local-ttl=300 --user=root \
  --txt-record=$D,"v=spf1 include:l1.$D -all" \
  --txt-record=l1.$D,"v=spf1 ip4:198.51.100.0/24 include:l2.$D -all" \
  --txt-record=l2.$D,"v=spf1 a:mail.$D include:l3.$D -all" \
  --txt-record=l3.$D,"v=spf1 mx include:l4.$D -all" \
  --txt-record=l4.$D,"v=spf1 ip6:2001:db8::/32 ip4:192.0.2.0/24 -all" \
  --host-record=mail.$D,203.0.113.5 --mx-host=l3.$D,mx.$D,10 --host-record=mx.$D,203.0.113.6 &
dpid=$!
trap 'kill $dpid 2>/dev/null; wait 2>/dev/null' EXIT
sleep 1
echo "machine: $(nproc) cores; record chain of 5 levels, client 192.0.2.10 passes at the last level; $REPEAT evaluations per run"
for c in "" "--cache"; do
  printf 'secumail %-8s ' "${c:-nocache}"; java -jar "$repo/target/secumail.jar" spf --ip 192.0.2.10 --sender user@$D --helo mail.example.test \
    --dns-server 127.0.0.1:$DNS_PORT --repeat 300 $c > /dev/null   # JIT warm-up, not measured
  java -jar "$repo/target/secumail.jar" spf --ip 192.0.2.10 --sender user@$D --helo mail.example.test --dns-server 127.0.0.1:$DNS_PORT --repeat "$REPEAT" $c
  printf 'pyspf    %-8s ' "${c:-nocache}"; /usr/bin/python3 "$here/pyspf-loop.py" --port "$DNS_PORT" --ip 192.0.2.10 --sender user@$D --helo mail.example.test --repeat "$REPEAT" $c
done
