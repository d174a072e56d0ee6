// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;

/**
 * The changes the milters of one message asked for at end of message, applied in the order
 * they arrived, as Postfix's cleanup_milter.c applies them to the queue file:
 * <ul>
 * <li>Header changes and deletions (SMFIR_CHGHEADER) count the fields as received, that is
 *     without our own Received: header, which milters never see; an index beyond the last
 *     field of that name adds the field, as Sendmail does.</li>
 * <li>Header insertions (SMFIR_INSHEADER) count the fields as delivered: index 0 puts the
 *     field above our Received: header. Additions (SMFIR_ADDHEADER) go after the last field.</li>
 * <li>A body replacement (SMFIR_REPLBODY, in chunks) is written to a scratch file beside the
 *     queue file, with line ends made CRLF, and bounded by message_size_limit.</li>
 * <li>Sender and recipient changes are kept as a list for smtpd to apply to the envelope.</li>
 * </ul>
 * Each milter sees the message as the milters before it left it.
 */
public final class MessageEdits {
    /** One recipient added (SMFIR_ADDRCPT or SMFIR_ADDRCPT_PAR with its ESMTP arguments). */
    public record AddedRecipient(String address, String args, String milter) { }

    private final List<HeaderField> headers;
    private final HeaderField ownReceived;
    private boolean receivedHidden;
    private final RawMessage original;
    private final Path bodyScratch;
    private final long sizeLimit;
    private boolean bodyReplaced;
    private OutputStream bodyOut;
    private long bodySize;
    private boolean lastWasCr;
    private boolean headersChanged;
    private String sender;
    private String senderArgs = "";
    private final List<AddedRecipient> added = new ArrayList<>();
    private final List<String> deleted = new ArrayList<>();
    private final List<String> log = new ArrayList<>();

    /**
     * @param message     the message as queued (our Received: header first when
     *                    {@code ownReceived} is true)
     * @param ownReceived whether the first header is the Received: header we added
     * @param bodyScratch where a replaced body is written
     * @param sizeLimit   message_size_limit for a replaced body (0: none)
     */
    public MessageEdits(RawMessage message, boolean ownReceived, Path bodyScratch, long sizeLimit) {
        this.original = message;
        this.headers = new ArrayList<>(message.headers());
        this.ownReceived = ownReceived && !headers.isEmpty() ? headers.get(0) : null;
        this.receivedHidden = this.ownReceived != null;
        this.bodyScratch = bodyScratch;
        this.sizeLimit = sizeLimit;
    }

    /** The header fields a milter is shown: all but our own Received: header. */
    public List<HeaderField> visibleHeaders() {
        List<HeaderField> out = new ArrayList<>(headers.size());
        for (HeaderField h : headers) if (h != ownReceived) out.add(h);
        return out;
    }

    /** The whole header section as it now stands. */
    public List<HeaderField> headers() { return List.copyOf(headers); }

    /** The body as it now stands (after the empty line): the replacement or the original. */
    public InputStream openBody() throws IOException {
        if (bodyReplaced) {
            finishBody();
            return Files.newInputStream(bodyScratch);
        }
        return original.openBody();
    }

    public boolean headersChanged() { return headersChanged; }

    public boolean bodyReplaced() { return bodyReplaced; }

    public boolean contentChanged() { return headersChanged || bodyReplaced; }

    /** The new envelope sender, or null when no milter changed it. */
    public String sender() { return sender; }

    public String senderArgs() { return senderArgs; }

    public List<AddedRecipient> addedRecipients() { return List.copyOf(added); }

    public List<String> deletedRecipients() { return List.copyOf(deleted); }

    /** What each milter did, one entry per change, for the log. */
    public List<String> log() { return List.copyOf(log); }

    static HeaderField field(String name, String value, boolean leadingSpace) {
        // A milter's value may hold newlines (folded lines): each continuation must start with
        // white space, or it would become a header of its own or end the header section.
        StringBuilder v = new StringBuilder();
        String[] lines = value.replace("\r\n", "\n").split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String l = lines[i];
            if (i > 0) {
                if (l.isEmpty()) continue;
                v.append("\r\n");
                if (l.charAt(0) != ' ' && l.charAt(0) != '\t') v.append('\t');
            }
            v.append(l.replace("\r", ""));
        }
        return new HeaderField(name, (name + ":" + (leadingSpace ? " " : "") + v + "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** RFC 5322 section 3.6.8 field name: printable US-ASCII except colon. */
    static boolean validName(String name) {
        if (name.isEmpty() || name.length() > 998) return false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < 33 || c > 126 || c == ':') return false;
        }
        return true;
    }

    void addHeader(String milter, String name, String value, boolean leadingSpace) {
        headers.add(field(name, value, leadingSpace));
        headersChanged = true;
        log.add(milter + ": add header: " + name);
    }

