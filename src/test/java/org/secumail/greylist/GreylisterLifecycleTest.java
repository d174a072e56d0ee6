// SPDX-License-Identifier: Apache-2.0
package org.secumail.greylist;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.greylist.Greylister.Decision;

class GreylisterLifecycleTest {
    private static final String SENDER = "bounce-17-4711@lists.example.org";
    private static final String RCPT = "user@example.com";

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    private Greylister g;

    private Greylister open(ClientWhitelist clients, RecipientWhitelist recipients) {
        g = new Greylister(SqliteGreylistStore.open(dir.resolve("greylist.sqlite")),
                Greylister.Settings.postgreyDefaults(), clients, recipients, clock);
        return g;
    }

    private Greylister open() { return open(ClientWhitelist.empty(), RecipientWhitelist.empty()); }

    @AfterEach
    void close() {
        if (g != null) g.close();
    }

    private static InetAddress ip(String s) throws Exception { return InetAddress.getByName(s); }

    private Decision attempt(String client, String sender, String rcpt) throws Exception {
        return g.check(ip(client), "mx.lists.example.org", sender, rcpt);
    }

    @Test
    void deferredThenTooEarlyThenPassedWithHeader() throws Exception {
        open();
        Decision first = attempt("192.0.2.10", SENDER, RCPT);
        assertThat(first).isInstanceOf(Decision.Defer.class);
        Decision.Defer d = (Decision.Defer) first;
        assertThat(d.text()).isEqualTo("Greylisted, see http://postgrey.schweikert.ch/help/example.com.html");
        assertThat(d.retryAfter()).isEqualTo(300);
        assertThat(d.reason()).isEqualTo("new");

        clock.advance(Duration.ofSeconds(120));
        // another VERP address from the same /24: the same triplet, still too early
        Decision early = attempt("192.0.2.11", "bounce-18-9999@lists.example.org", RCPT);
        assertThat(early).isInstanceOfSatisfying(Decision.Defer.class, e -> {
            assertThat(e.retryAfter()).isEqualTo(180);
            assertThat(e.reason()).isEqualTo("early-retry (180s missing)");
        });

        clock.advance(Duration.ofSeconds(181));
        Decision passed = attempt("192.0.2.10", SENDER, RCPT);
        assertThat(passed).isInstanceOfSatisfying(Decision.Pass.class, p -> {
            assertThat(p.reason()).isEqualTo("triplet found");
            assertThat(p.header()).isEqualTo("X-Greylist: delayed 301 seconds by SecuMail-greylist; Sun, 1 Mar 2026 10:05:01 GMT");
        });
        // later mail for the triplet passes without a header
        clock.advance(Duration.ofHours(3));
        assertThat(attempt("192.0.2.10", SENDER, RCPT)).isEqualTo(new Decision.Pass("triplet found", null));
        assertThat(g.store().triplets(10)).singleElement().satisfies(e -> {
            assertThat(e.key()).isEqualTo("192.0.2.0/bounce-#-#@lists.example.org/user@example.com");
            assertThat(e.triplet().passes()).isEqualTo(2);
        });
        // another recipient is another triplet
        assertThat(attempt("192.0.2.10", SENDER, "other@example.com")).isInstanceOf(Decision.Defer.class);
    }

    @Test
    void retryAfterTheRetryWindowStartsOver() throws Exception {
        open();
        assertThat(attempt("192.0.2.10", SENDER, RCPT)).isInstanceOf(Decision.Defer.class);
        clock.advance(Duration.ofDays(2).plusSeconds(1));
        Decision late = attempt("192.0.2.10", SENDER, RCPT);
        assertThat(late).isInstanceOfSatisfying(Decision.Defer.class, d -> assertThat(d.reason()).isEqualTo("new"));
        clock.advance(Duration.ofSeconds(300));
        assertThat(attempt("192.0.2.10", SENDER, RCPT)).isInstanceOf(Decision.Pass.class);
    }

    @Test
    void maxAgeForgetsTripletsOnLookupAndInTheCleanUp() throws Exception {
        open();
        attempt("192.0.2.10", SENDER, RCPT);
        clock.advance(Duration.ofSeconds(300));
        assertThat(attempt("192.0.2.10", SENDER, RCPT)).isInstanceOf(Decision.Pass.class);
        attempt("198.51.100.1", "never@retries.example", RCPT);   // never passes

        clock.advance(Duration.ofDays(3));
        // the never-passed triplet is past the retry window, the passed one is kept
        assertThat(g.expire()).isEqualTo(new GreylistStore.Expired(1, 0));
        assertThat(g.stats()).isEqualTo(new GreylistStore.Stats(1, 1, 1, 0));

        clock.advance(Duration.ofDays(33));
        // past max-age: greylisted again even before a clean-up
        assertThat(attempt("192.0.2.10", SENDER, RCPT)).isInstanceOfSatisfying(Decision.Defer.class,
                d -> assertThat(d.reason()).isEqualTo("new"));
        // that check also ran the daily clean-up, which removed the client counter last seen
        // 36 days ago; only the new triplet is left
        assertThat(g.store().client("192.0.2.10")).isEmpty();
        assertThat(g.stats()).isEqualTo(new GreylistStore.Stats(1, 0, 0, 0));
        assertThat(g.expire()).isEqualTo(new GreylistStore.Expired(0, 0));
    }

