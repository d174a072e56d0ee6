// SPDX-License-Identifier: Apache-2.0
package org.secumail.filter;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.secumail.content.ContentContext;
import org.secumail.content.ContentOutcome;
import org.secumail.content.RawMessage;

/**
 * One message through {@code secumail filter}: the content checks, then, for a message that is
 * kept, the reinjection; returns the reply for the MTA that handed it over. Log lines carry the
 * filter's own ID for the message and the reinjection service's queue ID, so the two MTA log
 * lines and ours join up:
 * {@code F8E91...: from=<a@b>, nrcpt=2, client=mail.example[192.0.2.1]: accept, reinjected: 250 2.0.0 Ok: queued as 8E92...}
 */
final class MessageFilter {
    private final FilterServer f;
    private final String peer;
    private final Map<String, String> xforward;

    MessageFilter(FilterServer f, String peer, Map<String, String> xforward) {
        this.f = f;
        this.peer = peer;
        this.xforward = xforward;
    }

    String filter(String sender, List<String> recipients, Path spool) throws IOException {
        String id = "F" + Long.toString(System.nanoTime(), 36).toUpperCase(java.util.Locale.ROOT);
        String addr = xforward.getOrDefault("ADDR", peer);
        if (addr.regionMatches(true, 0, "IPv6:", 0, 5)) addr = addr.substring(5);
        String name = xforward.getOrDefault("NAME", "unknown");
        if (name.startsWith("[")) name = "unknown";
        String helo = xforward.getOrDefault("HELO", "");
        if (helo.startsWith("[") && helo.endsWith("]") && helo.contains("UNAVAILABLE")) helo = "";
        String head = id + ": from=<" + sender + ">, nrcpt=" + recipients.size() + ", client=" + name + "[" + addr + "]";
        RawMessage msg = RawMessage.of(spool);
        RawMessage out = msg;
        if (f.checks.active()) {
            ContentContext cc = new ContentContext(id, addr, name, helo, sender, recipients, null, false, null, List.of());
            ContentOutcome o = f.checks.run(cc, msg, List.of());
            switch (o.action()) {
                case REJECT, TEMPFAIL -> {
                    String reply = o.code() + (o.enhanced().isEmpty() ? "" : " " + o.enhanced()) + " " + o.text();
                    FilterServer.LOG.info("{}: {}: {}", head, o.action().name().toLowerCase(java.util.Locale.ROOT), reply);
                    return reply;
                }
                case DISCARD -> {
                    FilterServer.LOG.info("{}: discard: {}: {}", head, o.decidedBy(), o.text());
                    return "250 2.0.0 Ok: discarded as " + id;
                }
                case QUARANTINE -> {
                    Files.createDirectories(f.quarantine);
                    Path keep = f.quarantine.resolve(id + ".eml");
                    try (InputStream m = (o.message() == null ? msg : o.message()).openMessage()) {
                        Files.copy(m, keep);
                    }
                    FilterServer.LOG.info("{}: quarantine: {}: {}; kept as {}", head, o.decidedBy(), o.text(), keep);
                    return "250 2.0.0 Ok: quarantined as " + id;
                }
                case ACCEPT -> {
                    if (o.message() != null) out = o.message();
                }
            }
        }
        Map<String, String> fwd = new LinkedHashMap<>();
        fwd.put("NAME", xforward.getOrDefault("NAME", "[UNAVAILABLE]"));
        fwd.put("ADDR", xforward.getOrDefault("ADDR", peer));
        if (xforward.containsKey("HELO")) fwd.put("HELO", xforward.get("HELO"));
        if (xforward.containsKey("PROTO")) fwd.put("PROTO", xforward.get("PROTO"));
        Reinjector.Outcome r;
        try (InputStream content = out.openMessage()) {
            r = f.reinjector.send(sender, recipients, fwd, content);
        } catch (Reinjector.RefusedException e) {
            // refused before any recipient: that reply, but never a permanent one for a
            // problem of the reinjection service itself (the MTA would bounce good mail)
            FilterServer.LOG.warn("{}: reinjection refused: {}", head, e.reply);
            return "451 4.3.0 Error: reinjection refused: " + e.reply.replace("\r\n", " ");
        } catch (IOException e) {
            FilterServer.LOG.warn("{}: reinjection failed: {}", head, e.getMessage());
            return "451 4.3.0 Error: cannot reinject the message: " + e.getMessage();
        }
        for (String refused : r.refused()) FilterServer.LOG.warn("{}: reinjection refused recipient {}", head, refused);
        if (r.queued()) {
            FilterServer.LOG.info("{}: accept, reinjected: {}", head, r.finalReply().replace("\r\n", " "));
            return "250 2.0.0 Ok: filtered as " + id + ", " + r.finalReply().replace("\r\n", " ").replaceFirst("^250[ -]", "");
        }
        FilterServer.LOG.warn("{}: reinjection did not queue the message: {}", head, r.finalReply().replace("\r\n", " "));
        // a permanent refusal of every recipient is passed on (the MTA returns the mail);
        // anything else is temporary, so the MTA keeps the message and tries again
        String fr = r.finalReply().replace("\r\n", " ");
        return fr.startsWith("5") && r.refused().size() == recipients.size() ? fr : "451 4.3.0 Error: reinjection failed: " + fr;
    }
}
