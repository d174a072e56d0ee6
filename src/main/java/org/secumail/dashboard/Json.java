// SPDX-License-Identifier: Apache-2.0
package org.secumail.dashboard;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.secumail.queue.DeliveryResult;
import org.secumail.queue.QueuedMessage;
import org.secumail.trace.Trace;

/** The API's JSON, written with Jackson's streaming generator (escaping is Jackson's). */
final class Json {
    private static final JsonFactory FACTORY = new JsonFactory();

    private Json() { }

    /** Something that writes one JSON value. */
    @FunctionalInterface
    interface Body {
        void write(JsonGenerator g) throws IOException;
    }

    static byte[] of(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            body.write(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] outcome(boolean ok, String message) {
        return of(g -> {
            g.writeStartObject();
            g.writeBooleanField("ok", ok);
            g.writeStringField("message", message);
            g.writeEndObject();
        });
    }

    static void message(JsonGenerator g, QueuedMessage m) throws IOException {
        g.writeStartObject();
        g.writeStringField("id", m.id().toString());
        g.writeStringField("queue", m.queue());
        g.writeNumberField("size", m.size());
        g.writeStringField("arrival", m.envelope().arrival().toString());
        g.writeStringField("sender", m.envelope().sender());
        g.writeArrayFieldStart("recipients");
        for (QueuedMessage.Recipient r : m.pending()) {
            g.writeStartObject();
            g.writeStringField("address", r.address());
            DeliveryResult why = m.lastDeferral(r.index());
            if (why != null) g.writeStringField("reason", why.text());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    static void trace(JsonGenerator g, Trace t) throws IOException {
        g.writeStartObject();
        g.writeNumberField("time", t.time());
        g.writeStringField("queueId", t.queueId() == null ? "NOQUEUE" : t.queueId());
        g.writeStringField("client", t.clientLabel());
        g.writeStringField("helo", t.helo());
        g.writeStringField("sender", t.sender());
        g.writeArrayFieldStart("recipients");
        for (Trace.Recipient r : t.recipients()) {
            g.writeStartObject();
            g.writeStringField("address", r.address());
            g.writeStringField("reply", r.reply());
            g.writeEndObject();
        }
        g.writeEndArray();
        g.writeStringField("decision", t.decision());
        g.writeStringField("reply", t.reply());
        g.writeStringField("trace", t.text());
        g.writeEndObject();
    }

    static void strings(JsonGenerator g, String field, List<String> values) throws IOException {
        g.writeArrayFieldStart(field);
        for (String v : values) g.writeString(v);
        g.writeEndArray();
    }
}
