// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.secumail.content.RawMessage;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.DnsStatus;
import org.secumail.dns.MxRecord;
import org.secumail.dns.Resolver;

/** Shared test helpers: a map-backed fake resolver, resource files, LF to CRLF. */
final class DkimTestSupport {
    static final Path RES = Path.of("src/test/resources/dkim");

    private DkimTestSupport() { }

    /** TXT answers from a map; a value "!TIMEOUT", "!SERVFAIL", "!NODATA" forces that status; others NXDOMAIN. */
    static final class MapResolver implements Resolver {
        final Map<String, List<String>> txt = new ConcurrentHashMap<>();
        final AtomicInteger queries = new AtomicInteger();

        MapResolver put(String name, String... records) {
            txt.put(name.toLowerCase(), List.of(records));
            return this;
        }

        @Override public DnsAnswer<String> txt(String name) {
            queries.incrementAndGet();
            List<String> r = txt.get(name.toLowerCase());
            if (r == null) return DnsAnswer.of(DnsStatus.NXDOMAIN);
            if (r.size() == 1 && r.get(0).startsWith("!")) return DnsAnswer.of(DnsStatus.valueOf(r.get(0).substring(1)));
            return new DnsAnswer<>(DnsStatus.OK, r, 300);
        }

        @Override public DnsAnswer<InetAddress> a(String name) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
        @Override public DnsAnswer<InetAddress> aaaa(String name) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
        @Override public DnsAnswer<MxRecord> mx(String name) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
        @Override public DnsAnswer<String> ptr(InetAddress address) { return DnsAnswer.of(DnsStatus.NXDOMAIN); }
    }

    static byte[] read(String rel) {
        try {
            return Files.readAllBytes(RES.resolve(rel));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String rel) { return new String(read(rel), StandardCharsets.US_ASCII).strip(); }

    /** LF to CRLF (the conformance files are stored with LF, SOURCE.md). */
    static byte[] crlf(byte[] b) {
        String s = new String(b, StandardCharsets.ISO_8859_1).replace("\r\n", "\n").replace("\n", "\r\n");
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static RawMessage msg(String rel) { return RawMessage.of(crlf(read(rel))); }

    static RawMessage msg(byte[] b) { return RawMessage.of(b); }

    static RawMessage msg(String text, boolean unused) { return RawMessage.of(text.getBytes(StandardCharsets.UTF_8)); }

    static Clock at(long epoch) { return Clock.fixed(Instant.ofEpochSecond(epoch), ZoneOffset.UTC); }

    /** The message with the field prepended. */
    static RawMessage prepend(RawMessage m, org.secumail.content.HeaderField f) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.writeBytes(f.raw());
        try (var in = m.openMessage()) {
            in.transferTo(out);
        }
        return RawMessage.of(out.toByteArray());
    }

    static List<DkimResult> results(List<DkimVerification> v) {
        List<DkimResult> r = new ArrayList<>();
        for (DkimVerification x : v) r.add(x.result());
        return r;
    }
}
