// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.secumail.content.RawMessage;

/**
 * The milters of one SMTP session, in their configured order (Postfix's milter.c): each event
 * goes to one milter after the other until one answers something other than "go on"; that
 * answer is the result and the milters after it do not see the event. At end of message each
 * milter sees the message as the ones before it changed it.
 */
public final class Milters implements AutoCloseable {
    private final List<MilterClient> clients;

    public Milters(List<MilterDefinition> defs, Function<String, String> macroValues) {
        List<MilterClient> c = new ArrayList<>();
        for (MilterDefinition d : defs) c.add(new MilterClient(d, macroValues));
        this.clients = List.copyOf(c);
    }

    public boolean active() { return !clients.isEmpty(); }

    public void queueId(String id) {
        for (MilterClient c : clients) c.queueId(id);
    }

    public MilterReply connect(String clientName, String clientAddr, int port, byte family) {
        for (MilterClient c : clients) {
            MilterReply r = c.connect(clientName, clientAddr, port, family);
            if (r != null) return r;
        }
        return null;
    }

    public MilterReply helo(String helo) {
        for (MilterClient c : clients) {
            MilterReply r = c.helo(helo);
            if (r != null) return r;
        }
        return null;
    }

    public MilterReply mail(List<String> args) {
        for (MilterClient c : clients) {
            MilterReply r = c.mail(args);
            if (r != null) return r;
        }
        return null;
    }

    public MilterReply rcpt(List<String> args, boolean rejected) {
        for (MilterClient c : clients) {
            MilterReply r = c.rcpt(args, rejected);
            if (r != null && !rejected) return r;
        }
        return null;
    }

    public MilterReply data() {
        for (MilterClient c : clients) {
            MilterReply r = c.data();
            if (r != null) return r;
        }
        return null;
    }

    public MilterReply unknown(String command) {
        for (MilterClient c : clients) {
            MilterReply r = c.unknown(command);
            if (r != null) return r;
        }
        return null;
    }

    /**
     * The message through every milter in turn. The returned edits hold every change (the
     * caller applies them and closes them); the reply is the first non-"go on" answer.
     */
    public Result message(RawMessage message, boolean ownReceived, java.nio.file.Path scratch, long sizeLimit) throws IOException {
        MessageEdits edits = new MessageEdits(message, ownReceived, scratch, sizeLimit);
        MilterReply r = null;
        for (MilterClient c : clients) {
            try (InputStream body = edits.openBody()) {
                r = c.message(edits.visibleHeaders(), body, edits);
            }
            if (r != null) break;
        }
        return new Result(r, edits);
    }

    /** The outcome of the message stage: the answer (null: go on) and the changes. */
    public record Result(MilterReply reply, MessageEdits edits) { }

    public void abort() {
        for (MilterClient c : clients) c.abort();
    }

    @Override
    public void close() {
        for (MilterClient c : clients) c.close();
    }
}
