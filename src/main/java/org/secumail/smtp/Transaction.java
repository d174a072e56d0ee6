// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.DsnAttributes;
import org.secumail.queue.Envelope;
import org.secumail.queue.QueuedMessage;
import org.secumail.queue.Transport;

/**
 * One mail transaction on an open session (RFC 5321 section 3.3; RFC 2033 for LMTP):
 * MAIL FROM with SIZE, BODY=8BITMIME, SMTPUTF8, RET and ENVID as the server announced them,
 * one RCPT TO per recipient with NOTIFY and ORCPT (RFC 3461), then DATA and the content.
 * With PIPELINING (RFC 2920) MAIL, all RCPTs and DATA leave in one write. Each recipient's
 * result follows its own RCPT reply and then the end-of-data reply (one per accepted
 * recipient for LMTP).
 */
final class Transaction {
    /**
     * @param results          one entry per recipient; null where the session broke first
     * @param failure          the session failure, or null
     * @param retryElsewhere   the failure came before any content could have been delivered,
     *                         so the unfinished recipients may go to the next server
     * @param reusable         the session is in a clean state for another transaction
     */
    record Outcome(DeliveryResult[] results, SessionException failure, boolean retryElsewhere, boolean reusable) { }

    private final ClientSession cs;
    private final ClientSettings s;

    Transaction(ClientSession cs, ClientSettings s) {
        this.cs = cs;
        this.s = s;
    }

