// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import static org.secumail.milter.MilterProtocol.*;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.secumail.config.MainConfig;
import org.secumail.content.ContentChecks;
import org.secumail.content.HeaderField;
import org.secumail.smtpd.Reply;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.smtpd.check.RestrictionList;
import org.secumail.smtpd.check.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code secumail milter}: the filter side of the milter protocol, so that a real Postfix
 * ({@code smtpd_milters = inet:127.0.0.1:PORT}) uses SecuMail's checks. Each stage's list
 * (secumail_milter_client_restrictions ... secumail_milter_end_of_data_restrictions) is
 * evaluated with main.cf's restrictions when its event arrives, and the content checks of
 * main.cf (DKIM verify and sign, ARC, DMARC, antivirus, spam) run at end of message; see
 * {@link MilterSession}. One virtual thread per MTA connection.
 *
 * <p>Negotiation: protocol 6; actions SMFIF_ADDHDRS, SMFIF_CHGHDRS and SMFIF_QUARANTINE; the
 * header values with their leading space (SMFIP_HDR_LEADSPC) when the MTA offers it, so the
 * message is checked, and signed, as it was sent. An MTA that sends a malformed packet (a
 * length out of range, a command out of place, a short packet) loses the connection, with a
 * log line.
 */
public final class MilterServer implements AutoCloseable {
    final Logger log = LoggerFactory.getLogger("secumail.milter");
    final CheckSettings settings;
    final ContentChecks content;
    final Map<Stage, RestrictionList> lists = new EnumMap<>(Stage.class);
    final long sizeLimit;
    final Path spoolDirectory;
    private final ServerSocketChannel channel;
    private final SocketAddress bound;

    static final String[][] PARAMETERS = {
        {"secumail_milter_client_restrictions", "CLIENT"},
        {"secumail_milter_helo_restrictions", "HELO"},
        {"secumail_milter_sender_restrictions", "SENDER"},
        {"secumail_milter_recipient_restrictions", "RECIPIENT"},
        {"secumail_milter_data_restrictions", "DATA"},
        {"secumail_milter_end_of_data_restrictions", "END_OF_DATA"},
    };

    public MilterServer(MainConfig cfg, CheckSettings settings, ContentChecks content, SocketAddress bind) throws IOException {
        this.settings = settings;
        this.content = content;
        for (String[] p : PARAMETERS) {
            lists.put(Stage.valueOf(p[1]), settings.registry().parse(p[0], cfg.list(p[0]), settings));
        }
        this.sizeLimit = cfg.longValue("message_size_limit");
        this.spoolDirectory = Path.of(System.getProperty("java.io.tmpdir"));
        if (bind instanceof UnixDomainSocketAddress u) {
            Files.deleteIfExists(u.getPath());   // a stale socket file from an earlier run
            channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        } else {
            channel = ServerSocketChannel.open();
            channel.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
        }
        channel.bind(bind, 256);
        bound = channel.getLocalAddress();
        Thread.ofPlatform().daemon(true).name("milter-accept").start(this::accept);
        log.info("milter service listening on {}", bound);
    }

    /** The TCP port bound (for tests), or -1 for a unix-domain socket. */
    public int port() { return bound instanceof java.net.InetSocketAddress i ? i.getPort() : -1; }

    private void accept() {
        while (channel.isOpen()) {
            try {
                SocketChannel s = channel.accept();
                Thread.ofVirtual().name("milter").start(() -> serve(s));
            } catch (IOException e) {
                if (!channel.isOpen()) return;
                log.warn("warning: milter accept: {}", e.getMessage());
            }
        }
    }

