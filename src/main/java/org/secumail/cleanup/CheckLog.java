// SPDX-License-Identifier: Apache-2.0
package org.secumail.cleanup;

import java.util.function.Supplier;

/**
 * cleanup(8)'s log line for a header_checks(5) action, in Postfix's shape so that log tools
 * read it: "QID: reject: header Subject: text from host[addr]; from=&lt;s&gt; to=&lt;r&gt;
 * proto=ESMTP helo=&lt;h&gt;: 5.7.1 reason". The header or line is shown with its line breaks
 * and other unprintable characters as "?", cut at 200 characters.
 *
 * @param queueId the message's queue ID
 * @param client what follows "from ": "host[addr]; from=&lt;s&gt; to=&lt;r&gt; proto=ESMTP
 *        helo=&lt;h&gt;", made only when a line is logged
 */
public record CheckLog(String queueId, Supplier<String> client) {
    /** Logs one action: "reject", "warning", "hold", ...; where is "header", "body" or "mime-error". */
    void event(String action, String where, String line, String text) {
        MessageCleanup.LOG.info("{}: {}: {} {} from {}{}", queueId, action, where, printable(line), client.get(),
                text.isEmpty() ? "" : ": " + text);
    }

    /** Postfix's printable(): control characters and non-ASCII become "?"; at most 200 characters. */
    static String printable(String line) {
        StringBuilder b = new StringBuilder(Math.min(line.length(), 200));
        for (int i = 0; i < line.length() && b.length() < 200; i++) {
            char c = line.charAt(i);
            b.append(c < 32 || c > 126 ? '?' : c);
        }
        return b.toString();
    }
}
