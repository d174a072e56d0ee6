#!/usr/bin/env python3
"""Writes the seed corpus of ParsersFuzzTest (one file per seed, first byte picks the parser).

Run once by hand after adding a parser; the files are committed. Saved findings (crash-*)
live in the same directory and are not touched.
"""
import os, re, struct, glob

ROOT = os.path.join(os.path.dirname(__file__), "..")
OUT = os.path.join(ROOT, "src/test/resources/org/secumail/fuzz/ParsersFuzzTestInputs/parsers")
TARGETS = "SMTP_PATH MAIN_CF MASTER_CF TABLE POLICY SPF_RECORD SPF_MACRO SPF_EVAL DNS MIME DKIM_SIGNATURE DKIM_KEY TAG_LIST DMARC ARC MILTER CLAMD_CONF CLAMD SPAMD PROXY POSTSCREEN MIME_PARTS".split()
os.makedirs(OUT, exist_ok=True)
for f in glob.glob(os.path.join(OUT, "seed-*")):
    os.remove(f)

def seed(target, name, data):
    if isinstance(data, str):
        data = data.encode("utf-8")
    sel = bytes([ord("a") + TARGETS.index(target)])
    with open(os.path.join(OUT, "seed-%s-%s" % (target.lower().replace("_", "-"), name)), "wb") as f:
        f.write(sel + data)

# SMTP MAIL FROM / RCPT TO arguments
seed("SMTP_PATH", "simple", "<user@example.com>")
seed("SMTP_PATH", "params", "<user@example.com> SIZE=1000 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=abc+2B")
seed("SMTP_PATH", "null", "<>")
seed("SMTP_PATH", "route", "<@a.example,@b.example:\"quoted user\"@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x@y")
seed("SMTP_PATH", "bare", " user@[192.0.2.1]")

# main.cf
seed("MAIN_CF", "basic", "myhostname = mail.example.com\nmydomain = example.com\nmyorigin = $mydomain\n"
     "mydestination = $myhostname, localhost.$mydomain, ${mydomain}\n# comment\nsmtpd_recipient_restrictions =\n"
     "    permit_mynetworks,\n    reject_unauth_destination\n")
seed("MAIN_CF", "conditional", "a = ${b?{yes $c}:no}\nb = x\nc = $$literal $(b)\nd = ${e:empty}\nmynetworks = 192.0.2.0/24 [2001:db8::]/32\n")
seed("MAIN_CF", "tables", "virtual_alias_maps = inline:{ {a@x = b@y}, c@x=d@y }, hash:$config_directory/virtual\n"
     "smtpd_client_restrictions = check_client_access cidr:{{192.0.2.0/24 REJECT}}\ncompatibility_level = 3.6\n")

# master.cf
seed("MASTER_CF", "default", "smtp      inet  n       -       y       -       -       smtpd\n"
     "submission inet n       -       y       -       -       smtpd\n  -o syslog_name=postfix/submission\n"
     "  -o smtpd_tls_security_level=encrypt\n  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }\n"
     "pickup    unix  n       -       y       60      1       pickup\nscan      unix  -       -       n       -       10      smtp\n"
     "  -o smtp_send_xforward_command=yes\n")
seed("MASTER_CF", "postscreen", "smtp      inet  n       -       y       -       1       postscreen\n"
     "smtpd     pass  -       -       y       -       -       smtpd\n  -o smtpd_upstream_proxy_protocol=haproxy\n"
     "127.0.0.1:10025 inet n  -       n       -       -       smtpd\n")