    private void serve(SocketChannel ch) {
        MilterSession session = new MilterSession(this);
        String peer = "unknown";
        try (ch) {
            peer = String.valueOf(ch.getRemoteAddress());
            DataInputStream in = new DataInputStream(new BufferedInputStream(Channels.newInputStream(ch), 64 * 1024));
            OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 16 * 1024);
            while (true) {
                Packet p;
                try {
                    p = MilterProtocol.read(in);
                } catch (EOFException e) {
                    return;
                }
                if (!handle(session, p, out)) return;
                out.flush();
            }
        } catch (ProtocolException e) {
            log.warn("warning: milter: malformed packet from {}: {}; connection closed", peer, e.getMessage());
        } catch (IOException e) {
            log.info("milter: lost connection with {}: {}", peer, e.getMessage());
        } catch (RuntimeException e) {
            log.error("milter: error serving {}", peer, e);
        } finally {
            session.closeSpool();
        }
    }

    /** Handles one packet; false ends the connection (SMFIC_QUIT). */
    private boolean handle(MilterSession s, Packet p, OutputStream out) throws IOException {
        switch (p.command()) {
            case SMFIC_OPTNEG -> {
                int version = p.int32(0);
                int offered = p.int32(8);
                if (version < 2) throw new ProtocolException("protocol version " + version);
                int want = SMFIP_HDR_LEADSPC & offered;
                s.headerLeadingSpace = want != 0;
                write(out, SMFIC_OPTNEG, new Data().int32(Math.min(version, VERSION))
                        .int32(SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE).int32(want).build());
            }
            case SMFIC_MACRO -> {
                if (p.data().length < 1) throw new ProtocolException("empty macro packet");
                s.macros(p.strings(1));
            }
            case SMFIC_CONNECT -> {
                List<String> st = p.strings(0);
                if (st.isEmpty()) throw new ProtocolException("connect packet without a host name");
                String host = st.get(0);
                int at = host.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 1;
                String addr = "";
                if (p.data().length > at) {
                    byte family = p.data()[at];
                    if (family != SMFIA_UNKNOWN) {
                        if (p.data().length < at + 3) throw new ProtocolException("short connect packet");
                        List<String> a = p.strings(at + 3);
                        addr = a.isEmpty() ? "" : a.get(0);
                    }
                }
                answer(out, s.connect(host, addr));
            }
            case SMFIC_HELO -> answer(out, s.helo(first(p)));
            case SMFIC_MAIL -> answer(out, s.mail(p.strings(0)));
            case SMFIC_RCPT -> answer(out, s.rcpt(p.strings(0)));
            case SMFIC_DATA -> answer(out, s.data());
            case SMFIC_HEADER -> {
                List<String> st = p.strings(0);
                if (st.isEmpty()) throw new ProtocolException("header packet without a name");
                s.header(st.get(0), st.size() > 1 ? st.get(1) : "");
                write(out, SMFIR_CONTINUE, new byte[0]);
            }
            case SMFIC_EOH -> {
                s.endOfHeaders();
                write(out, SMFIR_CONTINUE, new byte[0]);
            }
            case SMFIC_BODY -> {
                s.body(p.data());
                write(out, SMFIR_CONTINUE, new byte[0]);
            }
            case SMFIC_BODYEOB -> {
                if (p.data().length > 0) s.body(p.data());   // Sendmail's EOB may carry the last chunk
                endOfMessage(s, out);
            }
            case SMFIC_UNKNOWN -> write(out, SMFIR_CONTINUE, new byte[0]);
            case SMFIC_ABORT -> s.reset();
            case SMFIC_QUIT -> {
                return false;
            }
            case SMFIC_QUIT_NC -> s.reset();
            default -> throw new ProtocolException("unknown command " + MilterProtocol.name(p.command(), true));
        }
        return true;
    }

    private static String first(Packet p) {
        List<String> s = p.strings(0);
        return s.isEmpty() ? "" : s.get(0);
    }

    private void endOfMessage(MilterSession s, OutputStream out) throws IOException {
        MilterSession.EndResult r;
        try {
            r = s.endOfMessage();
        } finally {
            s.closeSpool();
        }
        if (r.refuse() != null) {
            write(out, SMFIR_REPLYCODE, replyCode(r.refuse()));
            return;
        }
        if (r.discard()) {
            write(out, SMFIR_DISCARD, new byte[0]);
            return;
        }
        for (MilterSession.Deletion d : r.deletes()) {
            write(out, SMFIR_CHGHEADER, new Data().int32(d.index()).str(d.name()).str("").build());
        }
        List<HeaderField> ins = r.inserts();
        for (int i = ins.size() - 1; i >= 0; i--) {   // each at the top: the first ends up first
            HeaderField h = ins.get(i);
            String v = h.rawValue().replace("\r\n", "\n");
            if (!s.headerLeadingSpace && v.startsWith(" ")) v = v.substring(1);
            write(out, SMFIR_INSHEADER, new Data().int32(0).str(h.name()).str(v).build());
        }
        if (r.hold() != null) {
            s.log("milter-hold", "END-OF-MESSAGE", r.hold());
            write(out, SMFIR_QUARANTINE, new Data().str(r.hold()).build());
        } else {
            s.log("milter-accept", "END-OF-MESSAGE", ins.size() + " header(s) added, " + r.deletes().size() + " removed");
        }
        write(out, SMFIR_CONTINUE, new byte[0]);
    }

    private static void answer(OutputStream out, Reply r) throws IOException {
        if (r == null) write(out, SMFIR_CONTINUE, new byte[0]);
        else write(out, SMFIR_REPLYCODE, replyCode(r));
    }

    /** A Reply as SMFIR_REPLYCODE text: "550-5.7.1 a" CRLF "550 5.7.1 b", '%' doubled for Sendmail's format. */
    static byte[] replyCode(Reply r) {
        String wire = new String(r.wire(), java.nio.charset.StandardCharsets.UTF_8);
        if (wire.endsWith("\r\n")) wire = wire.substring(0, wire.length() - 2);
        return new Data().str(wire.replace("%", "%%")).build();
    }

    private static void write(OutputStream out, byte cmd, byte[] data) throws IOException {
        MilterProtocol.write(out, cmd, data);
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
