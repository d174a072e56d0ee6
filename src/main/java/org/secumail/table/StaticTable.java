// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import java.util.Optional;

/** static:value and static:{ value with spaces }: every lookup returns the value (postconf(5) "static"). */
final class StaticTable implements LookupTable {
    private final String spec;
    private final String value;

    StaticTable(String spec, String name) {
        this.spec = spec;
        this.value = BraceList.isBraced(name) ? BraceList.unbrace(name, spec) : name;
    }

    @Override
    public Optional<String> lookup(String key) { return Optional.of(value); }

    @Override
    public String spec() { return spec; }
}
