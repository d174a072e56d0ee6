// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.secumail.dns.DnsAnswer;
import org.secumail.dns.Resolver;

/**
 * Fetching a key record: SELECTOR._domainkey.DOMAIN TXT (RFC 6376 section 3.6.2.2), with the
 * results of section 6.1.2: a temporary DNS failure gives temperror, no record permerror
 * ("no key"). When several TXT records answer, the first that parses is used.
 */
public final class KeyLookup {
    private KeyLookup() { }

    public static DkimKeyRecord fetch(Resolver resolver, String name, List<String> trace) throws DkimException {
        return select(name, resolver.txt(name), trace);
    }

    static DkimKeyRecord fetch(String name, Future<DnsAnswer<String>> answer, List<String> trace) throws DkimException {
        try {
            return select(name, answer.get(), trace);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DkimException(DkimResult.TEMPERROR, "key lookup interrupted");
        } catch (ExecutionException e) {
            throw new DkimException(DkimResult.TEMPERROR, "key lookup failed: " + e.getCause());
        }
    }

    /**
     * Parsed key records by their text. A domain's key is fetched (from the DNS cache) for
     * every message it signs, and decoding it into a public key cost more than the rest of
     * the lookup; a record is immutable, so the same text gives the same key. At most
     * PARSED_MAX, emptied when full: records of one-off signers only cycle through it.
     */
    private static final Map<String, DkimKeyRecord> PARSED = new ConcurrentHashMap<>();
    private static final int PARSED_MAX = 256;

    static DkimKeyRecord parse(String txt) throws DkimException {
        DkimKeyRecord k = PARSED.get(txt);
        if (k != null) return k;
        k = DkimKeyRecord.parse(txt);   // a record that does not parse is not kept: it throws again
        if (PARSED.size() >= PARSED_MAX) PARSED.clear();
        PARSED.put(txt, k);
        return k;
    }

    static DkimKeyRecord select(String name, DnsAnswer<String> a, List<String> trace) throws DkimException {
        trace.add("key: TXT " + name + " -> " + a.status() + (a.ok() ? " " + a.records().stream().map(r -> "\"" + TagList.clip(r) + "\"").toList() : ""));
        switch (a.status()) {
            case TIMEOUT, SERVFAIL -> throw new DkimException(DkimResult.TEMPERROR, "key lookup " + a.status().name().toLowerCase() + " for " + name);
            case NXDOMAIN, NODATA -> throw DkimException.perm("no key for signature (" + name + " " + a.status() + ")");
            default -> { }
        }
        if (!a.ok()) throw DkimException.perm("no key for signature (" + name + ")");
        DkimException first = null;
        for (String txt : a.records()) {
            try {
                DkimKeyRecord k = parse(txt);
                trace.add("key record: k=" + k.keyType() + ", " + k.bits() + " bits" + (k.testing() ? ", t=y" : "") + (k.strict() ? ", t=s" : ""));
                return k;
            } catch (DkimException e) {
                if (first == null) first = e;
            }
        }
        throw first;
    }
}