# tables: byte 0 = type (inline cidr regexp pcre static texthash texthash-aliases), body, NUL, keys
seed("TABLE", "inline", b"\x00" + b"a@example.com=b@example.com, {c = d e}, x=y\x00a@example.com\x00C\x00nothing")
seed("TABLE", "cidr", b"\x01" + b"{192.0.2.0/24 REJECT}, {2001:db8::/32 OK}, {!10.0.0.0/8 DUNNO}, {if 198.51.100.0/24}, {198.51.100.7 HOLD}, {endif}\x00192.0.2.9\x002001:db8::1\x00198.51.100.7")
seed("TABLE", "regexp", b"\x02" + b"{/^(.*)@example\\.com$/ FILTER smtp:[$1]}, {!/foo/ REJECT}, {if /^x/}, {/y$/i OK ${1}}, {endif}\x00joe@example.com\x00xy\x00bar")
seed("TABLE", "pcre", b"\x03" + b"{/^From:.*(?:spam|scam)/i REJECT no}, {/^(?<u>[a-z]+)\\+.*@/ DUNNO $1}, {/\\d{3,}/x WARN digits}\x00From: spam\x00joe+tag@x\x0012345")
seed("TABLE", "static", b"\x04" + b"REJECT go away\x00anything")
seed("TABLE", "texthash", b"\x05" + b"# comment\nuser@example.com  OK\n@example.org REJECT\n  continued text\nexample.net\tDISCARD\n\x00user@example.com\x00@example.org\x00example.net")
seed("TABLE", "aliases", b"\x06" + b"postmaster: root\nroot: admin, \"|/bin/cat\", /var/mail/x\n  , more@example.com\nadmin: :include:/etc/list\n\x00root\x00postmaster")

# policy delegation requests
seed("POLICY", "request", "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\nclient_address=192.0.2.1\n"
     "client_name=mail.example.com\nhelo_name=mail.example.com\nsender=a@example.com\nrecipient=b@example.org\n"
     "queue_id=\nsasl_username=\nsize=12345\n\nrequest=smtpd_access_policy\r\nclient_address=2001:db8::1\r\n\r\n")

# SPF
seed("SPF_RECORD", "basic", "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 a mx -all")
seed("SPF_RECORD", "full", "v=spf1 +a:mail.%{d}/24//64 ~mx:%{o}/28 ?ptr:example.com exists:%{ir}.%{l1r+-}._spf.%{d} include:_spf.example.net redirect=_spf.%{d2} exp=explain.%{d}")
seed("SPF_MACRO", "domain", "%{ir}.%{v}._spf.%{d2}")
seed("SPF_MACRO", "explanation", "%{i} is not allowed to send mail for %{d} %% %_ %- see http://%{d}/why?s=%{S}&c=%{c}&t=%{t}&r=%{r}")
seed("SPF_EVAL", "chain", "v=spf1 include:inc.example.com mx:mx.%{d} -all exp=exp.example.com\n"
     "v=spf1 a:%{h} ptr ip4:198.51.100.0/24 redirect=red.example.com\nv=spf1 exists:%{i}.%{l}.x.example ~all\n"
     "%{i} is not allowed for %{d}; see %{s}\n")

# DNS responses (wire format)
def name(n):
    out = b""
    for label in n.split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\x00"

def rr(owner, typ, data, ttl=300):
    return owner + struct.pack("!HHIH", typ, 1, ttl, len(data)) + data

def message(qname, qtype, answers, authority=(), rcode=0):
    hdr = struct.pack("!HHHHHH", 0x1234, 0x8180 | rcode, 1, len(answers), len(authority), 0)
    return hdr + name(qname) + struct.pack("!HH", qtype, 1) + b"".join(answers) + b"".join(authority)

ptr = b"\xc0\x0c"   # compression pointer to the question name
seed("DNS", "a", message("example.com", 1, [rr(ptr, 1, bytes([192, 0, 2, 1])), rr(ptr, 1, bytes([192, 0, 2, 2]))]))
seed("DNS", "aaaa", message("example.com", 28, [rr(ptr, 28, bytes.fromhex("20010db8000000000000000000000001"))]))
seed("DNS", "txt", message("example.com", 16, [rr(ptr, 16, b"\x0bv=spf1 -all\x05 more"), rr(ptr, 16, b"\x00")]))
seed("DNS", "cname", message("www.example.com", 1, [rr(ptr, 5, name("host.example.com")), rr(name("host.example.com"), 1, bytes([198, 51, 100, 1]))]))
soa = name("ns.example.com") + name("hostmaster.example.com") + struct.pack("!IIIII", 1, 3600, 600, 86400, 60)
seed("DNS", "nxdomain", message("nx.example.com", 1, [], [rr(name("example.com"), 6, soa)], rcode=3))
seed("DNS", "mx-ptr", message("1.2.0.192.in-addr.arpa", 12, [rr(ptr, 12, name("mail.example.com")), rr(ptr, 15, b"\x00\x0a" + name("mx.example.com"))]))