    /** index as in the protocol: 0 is the top of the header section as delivered. */
    void insertHeader(String milter, int index, String name, String value, boolean leadingSpace) {
        int at = Math.min(Math.max(index, 0), headers.size());
        if (at == 0 && receivedHidden) receivedHidden = false;   // above our Received: it counts from now on
        headers.add(at, field(name, value, leadingSpace));
        headersChanged = true;
        log.add(milter + ": insert header at " + index + ": " + name);
    }

    /** index 1 is the first field of that name as received; an empty value deletes the field. */
    void changeHeader(String milter, int index, String name, String value, boolean leadingSpace) {
        int n = 0;
        for (int i = 0; i < headers.size(); i++) {
            HeaderField h = headers.get(i);
            if (receivedHidden && h == ownReceived) continue;
            if (!h.is(name) || ++n < index) continue;
            if (value.isEmpty()) {
                headers.remove(i);
                log.add(milter + ": delete header: " + name + " #" + index);
            } else {
                headers.set(i, field(h.name(), value, leadingSpace));
                log.add(milter + ": change header: " + name + " #" + index);
            }
            headersChanged = true;
            return;
        }
        if (!value.isEmpty()) addHeader(milter, name, value, leadingSpace);   // Sendmail: a missing field is added
    }

    void changeSender(String milter, String address, String args) {
        sender = stripBrackets(address);
        senderArgs = args == null ? "" : args;
        log.add(milter + ": change sender: <" + sender + ">" + (senderArgs.isEmpty() ? "" : " " + senderArgs));
    }

    void addRecipient(String milter, String address, String args) {
        String a = stripBrackets(address);
        added.add(new AddedRecipient(a, args == null ? "" : args, milter));
        log.add(milter + ": add recipient: <" + a + ">" + (args == null || args.isEmpty() ? "" : " " + args));
    }

    void deleteRecipient(String milter, String address) {
        String a = stripBrackets(address);
        deleted.add(a);
        log.add(milter + ": delete recipient: <" + a + ">");
    }

    /** "<a@b>" and "a@b" name the same address, as in Postfix's cleanup_milter.c. */
    static String stripBrackets(String a) {
        String s = a.strip();
        if (s.length() >= 2 && s.startsWith("<") && s.endsWith(">")) s = s.substring(1, s.length() - 1);
        return s;
    }

    /** True when this recipient was deleted by a milter (case-insensitive, as addresses are compared in Postfix's tables). */
    public boolean isDeleted(String recipient) {
        for (String d : deleted) if (d.toLowerCase(Locale.ROOT).equals(recipient.toLowerCase(Locale.ROOT))) return true;
        return false;
    }

    /** Starts a body replacement (the first SMFIR_REPLBODY chunk of a milter's reply). */
    void startBody(String milter) throws IOException {
        finishBody();
        bodyOut = new java.io.BufferedOutputStream(Files.newOutputStream(bodyScratch), 64 * 1024);
        bodySize = 0;
        lastWasCr = false;
        bodyReplaced = true;
        log.add(milter + ": replace body");
    }

    /**
     * One chunk of the new body; a bare LF becomes CRLF. Returns false when the body grew over
     * the size limit.
     */
    boolean bodyChunk(byte[] data) throws IOException {
        for (byte b : data) {
            if (b == '\n' && !lastWasCr) {
                bodyOut.write('\r');
                bodySize++;
            }
            bodyOut.write(b);
            bodySize++;
            lastWasCr = b == '\r';
        }
        return sizeLimit <= 0 || bodySize <= sizeLimit;
    }

    /** Ends a body replacement: a last line without its line end gets CRLF. */
    void finishBody() throws IOException {
        if (bodyOut == null) return;
        if (bodySize > 0 && !lastWasCr) {
            // the last octet written: only a CRLF-terminated body is complete
            try (var ch = java.nio.channels.FileChannel.open(bodyScratch, java.nio.file.StandardOpenOption.READ)) {
                bodyOut.flush();
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(1);
                ch.read(b, ch.size() - 1);
                if (b.get(0) != '\n') bodyOut.write(new byte[] {'\r', '\n'});
            }
        } else if (lastWasCr) {
            bodyOut.write('\n');
        }
        bodyOut.close();
        bodyOut = null;
    }

    /** Removes the scratch file. */
    public void close() {
        try {
            if (bodyOut != null) bodyOut.close();
        } catch (IOException ignored) {
            // the file goes anyway
        }
        bodyOut = null;
        try {
            Files.deleteIfExists(bodyScratch);
        } catch (IOException ignored) {
            // a leftover scratch file in tmp/ is removed with the transaction's others
        }
    }
}
