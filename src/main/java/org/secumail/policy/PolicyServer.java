// SPDX-License-Identifier: Apache-2.0
package org.secumail.policy;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.secumail.config.MainConfig;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.RestrictionList;
import org.secumail.smtpd.check.Stage;
import org.secumail.smtpd.check.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * "secumail policyd": the server side of Postfix's policy delegation protocol
 * (SMTPD_POLICY_README), so that a real Postfix uses SecuMail's checks as it uses postgrey:
 * {@code check_policy_service inet:127.0.0.1:10023}. Each request's attributes become a
 * session context; secumail_policyd_restrictions (default: check_greylist) is evaluated with
 * the restrictions of main.cf (check_greylist, check_spf, reject_rbl_client ...); the verdict
 * becomes one action: DUNNO, OK, "NNN d.d.d text", DEFER_IF_PERMIT text, WARN, HOLD, DISCARD or
 * PREPEND header (Postfix adds its own "<address>: ... rejected:" prefix to a reject text, so
 * SecuMail's is removed). One virtual thread per connection; connections are kept open for
 * more requests, as Postfix reuses them.
 */
public final class PolicyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.policyd");
    private static final Pattern OUR_PREFIX = Pattern.compile("^<[^>]*>: [A-Za-z -]+ rejected: ");
    private static final int MAX_REQUEST = 64 * 1024;
    private static final Pattern NUMERIC_ADDRESS = Pattern.compile("[0-9A-Fa-f:.]+");

    private final CheckSettings settings;
    private final RestrictionList list;
    private final ServerSocket socket;

    public PolicyServer(MainConfig cfg, CheckSettings settings, InetSocketAddress bind) throws IOException {
        this.settings = settings;
        this.list = settings.registry().parse("secumail_policyd_restrictions", cfg.list("secumail_policyd_restrictions"), settings);
        this.socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(bind, 256);
        Thread.ofPlatform().daemon(true).name("policyd-accept").start(this::accept);
        LOG.info("policy service listening on {}", socket.getLocalSocketAddress());
    }

    public int port() { return socket.getLocalPort(); }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket s = socket.accept();
                Thread.ofVirtual().name("policyd").start(() -> serve(s));
            } catch (IOException e) {
                if (socket.isClosed()) return;
                LOG.warn("warning: accept: {}", e.getMessage());
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout((int) settings.config().duration("smtpd_policy_service_max_idle").toMillis());
            // buffered: one read(2) per request, not one per octet
            InputStream in = new java.io.BufferedInputStream(s.getInputStream(), 4096);
            OutputStream out = new BufferedOutputStream(s.getOutputStream(), 512);
            while (true) {
                Map<String, String> req = readRequest(in);
                if (req == null) return;
                String action = decide(req);
                out.write(("action=" + action + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException e) {
            // the client went away or idled out
        }
    }

    /**
     * One request (name=value lines up to an empty line; values are UTF-8), or null at end of
     * input. At most MAX_REQUEST octets.
     */
    static Map<String, String> readRequest(InputStream in) throws IOException {
        Map<String, String> req = new HashMap<>();
        byte[] line = new byte[512];
        int len = 0;
        int total = 0;
        int c;
        while ((c = in.read()) >= 0) {
            if (++total > MAX_REQUEST) throw new IOException("policy request too long");
            if (c != '\n') {
                if (len == line.length) line = java.util.Arrays.copyOf(line, len * 2);
                line[len++] = (byte) c;
                continue;
            }
            int end = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
            len = 0;
            if (end == 0) return req;
            int eq = -1;
            for (int i = 0; i < end; i++) {
                if (line[i] == '=') {
                    eq = i;
                    break;
                }
            }
            if (eq > 0) {
                req.put(new String(line, 0, eq, StandardCharsets.ISO_8859_1), new String(line, eq + 1, end - eq - 1, StandardCharsets.UTF_8));
            }
        }
        return null;
    }

    String decide(Map<String, String> req) {
        if (!"smtpd_access_policy".equals(req.get("request"))) return "DUNNO";
        CheckContext c = new CheckContext(settings);
        try {
            String addr = req.getOrDefault("client_address", "");
            if (NUMERIC_ADDRESS.matcher(addr).matches()) {
                c.clientAddress = InetAddress.getByName(addr);
                c.clientAddr = addr;
            }
        } catch (IOException e) {
            return "DUNNO";
        }
        c.clientName = req.getOrDefault("client_name", "unknown");
        c.clientNameStatus = c.clientName.equals("unknown") ? 5 : 2;
        c.reverseName = req.getOrDefault("reverse_client_name", "unknown");
        c.reverseNameStatus = c.reverseName.equals("unknown") ? 5 : 2;
        c.helo = emptyToNull(req.get("helo_name"));
        c.sender = req.getOrDefault("sender", "");
        c.recipient = emptyToNull(req.get("recipient"));
        c.saslUser = emptyToNull(req.get("sasl_username"));
        c.protocol = req.getOrDefault("protocol_name", "SMTP");
        c.command = req.getOrDefault("protocol_state", "RCPT");
        c.queueId = req.getOrDefault("queue_id", "");
        c.instance = req.getOrDefault("instance", "");
        c.stage = Stage.RECIPIENT;
        c.replyName = c.recipient == null ? "" : c.recipient;
        c.replyClass = CheckContext.RECIPIENT;
        Verdict v = list.evaluate(c);
        String action = switch (v) {
            case Verdict.Reject r -> r.reply().code() + " " + (r.reply().enhanced().isEmpty() ? "" : r.reply().enhanced() + " ")
                    + OUR_PREFIX.matcher(r.reply().text()).replaceFirst("");
            case Verdict.Permit p -> "OK";
            case Verdict.Discard d -> "DISCARD " + d.text();
            default -> c.deferIfPermit != null ? "DEFER_IF_PERMIT " + OUR_PREFIX.matcher(c.deferIfPermit.text()).replaceFirst("")
                    : c.hold != null ? "HOLD " + c.hold
                    : c.redirect != null ? "REDIRECT " + c.redirect
                    : !c.prepends.isEmpty() ? "PREPEND " + c.prepends.get(0)
                    : !c.warnings.isEmpty() ? "WARN " + c.warnings.get(0)
                    : "DUNNO";
        };
        LOG.info("{}: client={}[{}], from=<{}>, to=<{}>: action={}", c.queueId.isEmpty() ? "NOQUEUE" : c.queueId, c.clientName,
                c.clientAddr, c.sender, c.recipient == null ? "" : c.recipient, action);
        return action.replace('\n', ' ');
    }

    private static String emptyToNull(String v) { return v == null || v.isEmpty() ? null : v; }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
