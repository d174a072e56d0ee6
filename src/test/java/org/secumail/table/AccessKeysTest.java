// SPDX-License-Identifier: Apache-2.0
package org.secumail.table;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AccessKeysTest {
    @Test
    void emailKeysInPostfixOrder() {
        assertThat(AccessKeys.forEmail("User@Sub.Example.COM", "", true))
                .containsExactly("user@sub.example.com", "sub.example.com", "example.com", "com", "user@");
        assertThat(AccessKeys.forEmail("user@sub.example.com", "", false))
                .containsExactly("user@sub.example.com", "sub.example.com", ".example.com", ".com", "user@");
    }

    @Test
    void addressExtensionAddsBareKeys() {
        // access(5): user+foo@domain, user@domain, domain, user+foo@, user@
        assertThat(AccessKeys.forEmail("user+foo@example.com", "+", true))
                .containsExactly("user+foo@example.com", "user@example.com", "example.com", "com", "user+foo@", "user@");
        // Each character of recipient_delimiter is a delimiter.
        assertThat(AccessKeys.forEmail("user-foo@example.com", "+-", true))
                .containsExactly("user-foo@example.com", "user@example.com", "example.com", "com", "user-foo@", "user@");
        // No delimiter configured: no extension handling.
        assertThat(AccessKeys.forEmail("user+foo@example.com", "", true))
                .containsExactly("user+foo@example.com", "example.com", "com", "user+foo@");
    }

    @Test
    void specialLocalPartsAreNotSplit() {
        assertThat(AccessKeys.stripExtension("owner-list", "-")).isNull();
        assertThat(AccessKeys.stripExtension("list-request", "-")).isNull();
        assertThat(AccessKeys.stripExtension("postmaster", "+")).isNull();
        assertThat(AccessKeys.stripExtension("+foo", "+")).isNull();
        assertThat(AccessKeys.stripExtension("owner-list", "+")).isNull();
        assertThat(AccessKeys.stripExtension("a+b+c", "+")).isEqualTo("a");
    }

    @Test
    void nullSenderAndLiterals() {
        assertThat(AccessKeys.forEmail("", "+", true)).containsExactly("<>");
        assertThat(AccessKeys.forEmail("u@[192.0.2.1]", "", true)).containsExactly("u@[192.0.2.1]", "[192.0.2.1]", "u@");
    }

    @Test
    void hostnameKeys() {
        assertThat(AccessKeys.forHostname("mail.Example.com.", true)).containsExactly("mail.example.com", "example.com", "com");
        assertThat(AccessKeys.forHostname("mail.example.com", false)).containsExactly("mail.example.com", ".example.com", ".com");
        assertThat(AccessKeys.forHostname("192.0.2.1", true)).containsExactly("192.0.2.1");
        assertThat(AccessKeys.forHostname("", true)).isEmpty();
    }

    @Test
    void clientAddressKeys() {
        assertThat(AccessKeys.forClientAddress("1.2.3.4")).containsExactly("1.2.3.4", "1.2.3", "1.2", "1");
        assertThat(AccessKeys.forClientAddress("2001:DB8:0:0:0:0:0:1"))
                .containsExactly("2001:db8::1", "2001:db8:", "2001:db8", "2001");
        assertThat(AccessKeys.forClientAddress("2001:db8:1:2:3:4:5:6"))
                .containsExactly("2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5", "2001:db8:1:2:3:4",
                        "2001:db8:1:2:3", "2001:db8:1:2", "2001:db8:1", "2001:db8", "2001");
        assertThat(AccessKeys.forClientAddress("::1")).containsExactly("::1", ":");
    }

    /** A fixed-key table that records what it was asked. */
    private static final class Recording implements LookupTable {
        final List<String> asked = new ArrayList<>();
        final boolean whole;
        final String hit;

        Recording(boolean whole, String hit) { this.whole = whole; this.hit = hit; }

        @Override
        public Optional<String> lookup(String key) {
            asked.add(key);
            return key.equals(hit) || whole ? Optional.of("found " + key) : Optional.empty();
        }

        @Override
        public String spec() { return "test:recording"; }

        @Override
        public boolean matchesWholeInput() { return whole; }
    }

    @Test
    void findStopsAtFirstHitAndAsksWholeInputTablesOnce() throws Exception {
        List<String> keys = AccessKeys.forEmail("user@sub.example.com", "", true);
        Recording fixed = new Recording(false, "example.com");
        assertThat(AccessKeys.find(fixed, keys)).contains("found example.com");
        assertThat(fixed.asked).containsExactly("user@sub.example.com", "sub.example.com", "example.com");

        Recording regexp = new Recording(true, null);
        assertThat(AccessKeys.find(regexp, keys)).contains("found user@sub.example.com");
        assertThat(regexp.asked).containsExactly("user@sub.example.com");

        assertThat(AccessKeys.find(new Recording(false, "nothing"), keys)).isEmpty();
        assertThat(AccessKeys.find(fixed, List.of())).isEmpty();
    }
}
