#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Policy-delegation load: N requests over C persistent connections to a Postfix policy
server (SMTPD_POLICY_README), half of them for new triplets and half repeating known ones.
Loopback targets only; bounded by count and a timeout. Prints requests/second and latency
percentiles, or JSON with --json."""
import argparse, ipaddress, json, socket, sys, threading, time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("-n", "--requests", type=int, default=4000)
    ap.add_argument("-c", "--connections", type=int, default=10)
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--tag", default="run")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--spf-domain", help="SPF stream: every request from 192.0.2.x with a sender in this domain "
                    "(and HELO of that name), a new sender each time, so only the DNS answers repeat")
    a = ap.parse_args()
    if not ipaddress.ip_address(socket.gethostbyname(a.host)).is_loopback:
        sys.exit("policy-requests: loopback targets only")
    per = a.requests // a.connections
    lat, errors, lock = [], [0], threading.Lock()
    deadline = time.time() + a.timeout

    def worker(w):
        mine = []
        try:
            s = socket.create_connection((a.host, a.port), timeout=30)
            f = s.makefile("rb")
            for i in range(per):
                if time.time() > deadline:
                    break
                # even i: a new triplet; odd i: the triplet of i-1 again (known)
                k = i - (i % 2)
                if a.spf_domain:
                    req = ("request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
                           "client_address=192.0.2.%d\nclient_name=unknown\nhelo_name=%s\n"
                           "sender=user%d-%s-%d@%s\nrecipient=user@example.test\n"
                           "instance=%d.%d\nqueue_id=\n\n") % (i % 250 + 1, a.spf_domain, i, a.tag, w, a.spf_domain, w, i)
                else:
                    req = ("request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
                           "client_address=10.%d.%d.%d\nclient_name=unknown\nhelo_name=bench.example\n"
                           "sender=sender%d-%s@bench.example\nrecipient=user%d@example.test\n"
                           "instance=%d.%d\nqueue_id=\n\n") % (w, (k // 250) % 250, k % 250 + 1, k, a.tag, w, w, i)
                t0 = time.perf_counter()
                s.sendall(req.encode())
                while True:
                    line = f.readline()
                    if not line:
                        raise IOError("closed")
                    if line in (b"\n", b"\r\n"):
                        break
                mine.append(time.perf_counter() - t0)
            s.close()
        except Exception:
            with lock:
                errors[0] += 1
        with lock:
            lat.extend(mine)

    t0 = time.perf_counter()
    ts = [threading.Thread(target=worker, args=(w,)) for w in range(a.connections)]
    for t in ts: t.start()
    for t in ts: t.join()
    wall = time.perf_counter() - t0
    lat.sort()
    pct = lambda p: (lat[min(len(lat) - 1, int(p * len(lat)))] * 1000) if lat else 0
    res = {"requests": len(lat), "errors": errors[0], "seconds": wall, "per_second": len(lat) / wall if wall else 0,
           "p50_ms": pct(0.5), "p99_ms": pct(0.99)}
    if a.json:
        print(json.dumps(res))
    else:
        print("%d requests, %d connection errors, %.1f s: %.0f req/s, p50 %.2f ms, p99 %.2f ms" %
              (res["requests"], res["errors"], wall, res["per_second"], res["p50_ms"], res["p99_ms"]))


if __name__ == "__main__":
    main()
