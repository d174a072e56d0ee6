// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import static org.secumail.milter.MilterProtocol.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import org.secumail.content.HeaderField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP session's conversation with one milter (Sendmail milter protocol 6), with the
 * states and answers of Postfix's milter8.c: the connection is opened and negotiated at the
 * SMTP connect, each SMTP stage is one event, and the message goes as headers, end of
 * headers, body chunks and end of body, after which the milter's changes arrive.
 *
 * <p>Answers: "go on" is null; an accept at connect or HELO means no more events in this
 * session, elsewhere no more for this message; a reject, tempfail or reply code at connect or
 * HELO is kept and given again at every MAIL FROM (Sendmail's behaviour, which Postfix
 * copies). A milter that cannot be reached, breaks the protocol, sends an oversized packet or
 * stays silent beyond its timeout is closed and from then on answers with
 * milter_default_action for the rest of the session; a malformed reply or edit request is
 * a configuration error (451 4.3.5, or 421 under "shutdown"). Every such event is logged.
 *
 * <p>Changes a milter did not announce in negotiation are carried out anyway, as Postfix 3.7
 * does (milter8.c checks only that the announced set is one it supports); SecuMail logs a
 * warning for each, naming the action.
 */
public final class MilterClient implements AutoCloseable {
    static final Logger LOG = LoggerFactory.getLogger("secumail.milter");
    /** Edit requests accepted in one end-of-body reply; more is a broken milter. */
    static final int MAX_EDITS = 100_000;

    private enum State { CLOSED, READY, ENVELOPE, MESSAGE, ACCEPT_CON, ACCEPT_MSG, REJECT_CON, ERROR }

    private final MilterDefinition def;
    private final Function<String, String> macroValues;
    private MilterMacros.Lists macros;
    private MilterLink link;
    private State state = State.CLOSED;
    /** The persistent answer after an error or a connect-time rejection. */
    private MilterReply defReply;
    private int version;
    private int actions;
    private int steps;
    /** Steps not in the protocol version spoken: never sent. */
    private int notInProtocol;
    private byte skipEvent;
    private String queueId = "NOQUEUE";

    /**
     * @param macroValues the session's macro values by name ("{client_addr}" → "192.0.2.1"),
     *                    null for a macro without a value
     */
    public MilterClient(MilterDefinition def, Function<String, String> macroValues) {
        this.def = def;
        this.macroValues = macroValues;
        this.macros = def.macros();
    }

    public String name() { return def.name(); }

    /** For log lines: the queue ID once there is one. */
    public void queueId(String id) { this.queueId = id == null || id.isEmpty() ? "NOQUEUE" : id; }

    /** The actions the milter announced (SMFIF_*), after negotiation. */
    int actions() { return actions; }

    boolean sends(int step) { return (steps & step) != 0; }

    // ---- errors, as milter8_comm_error and milter8_conf_error

    private MilterReply commError(String why) {
        LOG.warn("warning: milter {}: {}", def.name(), why);
        closeLink();
        defReply = switch (def.defaultAction()) {
            case "accept" -> null;
            case "reject" -> MilterReply.reply("550 5.5.0 Service unavailable");
            case "shutdown" -> MilterReply.reply("421 4.7.1 Service unavailable - try again later");
            case "quarantine" -> MilterReply.hold("default_action");
            default -> MilterReply.reply("451 4.7.1 Service unavailable - try again later");
        };
        state = State.ERROR;
        return defReply;
    }

    private MilterReply confError(String why) {
        LOG.warn("warning: milter {}: {}", def.name(), why);
        closeLink();
        defReply = switch (def.defaultAction()) {
            case "accept" -> null;
            case "shutdown" -> MilterReply.reply("421 4.3.5 Server configuration problem - try again later");
            case "quarantine" -> MilterReply.hold("default_action");
            default -> MilterReply.reply("451 4.3.5 Server configuration problem - try again later");
        };
        state = State.ERROR;
        return defReply;
    }

    private void closeLink() {
        if (link != null) link.close();
        link = null;
    }

    // ---- connection and negotiation