    Outcome run(QueuedMessage msg, List<QueuedMessage.Recipient> rcpts, Transport.Content content) {
        DeliveryResult[] res = new DeliveryResult[rcpts.size()];
        Envelope env = msg.envelope();
        // An address with a control character or angle bracket would break the command line
        // (or inject another command): such a recipient or sender can never be sent as is.
        if (!safe(env.sender())) {
            java.util.Arrays.fill(res, DeliveryResult.bounced("5.1.7", "none", "bad sender address syntax"));
            return new Outcome(res, null, false, true);
        }
        boolean anySafe = false;
        for (int i = 0; i < rcpts.size(); i++) {
            if (!safe(rcpts.get(i).address()) || rcpts.get(i).address().isEmpty()) {
                res[i] = DeliveryResult.bounced("5.1.3", "none", "bad recipient address syntax");
            } else {
                anySafe = true;
            }
        }
        if (!anySafe) return new Outcome(res, null, false, true);
        boolean utf8 = !isAscii(env.sender()) || rcpts.stream().anyMatch(r -> !isAscii(r.address()));
        if (utf8 && !cs.has("SMTPUTF8")) {
            fillEmpty(res, DeliveryResult.bounced("5.6.7", cs.relay, "SMTPUTF8 is required, but was not offered by host " + cs.label));
            return new Outcome(res, null, false, true);
        }
        if (cs.sizeLimit > 0 && msg.size() > cs.sizeLimit) {
            fillEmpty(res, DeliveryResult.bounced("5.3.4", cs.relay, "message size " + msg.size()
                    + " exceeds size limit " + cs.sizeLimit + " of server " + cs.label));
            return new Outcome(res, null, false, true);
        }
        // an address verification probe (verify(8)) stops after RCPT TO: its replies are the result
        boolean probe = org.secumail.verify.AddressVerifier.isProbe(msg);
        boolean dataSent = false;
        boolean dotSent = false;
        try {
            StringBuilder mail = new StringBuilder("MAIL FROM:<").append(generic(env.sender(), org.secumail.cleanup.AddressMapping.Kind.ENVELOPE_SENDER)).append('>');
            if (cs.has("SIZE")) mail.append(" SIZE=").append(msg.size());
            if (cs.has("8BITMIME") && eightBit(content)) mail.append(" BODY=8BITMIME");
            if (utf8) mail.append(" SMTPUTF8");
            boolean dsn = cs.has("DSN");
            if (dsn) {
                String ret = env.attributes().get(DsnAttributes.RET);
                String envid = env.attributes().get(DsnAttributes.ENVID);
                if (ret != null && ret.matches("(?i)FULL|HDRS")) mail.append(" RET=").append(ret.toUpperCase(java.util.Locale.ROOT));
                if (envid != null) mail.append(" ENVID=").append(xtext(envid));
            }
            List<String> rcptCommands = new ArrayList<>();
            List<Integer> sendable = new ArrayList<>();
            for (int i = 0; i < rcpts.size(); i++) if (res[i] == null) sendable.add(i);
            for (int i : sendable) {
                QueuedMessage.Recipient r = rcpts.get(i);
                StringBuilder c = new StringBuilder("RCPT TO:<").append(generic(r.address(), org.secumail.cleanup.AddressMapping.Kind.ENVELOPE_RECIPIENT)).append('>');
                if (dsn) {
                    String notify = DsnAttributes.notifyOf(env, r.index());
                    String orcpt = DsnAttributes.orcptOf(env, r.index());
                    if (notify != null && notify.matches("NEVER|(SUCCESS|FAILURE|DELAY)(,(SUCCESS|FAILURE|DELAY)){0,2}")) {
                        c.append(" NOTIFY=").append(notify);
                    }
                    if (orcpt != null) {
                        int semi = orcpt.indexOf(';');
                        c.append(" ORCPT=").append(semi > 0 ? orcpt.substring(0, semi + 1) + xtext(orcpt.substring(semi + 1)) : "rfc822;" + xtext(orcpt));
                    }
                }
                rcptCommands.add(c.toString());
            }
            boolean pipelining = cs.has("PIPELINING") || s.lmtp();
            cs.transactions++;
            if (s.sendXforward() && cs.has("XFORWARD")) {
                // XFORWARD_README: the original client, for a content filter's checks and the
                // log of the MTA it reinjects into. A refusal is not fatal, as in Postfix.
                cs.wire.stage("sending XFORWARD", s.mailTimeout());
                cs.wire.write(Xforward.command(env, cs.xforwardAttributes()));
                cs.wire.flush();
                cs.wire.readReply();
            }
            cs.wire.stage("sending MAIL FROM", s.mailTimeout());
            cs.wire.write(mail.toString());
            if (pipelining) {
                for (String c : rcptCommands) cs.wire.write(c);
                if (!probe) cs.wire.write("DATA");
            }
            cs.wire.flush();
            Reply mailReply = cs.wire.readReply();
            List<Integer> accepted = new ArrayList<>();
            Reply[] rcptReplies = new Reply[rcpts.size()];
            for (int k = 0; k < sendable.size(); k++) {
                int i = sendable.get(k);
                cs.wire.stage("sending RCPT TO", s.rcptTimeout());
                if (!pipelining) {
                    if (!mailReply.positive()) break;
                    cs.wire.write(rcptCommands.get(k));
                    cs.wire.flush();
                }
                Reply r = cs.wire.readReply();
                if (!mailReply.positive()) continue;   // pipelined RCPTs after a refused MAIL: read and ignore
                if (r.positive()) {
                    accepted.add(i);
                    rcptReplies[i] = r;
                } else {
                    res[i] = reject(r, "RCPT TO");
                }
            }
            if (!mailReply.positive()) {
                DeliveryResult failed = reject(mailReply, "MAIL FROM");
                for (int i : sendable) res[i] = failed;
                if (pipelining && !probe) {
                    cs.wire.stage("sending DATA", s.dataInitTimeout());
                    cs.wire.readReply();
                }
                return new Outcome(res, null, false, false);
            }
            if (probe) {
                for (int i : accepted) res[i] = DeliveryResult.sent(rcptReplies[i].dsn(), cs.relay, rcptReplies[i].text());
                return new Outcome(res, null, false, true);
            }
            Reply dataReply = null;
            if (pipelining || !accepted.isEmpty()) {
                cs.wire.stage("sending DATA", s.dataInitTimeout());
                if (!pipelining) {
                    cs.wire.write("DATA");
                    cs.wire.flush();
                }
                dataReply = cs.wire.readReply();
            }
            if (accepted.isEmpty()) {
                // every recipient refused: a 354 to the pipelined DATA must still be ended
                if (dataReply != null && dataReply.intermediate()) {
                    cs.wire.stage("sending end of data", s.dataDoneTimeout());
                    cs.wire.write(".");
                    cs.wire.flush();
                    cs.wire.readReply();
                }
                return new Outcome(res, null, false, true);
            }
            if (!dataReply.intermediate()) {
                DeliveryResult failed = reject(dataReply, "DATA");
                for (int i : accepted) res[i] = failed;
                return new Outcome(res, null, false, true);
            }
            dataSent = true;
            cs.wire.stage("sending message body", s.dataXferTimeout());
            try (InputStream in = s.outputChecks() == null && s.generic() == null ? content.open()
                    : OutputChecks.filter(content, s.outputChecks(), s.generic(), msg.id().toString(), cs.label, s.name())) {
                DataWriter.write(in, cs.wire.raw(), s.lineLengthLimit());
            }
            cs.wire.flush();
            dotSent = true;
            cs.wire.stage("sending end of data -- message may be sent more than once", s.dataDoneTimeout());
            if (s.lmtp()) {
                for (int i : accepted) res[i] = finalResult(cs.wire.readReply());   // RFC 2033 section 4.2
            } else {
                DeliveryResult r = finalResult(cs.wire.readReply());
                for (int i : accepted) res[i] = r;
            }
            return new Outcome(res, null, false, true);
        } catch (IOException e) {
            SessionException f = SessionOpener.failure(cs, e);
            if (!dataSent || !dotSent) {
                // before the final dot the server cannot have taken the message
                return new Outcome(res, f, true, false);
            }
            return new Outcome(res, f, false, false);
        }
    }

