#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Connection load for bench/postscreen.sh: N SMTP connections, at most C open at once (or all
of them held open together with --hold), each from one of A loopback source addresses
(127.1.x.y): read the greeting up to its "220 " line, say QUIT, read 221. Prints a JSON line:
connections served, errors, wall seconds, connections per second, latency percentiles.
Loopback only; bounded by N and --timeout."""
import argparse, asyncio, ipaddress, json, socket, sys, time


async def one(a, i, sem, lat, errs, held, release):
    k = a.first + i % a.addresses
    src = "127.%d.%d.%d" % (1 + k // 62500, (k % 62500) // 250, k % 250 + 1)
    async with sem:
        t0 = time.perf_counter()
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(a.host, a.port, local_addr=(src, 0)), a.timeout)
            while True:
                line = await asyncio.wait_for(r.readline(), a.timeout)
                if not line:
                    raise IOError("closed before 220")
                if line.startswith(b"220 "):
                    break
                if not line.startswith(b"220-"):
                    raise IOError("refused: " + line.decode(errors="replace").strip())
            if release is not None:
                held[0] += 1
                await release.wait()
            w.write(b"QUIT\r\n")
            await w.drain()
            line = await asyncio.wait_for(r.readline(), a.timeout)
            if not line.startswith(b"221"):
                raise IOError("QUIT: " + line.decode(errors="replace").strip())
            w.close()
            lat.append(time.perf_counter() - t0)
        except Exception as e:  # counted, first few kept
            errs.append(repr(e))


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("-n", "--connections", type=int, default=2000)
    ap.add_argument("-c", "--concurrency", type=int, default=100)
    ap.add_argument("-a", "--addresses", type=int, default=2000)
    ap.add_argument("--first", type=int, default=0, help="index of the first source address (127.1.0.1 is 0)")
    ap.add_argument("--hold", action="store_true", help="hold all N open until every one has its greeting")
    ap.add_argument("--timeout", type=float, default=120.0)
    a = ap.parse_args()
    if not ipaddress.ip_address(socket.gethostbyname(a.host)).is_loopback:
        sys.exit("connections: loopback targets only")
    sem = asyncio.Semaphore(a.connections if a.hold else a.concurrency)
    lat, errs, held = [], [], [0]
    release = asyncio.Event() if a.hold else None
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(one(a, i, sem, lat, errs, held, release)) for i in range(a.connections)]
    if a.hold:
        deadline = time.time() + a.timeout
        while held[0] + len(errs) < a.connections and time.time() < deadline:
            await asyncio.sleep(0.2)
        t_held = time.perf_counter() - t0
        print(json.dumps({"held": held[0]}), flush=True)
        await asyncio.sleep(float(__import__("os").environ.get("HOLD_SECONDS", "2")))
        release.set()
    await asyncio.gather(*tasks)
    wall = time.perf_counter() - t0
    lat.sort()
    pct = lambda p: round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1) if lat else None
    out = {"served": len(lat), "errors": len(errs), "first_errors": errs[:3], "seconds": round(wall, 2),
           "per_second": round(len(lat) / wall, 1) if wall else 0, "p50_ms": pct(0.5), "p99_ms": pct(0.99)}
    if a.hold:
        out["seconds_to_hold_all"] = round(t_held, 2)
    print(json.dumps(out))


asyncio.run(main())
