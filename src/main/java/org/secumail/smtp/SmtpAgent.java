// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.secumail.config.MainConfig;
import org.secumail.dns.Resolver;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.QueuedMessage;
import org.secumail.queue.Transport;
import org.secumail.route.DeliveryAgent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The smtp(8) and lmtp(8) delivery agents. For one message and next hop: wait for a slot of
 * the destination ({@link DestinationGate}), reuse an idle session to it if one is cached,
 * else look up the servers ({@link MxLookup}) and try them in order. A server that cannot be
 * reached, greets with 4xx (or 5xx: smtp_skip_5xx_greeting), fails EHLO, STARTTLS or AUTH,
 * or drops the connection before the content could have been delivered is skipped for the
 * next one (at most smtp_mx_session_limit sessions that got past the greeting); replies
 * inside the transaction are final for this attempt: 2xx sent, 4xx deferred, 5xx bounced.
 * When no server took the mail, the unfinished recipients get the last error (deferred,
 * or bounced when that error was permanent).
 */
public final class SmtpAgent implements DeliveryAgent, AutoCloseable {
    private final ClientSettings s;
    private final Logger log;
    private final MxLookup mx;
    private final SessionOpener opener;
    private final SaslLogin sasl;
    private final TlsPolicy tlsPolicy;
    private final DestinationGate gate;
    private final SessionCache cache;
    private final DeadDestinations dead;
    private final ScheduledExecutorService sweeper;

