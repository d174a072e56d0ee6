// SPDX-License-Identifier: Apache-2.0
package org.secumail.postscreen;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.secumail.dns.Resolver;
import org.secumail.dnsbl.DnsblQuery;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.NetworkMatchList;
import org.secumail.table.StringMatchList;
import org.secumail.table.Tables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * postscreen(8), built in: screens each connection of a service that master.cf runs as
 * "postscreen" before smtpd sees it, with Postfix's tests, actions and log lines:
 * <ol>
 * <li>postscreen_client_connection_count_limit: more connections from one address get "421 4.7.0
 *     Error: too many connections".</li>
 * <li>postscreen_access_list: "permit" (permit_mynetworks, or a table's answer) passes at once
 *     ("ALLOWLISTED [addr]:port"); "reject" is logged "DENYLISTED" and handled by
 *     postscreen_denylist_action.</li>
 * <li>The temporary allowlist ({@link PostscreenCache}, postscreen_cache_map): a client whose
 *     enabled tests all passed within their time to live passes ("PASS OLD").</li>
 * <li>Before the handshake: the DNSBL lookups of postscreen_dnsbl_sites start at once, "220-"
 *     and the postscreen_greet_banner go out, and postscreen waits postscreen_greet_wait: a
 *     client that talks first is logged "PREGREET n after t from [addr]:port: text"
 *     (postscreen_greet_action); one that hangs up, "HANGUP". The weights of the lists that
 *     list the client add up: at or above postscreen_dnsbl_threshold, "DNSBL rank n for
 *     [addr]:port" (postscreen_dnsbl_action); at or below a negative
 *     postscreen_dnsbl_allowlist_threshold the client passes every other test.</li>
 * <li>After the handshake, when postscreen_pipelining_enable, postscreen_non_smtp_command_enable
 *     or postscreen_bare_newline_enable ask for it, or a test failed with "enforce":
 *     {@link DummySmtp}.</li>
 * <li>"drop" ends the connection with a 521 reply, "enforce" refuses every recipient with the
 *     test's 550 reply, "ignore" logs the failure and tests again next time. A client that
 *     passed every test is remembered ("PASS NEW"); when no deep test is pending it goes to
 *     smtpd on the same connection, whose "220 " line completes the greeting.</li>
 * </ol>
 */
public final class Postscreen implements AutoCloseable {
    static final Logger LOG = LoggerFactory.getLogger("secumail.postscreen");

    final PostscreenSettings settings;
    private final Resolver dns;
    private final NetworkMatchList mynetworks;
    private final List<Object> accessList = new ArrayList<>();
    private final PostscreenCache cache;
    private final StringMatchList forbidden;
    private final LookupTable dnsblReplyMap;
    private final ConcurrentHashMap<String, Integer> concurrency = new ConcurrentHashMap<>();

    /** What happened to a connection: hand it to smtpd (with what the client already sent), or it is done. */
    public record Outcome(boolean pass, byte[] pending, org.secumail.smtpd.ProxyProtocol.Endpoints endpoints) {
        static final Outcome DONE = new Outcome(false, new byte[0], null);
    }

    /** The service's TLS, for STARTTLS in the dummy engine (postscreen_tls_security_level follows smtpd's). */
    final org.secumail.tls.ServerTls tls;

    public Postscreen(PostscreenSettings settings, Resolver dns, NetworkMatchList mynetworks, java.nio.file.Path configDir) {
        this(settings, dns, mynetworks, configDir, org.secumail.tls.ServerTls.none());
    }

    public Postscreen(PostscreenSettings settings, Resolver dns, NetworkMatchList mynetworks, java.nio.file.Path configDir,
                      org.secumail.tls.ServerTls tls) {
        this(settings, dns, mynetworks, configDir, tls, null);
    }

    /**
     * After a reload: takes over previous's cache when the new settings name the same map with
     * the same retention (one open database, no client tested twice because of a reload).
     */
    public Postscreen(PostscreenSettings settings, Resolver dns, NetworkMatchList mynetworks, java.nio.file.Path configDir,
                      org.secumail.tls.ServerTls tls, Postscreen previous) {
        this.settings = settings;
        this.tls = tls;
        this.dns = dns;
        this.mynetworks = mynetworks;
        for (String e : settings.accessList) {
            if (e.equalsIgnoreCase("permit_mynetworks")) accessList.add("permit_mynetworks");
            else accessList.add(Tables.open(e, configDir));
        }
        this.forbidden = StringMatchList.of(settings.forbiddenCommands, configDir);
        this.dnsblReplyMap = settings.dnsblReplyMap.isEmpty() ? null : Tables.open(settings.dnsblReplyMap, configDir);
        PostscreenCache kept = previous == null ? null : previous.handOver(settings);
        this.cache = kept != null ? kept : PostscreenCache.open(settings);
        this.tookOverFrom = kept != null ? previous : null;
    }

    /** The postscreen whose cache this one took over, or null. */
    private final Postscreen tookOverFrom;

    /** A reload that failed after this was built: the cache goes back to the postscreen still in use. */
    public void abandon() {
        if (tookOverFrom == null) {
            close();
            return;
        }
        ownsCache = false;
        tookOverFrom.ownsCache = true;
    }

    /** false once a newer postscreen took the cache over: closing this one leaves it open. */
    private volatile boolean ownsCache = true;

    private synchronized PostscreenCache handOver(PostscreenSettings next) {
        if (cache == null || !ownsCache || !cache.sameAs(next)) return null;
        ownsCache = false;
        return cache;
    }

    @Override
    public synchronized void close() {
        if (cache != null && ownsCache) cache.close();
    }

    /** postscreen_access_list: "permit", "reject" or null (no decision). */
    private String access(java.net.InetAddress addr) {
        for (Object e : accessList) {
            try {
                if (e instanceof String) {
                    if (mynetworks.matches(addr, "unknown")) return "permit";
                } else {
                    var v = ((LookupTable) e).lookup(addr.getHostAddress());
                    if (v.isPresent()) {
                        String a = v.get().strip().toLowerCase(Locale.ROOT);
                        if (a.startsWith("permit")) return "permit";
                        if (a.startsWith("reject")) return "reject";
                        if (!a.startsWith("dunno")) LOG.warn("warning: postscreen_access_list: unknown action \"{}\"", v.get());
                    }
                }
            } catch (LookupException ex) {
                LOG.warn("warning: postscreen_access_list lookup for {} failed: {}", addr.getHostAddress(), ex.getMessage());
            }
        }
        return null;
    }

    boolean tlsOffered() {
        return tls.enabled() && !tls.wrapperMode && tls.level != org.secumail.tls.ServerTls.Level.NONE;
    }

    boolean tlsRequired() {
        return tlsOffered() && tls.level == org.secumail.tls.ServerTls.Level.ENCRYPT;
    }

    boolean forbidden(String command) {
        return forbidden.matches(command);
    }

    /**
     * Screens one new connection; on pass the caller runs smtpd on it. With
     * postscreen_upstream_proxy_protocol = haproxy the proxy's header comes first; without it
     * the client gets "421 4.3.2 No system resources", as from postscreen.
     */
    public Outcome screen(Socket s) throws IOException {
        org.secumail.smtpd.ProxyProtocol.Endpoints e = null;
        if (!settings.upstreamProxyProtocol.isEmpty()) {
            try {
                e = org.secumail.smtpd.ProxyProtocol.read(s, settings.upstreamProxyTimeout, settings.families);
            } catch (java.net.SocketTimeoutException ex) {
                LOG.warn("warning: haproxy read: time limit exceeded");
            } catch (org.secumail.smtpd.ProxyProtocol.ProxyException ex) {
                LOG.warn("warning: haproxy read: {}", ex.getMessage());
            }
            if (e == null) {
                try {
                    s.getOutputStream().write("421 4.3.2 No system resources\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                } catch (IOException ignored) {
                    // the client is gone anyway
                }
                return Outcome.DONE;
            }
        }
        Outcome o = screen(s, e == null ? (InetSocketAddress) s.getRemoteSocketAddress() : e.client(),
                e == null ? (InetSocketAddress) s.getLocalSocketAddress() : e.server());
        return o.pass() && e != null ? new Outcome(true, o.pending(), e) : o;
    }

    private Outcome screen(Socket s, InetSocketAddress client, InetSocketAddress server) throws IOException {
        ScreenState state = new ScreenState(s, client);
        LOG.info("CONNECT from {} to [{}]:{}", state.who, server.getAddress().getHostAddress(), server.getPort());
        int count = concurrency.merge(state.ip, 1, Integer::sum);
        try {
            return screenState(state, client.getAddress(), count);
        } finally {
            concurrency.computeIfPresent(state.ip, (k, v) -> v <= 1 ? null : v - 1);
        }
    }

    private Outcome screenState(ScreenState state, java.net.InetAddress addr, int count) throws IOException {
        long now = System.currentTimeMillis() / 1000;
        if (settings.connectionCountLimit > 0 && count > settings.connectionCountLimit) {
            LOG.info("NOQUEUE: reject: CONNECT from {}: too many connections", state.who);
            return drop(state, "421 4.7.0 Error: too many connections");
        }
        String access = access(addr);
        if ("permit".equals(access)) {
            LOG.info("{} {}", settings.respectfulLogging ? "ALLOWLISTED" : "WHITELISTED", state.who);
            return conclude(state);
        }
        if ("reject".equals(access)) {
            LOG.info("{} {}", settings.respectfulLogging ? "DENYLISTED" : "BLACKLISTED", state.who);
            state.denylistFail = true;
            switch (settings.denylistAction) {
                case "drop" -> {
                    return drop(state, "521 5.3.2 Service currently unavailable");
                }
                case "enforce" -> {
                    state.rcptReply = "550 5.3.2 Service currently unavailable";
                    state.noforward = true;
                }
                default -> state.denylistFail = false;   // tested again next time
            }
        }
        String record = !state.anyFail() && cache != null ? cache.lookup(state.ip) : null;
        if (record != null) {
            state.parse(record);
            boolean deny = state.denylistFail;
            state.todoTests(settings, now);
            state.denylistFail = deny;
            if (!state.anyTodo() && !state.anyFail() && !state.noforward) {
                LOG.info("PASS OLD {}", state.who);
                return conclude(state);
            }
        } else {
            state.newTests();
            state.todoTests(settings, now);
        }
        if (state.earlyTodo()) return earlyTests(state, addr);
        if (state.smtpdTodo() || state.noforward) {
            new DummySmtp(this, state).run();
            return Outcome.DONE;
        }
        return conclude(state);
    }

    /** The pregreet and DNSBL tests (postscreen_early.c). */
    private Outcome earlyTests(ScreenState state, java.net.InetAddress addr) throws IOException {
        state.begin("tests before SMTP handshake");
        List<Future<DnsblQuery.Result>> lookups = new ArrayList<>();
        try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            if (state.todo[ScreenState.DNSBL]) {
                for (PostscreenSettings.Site site : settings.dnsblSites) {
                    lookups.add(exec.submit(() -> site.query().lookup(dns, site.query().nameFor(addr))));
                }
            }
            OutputStream out = state.socket.getOutputStream();
            if (state.todo[ScreenState.PREGR]) {
                out.write(("220-" + settings.greetBanner + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            ByteArrayOutputStream early = new ByteArrayOutputStream();
            boolean hangup;
            if (state.todo[ScreenState.PREGR]) {
                hangup = waitForSilence(state.socket, early, settings.greetWait.toMillis());
            } else {
                // only the DNS lists: wait for their answers, at most the greet wait
                hangup = false;
                long end = System.nanoTime() + settings.greetWait.toNanos();
                for (Future<DnsblQuery.Result> f : lookups) {
                    try {
                        f.get(Math.max(0, end - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
                    } catch (Exception e) {
                        // unanswered in time or failed: no score
                    }
                }
            }
            if (hangup && early.size() == 0) {
                hangup(state);
                return Outcome.DONE;
            }
            state.early = early.toByteArray();
            long now = System.currentTimeMillis() / 1000;
            if (state.early.length > 0) {
                LOG.info("PREGREET {} after {} from {}: {}", state.early.length, state.elapsed(), state.who, escape(state.early));
                state.failed(ScreenState.PREGR);
                switch (settings.greetAction) {
                    case "drop" -> {
                        return drop(state, "521 5.5.1 Protocol error");
                    }
                    case "enforce" -> {
                        state.rcptReply = "550 5.5.1 Protocol error";
                        state.noforward = true;
                    }
                    default -> state.fail[ScreenState.PREGR] = false;   // tested again next time
                }
            } else if (state.todo[ScreenState.PREGR]) {
                state.pass[ScreenState.PREGR] = true;
                state.expire[ScreenState.PREGR] = now + settings.ttl[ScreenState.PREGR].toSeconds();
            }
            if (state.todo[ScreenState.DNSBL]) {
                Outcome o = dnsblVerdict(state, lookups, now);
                if (o != null) return o;
            }
        }
        if (state.noforward || !state.smtpdAllPassed()) {
            new DummySmtp(this, state).run();
            return Outcome.DONE;
        }
        return conclude(state);
    }

    /** Adds up the weights of the lists that list the client; a non-null result ends the session. */
    private Outcome dnsblVerdict(ScreenState state, List<Future<DnsblQuery.Result>> lookups, long now) throws IOException {
        int rank = 0;
        String name = null;
        int nameWeight = Integer.MIN_VALUE;
        for (int i = 0; i < lookups.size(); i++) {
            Future<DnsblQuery.Result> f = lookups.get(i);
            if (!f.isDone()) {
                f.cancel(true);   // not answered within the greet wait: no score, as postscreen
                continue;
            }
            try {
                DnsblQuery.Result r = f.get();
                PostscreenSettings.Site site = settings.dnsblSites.get(i);
                if (r.listed()) {
                    rank += site.weight();
                    if (name == null || nameWeight < site.weight()) {
                        name = site.query().zone();
                        nameWeight = site.weight();
                    }
                }
            } catch (Exception e) {
                // a failed lookup scores nothing
            }
        }
        long ttl = Math.max(settings.dnsblMinTtl.toSeconds(), settings.dnsblMaxTtl.toSeconds());
        if (settings.dnsblAllowlistThreshold < 0 && !state.anyFail() && rank < settings.dnsblThreshold
                && rank <= settings.dnsblAllowlistThreshold) {
            // psc_allowlist_non_dnsbl: the other tests pass for as long as the DNSBL pass
            for (int i = 0; i < ScreenState.COUNT; i++) {
                if (i == ScreenState.DNSBL) continue;
                if (state.todo[i] && !state.pass[i]) state.pass[i] = true;
                if (state.expire[i] < now + ttl) state.expire[i] = now + ttl;
            }
        }
        if (rank < settings.dnsblThreshold) {
            state.expire[ScreenState.DNSBL] = now + ttl;
            state.pass[ScreenState.DNSBL] = true;
            return null;
        }
        LOG.info("DNSBL rank {} for {}", rank, state.who);
        state.failed(ScreenState.DNSBL);
        String reply = " 5.7.1 Service unavailable; client [" + state.ip + "] blocked using " + safeName(name);
        switch (settings.dnsblAction) {
            case "drop" -> {
                return drop(state, "521" + reply);
            }
            case "enforce" -> {
                state.rcptReply = "550" + reply;
                state.noforward = true;
            }
            default -> state.fail[ScreenState.DNSBL] = false;   // tested again next time
        }
        return null;
    }

    /** postscreen_dnsbl_reply_map: the name shown for a list, to keep its query name private. */
    private String safeName(String zone) {
        if (zone == null) return "DNSBL";
        if (dnsblReplyMap != null) {
            try {
                var v = dnsblReplyMap.lookup(zone);
                if (v.isPresent()) return v.get().strip();
            } catch (LookupException e) {
                LOG.warn("warning: postscreen_dnsbl_reply_map lookup for {}: {}", zone, e.getMessage());
            }
        }
        return zone;
    }

    /** The client hung up (psc_hangup_event): logged with the phase, never a failure. */
    void hangup(ScreenState state) throws IOException {
        LOG.info("HANGUP after {} from {} in {}", state.elapsed(), state.who, state.testName);
        state.hangup = true;
        state.noforward = true;
        conclude(state);
    }

    private Outcome drop(ScreenState state, String reply) throws IOException {
        state.noforward = true;
        state.finalReply = reply;
        return conclude(state);
    }

    /**
     * psc_conclude: logs the final blessing when every test to do passed, writes the passed
     * tests to the cache, then hands the connection to smtpd or says goodbye.
     */
    Outcome conclude(ScreenState state) throws IOException {
        if (state.anyFail()) java.util.Arrays.fill(state.pass, false);
        if (state.anyPass() && state.allPassed()) LOG.info("PASS {} {}", state.isNew ? "NEW" : "OLD", state.who);
        if (state.anyPass() && cache != null) cache.update(state.ip, state.record(settings));
        if (!state.noforward) return new Outcome(true, state.early, null);
        if (!state.hangup) {
            try {
                state.socket.getOutputStream().write((state.finalReply + "\r\n").getBytes(StandardCharsets.UTF_8));
                state.socket.getOutputStream().flush();
            } catch (IOException ignored) {
                // the client is gone anyway
            }
        }
        LOG.info("DISCONNECT {}", state.who);
        return Outcome.DONE;
    }

    int cacheSize() { return cache == null ? 0 : cache.count(); }

    /**
     * Waits up to {@code millis} for the client to stay silent; what it sends in that time goes
     * into {@code early} (at most 1 KB is kept). Returns true when the client hung up.
     */
    private static boolean waitForSilence(Socket s, ByteArrayOutputStream early, long millis) throws IOException {
        InputStream in = s.getInputStream();
        long end = System.nanoTime() + millis * 1_000_000L;
        byte[] buf = new byte[1024];
        int saved = s.getSoTimeout();
        try {
            while (true) {
                long left = (end - System.nanoTime()) / 1_000_000L;
                if (left <= 0) return false;
                s.setSoTimeout((int) Math.max(1, left));
                int n;
                try {
                    n = in.read(buf);
                } catch (java.net.SocketTimeoutException e) {
                    return false;
                }
                if (n < 0) return true;
                early.write(buf, 0, Math.min(n, Math.max(0, 1024 - early.size())));
            }
        } finally {
            s.setSoTimeout(saved);
        }
    }

    /** What the client said, printable, CR and LF shown as \r and \n, as postscreen logs it. */
    public static String escape(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < b.length && sb.length() < 100; i++) {
            int c = b[i] & 0xff;
            if (c == '\r') sb.append("\\r");
            else if (c == '\n') sb.append("\\n");
            else if (c < 32 || c > 126) sb.append(String.format(Locale.ROOT, "\\%03o", c));
            else sb.append((char) c);
        }
        return sb.toString();
    }
}
