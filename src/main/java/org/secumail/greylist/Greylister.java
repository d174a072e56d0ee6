// SPDX-License-Identifier: Apache-2.0
package org.secumail.greylist;

import java.io.Closeable;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.table.IpAddresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Greylisting with postgrey 1.37's semantics. A triplet (client network, normalised sender,
 * recipient; see {@link TripletKeys}) seen for the first time is deferred; a retry at least
 * {@code delay} after the first attempt passes, as long as it comes within {@code
 * retryWindow} (later, the clock starts again); a triplet not seen for {@code maxAge} is
 * forgotten. A client address whose triplets passed {@code autoWhitelist} times (counted at
 * most once an hour, as postgrey does) is no longer greylisted. Whitelisted clients and
 * recipients are never greylisted. All time comes from the injected {@link Clock}.
 */
public final class Greylister implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.greylist");

    public static final String DEFAULT_TEXT = "Greylisted, see http://postgrey.schweikert.ch/help/%r.html";
    private static final Duration MAINTENANCE_INTERVAL = Duration.ofDays(1);
    private static final Duration AWL_COUNT_INTERVAL = Duration.ofHours(1);

    /**
     * Settings, postgrey's option for each: --delay, --max-age, --retry-window,
     * --auto-whitelist-clients (0 disables it), --lookup-by-host, --ipv4cidr, --ipv6cidr,
     * --greylist-text (%r is the recipient domain, %s the seconds still to wait).
     */
    public record Settings(Duration delay, Duration maxAge, Duration retryWindow, int autoWhitelist,
                           boolean lookupByHost, int ipv4Prefix, int ipv6Prefix, String text) {
        public static Settings postgreyDefaults() {
            return new Settings(Duration.ofSeconds(300), Duration.ofDays(35), Duration.ofDays(2), 5, false, 24, 64, DEFAULT_TEXT);
        }
    }

    /** What to do with one recipient. */
    public sealed interface Decision {
        /**
         * Let it through; {@code header} is the X-Greylist header line for the first attempt
         * that passed after being delayed, null otherwise.
         */
        record Pass(String reason, String header) implements Decision { }

        /** Defer it: {@code text} for the reply, {@code retryAfter} seconds still to wait. */
        record Defer(String text, long retryAfter, String reason) implements Decision { }
    }

    private final GreylistStore store;
    private final Settings settings;
    private final ClientWhitelist clientWhitelist;
    private final RecipientWhitelist recipientWhitelist;
    private final Clock clock;
    private final AtomicLong lastMaintenance;

    public Greylister(GreylistStore store, Settings settings, ClientWhitelist clients, RecipientWhitelist recipients, Clock clock) {
        this.store = store;
        this.settings = settings;
        this.clientWhitelist = clients;
        this.recipientWhitelist = recipients;
        this.clock = clock;
        this.lastMaintenance = new AtomicLong(clock.instant().getEpochSecond());
    }

    /** main.cf parameters and their defaults (the lead copies them into config/Parameters). */
    public static final Map<String, String> PARAMETERS = Map.ofEntries(
            Map.entry("secumail_greylist_delay", "300s"),
            Map.entry("secumail_greylist_max_age", "35d"),
            Map.entry("secumail_greylist_retry_window", "2d"),
            Map.entry("secumail_greylist_auto_whitelist", "5"),
            Map.entry("secumail_greylist_whitelist_clients", ""),
            Map.entry("secumail_greylist_whitelist_recipients", ""),
            Map.entry("secumail_greylist_lookup_by", "subnet"),
            Map.entry("secumail_greylist_ipv4_prefix", "24"),
            Map.entry("secumail_greylist_ipv6_prefix", "64"),
            Map.entry("secumail_greylist_text", DEFAULT_TEXT),
            Map.entry("secumail_greylist_database", "$data_directory/greylist.sqlite"));

    /**
     * A greylister from main.cf's secumail_greylist_* parameters (see package-info); names
     * not known to the configuration take the defaults in {@link #PARAMETERS}. Opens the
     * SQLite database; the caller closes the greylister.
     *
     * @throws ConfigException for a bad value or an unreadable whitelist file
     */
    public static Greylister fromConfig(MainConfig config, Clock clock) {
        Map<String, String> missing = new HashMap<>();
        PARAMETERS.forEach((k, v) -> { if (config.raw(k) == null) missing.put(k, v); });
        MainConfig c = missing.isEmpty() ? config : config.withOverrides(missing);
        String lookup = c.get("secumail_greylist_lookup_by").strip().toLowerCase(Locale.ROOT);
        if (!lookup.equals("subnet") && !lookup.equals("host")) {
            throw new ConfigException("bad secumail_greylist_lookup_by value: " + lookup + " (want subnet or host)");
        }
        int v4 = c.integer("secumail_greylist_ipv4_prefix");
        int v6 = c.integer("secumail_greylist_ipv6_prefix");
        if (v4 < 0 || v4 > 32 || v6 < 0 || v6 > 128) {
            throw new ConfigException("bad secumail_greylist_ipv4_prefix/ipv6_prefix: " + v4 + "/" + v6);
        }
        int awl = c.integer("secumail_greylist_auto_whitelist");
        if (awl < 0) throw new ConfigException("bad secumail_greylist_auto_whitelist: " + awl);
        String text = c.get("secumail_greylist_text").strip();
        Settings s = new Settings(c.duration("secumail_greylist_delay"), c.duration("secumail_greylist_max_age"),
                c.duration("secumail_greylist_retry_window"), awl, lookup.equals("host"), v4, v6,
                text.isEmpty() ? DEFAULT_TEXT : text);
        ClientWhitelist clients = ClientWhitelist.load(paths(c, "secumail_greylist_whitelist_clients"));
        RecipientWhitelist recipients = RecipientWhitelist.load(paths(c, "secumail_greylist_whitelist_recipients"));
        Path db = resolve(c, c.get("secumail_greylist_database").strip());
        LOG.info("greylisting: database {}, delay {}s, {} client and {} recipient whitelist entries",
                db, s.delay().toSeconds(), clients.size(), recipients.size());
        return new Greylister(SqliteGreylistStore.open(db), s, clients, recipients, clock);
    }

    private static List<Path> paths(MainConfig c, String name) {
        List<Path> out = new ArrayList<>();
        for (String f : c.list(name)) out.add(resolve(c, f));
        return out;
    }

    private static Path resolve(MainConfig c, String file) {
        Path p = Path.of(file);
        return p.isAbsolute() || c.configDir() == null ? p : c.configDir().resolve(p);
    }

    public Settings settings() { return settings; }

    public GreylistStore store() { return store; }

    /**
     * Decides for one recipient and records the attempt.
     *
     * @param clientName the verified client name, or "unknown"
     * @param sender the envelope sender, "" for the null sender
     * @throws GreylistStoreException when the database fails (the caller decides)
     */
    public Decision check(InetAddress client, String clientName, String sender, String recipient) {
        Instant now = clock.instant();
        maintain(now);
        String addr = IpAddresses.format(client);
        if (clientWhitelist.matches(client, clientName)) return pass("client whitelist", client, clientName, sender, recipient);
        if (recipientWhitelist.matches(recipient)) return pass("recipient whitelist", client, clientName, sender, recipient);

        Optional<GreylistStore.Client> awl = Optional.empty();
        if (settings.autoWhitelist() > 0) {
            awl = store.client(addr).filter(a -> !expired(a.lastSeen(), now));
            if (awl.isPresent() && awl.get().count() >= settings.autoWhitelist()) {
                GreylistStore.Client a = awl.get();
                // counted for statistics at most once an hour (postgrey), or when the clock went back
                if (!now.isBefore(a.lastSeen().plus(AWL_COUNT_INTERVAL)) || a.lastSeen().isAfter(now)) {
                    store.putClient(addr, new GreylistStore.Client(a.count() + 1, now));
                }
                return pass("client AWL", client, clientName, sender, recipient);
            }
        }

        String net = settings.lookupByHost() ? addr : TripletKeys.clientNetwork(client, settings.ipv4Prefix(), settings.ipv6Prefix());
        String key = TripletKeys.triplet(net, sender, recipient);
        Optional<GreylistStore.Triplet> old = store.triplet(key).filter(t -> !expired(t.lastSeen(), now));
        Instant first = now;
        long passes = 0;
        boolean lastWasSuccessful = false;
        if (old.isPresent()) {
            GreylistStore.Triplet t = old.get();
            first = t.firstSeen();
            passes = t.passes();
            lastWasSuccessful = passes > 0;
            // a first retry after the retry window starts the clock again
            if (!lastWasSuccessful && Duration.between(first, now).compareTo(settings.retryWindow()) > 0) first = now;
            if (first.isAfter(now)) {
                LOG.info("greylist: correcting date for first seen in the future for {}", key);
                first = now;
            }
        }
        long waited = Duration.between(first, now).toSeconds();
        long missing = settings.delay().toSeconds() - waited;
        boolean passed = missing <= 0;
        store.putTriplet(key, new GreylistStore.Triplet(first, now, passed ? passes + 1 : passes));

        if (passed && !lastWasSuccessful && settings.autoWhitelist() > 0) {
            GreylistStore.Client a = awl.orElse(null);
            if (a == null || !now.isBefore(a.lastSeen().plus(AWL_COUNT_INTERVAL))) {
                long count = (a == null ? 0 : a.count()) + 1;
                store.putClient(addr, new GreylistStore.Client(count, now));
                if (count == settings.autoWhitelist()) LOG.info("greylist: whitelisted: {}[{}]", clientName, addr);
            }
        }

        if (!passed) {
            String reason = now.equals(first) ? "new" : "early-retry (" + missing + "s missing)";
            LOG.info("action=greylist, reason={}, client_name={}, client_address={}, sender={}, recipient={}, retry after {}s ({})",
                    reason, clientName, addr, sender, recipient, missing, now.plusSeconds(missing));
            org.secumail.metrics.Metrics.count("secumail.greylist.decisions", "action", "greylist", "reason", now.equals(first) ? "new" : "early-retry");
            return new Decision.Defer(text(missing, recipient), missing, reason);
        }
        if (!lastWasSuccessful) {
            LOG.info("action=pass, reason=triplet found, delay={}, client_name={}, client_address={}, sender={}, recipient={}",
                    waited, clientName, addr, sender, recipient);
            org.secumail.metrics.Metrics.count("secumail.greylist.decisions", "action", "pass", "reason", "triplet found");
            return new Decision.Pass("triplet found", header(waited, now));
        }
        return pass("triplet found", client, clientName, sender, recipient);
    }

    private boolean expired(Instant lastSeen, Instant now) {
        return Duration.between(lastSeen, now).compareTo(settings.maxAge()) > 0;
    }

    /**
     * What {@link #check} would decide, without recording anything (secumail explain): the
     * whitelists, the client AWL and the triplet are read, nothing is written or logged.
     */
    public Decision peek(InetAddress client, String clientName, String sender, String recipient) {
        Instant now = clock.instant();
        String addr = IpAddresses.format(client);
        if (clientWhitelist.matches(client, clientName)) return new Decision.Pass("client whitelist", null);
        if (recipientWhitelist.matches(recipient)) return new Decision.Pass("recipient whitelist", null);
        if (settings.autoWhitelist() > 0) {
            Optional<GreylistStore.Client> awl = store.client(addr).filter(a -> !expired(a.lastSeen(), now));
            if (awl.isPresent() && awl.get().count() >= settings.autoWhitelist()) return new Decision.Pass("client AWL", null);
        }
        String net = settings.lookupByHost() ? addr : TripletKeys.clientNetwork(client, settings.ipv4Prefix(), settings.ipv6Prefix());
        Optional<GreylistStore.Triplet> old = store.triplet(TripletKeys.triplet(net, sender, recipient)).filter(t -> !expired(t.lastSeen(), now));
        Instant first = now;
        if (old.isPresent()) {
            first = old.get().firstSeen();
            boolean lastWasSuccessful = old.get().passes() > 0;
            if (!lastWasSuccessful && Duration.between(first, now).compareTo(settings.retryWindow()) > 0) first = now;
            if (first.isAfter(now)) first = now;
        }
        long missing = settings.delay().toSeconds() - Duration.between(first, now).toSeconds();
        if (missing > 0) return new Decision.Defer(text(missing, recipient), missing, old.isPresent() ? "early-retry" : "new");
        return new Decision.Pass("triplet found", null);
    }

    private static Decision pass(String reason, InetAddress client, String clientName, String sender, String recipient) {
        org.secumail.metrics.Metrics.count("secumail.greylist.decisions", "action", "pass", "reason", reason);
        LOG.debug("action=pass, reason={}, client_name={}, client_address={}, sender={}, recipient={}",
                reason, clientName, IpAddresses.format(client), sender, recipient);
        return new Decision.Pass(reason, null);
    }

    private String text(long missing, String recipient) {
        String domain = recipient == null ? "" : recipient.substring(recipient.lastIndexOf('@') + 1);
        // postgrey replaces the first %s and %r only
        return settings.text().replaceFirst("%s", Long.toString(missing)).replaceFirst("%r", java.util.regex.Matcher.quoteReplacement(domain));
    }

    private String header(long waited, Instant now) {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.ofInstant(now, clock.getZone()));
        return "X-Greylist: delayed " + waited + " seconds by SecuMail-greylist; " + date;
    }

    /** postgrey's nightly clean-up, here at most once a day, by whichever session comes first. */
    private void maintain(Instant now) {
        long last = lastMaintenance.get();
        if (now.getEpochSecond() - last < MAINTENANCE_INTERVAL.toSeconds()) return;
        if (!lastMaintenance.compareAndSet(last, now.getEpochSecond())) return;
        expire();
    }

    /** Removes triplets and clients past max-age, and never-passed triplets past the retry window. */
    public GreylistStore.Expired expire() {
        Instant now = clock.instant();
        GreylistStore.Expired e = store.expire(now.minus(settings.maxAge()), now.minus(settings.retryWindow()));
        LOG.info("greylist: expired {} triplets and {} clients", e.triplets(), e.clients());
        return e;
    }

    public GreylistStore.Stats stats() {
        return store.stats(settings.autoWhitelist() == 0 ? Long.MAX_VALUE : settings.autoWhitelist());
    }

    @Override
    public void close() { store.close(); }
}