    private void open() {
        try {
            link = MilterLink.open(def.address(), def.connectTimeout());
        } catch (IOException e) {
            commError("connect to Milter service " + def.name() + ": " + e.getMessage());
            return;
        }
        int myActions = ALL_ACTIONS;
        try {
            link.send(SMFIC_OPTNEG, new Data().int32(def.version()).int32(myActions).int32(def.steps()).build());
            Packet p = link.read(def.commandTimeout());
            if (p.command() != SMFIC_OPTNEG) {
                commError("unexpected reply \"" + (char) p.command() + "\" in initial handshake");
                return;
            }
            version = p.int32(0);
            actions = p.int32(4);
            steps = p.int32(8);
            if (version > def.version()) {
                commError("protocol version " + version + " conflict with MTA protocol version " + def.version());
                return;
            }
            if ((actions & myActions) != actions) {
                commError("request mask 0x" + Integer.toHexString(actions) + " conflict with MTA request mask 0x" + Integer.toHexString(myActions));
                return;
            }
            notInProtocol = NOSEND_MASK & ~def.steps();
            if (version < def.version()) {
                int s = stepsOf(version >= 6 ? 6 : version >= 4 ? 4 : version);
                if (s < 0) LOG.warn("warning: milter {}: unexpected protocol version {}", def.name(), version);
                else notInProtocol |= NOSEND_MASK & ~s;
            }
            // Secondary negotiation: the milter's own macro lists (SMFIR_SETSYMLIST data).
            int at = 12;
            while (at + 4 <= p.data().length) {
                int stage = p.int32(at);
                List<String> names = p.strings(at + 4);
                String list = names.isEmpty() ? "" : names.get(0);
                at += 4 + list.getBytes(StandardCharsets.UTF_8).length + 1;
                if (stage < 0 || stage > SMFIM_EOH) {
                    LOG.warn("warning: milter {}: ignoring unknown macro type {}", def.name(), stage);
                    continue;
                }
                macros = macros.with(stage, org.secumail.config.MainConfig.splitList(list));
            }
            state = State.READY;
            defReply = null;
            skipEvent = 0;
        } catch (IOException e) {
            commError((e instanceof ProtocolException ? "" : "read error in initial handshake: ") + e.getMessage());
        }
    }

    // ---- events

    /** SMFIC_CONNECT: opens the connection first. */
    public MilterReply connect(String clientName, String clientAddr, int port, byte family) {
        if (state == State.CLOSED) open();
        if (state != State.READY) return defReply;
        state = State.ENVELOPE;
        String smName = !"unknown".equals(clientName) || "unknown".equals(clientAddr) ? clientName : "[" + clientAddr + "]";
        Data d = new Data().str(smName).octet(family);
        if (family != SMFIA_UNKNOWN) d.int16(family == SMFIA_UNIX ? 0 : port).str(clientAddr);
        return event(SMFIC_CONNECT, SMFIP_NOCONNECT, (steps & SMFIP_NR_CONN) != 0, SMFIM_CONNECT, d.build());
    }

    public MilterReply helo(String helo) {
        if (state == State.ERROR || state == State.ACCEPT_CON || state == State.REJECT_CON || state == State.CLOSED) return defReply;
        return event(SMFIC_HELO, SMFIP_NOHELO, (steps & SMFIP_NR_HELO) != 0, SMFIM_HELO, new Data().str(helo).build());
    }

    /** @param args "&lt;sender&gt;" then the ESMTP parameters as given */
    public MilterReply mail(List<String> args) {
        if (state != State.ENVELOPE) return defReply;
        return event(SMFIC_MAIL, SMFIP_NOMAIL, (steps & SMFIP_NR_MAIL) != 0, SMFIM_ENVFROM, strings(args));
    }

    /** @param rejected true when smtpd already refused this recipient (sent only to a milter that asked with SMFIP_RCPT_REJ) */
    public MilterReply rcpt(List<String> args, boolean rejected) {
        if (state != State.ENVELOPE) return defReply;
        if (rejected && (steps & SMFIP_RCPT_REJ) == 0) return null;
        return event(SMFIC_RCPT, SMFIP_NORCPT, (steps & SMFIP_NR_RCPT) != 0, SMFIM_ENVRCPT, strings(args));
    }

    public MilterReply data() {
        if (state != State.ENVELOPE) return defReply;
        return event(SMFIC_DATA, SMFIP_NODATA, (steps & SMFIP_NR_DATA) != 0, SMFIM_DATA, new byte[0]);
    }

    public MilterReply unknown(String command) {
        if (state != State.ENVELOPE) return defReply;
        return event(SMFIC_UNKNOWN, SMFIP_NOUNKNOWN, (steps & SMFIP_NR_UNKN) != 0, MilterMacros.UNKNOWN_STAGE, new Data().str(command).build());
    }

    private static byte[] strings(List<String> args) {
        Data d = new Data();
        for (String a : args) d.str(a);
        return d.build();
    }

