// SPDX-License-Identifier: Apache-2.0
package org.secumail.dns;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The data behind {@link TestDnsServer}: records by owner name, names with a forced
 * failure, and the authoritative-server logic that turns a query into a response.
 * Immutable once parsed; see {@link TestDnsServer} for the text format.
 */
final class TestZone {
    /** Forced outcomes for a name, written in place of a type in the zone text. */
    enum Behaviour { SERVFAIL, REFUSED, TIMEOUT }

    static final long DEFAULT_TTL = 3600;
    private static final int MAX_CNAME_HOPS = 8;
    /** EDNS payload size this server advertises and honours (RFC 6891; the 2020 flag-day value). */
    static final int EDNS_PAYLOAD = 1232;

    private final Map<Name, List<Record>> records;
    private final Map<Name, Behaviour> behaviours;

    private TestZone(Map<Name, List<Record>> records, Map<Name, Behaviour> behaviours) {
        this.records = records;
        this.behaviours = behaviours;
    }

    /** Parses zone text; throws IllegalArgumentException naming the bad line. */
    static TestZone parse(String text) {
        Map<Name, List<Record>> records = new HashMap<>();
        Map<Name, Behaviour> behaviours = new HashMap<>();
        String[] lines = text.split("\\R");
        for (int i = 0; i < lines.length; i++) {
            String line = stripComment(lines[i]).strip();
            if (line.isEmpty()) continue;
            try {
                parseLine(line, records, behaviours);
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("zone line " + (i + 1) + " \"" + lines[i] + "\": " + e.getMessage(), e);
            }
        }
        for (Map.Entry<Name, List<Record>> e : records.entrySet()) {
            // RFC 1034 section 3.6.2: a CNAME owner has no other data; catch test-data mistakes early.
            List<Record> rrs = e.getValue();
            if (rrs.stream().anyMatch(r -> r.getType() == Type.CNAME) && rrs.size() > 1) {
                throw new IllegalArgumentException("zone: " + e.getKey() + " has a CNAME and other records");
            }
        }
        return new TestZone(records, behaviours);
    }

    /** ';' starts a comment outside quoted strings; '#' does too at the start of a line. */
    private static String stripComment(String line) {
        if (line.stripLeading().startsWith("#")) return "";
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\') i++;
            else if (c == '"') quoted = !quoted;
            else if (c == ';' && !quoted) return line.substring(0, i);
        }
        return line;
    }

    private static void parseLine(String line, Map<Name, List<Record>> records, Map<Name, Behaviour> behaviours)
            throws IOException {
        String[] f = line.split("\\s+", 2);
        Name owner = absolute(f[0]);
        String rest = f.length > 1 ? f[1].strip() : "";
        long ttl = DEFAULT_TTL;
        String[] t = rest.split("\\s+", 2);
        if (t[0].matches("\\d+")) {
            ttl = Long.parseLong(t[0]);
            rest = t.length > 1 ? t[1].strip() : "";
            t = rest.split("\\s+", 2);
        }
        if (t[0].equalsIgnoreCase("IN")) {
            rest = t.length > 1 ? t[1].strip() : "";
            t = rest.split("\\s+", 2);
        }
        String typeName = t[0].toUpperCase(Locale.ROOT);
        String data = t.length > 1 ? t[1].strip() : "";
        for (Behaviour b : Behaviour.values()) {
            if (b.name().equals(typeName)) {
                behaviours.put(owner, b);
                return;
            }
        }
        int type = Type.value(typeName);
        if (type < 0) throw new IllegalArgumentException("unknown type \"" + t[0] + "\"");
        // Names inside the data are absolute: the origin is the root.
        Record r = Record.fromString(owner, type, DClass.IN, ttl, data, Name.root);
        records.computeIfAbsent(owner, k -> new ArrayList<>()).add(r);
    }

    static Name absolute(String name) throws TextParseException {
        return Name.fromString(name.endsWith(".") ? name : name + ".");
    }

    /**
     * The response to a query, or null when it must be dropped (a TIMEOUT name anywhere on
     * the CNAME chain). Fitting it into a UDP datagram is the caller's business.
     */
    Message respond(Message query) {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        if (query.getHeader().getFlag(Flags.RD)) response.getHeader().setFlag(Flags.RD);
        Record question = query.getQuestion();
        if (query.getOPT() != null) response.addRecord(new OPTRecord(EDNS_PAYLOAD, 0, 0), Section.ADDITIONAL);
        if (query.getHeader().getOpcode() != Opcode.QUERY) {
            response.getHeader().setRcode(Rcode.NOTIMP);
            return response;
        }
        if (question == null) {
            response.getHeader().setRcode(Rcode.FORMERR);
            return response;
        }
        response.addRecord(question, Section.QUESTION);
        // Recursion "available": the server stands in for a recursive resolver in tests.
        response.getHeader().setFlag(Flags.RA);

        int qtype = question.getType();
        Name name = question.getName();
        for (int hop = 0; ; hop++) {
            Behaviour b = behaviours.get(name);
            if (b == Behaviour.TIMEOUT) return null;
            if (b != null) {
                response.getHeader().setRcode(b == Behaviour.SERVFAIL ? Rcode.SERVFAIL : Rcode.REFUSED);
                return response;
            }
            List<Record> rrs = records.get(name);
            if (rrs == null) {
                // An empty non-terminal (only descendants have data) exists: NODATA, not NXDOMAIN (RFC 8020).
                if (!hasDescendant(name)) response.getHeader().setRcode(Rcode.NXDOMAIN);
                addNegativeSoa(response, name);
                return authoritative(response);
            }
            List<Record> match = rrs.stream().filter(r -> r.getType() == qtype || qtype == Type.ANY).toList();
            if (!match.isEmpty()) {
                match.forEach(r -> response.addRecord(r, Section.ANSWER));
                return authoritative(response);
            }
            Record cname = rrs.stream().filter(r -> r.getType() == Type.CNAME).findFirst().orElse(null);
            if (cname == null || hop >= MAX_CNAME_HOPS) {
                addNegativeSoa(response, name);
                return authoritative(response);
            }
            response.addRecord(cname, Section.ANSWER);
            name = ((CNAMERecord) cname).getTarget();
        }
    }

    private static Message authoritative(Message response) {
        response.getHeader().setFlag(Flags.AA);
        return response;
    }

    private boolean hasDescendant(Name name) {
        return records.keySet().stream().anyMatch(n -> !n.equals(name) && n.subdomain(name));
    }

    /** RFC 2308 section 3: the SOA of the enclosing zone, its TTL lowered to its MINIMUM field. */
    private void addNegativeSoa(Message response, Name name) {
        for (Name n = name; ; n = new Name(n, 1)) {
            List<Record> rrs = records.get(n);
            if (rrs != null) {
                for (Record r : rrs) {
                    if (r instanceof SOARecord soa) {
                        long ttl = Math.min(soa.getTTL(), soa.getMinimum());
                        response.addRecord(new SOARecord(soa.getName(), DClass.IN, ttl, soa.getHost(), soa.getAdmin(),
                                soa.getSerial(), soa.getRefresh(), soa.getRetry(), soa.getExpire(), soa.getMinimum()),
                                Section.AUTHORITY);
                        return;
                    }
                }
            }
            if (n.labels() <= 1) return;
        }
    }
}
