#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""dkimpy (Debian python3-dkim) signing and verification loops for bench/dkim.sh: the Python
counterpart of "secumail dkim bench", on the same keys and message files. For each key
(SELECTOR=KEYFILE, PEM as "secumail dkim keygen" writes it,
with SELECTOR.txt beside it) and each message (LABEL=FILE):
dkim.sign of FILE, and dkim.verify of its signed copy FILE.SELECTOR.EXT (made by
"secumail dkim sign"), with dnsfunc= answering from memory so DNS is not measured. Each loop
is bounded by time; "workers" are processes (the GIL makes threads pointless for this CPU
work). Every verification must pass, or the run stops. Prints a table row per loop and, with
--json FILE, one JSON line per loop."""
import argparse, base64, json, multiprocessing, os, re, sys, time
import dkim

ap = argparse.ArgumentParser()
ap.add_argument("--domain", required=True)
ap.add_argument("--key", action="append", required=True, metavar="SELECTOR=KEYFILE")
ap.add_argument("--message", action="append", required=True, metavar="LABEL=FILE")
ap.add_argument("--workers", default="1,2", help="process counts, comma-separated")
ap.add_argument("--warmup", type=float, default=3.0)
ap.add_argument("--seconds", type=float, default=10.0)
ap.add_argument("--json", metavar="FILE")
a = ap.parse_args()
assert 0 < a.seconds <= 3600 and 0 <= a.warmup <= 3600, "seconds (0, 3600], warm-up [0, 3600]"

ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")


def load_key(path):
    """(algorithm, key for dkim.sign, record for dnsfunc) from a PEM private key file and the
    SELECTOR.txt zone line beside it (opendkim-genkey's layout), whose record DNS would serve."""
    pem = open(path, "rb").read()
    zone = open(re.sub(r"\.private$", "", path) + ".txt", "rb").read().split(b"; -----")[0]
    record = b"".join(re.findall(rb'"([^"]*)"', zone))
    if b"BEGIN RSA PRIVATE KEY" in pem:
        return b"rsa-sha256", pem, record
    # Ed25519 PKCS#8: dkimpy wants the 32-byte seed in base64.
    der = base64.b64decode(b"".join(l for l in pem.splitlines() if not l.startswith(b"-----")))
    if not der.startswith(ED25519_PKCS8_PREFIX) or len(der) != 48:
        sys.exit("%s: neither an RSA (PKCS#1) nor an Ed25519 (PKCS#8) private key" % path)
    return b"ed25519-sha256", base64.b64encode(der[16:]), record


def signed_file(path, selector):
    d, n = os.path.split(path)
    stem, ext = os.path.splitext(n)
    return os.path.join(d, "%s.%s%s" % (stem, selector, ext)) if stem else path + "." + selector


def worker(op, selector, alg, key, record, data, warmup, seconds, q):
    domain = a.domain.encode()
    name = ("%s._domainkey.%s" % (selector, a.domain)).lower()

    def dnsfunc(n, timeout=5):
        n = n.decode() if isinstance(n, bytes) else n
        return record if n.rstrip(".").lower() == name else None

    def once():
        if op == "sign":
            if len(dkim.sign(data, selector.encode(), domain, key, canonicalize=(b"relaxed", b"relaxed"),
                             signature_algorithm=alg)) < 100:
                raise RuntimeError("short signature")
        elif not dkim.verify(data, dnsfunc=dnsfunc):
            raise RuntimeError("verification did not pass")

    end = time.perf_counter() + warmup
    while time.perf_counter() < end:
        once()
    c0 = time.process_time()
    t0 = time.perf_counter()
    end = t0 + seconds
    n = 0
    while time.perf_counter() < end:
        once()
        n += 1
    q.put((n, time.perf_counter() - t0, time.process_time() - c0))


def measure(op, selector, alg, key, record, data, procs):
    q = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=worker, args=(op, selector, alg, key, record, data, a.warmup, a.seconds, q))
          for _ in range(procs)]
    for p in ps:
        p.start()
    # Bounded: each worker ends after warm-up + seconds; a worker that died gives no result.
    got = []
    for _ in ps:
        try:
            got.append(q.get(timeout=a.warmup + a.seconds + 120))
        except Exception:
            break
    for p in ps:
        p.join(5)
        if p.is_alive():
            p.terminate()
    if len(got) != procs or any(p.exitcode != 0 for p in ps):
        sys.exit("dkimpy %s %s: a worker failed" % (op, selector))
    ops = sum(g[0] for g in got)
    wall = max(g[1] for g in got)
    cpu = sum(g[2] for g in got)
    return ops, wall, cpu


jf = open(a.json, "w") if a.json else None
print("%-9s %-6s %-14s %-7s %7s %10s %12s %12s" % ("impl", "op", "alg", "message", "threads", "ops/s", "cpu ms/op", "proc ms/op"))
for k in a.key:
    selector, path = k.split("=", 1)
    alg, key, record = load_key(path)
    for m in a.message:
        label, mpath = m.split("=", 1)
        plain = open(mpath, "rb").read()
        signed = open(signed_file(mpath, selector), "rb").read()
        chk = dkim.DKIM(signed)
        if not chk.verify(dnsfunc=lambda n, timeout=5: record):
            sys.exit("dkimpy: %s does not verify with key %s" % (signed_file(mpath, selector), selector))
        for procs in [int(x) for x in a.workers.split(",")]:
            for op, data in (("sign", plain), ("verify", signed)):
                ops, wall, cpu = measure(op, selector, alg, key, record, data, procs)
                ops = max(ops, 1)
                # Processes: their CPU is the process CPU, so both columns hold the same figure.
                print("%-9s %-6s %-14s %-7s %7d %10.1f %12.4f %12.4f" % ("dkimpy", op, alg.decode(), label, procs, ops / wall,
                                                                      1000 * cpu / ops, 1000 * cpu / ops), flush=True)
                if jf:
                    jf.write(json.dumps({"impl": "dkimpy", "op": op, "alg": alg.decode(), "message": label, "bytes": len(data),
                                         "threads": procs, "ops": ops, "seconds": round(wall, 3), "per_second": round(ops / wall, 1),
                                         "cpu_ms_per_op": round(1000 * cpu / ops, 4),
                                         "process_cpu_ms_per_op": round(1000 * cpu / ops, 4)}) + "\n")
                    jf.flush()
