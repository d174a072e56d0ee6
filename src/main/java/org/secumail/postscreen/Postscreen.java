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
import org.secumail.table.Tables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * postscreen(8), built in: screens each connection of a service that master.cf runs as
 * "postscreen" before smtpd sees it, with Postfix's tests, actions and log lines:
 * <ol>
 * <li>postscreen_access_list: "permit" (permit_mynetworks, or a table's answer) passes at once
 *     ("ALLOWLISTED [addr]:port"); "reject" is logged "DENYLISTED" and handled by
 *     postscreen_denylist_action.</li>
 * <li>A client that passed before, within each test's time to live, passes ("PASS OLD").</li>
 * <li>Otherwise the DNSBL lookups of postscreen_dnsbl_sites start at once, "220-" and the
 *     postscreen_greet_banner go out, and postscreen waits postscreen_greet_wait: a client that
 *     talks first is logged "PREGREET n after t from [addr]:port: text" (postscreen_greet_action);
 *     one that hangs up, "HANGUP". Then the weights of the lists that list the client add up:
 *     at or above postscreen_dnsbl_threshold, "DNSBL rank n for [addr]:port"
 *     (postscreen_dnsbl_action); at or below a negative postscreen_dnsbl_allowlist_threshold the
 *     client passes every test.</li>
 * <li>A client that failed with "drop" gets 521 and the connection ends; with "enforce" it talks
 *     to {@link DummySmtp} (after the "220 " line, except for a client that talked first), which
 *     refuses every recipient with the test's reply; with "ignore" the
 *     failure is logged and the test is repeated next time. A client that passed every test is
 *     remembered ("PASS NEW") and handed to smtpd, whose "220 " line completes the greeting.</li>
 * </ol>
 * The deep protocol tests (pipelining, non-SMTP commands, bare newlines) and the haproxy
 * protocol are not implemented. The pass cache lives in memory, bounded.
 */
public final class Postscreen {
    static final Logger LOG = LoggerFactory.getLogger("secumail.postscreen");
    static final int MAX_CACHE = 100_000;

    private final PostscreenSettings settings;
    private final Resolver dns;
    private final NetworkMatchList mynetworks;
    private final List<Object> accessList = new ArrayList<>();
    private final ConcurrentHashMap<String, long[]> cache = new ConcurrentHashMap<>();

    /** What happened to a connection: hand it to smtpd (with what the client already sent), or it is done. */
    public record Outcome(boolean pass, byte[] pending) {
        static final Outcome DONE = new Outcome(false, new byte[0]);
    }

    public Postscreen(PostscreenSettings settings, Resolver dns, NetworkMatchList mynetworks, java.nio.file.Path configDir) {
        this.settings = settings;
        this.dns = dns;
        this.mynetworks = mynetworks;
        for (String e : settings.accessList()) {
            if (e.equalsIgnoreCase("permit_mynetworks")) accessList.add("permit_mynetworks");
            else accessList.add(Tables.open(e, configDir));
        }
    }

    private static String label(Socket s) {
        InetSocketAddress r = (InetSocketAddress) s.getRemoteSocketAddress();
        return "[" + r.getAddress().getHostAddress() + "]:" + r.getPort();
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

    /** Screens one new connection; on pass the caller runs smtpd on it. */
    public Outcome screen(Socket s) throws IOException {
        InetSocketAddress local = (InetSocketAddress) s.getLocalSocketAddress();
        String who = label(s);
        java.net.InetAddress addr = s.getInetAddress();
        String ip = addr.getHostAddress();
        LOG.info("CONNECT from {} to [{}]:{}", who, local.getAddress().getHostAddress(), local.getPort());
        String access = access(addr);
        if ("permit".equals(access)) {
            LOG.info("{} {}", settings.respectfulLogging() ? "ALLOWLISTED" : "WHITELISTED", who);
            return new Outcome(true, new byte[0]);
        }
        String enforceReply = null;
        if ("reject".equals(access)) {
            LOG.info("{} {}", settings.respectfulLogging() ? "DENYLISTED" : "BLACKLISTED", who);
            switch (settings.denylistAction()) {
                case "drop" -> {
                    return drop(s, who, "521 5.3.2 Service currently unavailable");
                }
                case "enforce" -> enforceReply = "550 5.3.2 Service currently unavailable";
                default -> { }
            }
        }
        long now = System.currentTimeMillis();
        long[] passed = cache.get(ip);
        boolean greetTest = !settings.greetBanner().isEmpty() || settings.greetWait().toMillis() > 0;
        boolean dnsblTest = !settings.dnsblSites().isEmpty();
        if (enforceReply == null && passed != null && (!greetTest || passed[0] > now) && (!dnsblTest || passed[1] > now)) {
            LOG.info("PASS OLD {}", who);
            return new Outcome(true, new byte[0]);
        }
        List<Future<DnsblQuery.Result>> lookups = new ArrayList<>();
        try (var exec = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (PostscreenSettings.Site site : settings.dnsblSites()) {
                lookups.add(exec.submit(() -> site.query().lookup(dns, site.query().nameFor(addr))));
            }
            OutputStream out = s.getOutputStream();
            boolean banner = !settings.greetBanner().isEmpty();
            if (banner) {
                out.write(("220-" + settings.greetBanner() + "\r\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
            ByteArrayOutputStream early = new ByteArrayOutputStream();
            long start = System.nanoTime();
            boolean hangup = waitForSilence(s, early, settings.greetWait().toMillis());
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (hangup && early.size() == 0) {
                LOG.info("HANGUP after {} from {} in tests before SMTP handshake", String.format(Locale.ROOT, "%.1f", elapsed), who);
                return Outcome.DONE;
            }
            boolean pregreet = early.size() > 0;
            if (pregreet) {
                LOG.info("PREGREET {} after {} from {}: {}", early.size(), String.format(Locale.ROOT, "%.2g", elapsed), who,
                        escape(early.toByteArray()));
                switch (settings.greetAction()) {
                    case "drop" -> {
                        return drop(s, who, "521 5.5.1 Protocol error");
                    }
                    case "enforce" -> { if (enforceReply == null) enforceReply = "550 5.5.1 Protocol error"; }
                    default -> { }
                }
            }
            int rank = 0;
            String firstList = null;
            for (int i = 0; i < lookups.size(); i++) {
                Future<DnsblQuery.Result> f = lookups.get(i);
                if (!f.isDone()) {
                    f.cancel(true);   // not answered within the greet wait: no score, as postscreen
                    continue;
                }
                try {
                    DnsblQuery.Result r = f.get();
                    if (r.listed()) {
                        rank += settings.dnsblSites().get(i).weight();
                        if (firstList == null && settings.dnsblSites().get(i).weight() > 0) firstList = settings.dnsblSites().get(i).query().zone();
                    }
                } catch (Exception e) {
                    // a failed lookup scores nothing
                }
            }
            boolean dnsblFail = dnsblTest && rank >= settings.dnsblThreshold();
            if (dnsblFail) {
                LOG.info("DNSBL rank {} for {}", rank, who);
                String reply = " 5.7.1 Service unavailable; client [" + ip + "] blocked using " + (firstList == null ? "DNSBL" : firstList);
                switch (settings.dnsblAction()) {
                    case "drop" -> {
                        return drop(s, who, "521" + reply);
                    }
                    case "enforce" -> { if (enforceReply == null) enforceReply = "550" + reply; }
                    default -> { }
                }
            }
            boolean allowlisted = settings.dnsblAllowlistThreshold() < 0 && dnsblTest && rank <= settings.dnsblAllowlistThreshold();
            if (enforceReply != null) {
                // postscreen_smtpd.c: "Send no SMTP banner to pregreeting clients"
                if (!pregreet) out.write(("220 " + settings.smtpdBanner() + "\r\n").getBytes(StandardCharsets.UTF_8));
                new DummySmtp(s, who, settings.hostname(), enforceReply, early.toByteArray()).run();
                return Outcome.DONE;
            }
            if (!pregreet && !dnsblFail || allowlisted) {
                long greetUntil = now + settings.greetTtl().toMillis();
                long dnsblUntil = now + settings.dnsblTtl().toMillis();
                if (allowlisted) greetUntil = dnsblUntil;
                remember(ip, new long[] {greetUntil, dnsblUntil});
                LOG.info("PASS NEW {}", who);
            }
            // "ignore" failures pass this time and are tested again next time
            return new Outcome(true, early.toByteArray());
        }
    }

    private void remember(String ip, long[] until) {
        if (cache.size() >= MAX_CACHE) {
            long now = System.currentTimeMillis();
            cache.values().removeIf(v -> v[0] < now && v[1] < now);
            var it = cache.keySet().iterator();
            while (cache.size() > MAX_CACHE * 3 / 4 && it.hasNext()) {
                it.next();
                it.remove();
            }
        }
        cache.put(ip, until);
    }

    int cacheSize() { return cache.size(); }

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

    private static Outcome drop(Socket s, String who, String reply) {
        try {
            s.getOutputStream().write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
        } catch (IOException ignored) {
            // the client is gone anyway
        }
        LOG.info("DISCONNECT {}", who);
        return Outcome.DONE;
    }

    /** What the client said, printable, CR and LF shown as \r and \n, as postscreen logs it. */
    static String escape(byte[] b) {
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
