#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Serves Debian's policyd-spf (postfix-policyd-spf-python) on a loopback TCP port the way
Postfix's spawn(8) runs it: one policyd-spf process per connection, talking on its stdin and
stdout. Each process resolves through dnspython pointed at the bench's DNS server (with a cache,
as a warm resolver would be) and, when it ends, appends its own CPU seconds to --cpu-log, so the
bench can add up the CPU the stack spent. Loopback only."""
import argparse, os, socket, socketserver, subprocess, sys

ap = argparse.ArgumentParser()
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--dns-port", type=int, required=True)
ap.add_argument("--cpu-log", required=True)
ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
a = ap.parse_args()

if a.child:
    import atexit, resource
    import dns.resolver
    r = dns.resolver.Resolver(configure=False)
    r.nameservers = ["127.0.0.1"]
    r.port = a.dns_port
    r.cache = dns.resolver.Cache()
    dns.resolver.default_resolver = r

    def report():
        u = resource.getrusage(resource.RUSAGE_SELF)
        with open(a.cpu_log, "a") as f:
            f.write("%.4f\n" % (u.ru_utime + u.ru_stime))
    atexit.register(report)
    from spf_engine.policyd_spf import main
    sys.argv = ["policyd-spf"]
    try:
        main()
    finally:
        report()
        atexit.unregister(report)
    sys.exit(0)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        fd = self.request.fileno()
        subprocess.run([sys.executable, os.path.abspath(__file__), "--child", "--port", str(a.port), "--dns-port",
                        str(a.dns_port), "--cpu-log", a.cpu_log], stdin=fd, stdout=fd, stderr=subprocess.DEVNULL)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


Server(("127.0.0.1", a.port), Handler).serve_forever()