# messages
MSG = ("Received: from mail.example.com (mail.example.com [192.0.2.1])\r\n\tby mx.example.org with ESMTPS id ABC;\r\n"
       "\tMon, 1 Jan 2024 00:00:00 +0000\r\nFrom: \"Joe =?utf-8?q?Caf=C3=A9?=\" <joe@example.com>\r\nTo: you@example.org\r\n"
       "Subject: =?ISO-8859-1?B?SGVsbG8gd29ybGQ=?= offer\r\nMessage-ID: <1@example.com>\r\nMIME-Version: 1.0\r\n"
       "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain; charset=utf-8\r\n"
       "Content-Transfer-Encoding: quoted-printable\r\n\r\nCaf=C3=A9 visit http://shady.example.biz/x=\r\nyz buy cheap pills\r\n"
       "--b1\r\nContent-Type: multipart/alternative; boundary=b2\r\n\r\n--b2\r\nContent-Type: text/html\r\n\r\n"
       "<html><body><a href=\"https://example.net/a?b=c\">link</a><p>Hi &amp; bye</p></body></html>\r\n--b2--\r\n"
       "--b1\r\nContent-Type: application/octet-stream; name=\"a.zip\"\r\nContent-Disposition: attachment; filename=a.zip\r\n"
       "Content-Transfer-Encoding: base64\r\n\r\nUEsDBAoAAAAAAAAAIQAAAAAAAAAAAAAAAAAEAAAAYS50eHRQSwUGAAAAAAAAAAAAAAAAAAAAAAA=\r\n--b1--\r\nepilogue\r\n")
seed("MIME", "multipart", MSG)
seed("MIME", "plain", "From: a@example.com\nSubject: hi\n\nJust text, bare newlines.\n")
seed("MIME_PARTS", "multipart", MSG)
seed("MIME_PARTS", "message-rfc822", "Content-Type: message/rfc822\r\n\r\nFrom: x@y\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n")

# DKIM, DMARC, ARC
SIG = ("v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel; t=1700000000; x=1800000000; l=100;\r\n"
       "\th=from:to:subject:date:from; i=joe@sub.example.com; q=dns/txt; z=From:joe@example.com|To:you;\r\n"
       "\tbh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGeeruD00lszZ\r\n\tVoG4ZHRNiYzR")
seed("DKIM_SIGNATURE", "rsa", SIG)
seed("DKIM_SIGNATURE", "arc", "i=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=arc; h=from:to; bh=abc=; b=def=")
key = None
for path in glob.glob(os.path.join(ROOT, "src/test/resources/dkim/**/*"), recursive=True):
    if os.path.isfile(path):
        m = re.search(rb"v=DKIM1[^\"\n]*p=MI[A-Za-z0-9+/=]+", open(path, "rb").read())
        if m:
            key = m.group(0)
            break