    /**
     * The message: its headers (our Received: left out by the caller), end of headers, the
     * body in chunks and end of body; the milter's changes go into {@code edits}.
     */
    public MilterReply message(List<HeaderField> headers, InputStream body, MessageEdits edits) throws IOException {
        if (state != State.ENVELOPE) return defReply;
        state = State.MESSAGE;
        try {
            MilterReply r = null;
            boolean leadSpace = (steps & SMFIP_HDR_LEADSPC) != 0;
            for (HeaderField h : headers) {
                String v = h.rawValue().replace("\r\n", "\n");
                if (!leadSpace && v.startsWith(" ")) v = v.substring(1);   // Sendmail eats one space after the colon
                r = event(SMFIC_HEADER, SMFIP_NOHDRS, (steps & SMFIP_NR_HDR) != 0, SMFIM_EOH, new Data().str(h.name()).str(v).build());
                if (messageDone(r)) return r;
            }
            r = event(SMFIC_EOH, SMFIP_NOEOH, (steps & SMFIP_NR_EOH) != 0, SMFIM_EOH, new byte[0]);
            if (messageDone(r)) return r;
            byte[] chunk = new byte[CHUNK_SIZE];
            int n;
            while ((n = body.readNBytes(chunk, 0, CHUNK_SIZE)) > 0) {
                r = event(SMFIC_BODY, SMFIP_NOBODY, (steps & SMFIP_NR_BODY) != 0, SMFIM_EOM, java.util.Arrays.copyOf(chunk, n));
                if (messageDone(r)) return r;
            }
            return endOfBody(edits);
        } finally {
            if (state == State.MESSAGE || state == State.ACCEPT_MSG) state = State.ENVELOPE;
        }
    }

    private boolean messageDone(MilterReply r) { return state != State.MESSAGE || r != null; }

    /** SMFIC_ABORT: the transaction ends without a message (RSET, a new MAIL, HELO). */
    public void abort() {
        switch (state) {
            case ENVELOPE, MESSAGE, ACCEPT_MSG -> {
                try {
                    link.send(SMFIC_ABORT, new byte[0]);
                    state = State.ENVELOPE;
                } catch (IOException e) {
                    commError("write error sending SMFIC_ABORT: " + e.getMessage());
                }
            }
            default -> { }
        }
    }

    /** SMFIC_QUIT and close, at the end of the SMTP session. */
    @Override
    public void close() {
        if (link != null && state != State.ERROR) {
            try {
                link.send(SMFIC_QUIT, new byte[0]);
            } catch (IOException ignored) {
                // the milter is gone already
            }
        }
        closeLink();
        if (state != State.ERROR) state = State.CLOSED;
    }

    // ---- one event and its replies, as milter8_event

    private MilterReply event(byte event, int skipFlag, boolean noReply, int macroStage, byte[] data) {
        if (link == null || defReply != null) return defReply;
        if ((skipFlag & notInProtocol) != 0) return defReply;
        if (skipEvent != 0) {
            if (event == skipEvent) return defReply;
            skipEvent = 0;
        }
        try {
            List<String> names = macros.stage(macroStage);
            // Postfix sends the stage's macros before every event, even one the milter asked
            // not to get (milter8_event): headers carry the end-of-header list, body chunks
            // the end-of-data list.
            if (!names.isEmpty()) link.queue(SMFIC_MACRO, MilterMacros.data(event, names, macroValues, macros.defaults()));
            if ((skipFlag & steps) != 0) {   // the milter asked not to get this event
                link.flush();
                return defReply;
            }
            link.send(event, data);
            if (noReply) return defReply;
            return replies(event, null);
        } catch (IOException e) {
            return commError(ioProblem(e, event));
        }
    }

    private MilterReply endOfBody(MessageEdits edits) {
        try {
            List<String> names = macros.stage(SMFIM_EOM);
            if (!names.isEmpty()) link.queue(SMFIC_MACRO, MilterMacros.data(SMFIC_BODYEOB, names, macroValues, macros.defaults()));
            link.send(SMFIC_BODYEOB, new byte[0]);
            return replies(SMFIC_BODYEOB, edits);
        } catch (IOException e) {
            return commError(ioProblem(e, SMFIC_BODYEOB));
        }
    }

    /** A log text for an I/O failure during an event: timeout, end of connection, or the error. */
    private static String ioProblem(IOException e, byte event) {
        if (e instanceof java.net.SocketTimeoutException) return e.getMessage() + " waiting for the reply to " + MilterProtocol.name(event, true);
        if (e instanceof java.io.EOFException) return "connection closed by the milter during " + MilterProtocol.name(event, true);
        return "error during " + MilterProtocol.name(event, true) + ": " + e.getMessage();
    }

