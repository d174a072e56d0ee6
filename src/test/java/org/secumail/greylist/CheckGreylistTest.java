// SPDX-License-Identifier: Apache-2.0
package org.secumail.greylist;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.smtpd.Reply;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.Restriction;
import org.secumail.smtpd.check.Restrictions;
import org.secumail.smtpd.check.Verdict;

class CheckGreylistTest {
    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));
    private Greylister g;

    @AfterEach
    void close() {
        if (g != null) g.close();
    }

    private MainConfig config(String extra) {
        return MainConfig.fromText("data_directory = " + dir + "\nmynetworks = 127.0.0.0/8 [::1]/128\n" + extra, "main.cf", dir);
    }

    private CheckContext ctx(MainConfig cfg, String client, String recipient) throws Exception {
        CheckContext c = new CheckContext(new CheckSettings(cfg, Restrictions.builtin(), null));
        c.clientAddress = InetAddress.getByName(client);
        c.clientAddr = client;
        c.clientName = "mx.example.org";
        c.sender = "news-12@example.org";
        c.recipient = recipient;
        c.replyName = recipient;
        c.replyClass = CheckContext.RECIPIENT;
        return c;
    }

    @Test
    void defersThenPrependsTheHeaderOncePerMessage() throws Exception {
        MainConfig cfg = config("");
        g = Greylister.fromConfig(cfg, clock);
        Restriction r = CheckGreylist.greylistRestriction(g);
        Verdict v = r.check(ctx(cfg, "192.0.2.1", "user@example.com"));
        assertThat(v).isInstanceOfSatisfying(Verdict.Reject.class, rej -> {
            assertThat(rej.reply()).isEqualTo(Reply.of(450, "4.2.0",
                    "<user@example.com>: Recipient address rejected: Greylisted, see http://postgrey.schweikert.ch/help/example.com.html"));
            assertThat(rej.logDetail()).isEqualTo("greylisted, retry after 300s");
        });
        r.check(ctx(cfg, "192.0.2.1", "other@example.com"));
        clock.advance(Duration.ofMinutes(6));

        CheckContext message = ctx(cfg, "192.0.2.1", "user@example.com");
        Verdict first = r.check(message);
        assertThat(first).isInstanceOfSatisfying(Verdict.Prepend.class,
                p -> assertThat(p.header()).startsWith("X-Greylist: delayed 360 seconds by SecuMail-greylist; "));
        message.prepends.add(((Verdict.Prepend) first).header());
        message.recipient = "other@example.com";
        message.replyName = message.recipient;
        assertThat(r.check(message)).isEqualTo(Verdict.DUNNO);
        assertThat(g.store().triplets(10)).hasSize(2).allSatisfy(e -> assertThat(e.triplet().passes()).isEqualTo(1));
    }

    @Test
    void skipsMynetworksAuthenticatedClientsAndStagesWithoutRecipient() throws Exception {
        MainConfig cfg = config("");
        g = Greylister.fromConfig(cfg, clock);
        Restriction r = CheckGreylist.greylistRestriction(g);
        assertThat(r.check(ctx(cfg, "127.0.0.1", "user@example.com"))).isEqualTo(Verdict.DUNNO);
        assertThat(r.check(ctx(cfg, "::1", "user@example.com"))).isEqualTo(Verdict.DUNNO);
        CheckContext auth = ctx(cfg, "192.0.2.1", "user@example.com");
        auth.saslUser = "alice";
        assertThat(r.check(auth)).isEqualTo(Verdict.DUNNO);
        assertThat(r.check(ctx(cfg, "192.0.2.1", null))).isEqualTo(Verdict.DUNNO);
        assertThat(g.stats().triplets()).isZero();
    }

    @Test
    void fromConfigReadsTheParameters() throws Exception {
        Path clients = dir.resolve("wl_clients");
        java.nio.file.Files.writeString(clients, "trusted.example\n");
        MainConfig cfg = config("""
                secumail_greylist_delay = 1m
                secumail_greylist_auto_whitelist = 0
                secumail_greylist_lookup_by = host
                secumail_greylist_whitelist_clients = wl_clients
                secumail_greylist_text = Come back in %s seconds
                secumail_greylist_database = $data_directory/grey/db.sqlite
                """);
        g = Greylister.fromConfig(cfg, clock);
        assertThat(g.settings()).isEqualTo(new Greylister.Settings(Duration.ofMinutes(1), Duration.ofDays(35),
                Duration.ofDays(2), 0, true, 24, 64, "Come back in %s seconds"));
        assertThat(java.nio.file.Files.exists(dir.resolve("grey/db.sqlite"))).isTrue();
        CheckContext trusted = ctx(cfg, "198.51.100.7", "user@example.com");
        trusted.clientName = "mx1.trusted.example";
        assertThat(CheckGreylist.greylistRestriction(g).check(trusted)).isEqualTo(Verdict.DUNNO);
        assertThat(CheckGreylist.greylistRestriction(g).check(ctx(cfg, "198.51.100.7", "user@example.com")))
                .isInstanceOfSatisfying(Verdict.Reject.class, rej -> assertThat(rej.reply().text()).endsWith("Come back in 60 seconds"));
        // auto-whitelisting off: no client counters
        clock.advance(Duration.ofMinutes(1));
        CheckGreylist.greylistRestriction(g).check(ctx(cfg, "198.51.100.7", "user@example.com"));
        assertThat(g.store().clients(10)).isEmpty();

        org.assertj.core.api.Assertions.assertThatThrownBy(
                () -> Greylister.fromConfig(config("secumail_greylist_lookup_by = network\n"), clock))
                .isInstanceOf(ConfigException.class);
    }

    @Test
    void databaseFailureDefersWithServerConfigurationProblem() throws Exception {
        MainConfig cfg = config("");
        g = Greylister.fromConfig(cfg, clock);
        g.store().close();
        Verdict v = CheckGreylist.greylistRestriction(g).check(ctx(cfg, "192.0.2.1", "user@example.com"));
        assertThat(v).isInstanceOfSatisfying(Verdict.Reject.class,
                rej -> assertThat(rej.reply().line()).isEqualTo("451 4.3.5 Server configuration problem"));
    }

    @Test
    void manyVirtualThreadsShareOneDatabase() throws Exception {
        g = new Greylister(SqliteGreylistStore.open(dir.resolve("c.sqlite")), Greylister.Settings.postgreyDefaults(),
                ClientWhitelist.empty(), RecipientWhitelist.empty(), Clock.fixed(Instant.parse("2026-03-01T10:00:00Z"), java.time.ZoneOffset.UTC));
        List<Future<Greylister.Decision>> results = new ArrayList<>();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 200; i++) {
                int n = i;
                results.add(pool.submit(() -> g.check(InetAddress.getByName("192.0.2." + (n % 50)), "unknown",
                        "s" + (n % 7) + "@example.org", "r" + n + "@example.com")));
            }
        }
        for (Future<Greylister.Decision> f : results) assertThat(f.get()).isInstanceOf(Greylister.Decision.Defer.class);
        assertThat(g.stats().triplets()).isEqualTo(200);
    }
}