    /** smtp_generic_maps for an envelope address; a table that cannot answer keeps the address (and logs). */
    private String generic(String address, org.secumail.cleanup.AddressMapping.Kind kind) {
        if (s.generic() == null || address.isEmpty()) return address;
        try {
            String a = s.generic().map(address, kind);
            return safe(a) ? a : address;
        } catch (org.secumail.table.LookupException e) {
            org.slf4j.LoggerFactory.getLogger("secumail." + s.name()).warn("warning: {}_generic_maps lookup of {}: {}", s.name(), address, e.getMessage());
            return address;
        }
    }

    private DeliveryResult finalResult(Reply r) {
        if (r.positive()) return DeliveryResult.sent(r.dsn(), cs.relay, r.text());
        return reject(r, "end of DATA");
    }

    /** "host X said: 550 5.1.1 ... (in reply to RCPT TO command)": 4xx defers, 5xx bounces. */
    private DeliveryResult reject(Reply r, String command) {
        String text = "host " + cs.label + " said: " + r.text() + " (in reply to " + command + " command)";
        if (r.permanentFailure()) return DeliveryResult.bounced(r.dsn(), cs.relay, text);
        String dsn = r.transientFailure() ? r.dsn() : "4.0.0";
        return DeliveryResult.deferred(dsn, cs.relay, text);
    }

    private static boolean eightBit(Transport.Content content) throws IOException {
        try (InputStream in = content.open()) {
            return DataWriter.hasEightBit(in);
        }
    }

    private static void fillEmpty(DeliveryResult[] res, DeliveryResult r) {
        for (int i = 0; i < res.length; i++) if (res[i] == null) res[i] = r;
    }

    /** No control characters, no angle brackets: the address fits between "<" and ">". */
    static boolean safe(String address) {
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (c < 0x20 || c == 0x7f || c == '<' || c == '>') return false;
        }
        return true;
    }

    static boolean isAscii(String s) {
        for (int i = 0; i < s.length(); i++) if (s.charAt(i) > 127) return false;
        return true;
    }

    /** RFC 3461 section 4: "+" and "=" and characters outside "!".."~" become "+HH". */
    static String xtext(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 33 || c > 126 || c == '+' || c == '=') sb.append('+').append(String.format("%02X", c));
            else sb.append((char) c);
        }
        return sb.toString();
    }
}
