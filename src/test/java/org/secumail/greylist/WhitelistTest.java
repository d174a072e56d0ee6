// SPDX-License-Identifier: Apache-2.0
package org.secumail.greylist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.secumail.config.ConfigException;

class WhitelistTest {
    private static Path resource(String name) throws Exception {
        return Path.of(WhitelistTest.class.getResource("/greylist/" + name).toURI());
    }

    private static InetAddress ip(String s) throws Exception { return InetAddress.getByName(s); }

    @Test
    void debianClientWhitelistLoadsAndMatchesKnownEntries() throws Exception {
        ClientWhitelist w = ClientWhitelist.load(List.of(resource("whitelist_clients")));
        // every one of the 164 entries (lines without comments) is understood
        assertThat(w.size()).isEqualTo(164);
        InetAddress other = ip("198.51.100.1");
        // "amazon.com": the domain and its subdomains
        assertThat(w.matches(other, "amazon.com")).isTrue();
        assertThat(w.matches(other, "smtp-out.amazon.com")).isTrue();
        assertThat(w.matches(other, "notamazon.com")).isFalse();
        // /^ms-smtp.*\.rr\.com$/
        assertThat(w.matches(other, "ms-smtp-03.southeast.rr.com")).isTrue();
        // a plain address, a partial address (195.235.39 = /24), a network and an IPv6 /64
        assertThat(w.matches(ip("66.216.126.174"), "unknown")).isTrue();
        assertThat(w.matches(ip("66.216.126.175"), "unknown")).isFalse();
        assertThat(w.matches(ip("195.235.39.200"), "unknown")).isTrue();
        assertThat(w.matches(ip("51.4.72.9"), "unknown")).isTrue();
        assertThat(w.matches(ip("2a01:4180:4051:800::25"), "unknown")).isTrue();
        assertThat(w.matches(other, "mx.example.net")).isFalse();
    }

    @Test
    void debianRecipientWhitelistLoads() throws Exception {
        RecipientWhitelist w = RecipientWhitelist.load(List.of(resource("whitelist_recipients")));
        assertThat(w.size()).isEqualTo(2);
        assertThat(w.matches("postmaster@example.com")).isTrue();
        assertThat(w.matches("Abuse+spam@example.org")).isTrue();
        assertThat(w.matches("user@example.com")).isFalse();
        assertThat(w.matches("notpostmaster@example.com")).isFalse();
    }

    @Test
    void recipientFormats() {
        RecipientWhitelist w = RecipientWhitelist.of("""
                alice@example.com   # an address, also with +extension
                example.net
                /^list-.*@example\\.org$/
                """);
        assertThat(w.matches("alice@example.com")).isTrue();
        assertThat(w.matches("alice+x@example.com")).isTrue();
        assertThat(w.matches("bob@example.com")).isFalse();
        assertThat(w.matches("bob@example.net")).isTrue();
        assertThat(w.matches("bob@sub.example.net")).isTrue();
        assertThat(w.matches("bob@notexample.net")).isFalse();
        assertThat(w.matches("LIST-dev@example.org")).isTrue();
    }

    @Test
    void hostBitsAreIgnoredAndSixteenBitPartials() throws Exception {
        ClientWhitelist w = ClientWhitelist.of("192.0.2.1/24\n10.20\n");
        assertThat(w.matches(ip("192.0.2.200"), null)).isTrue();
        assertThat(w.matches(ip("10.20.30.40"), null)).isTrue();
        assertThat(w.matches(ip("10.21.0.1"), null)).isFalse();
    }

    @Test
    void missingFileAndBadRegexAreConfigurationErrors() {
        assertThatThrownBy(() -> ClientWhitelist.load(List.of(Path.of("/nonexistent/whitelist_clients"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("/nonexistent/whitelist_clients");
        assertThatThrownBy(() -> ClientWhitelist.of("/a(b/")).isInstanceOf(ConfigException.class);
    }
}