    @Test
    void clientIsAutoWhitelistedAfterFiveDeliveries() throws Exception {
        open();
        for (int i = 1; i <= 5; i++) {
            String rcpt = "user" + "abcde".charAt(i - 1) + "@example.com";
            assertThat(attempt("203.0.113.5", SENDER, rcpt)).isInstanceOf(Decision.Defer.class);
            clock.advance(Duration.ofMinutes(10));
            assertThat(attempt("203.0.113.5", SENDER, rcpt)).isInstanceOf(Decision.Pass.class);
            // counted at most once an hour
            clock.advance(Duration.ofHours(1));
            assertThat(g.store().client("203.0.113.5")).get().extracting(GreylistStore.Client::count).isEqualTo((long) i);
        }
        assertThat(g.stats().whitelistedClients()).isEqualTo(1);
        assertThat(attempt("203.0.113.5", "someone@new.example", "new@example.com"))
                .isEqualTo(new Decision.Pass("client AWL", null));
        // the whitelist is per address, not per network
        assertThat(attempt("203.0.113.6", "someone@new.example", "new@example.com")).isInstanceOf(Decision.Defer.class);
    }

    @Test
    void passesInTheSameHourCountOnce() throws Exception {
        open();
        for (String rcpt : new String[] {"a@example.com", "b@example.com"}) {
            attempt("203.0.113.5", SENDER, rcpt);
        }
        clock.advance(Duration.ofMinutes(6));
        for (String rcpt : new String[] {"a@example.com", "b@example.com"}) {
            assertThat(attempt("203.0.113.5", SENDER, rcpt)).isInstanceOf(Decision.Pass.class);
        }
        assertThat(g.store().client("203.0.113.5")).get().extracting(GreylistStore.Client::count).isEqualTo(1L);
    }

    @Test
    void whitelistFilesSkipGreylisting() throws Exception {
        open(ClientWhitelist.of("lists.example.org\n192.0.2.0/24\n"), RecipientWhitelist.of("postmaster@\n"));
        assertThat(g.check(ip("198.51.100.9"), "mx.lists.example.org", SENDER, RCPT))
                .isEqualTo(new Decision.Pass("client whitelist", null));
        assertThat(g.check(ip("192.0.2.99"), "unknown", SENDER, RCPT))
                .isEqualTo(new Decision.Pass("client whitelist", null));
        assertThat(g.check(ip("198.51.100.9"), "unknown", SENDER, "postmaster@example.com"))
                .isEqualTo(new Decision.Pass("recipient whitelist", null));
        assertThat(g.check(ip("198.51.100.9"), "unknown", SENDER, RCPT)).isInstanceOf(Decision.Defer.class);
        assertThat(g.stats().triplets()).isEqualTo(1);
    }

    @Test
    void stateSurvivesARestart() throws Exception {
        open();
        attempt("192.0.2.10", SENDER, RCPT);
        g.close();
        clock.advance(Duration.ofMinutes(5));
        open();
        assertThat(attempt("192.0.2.10", SENDER, RCPT)).isInstanceOfSatisfying(Decision.Pass.class,
                p -> assertThat(p.header()).startsWith("X-Greylist: delayed 300 seconds"));
    }

    @Test
    void lookupByHostAndIpv6Subnets() throws Exception {
        g = new Greylister(SqliteGreylistStore.open(dir.resolve("g.sqlite")),
                new Greylister.Settings(Duration.ofSeconds(60), Duration.ofDays(35), Duration.ofDays(2), 5, true, 24, 64, "try again in %s seconds (%r)"),
                ClientWhitelist.empty(), RecipientWhitelist.empty(), clock);
        assertThat(attempt("192.0.2.10", SENDER, RCPT)).isInstanceOfSatisfying(Decision.Defer.class,
                d -> assertThat(d.text()).isEqualTo("try again in 60 seconds (example.com)"));
        clock.advance(Duration.ofSeconds(60));
        // by host: a neighbour is another triplet
        assertThat(attempt("192.0.2.11", SENDER, RCPT)).isInstanceOf(Decision.Defer.class);
        assertThat(attempt("192.0.2.10", SENDER, RCPT)).isInstanceOf(Decision.Pass.class);
        g.close();

        g = new Greylister(SqliteGreylistStore.open(dir.resolve("g6.sqlite")), Greylister.Settings.postgreyDefaults(),
                ClientWhitelist.empty(), RecipientWhitelist.empty(), clock);
        attempt("2001:db8:1:2::1", SENDER, RCPT);
        clock.advance(Duration.ofSeconds(300));
        assertThat(attempt("2001:db8:1:2:ffff::9", SENDER, RCPT)).isInstanceOf(Decision.Pass.class);
        assertThat(g.store().triplets(10)).extracting(GreylistStore.TripletEntry::key)
                .containsExactly("2001:db8:1:2::/bounce-#-#@lists.example.org/user@example.com");
    }
}
