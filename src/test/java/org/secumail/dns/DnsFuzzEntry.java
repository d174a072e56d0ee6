// SPDX-License-Identifier: Apache-2.0
package org.secumail.dns;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.function.Function;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Fuzzing bridge: a DNS response from the wire (dnsjava), then our own interpretation of it
 * ({@link DnsjavaResolver#interpret}, CNAME chains, negative TTL, the A/AAAA/TXT decoders,
 * which are private and reached by reflection).
 */
public final class DnsFuzzEntry {
    private static final Function<Record, Object> ADDRESS = decoder("addressOf");
    private static final Function<Record, Object> TXT = decoder("txtOf");

    private DnsFuzzEntry() { }

    private static Function<Record, Object> decoder(String method) {
        try {
            Method m = DnsjavaResolver.class.getDeclaredMethod(method, Record.class);
            m.setAccessible(true);
            return r -> {
                try {
                    return m.invoke(null, r);
                } catch (InvocationTargetException e) {
                    if (e.getCause() instanceof RuntimeException re) throw re;
                    if (e.getCause() instanceof Error err) throw err;
                    throw new IllegalStateException(e.getCause());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            };
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    public static void response(byte[] wire) {
        Message m;
        try {
            m = new Message(wire);
        } catch (IOException | RuntimeException e) {
            // WireParseException: the resolver counts it as SERVFAIL. dnsjava's record checks
            // (InvalidTTLException for a TTL with the high bit set, ...) are IllegalArgumentExceptions,
            // which SimpleResolver.send() wraps in an IOException: a TIMEOUT for our resolver.
            return;
        }
        Record q = m.getQuestion();
        Name qname = q != null ? q.getName() : Name.root;
        DnsjavaResolver.interpret(qname, Type.A, m, ADDRESS).records().forEach(Object::toString);
        DnsjavaResolver.interpret(qname, Type.AAAA, m, ADDRESS).records().forEach(Object::toString);
        DnsjavaResolver.interpret(qname, Type.TXT, m, TXT).records().forEach(Object::toString);
        DnsjavaResolver.interpret(qname, Type.PTR, m, r -> DnsjavaResolver.presentation(((org.xbill.DNS.PTRRecord) r).getTarget()));
        DnsjavaResolver.negativeTtl(m);
    }
}
