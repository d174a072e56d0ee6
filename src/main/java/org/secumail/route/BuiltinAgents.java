// SPDX-License-Identifier: Apache-2.0
package org.secumail.route;

import java.util.Collections;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.secumail.queue.DeliveryResult;

/**
 * The agents that need no network: discard(8) (report success, deliver nothing), error(8)
 * (bounce with the next-hop text) and retry (error(8) run as "retry": defer with the text).
 * A text that starts with an RFC 3463 code ("5.1.1 No such user") keeps that code.
 */
final class BuiltinAgents {
    private static final Pattern DSN_PREFIX = Pattern.compile("([245]\\.\\d{1,3}\\.\\d{1,3})\\s+(.*)", Pattern.DOTALL);

    private BuiltinAgents() { }

    static Map<String, DeliveryAgent> all() {
        return Map.of(
                "discard", (msg, hop, rcpts, content) -> Collections.nCopies(rcpts.size(),
                        DeliveryResult.sent("2.0.0", "none", hop.isEmpty() ? "discarded" : hop)),
                "error", (msg, hop, rcpts, content) -> Collections.nCopies(rcpts.size(), result('5', hop)),
                "retry", (msg, hop, rcpts, content) -> Collections.nCopies(rcpts.size(), result('4', hop)));
    }

    /** error:text or retry:text as a result; the default codes are 5.0.0 and 4.0.0. */
    static DeliveryResult result(char cls, String text) {
        String dsn = cls + ".0.0";
        String t = text.isEmpty() ? (cls == '5' ? "mail is bounced" : "delivery temporarily suspended") : text;
        Matcher m = DSN_PREFIX.matcher(t);
        if (m.matches() && m.group(1).charAt(0) == cls) {
            dsn = m.group(1);
            t = m.group(2);
        }
        return cls == '5' ? DeliveryResult.bounced(dsn, "none", t) : DeliveryResult.deferred(dsn, "none", t);
    }

}
