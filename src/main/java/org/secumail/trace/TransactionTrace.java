// SPDX-License-Identifier: Apache-2.0
package org.secumail.trace;

import java.util.ArrayList;
import java.util.List;

/**
 * The decision trace of one transaction as smtpd builds it: the commands MAIL, RCPT, DATA and
 * the end of the message, the lines the restriction lists add through CheckContext.trace (one
 * per restriction evaluated, with its verdict) and every reply. {@link #finish} makes the
 * {@link Trace} the store keeps. Not thread-safe: one session owns it.
 */
public final class TransactionTrace {
    private final long time = System.currentTimeMillis();
    private final String service;
    private final String clientName;
    private final String clientAddr;
    private final String helo;
    private final String sasl;
    private String sender;
    /** The lines; CheckContext.trace points here while the transaction runs. */
    public final List<String> lines = new ArrayList<>(24);
    private final List<Trace.Recipient> recipients = new ArrayList<>(2);
    private String command = "";
    private String pendingRecipient;
    private String firstRefusal;
    private String dataReply;
    private String endReply;

    public TransactionTrace(String service, String clientName, String clientAddr, String helo, String sasl) {
        this.service = service;
        this.clientName = clientName;
        this.clientAddr = clientAddr;
        this.helo = helo;
        this.sasl = sasl;
    }

    /** A command begins: "MAIL FROM:<...>", "RCPT TO:<...>", "DATA" or "END-OF-MESSAGE". */
    public void command(String verb, String line) {
        command = verb;
        pendingRecipient = null;
        lines.add(line);
    }

    /** MAIL was accepted with this sender. */
    public void sender(String address) {
        sender = address;
    }

    /** The RCPT being evaluated reached the restriction lists with this address. */
    public void recipient(String address) {
        pendingRecipient = address;
    }

    /** The reply to the current command. */
    public void reply(int code, String line) {
        lines.add("  reply: " + line);
        boolean refused = code >= 400;
        switch (command) {
            case "MAIL" -> {
                if (refused && firstRefusal == null) firstRefusal = line;
            }
            case "RCPT" -> {
                if (pendingRecipient != null) recipients.add(new Trace.Recipient(pendingRecipient, line));
                pendingRecipient = null;
                if (refused && firstRefusal == null) firstRefusal = line;
            }
            case "DATA" -> {
                if (code != 354) dataReply = line;
            }
            case "END-OF-MESSAGE" -> endReply = line;
            default -> { }
        }
    }

    /** True after END-OF-MESSAGE until its reply. */
    public boolean awaitingEnd() {
        return command.equals("END-OF-MESSAGE") && endReply == null;
    }

    /** A line of its own (a content check's verdict, a milter's answer). */
    public void note(String line) {
        lines.add("  " + line);
    }

    /** True when nothing was traced beyond a MAIL command (worth keeping only with a reply). */
    public boolean isEmpty() {
        return lines.isEmpty();
    }

    /** The trace as kept; queueId is null for NOQUEUE. */
    public Trace finish(String queueId) {
        String decision;
        String reply;
        if (endReply != null) {
            decision = endReply.startsWith("2") ? "accepted" : "refused";
            reply = endReply;
        } else if (dataReply != null) {
            decision = "refused";
            reply = dataReply;
        } else if (firstRefusal != null && recipients.stream().noneMatch(r -> r.reply().startsWith("2"))) {
            decision = "refused";
            reply = firstRefusal;
        } else {
            decision = "abandoned";
            reply = firstRefusal == null ? "" : firstRefusal;
        }
        StringBuilder text = new StringBuilder(256);
        text.append("client ").append(clientName).append('[').append(clientAddr).append("], helo=<").append(helo == null ? "" : helo)
                .append(">, service ").append(service).append(sasl == null ? "" : ", sasl_username=" + sasl).append('\n');
        for (String l : lines) text.append(l).append('\n');
        text.append("decision: ").append(decision).append(reply.isEmpty() ? "" : ": " + reply).append('\n');
        return new Trace(time, queueId == null || queueId.isEmpty() || queueId.equals("NOQUEUE") ? null : queueId, service, clientName,
                clientAddr, helo, sender, sasl, List.copyOf(recipients), decision, reply, text.toString());
    }
}