    SmtpAgent(ClientSettings s, Resolver dns, SaslLogin sasl, Random random) {
        this.s = s;
        this.log = LoggerFactory.getLogger("secumail." + s.name());
        this.mx = new MxLookup(dns, Set.of(s.myhostname()), s.ipv4(), s.ipv6(), s.mxAddressLimit(), random);
        this.opener = new SessionOpener(s, sasl, log);
        this.sasl = sasl;
        this.tlsPolicy = s.tlsPolicy();
        this.gate = new DestinationGate(s.destinationConcurrency(), s.destinationRateDelay());
        this.dead = new DeadDestinations(s.deadDestinationTime());
        this.cache = new SessionCache(s.cacheTimeLimit(), s.reuseTimeLimit(), s.reuseCountLimit(), s.quitTimeout());
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "secumail-" + s.name() + "-cache");
            t.setDaemon(true);
            return t;
        });
        long period = Math.max(100, Math.min(1000, s.cacheTimeLimit().toMillis()));
        sweeper.scheduleWithFixedDelay(cache::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    /** The smtp(8) agent (also used for "relay"). */
    public static SmtpAgent smtp(MainConfig cfg, Resolver dns) {
        return new SmtpAgent(ClientSettings.fromConfig(cfg, false), dns, SaslLogin.fromConfig(cfg), new Random());
    }

    /** The lmtp(8) agent. */
    public static SmtpAgent lmtp(MainConfig cfg, Resolver dns) {
        return new SmtpAgent(ClientSettings.fromConfig(cfg, true), dns, new SaslLogin(List.of()), new Random());
    }

    /** Idle cached sessions (for tests). */
    int idleSessions() { return cache.size(); }

    @Override
    public List<DeliveryResult> deliver(QueuedMessage msg, String nexthop, List<QueuedMessage.Recipient> rcpts, Transport.Content content) {
        Destination d;
        try {
            d = Destination.parse(nexthop, s.lmtp() ? 24 : 25, s.lmtp());
        } catch (IllegalArgumentException e) {
            log.warn("{}: bad {} next-hop destination \"{}\": {}", msg.id(), s.name(), nexthop, e.getMessage());
            return java.util.Collections.nCopies(rcpts.size(), DeliveryResult.deferred("4.3.5", "none",
                    "mail transport unavailable: bad next-hop destination \"" + nexthop + "\""));
        }
        String key = d.key();
        DeliveryResult suspended = dead.suspended(key);
        if (suspended != null) return java.util.Collections.nCopies(rcpts.size(), suspended);
        try {
            gate.acquire(key);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Collections.nCopies(rcpts.size(), DeliveryResult.deferred("4.3.0", "none", "delivery interrupted"));
        }
        try {
            suspended = dead.suspended(key);   // it may have died while this message waited at the gate
            if (suspended != null) return java.util.Collections.nCopies(rcpts.size(), suspended);
            return deliverTo(msg, d, nexthop, rcpts, content);
        } finally {
            gate.release(key);
        }
    }

    private List<DeliveryResult> deliverTo(QueuedMessage msg, Destination d, String nexthop, List<QueuedMessage.Recipient> rcpts,
                                           Transport.Content content) {
        DeliveryResult[] res = new DeliveryResult[rcpts.size()];
        SessionException last = null;
        // sender-dependent SASL: a session logged in for one sender is never reused for another
        boolean bySender = s.saslEnable() && sasl.senderDependent();
        ClientSession cached = bySender ? null : cache.take(d.key());
        if (cached != null) {
            log.debug("{}: reusing cached session with {}", msg.id(), cached.relay);
            SessionException f = attempt(msg, cached, d, rcpts, content, res);
            if (f == null) return Arrays.asList(res);
            last = f;
        }
        List<MxLookup.Candidate> candidates = List.of();
        if (d.unixPath() == null) {
            MxLookup.Outcome o = mx.lookup(d);
            if (o.failure() != null) {
                log.info("{}: {}", msg.id(), o.failure().text());
                return fill(res, o.failure());
            }
            candidates = o.candidates();
        }
        int sessions = 0;
        int tries = d.unixPath() != null ? 1 : candidates.size();
        for (int i = 0; i < tries && pending(res); i++) {
            if (s.mxSessionLimit() > 0 && sessions >= s.mxSessionLimit()) break;
            ClientSession cs;
            try {
                cs = open(d, nexthop, d.unixPath() != null ? null : candidates.get(i), msg.envelope().sender());
            } catch (SessionException e) {
                log.info("{}: {}", msg.id(), e.getMessage());
                last = e;
                continue;
            }
            sessions++;
            SessionException f = attempt(msg, cs, d, rcpts, content, res);
            if (f == null) break;
            last = f;
        }
        if (pending(res)) {
            DeliveryResult why = last == null
                    ? DeliveryResult.deferred("4.4.1", "none", "no server for " + d.key() + " could be tried")
                    : last.permanent ? DeliveryResult.bounced(last.dsn, last.relay, last.getMessage())
                    : DeliveryResult.deferred(last.dsn, last.relay, last.getMessage());
            fill(res, why);
            if (sessions == 0 && cached == null && last != null && !last.permanent) {
                // not one server answered: throttle the destination, as Postfix's qmgr does
                log.info("{}: destination {} is unreachable; other mail for it is deferred for {}s", msg.id(), d.key(),
                        s.deadDestinationTime().toSeconds());
                dead.markDead(d.key(), why);
            }
        } else if (sessions > 0 || cached != null) {
            dead.alive(d.key());
        }
        return Arrays.asList(res);
    }

    /** Opens a session; under "may", a failed TLS handshake is retried once without TLS, as Postfix does. */
    private ClientSession open(Destination d, String nexthop, MxLookup.Candidate c, String sender) throws SessionException {
        // Postfix: "lmtp:unix:private/dovecot-lmtp" is relative to the queue directory
        if (c == null) return opener.openUnix(d.unixPath().isAbsolute() ? d.unixPath() : s.queueDirectory().resolve(d.unixPath()));
        String level = s.tlsLevel();
        if (tlsPolicy.enabled() && !s.lmtp()) {
            TlsPolicy.Decision p;
            try {
                p = tlsPolicy.lookup(nexthop).orElse(null);
            } catch (org.secumail.table.LookupException e) {
                throw SessionException.soft("4.3.0", "none", "smtp_tls_policy_maps lookup failed: " + e.getMessage());
            }
            if (p != null && p.refusal() != null) throw SessionException.soft("4.7.5", "none", p.refusal() + " (destination " + nexthop + ")");
            if (p != null) level = p.level();
        }
        try {
            return opener.open(c, d.port(), nexthop, d.host(), true, sender, level);
        } catch (SessionException e) {
            if (!"may".equals(level) || !"4.7.5".equals(e.dsn)) throw e;
            log.info("{}; trying again without TLS", e.getMessage());
            return opener.open(c, d.port(), nexthop, d.host(), false, sender, level);
        }
    }

    /**
     * Runs one transaction for the recipients still without a result. Returns null when the
     * remaining recipients are done with (the session is then cached or closed), or the
     * session failure when they may go to the next server.
     */
    private SessionException attempt(QueuedMessage msg, ClientSession cs, Destination d, List<QueuedMessage.Recipient> rcpts,
                                     Transport.Content content, DeliveryResult[] res) {
        List<Integer> idx = new ArrayList<>();
        for (int i = 0; i < res.length; i++) if (res[i] == null) idx.add(i);
        Transaction.Outcome o = new Transaction(cs, s).run(msg, idx.stream().map(rcpts::get).toList(), content);
        for (int k = 0; k < idx.size(); k++) if (o.results()[k] != null) res[idx.get(k)] = o.results()[k];
        if (o.failure() != null) {
            log.info("{}: {}", msg.id(), o.failure().getMessage());
            cs.close();
            if (o.retryElsewhere()) return o.failure();
            fill(res, DeliveryResult.deferred(o.failure().dsn, o.failure().relay, o.failure().getMessage()));
            return null;
        }
        release(d.key(), cs, o.reusable());
        return null;
    }

    /** RSET and cache the session for the next message to the destination, or QUIT. */
    private void release(String key, ClientSession cs, boolean reusable) {
        if (!reusable || !cache.enabled() || (s.saslEnable() && sasl.senderDependent())) {
            cs.quit(s.quitTimeout());
            return;
        }
        try {
            cs.wire.stage("sending RSET", s.rsetTimeout());
            cs.wire.write("RSET");
            cs.wire.flush();
            if (!cs.wire.readReply().positive()) {
                cs.quit(s.quitTimeout());
                return;
            }
        } catch (java.io.IOException e) {
            cs.close();
            return;
        }
        cache.put(key, cs);
    }

    private static boolean pending(DeliveryResult[] res) {
        for (DeliveryResult r : res) if (r == null) return true;
        return false;
    }

    private static List<DeliveryResult> fill(DeliveryResult[] res, DeliveryResult r) {
        for (int i = 0; i < res.length; i++) if (res[i] == null) res[i] = r;
        return Arrays.asList(res);
    }

    @Override
    public void close() {
        sweeper.shutdownNow();
        cache.closeAll();
    }

}
