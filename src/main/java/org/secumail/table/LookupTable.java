// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.util.Optional;

/**
 * A Postfix lookup table ("type:name"). Keys are looked up as given; callers that need
 * Postfix's partial-match order (user@domain, domain, parent domains, user@) build the
 * candidate keys themselves and call {@link #lookup} once per candidate.
 *
 * <p>Implementations are immutable after construction and safe for concurrent use.
 */
public interface LookupTable {
    /**
     * @return the value for {@code key}, or empty when the key is not in the table
     * @throws LookupException when the table cannot answer now (a temporary failure:
     *         callers turn it into a 4xx reply, never a 5xx)
     */
    Optional<String> lookup(String key) throws LookupException;

    /** The "type:name" this table was opened from, for logs and error messages. */
    String spec();

    /**
     * True for table types that match the whole input string themselves (cidr, regexp, pcre):
     * Postfix looks them up once with the full key instead of the partial-key sequence.
     */
    default boolean matchesWholeInput() { return false; }
}
