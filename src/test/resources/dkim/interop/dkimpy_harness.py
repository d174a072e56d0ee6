#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
# Test harness for DkimInteropTest: drives dkimpy (Debian python3-dkim) offline.
# dkimverify has no DNS override, so this passes dnsfunc= from a dict instead.
#   dkimpy_harness.py JOB.json
# JOB: {"dns": {"sel._domainkey.example.com": "v=DKIM1; ..."},
#       "verify": ["msg1.eml", ...],       -> one line per file: "FILE pass pass" (one word per signature)
#       "sign": [{"in": f, "out": f, "selector": s, "domain": d, "key": keyfile,
#                 "canon": ["relaxed","simple"], "algorithm": "rsa-sha256", "length": false}],
#       "arcverify": ["msg1.eml", ...],    -> one line per file: "FILE pass|fail|none"
#       "arcsign": [{"in": f, "out": f, "selector": s, "domain": d, "key": keyfile, "srv_id": id,
#                    "headers": ["from", ...], "t": 12345}]}   (dkimpy seals with rsa-sha256 only)
import json
import sys

import dkim


def main():
    job = json.load(open(sys.argv[1]))
    records = {k.lower().rstrip('.'): v for k, v in job.get('dns', {}).items()}

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode('ascii', 'replace')
        return records.get(name.lower().rstrip('.'))

    for path in job.get('verify', []):
        msg = open(path, 'rb').read()
        d = dkim.DKIM(msg)
        count = sum(1 for line in msg.split(b'\n') if line.lower().startswith(b'dkim-signature:'))
        words = []
        for idx in range(count):
            try:
                words.append('pass' if d.verify(idx=idx, dnsfunc=dnsfunc) else 'fail')
            except Exception as e:  # a dkimpy error is a failed verification for the test
                words.append('error:' + type(e).__name__)
        print(path, ' '.join(words) if words else 'none')
    for s in job.get('sign', []):
        msg = open(s['in'], 'rb').read()
        key = open(s['key'], 'rb').read()
        sig = dkim.sign(msg, s['selector'].encode(), s['domain'].encode(), key,
                        canonicalize=tuple(c.encode() for c in s['canon']),
                        signature_algorithm=s['algorithm'].encode(), length=s.get('length', False))
        open(s['out'], 'wb').write(sig + msg)
        print(s['out'], 'signed')
    for path in job.get('arcverify', []):
        cv, results, reason = dkim.arc_verify(open(path, 'rb').read(), dnsfunc=dnsfunc)
        print(path, (cv or b'fail').decode(), reason)
    for s in job.get('arcsign', []):
        msg = open(s['in'], 'rb').read()
        key = open(s['key'], 'rb').read()
        sig = dkim.arc_sign(msg, s['selector'].encode(), s['domain'].encode(), key, s['srv_id'].encode(),
                            [h.encode() for h in s['headers']], timestamp=s.get('t'))
        open(s['out'], 'wb').write(b''.join(sig) + msg)
        print(s['out'], 'sealed', len(sig))


if __name__ == '__main__':
    main()
