// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.util.Optional;

/**
 * fail:name: every lookup fails temporarily (Postfix 3.0 "fail" table), so that callers defer
 * with a 4xx reply. Useful to test how temporary lookup failures are handled.
 */
final class FailTable implements LookupTable {
    private final String spec;

    FailTable(String spec) { this.spec = spec; }

    @Override
    public Optional<String> lookup(String key) throws LookupException {
        throw new LookupException(spec + ": table lookup failed");
    }

    @Override
    public String spec() { return spec; }
}
