#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""pyspf (Debian python3-spf) evaluation loop against a DNS server on loopback, for
bench/spf-vs-pyspf.sh: N evaluations of one (ip, sender, helo), with dnspython's cache on
(--cache, warm) or off. Prints evaluations per second."""
import argparse, time
import dns.resolver
import spf

ap = argparse.ArgumentParser()
ap.add_argument("--server", default="127.0.0.1")
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--ip", required=True)
ap.add_argument("--sender", required=True)
ap.add_argument("--helo", required=True)
ap.add_argument("--repeat", type=int, default=1000)
ap.add_argument("--cache", action="store_true")
a = ap.parse_args()
assert a.server.startswith("127.") or a.server == "::1", "loopback only"
r = dns.resolver.Resolver(configure=False)
r.nameservers = [a.server]
r.port = a.port
r.cache = dns.resolver.Cache() if a.cache else None
dns.resolver.default_resolver = r
t0 = time.perf_counter()
res = None
for _ in range(a.repeat):
    res = spf.check2(i=a.ip, s=a.sender, h=a.helo)
secs = time.perf_counter() - t0
print("%d evaluations (%s cache) in %.2f s: %.0f per second; result %s" % (a.repeat, "warm" if a.cache else "no", secs, a.repeat / secs, res[0]))