seed("DKIM_KEY", "rsa", key or b"v=DKIM1; k=rsa; p=")
seed("DKIM_KEY", "ed25519", "v=DKIM1; k=ed25519; h=sha256; t=y:s; s=email; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
seed("DKIM_KEY", "revoked", "v=DKIM1; p=")
seed("TAG_LIST", "tags", "a=1; b = two words ;\r\n c=x\r\n\ty; d=;")
seed("DMARC", "full", "v=DMARC1; p=quarantine; sp=reject; pct=50; adkim=s; aspf=r; fo=1:d:s; rf=afrf; ri=3600; "
     "rua=mailto:dmarc@example.com!10m,mailto:x@example.net; ruf=mailto:f@example.com!500k")
seed("DMARC", "minimal", "v=DMARC1; p=none")
for i, path in enumerate(sorted(glob.glob(os.path.join(ROOT, "src/test/resources/arc/stalwart-mail-auth/0*.txt")))[:2]):
    seed("ARC", "stalwart-%d" % i, open(path, "rb").read())

# milter replies from a filter at end of body: 4-byte length, command, data
def packet(cmd, data=b""):
    return struct.pack("!I", len(data) + 1) + cmd + data
seed("MILTER", "edits", packet(b"h", b"X-Added\x00 yes\x00") + packet(b"m", struct.pack("!I", 1) + b"Subject\x00 new\x00")
     + packet(b"i", struct.pack("!I", 0) + b"X-First\x00 1\x00") + packet(b"+", b"<new@example.com>\x00")
     + packet(b"2", b"<p@example.com>\x00NOTIFY=NEVER\x00") + packet(b"-", b"<b@example.com>\x00")
     + packet(b"e", b"<s@example.com>\x00SIZE=10\x00") + packet(b"q", b"looks odd\x00") + packet(b"c"))
seed("MILTER", "body", packet(b"b", b"new body\r\n") + packet(b"b", b"more\r\n") + packet(b"y", b"550-5.7.1 no\r\n550 5.7.1 100%% sure\x00"))

# clamd
seed("CLAMD_CONF", "conf", "# clamd.conf\nExample\nLocalSocket /run/clamav/clamd.ctl\nTCPSocket 3310\nTCPAddr 127.0.0.1\n"
     "TCPAddr ::\nStreamMaxLength 25M\n")
seed("CLAMD", "instream", b"zINSTREAM\x00" + struct.pack("!I", 5) + b"hello" + struct.pack("!I", 3) + b"abc" + struct.pack("!I", 0))
seed("CLAMD", "session", b"zIDSESSION\x00zPING\x00nVERSION\nSCAN relative/path\nzCONTSCAN /nonexistent/x\x00zEND\x00")

# spamd
body = b"Subject: offer\r\n\r\nbuy cheap pills\r\n"
seed("SPAMD", "check", b"CHECK SPAMC/1.5\r\nContent-length: %d\r\nUser: joe\r\n\r\n" % len(body) + body)
seed("SPAMD", "process", b"PROCESS SPAMC/1.5\r\nContent-length: %d\r\n\r\n" % (len(body) + 15) + b"From joe  Mon\r\n" + body)
seed("SPAMD", "report", b"REPORT SPAMC/1.2\nContent-length: %d\n\n" % len(body) + body)
seed("SPAMD", "tell", b"TELL SPAMC/1.5\r\nMessage-class: spam\r\nSet: local\r\nContent-length: %d\r\n\r\n" % len(body) + body)
seed("SPAMD", "ping", b"PING SPAMC/1.5\r\n\r\n")

# haproxy PROXY protocol
seed("PROXY", "v1-tcp4", "PROXY TCP4 192.0.2.1 198.51.100.2 56324 25\r\n")
seed("PROXY", "v1-tcp6", "PROXY TCP6 2001:db8::1 ::ffff:192.0.2.2 1 65535\r\n")
sig = b"\r\n\r\n\x00\r\nQUIT\n"
seed("PROXY", "v2-tcp4", sig + b"\x21\x11" + struct.pack("!H", 12) + bytes([192, 0, 2, 1, 198, 51, 100, 2]) + struct.pack("!HH", 56324, 25))
seed("PROXY", "v2-tcp6", sig + b"\x21\x21" + struct.pack("!H", 36 + 5) + bytes.fromhex("20010db8000000000000000000000001" "00000000000000000000ffffc0000202")
     + struct.pack("!HH", 1, 25) + b"\x04\x00\x02ab")
seed("PROXY", "v2-local", sig + b"\x20\x00" + struct.pack("!H", 0))

# postscreen / non-SMTP command
seed("POSTSCREEN", "address", " <\"a b\"@example.com> SIZE=1")
seed("POSTSCREEN", "header", "Subject: hello")
print("seeds written to", OUT)
