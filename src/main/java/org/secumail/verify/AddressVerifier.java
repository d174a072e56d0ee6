// SPDX-License-Identifier: Apache-2.0
package org.secumail.verify;

import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.secumail.config.MainConfig;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.Envelope;
import org.secumail.queue.QueueId;
import org.secumail.queue.QueuedMessage;
import org.secumail.queue.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Address verification, as Postfix's verify(8): a cache of what probes found out about an
 * address, and the probes themselves. A query answers from the cache; an address not known
 * (or whose entry expired) is "in progress" and a probe is sent: the address is routed as
 * mail to it would be, and the delivery agent checks it without delivering anything (the
 * SMTP and LMTP clients stop after RCPT TO; local delivery expands aliases and stops before
 * the mailbox). The probe's sender is address_verify_sender. Its result (deliverable,
 * undeliverable, or a temporary failure) is cached, and a later query gets it.
 *
 * <p>As in verify.c: at most one probe per address in 1000 s; a positive entry expires after
 * address_verify_positive_expire_time (31d) and is refreshed by a new probe after
 * address_verify_positive_refresh_time (7d), a negative one after
 * address_verify_negative_expire_time (3d) and address_verify_negative_refresh_time (3h);
 * address_verify_negative_cache = no keeps failures out of the cache; a failed probe never
 * replaces a positive entry before it expires. The cache is held in memory (Postfix's
 * address_verify_map is a file), at most {@value #MAX_ENTRIES} addresses: a restart probes
 * again.
 */
public final class AddressVerifier {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.verify");
    /** The envelope attribute that marks a probe message (never delivered). */
    public static final String PROBE = "address_verify_probe";
    static final long PROBE_TTL = 1000;
    static final int MAX_ENTRIES = 100_000;
    static final String IN_PROGRESS = "Address verification in progress";

    /** What is known about an address (Postfix's DEL_RCPT_STAT_TODO/OK/DEFER/BOUNCE). */
    public enum Status { TODO, OK, DEFER, BOUNCE }

    /** A query's answer: the status and its text (the probe's reply, or "in progress"). */
    public record Answer(Status status, String text) { }

    private record Entry(Status status, long probed, long updated, String text) { }

    private final Map<String, Entry> cache = new ConcurrentHashMap<>();
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private final Transport transport;
    private final Clock clock;
    private final String sender;
    private final long posExpire;
    private final long posRefresh;
    private final long negExpire;
    private final long negRefresh;
    private final boolean negCache;

    /** @param transport where probes go: the router of real mail */
    public AddressVerifier(MainConfig cfg, Transport transport, Clock clock) {
        this.transport = transport;
        this.clock = clock;
        this.sender = probeSender(cfg);
        this.posExpire = cfg.duration("address_verify_positive_expire_time").toSeconds();
        this.posRefresh = cfg.duration("address_verify_positive_refresh_time").toSeconds();
        this.negExpire = cfg.duration("address_verify_negative_expire_time").toSeconds();
        this.negRefresh = cfg.duration("address_verify_negative_refresh_time").toSeconds();
        this.negCache = cfg.bool("address_verify_negative_cache");
    }

    /** address_verify_sender: empty or "<>" is the null sender; a bare name gets @$myorigin. */
    static String probeSender(MainConfig cfg) {
        String s = cfg.get("address_verify_sender").strip();
        if (s.isEmpty() || s.equals("<>")) return "";
        return s.indexOf('@') < 0 ? s + "@" + cfg.get("myorigin") : s;
    }

    /** verify(8)'s query: the cached status, a probe sent when the entry is missing, expired or due for a refresh. */
    public Answer query(String address) {
        long now = clock.millis() / 1000;
        Entry e = cache.get(address);
        Status status;
        long probed;
        long updated;
        String text;
        if (e == null || (now - e.probed() > PROBE_TTL && expired(e.status(), e.updated(), now))) {
            status = Status.TODO;
            probed = 0;
            updated = 0;
            text = IN_PROGRESS;
            if (e != null && !negCache) cache.remove(address);
        } else {
            status = e.status();
            probed = e.probed();
            updated = e.updated();
            text = e.text();
        }
        if (now - probed > PROBE_TTL && refreshNeeded(status, updated, now)) {
            // the entry first, then the probe: a probe that answers at once must not be overwritten
            if (updated != 0 || negCache) {
                Entry mark = new Entry(status, now, updated, text);
                if (cache.size() >= MAX_ENTRIES && !cache.containsKey(address)) prune();
                // a probe result that arrived since this query read the cache is newer: kept
                cache.compute(address, (k, old) -> old != null && old != e ? old : mark);
            }
            probe(address);
        }
        return new Answer(status, text);
    }

    private boolean expired(Status s, long updated, long now) {
        return s == Status.OK ? updated + posExpire < now : updated + negExpire < now;
    }

    private boolean refreshNeeded(Status s, long updated, long now) {
        return s == Status.OK ? updated + posRefresh < now : updated + negRefresh < now;
    }

    /** verify(8)'s update: a failed probe does not replace a positive entry (it is probed again on the next query). */
    void update(String address, Status status, String text) {
        Entry old = cache.get(address);
        if (status == Status.OK || old == null || old.status() != Status.OK) {
            put(address, new Entry(status, 0, clock.millis() / 1000, printable(text)));
        }
    }

    private void put(String address, Entry e) {
        if (cache.size() >= MAX_ENTRIES && !cache.containsKey(address)) prune();
        cache.put(address, e);
    }

    /** Drops expired entries; if that is not enough, the oldest half. */
    private void prune() {
        long now = clock.millis() / 1000;
        cache.entrySet().removeIf(en -> expired(en.getValue().status(), en.getValue().updated(), now) && now - en.getValue().probed() > PROBE_TTL);
        if (cache.size() < MAX_ENTRIES) return;
        long[] times = cache.values().stream().mapToLong(Entry::updated).sorted().toArray();
        long cut = times[times.length / 2];
        for (Iterator<Map.Entry<String, Entry>> it = cache.entrySet().iterator(); it.hasNext(); ) {
            if (it.next().getValue().updated() <= cut) it.remove();
        }
    }

    private void probe(String address) {
        if (!inFlight.add(address)) return;
        Thread.ofVirtual().name("verify-probe").start(() -> {
            QueuedMessage msg = probeMessage(address);
            try {
                DeliveryResult r = runProbe(msg);
                Status s = switch (r.status()) {
                    case SENT -> Status.OK;
                    case BOUNCED -> Status.BOUNCE;
                    case DEFERRED -> Status.DEFER;
                };
                LOG.info("{}: to=<{}>, relay={}, dsn={}, status={} ({})", msg.id(), address, r.relay(), r.dsn(),
                        s == Status.OK ? "deliverable" : "undeliverable", r.text());
                update(address, s, r.text());
            } catch (RuntimeException ex) {
                LOG.warn("warning: address verification probe for <{}> failed: {}", address, ex.toString());
                update(address, Status.DEFER, "address verification probe failed");
            } finally {
                inFlight.remove(address);
            }
        });
    }

    /** A probe: the probe sender, the address, no content; it lives in memory only (never queued). */
    private QueuedMessage probeMessage(String address) {
        Envelope env = new Envelope(sender, List.of(address), Instant.now(clock), Map.of(PROBE, "yes"));
        Path none = Path.of("/dev/null");
        return new QueuedMessage(QueueId.next(), "active", env, List.of(new QueuedMessage.Recipient(0, address)),
                Map.of(), none, none, 0, Map.of(), false);
    }

    private DeliveryResult runProbe(QueuedMessage msg) {
        List<DeliveryResult> r = transport.deliverBatch(msg, msg.pending(), InputStream::nullInputStream);
        return r.isEmpty() || r.get(0) == null ? DeliveryResult.deferred("4.3.0", "none", "no result from the delivery agent") : r.get(0);
    }

    /** True when {@code msg} is a probe: delivery agents check the address and deliver nothing. */
    public static boolean isProbe(QueuedMessage msg) {
        return "yes".equals(msg.envelope().attributes().get(PROBE));
    }

    /** Postfix's printable() on the cached text: control characters become '?'. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(c < 32 || c == 127 ? '?' : c);
        }
        return b.toString();
    }
}