    private boolean inConnect(byte event) { return event == SMFIC_CONNECT || event == SMFIC_HELO; }

    private MilterReply rejectCon(byte event, MilterReply r) {
        if (inConnect(event)) {
            closeLink();
            state = State.REJECT_CON;
            defReply = r;
        }
        return r;
    }

    /** Reads replies until a final one; at end of body, edit requests come first. */
    private MilterReply replies(byte event, MessageEdits edits) throws IOException {
        Duration timeout = state == State.MESSAGE ? def.contentTimeout() : def.commandTimeout();
        MilterEditor editor = edits == null ? null : new MilterEditor(this, edits);
        MilterReply holdReply = null;
        for (int count = 0; ; count++) {
            if (count > MAX_EDITS) return commError("more than " + MAX_EDITS + " replies to " + MilterProtocol.name(event, true));
            Packet p = link.read(timeout);
            byte cmd = p.command();
            boolean empty = p.data().length == 0;
            if (editor != null && editor.inBody() && cmd != SMFIR_REPLBODY) editor.endBody();
            switch (cmd) {
                case SMFIR_PROGRESS -> {
                    if (!empty) return trailing(p);
                    continue;
                }
                case SMFIR_CONTINUE -> {
                    if (!empty) return trailing(p);
                    return finalReply(editor, holdReply);
                }
                case SMFIR_ACCEPT -> {
                    if (!empty) return trailing(p);
                    if (inConnect(event)) {
                        state = State.ACCEPT_CON;
                    } else {
                        state = State.ACCEPT_MSG;
                    }
                    return finalReply(editor, holdReply);
                }
                case SMFIR_DISCARD -> {
                    if (!empty) return trailing(p);
                    if (inConnect(event)) {
                        LOG.warn("warning: milter {}: DISCARD action is not allowed for connect or helo", def.name());
                        return defReply;
                    }
                    state = State.ACCEPT_MSG;
                    return MilterReply.DISCARD;
                }
                case SMFIR_REJECT -> {
                    if (!empty) return trailing(p);
                    return rejectCon(event, MilterReply.reply("550 5.7.1 Command rejected"));
                }
                case SMFIR_TEMPFAIL -> {
                    if (!empty) return trailing(p);
                    return rejectCon(event, MilterReply.reply("451 4.7.1 Service unavailable - try again later"));
                }
                case SMFIR_SHUTDOWN -> {
                    if (!empty) return trailing(p);
                    closeLink();
                    state = State.REJECT_CON;
                    defReply = MilterReply.SHUTDOWN;
                    return defReply;
                }
                case SMFIR_REPLYCODE -> {
                    String text = MilterReplies.validReply(p.data());
                    if (text == null) {
                        return confError("malformed reply: " + org.secumail.queue.Printable.of(new String(p.data(), StandardCharsets.UTF_8)));
                    }
                    return rejectCon(event, MilterReply.reply(MilterReplies.unPercent(text)));
                }
                case SMFIR_QUARANTINE -> {
                    List<String> s = p.strings(0);
                    String reason = s.isEmpty() ? "" : s.get(0);
                    if (reason.length() > 100) reason = reason.substring(0, 100);
                    holdReply = MilterReply.hold(reason);
                    if (editor != null) editor.quarantined(reason);
                    continue;
                }
                case SMFIR_SKIP -> {
                    if (!empty) return trailing(p);
                    skipEvent = event;
                    return defReply;
                }
                default -> {
                    if (editor != null && editor.isEdit(cmd)) {
                        MilterReply err = editor.apply(p);
                        if (err != null) return err;
                        continue;
                    }
                    return commError("unexpected filter response " + MilterProtocol.name(cmd, false) + " after event " + MilterProtocol.name(event, true));
                }
            }
        }
    }

    private MilterReply finalReply(MilterEditor editor, MilterReply hold) throws IOException {
        if (editor != null) return editor.finish(hold);
        return hold != null ? hold : defReply;
    }

    private MilterReply trailing(Packet p) {
        return commError("reply " + MilterProtocol.name(p.command(), false) + " was followed by " + p.data().length + " data bytes");
    }

    MilterReply configurationError(String why) { return confError(why); }

    MilterReply communicationError(String why) { return commError(why); }

    String logPrefix() { return queueId + ": milter " + def.name(); }
}
