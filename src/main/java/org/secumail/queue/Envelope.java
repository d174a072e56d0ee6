// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What the SMTP server learned about a message besides its content: the envelope sender
 * ("" for the null sender {@code <>}), the recipients in RCPT TO order, the arrival time and
 * free-form attributes such as client_address, client_name, helo, protocol, sasl_username.
 * Attribute names are limited to [A-Za-z0-9_.-] because the queue file writes them as
 * {@code name=value}; any value (control characters included) is stored escaped.
 */
public record Envelope(String sender, List<String> recipients, Instant arrival, Map<String, String> attributes) {
    private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[A-Za-z0-9_.\\-]+");

    public Envelope {
        Objects.requireNonNull(sender, "sender");
        Objects.requireNonNull(arrival, "arrival");
        recipients = List.copyOf(recipients);
        if (recipients.isEmpty()) throw new IllegalArgumentException("a queued message needs at least one recipient");
        Map<String, String> attrs = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            if (!ATTRIBUTE_NAME.matcher(e.getKey()).matches()) {
                throw new IllegalArgumentException("bad attribute name: " + e.getKey());
            }
            attrs.put(e.getKey(), Objects.requireNonNull(e.getValue(), e.getKey()));
        }
        attributes = Collections.unmodifiableMap(attrs);
    }

    /** An envelope without attributes. */
    public static Envelope of(String sender, List<String> recipients, Instant arrival) {
        return new Envelope(sender, recipients, arrival, Map.of());
    }

    /** A copy with one more attribute (insertion order is kept in the queue file). */
    public Envelope withAttribute(String name, String value) {
        Map<String, String> attrs = new LinkedHashMap<>(attributes);
        attrs.put(name, value);
        return new Envelope(sender, new ArrayList<>(recipients), arrival, attrs);
    }
}
