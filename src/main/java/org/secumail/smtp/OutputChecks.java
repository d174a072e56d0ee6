// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.List;
import org.secumail.cleanup.CheckLog;
import org.secumail.cleanup.CleanupSettings;
import org.secumail.cleanup.MessageCleanup;
import org.secumail.config.MainConfig;
import org.secumail.queue.Transport;
import org.secumail.table.Tables;

/**
 * smtp_header_checks, smtp_mime_header_checks, smtp_nested_header_checks and smtp_body_checks
 * (lmtp_* for the LMTP client): header_checks(5) tables applied to the content while it is
 * sent, as Postfix's smtp(8) applies them. They may change the message (REPLACE, PREPEND,
 * IGNORE, STRIP) or log (WARN, INFO); actions that change where or whether mail goes
 * (REJECT, DISCARD, HOLD, REDIRECT, BCC, FILTER) are not available here and are logged and
 * ignored. A typical use: {@code /^Received:.*with ESMTPSA/ IGNORE} to keep a submission
 * client's address out of outgoing mail.
 *
 * <p>The content is filtered on a virtual thread into a pipe that the transaction reads, so
 * memory stays bounded; a failure while filtering fails the transaction (the message is then
 * deferred), never sends a truncated message.
 */
final class OutputChecks {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("secumail.smtp");

    private OutputChecks() { }

    /** The tables of the client named by {@code prefix} ("smtp" or "lmtp"), or null when none is set. */
    static CleanupSettings fromConfig(MainConfig cfg, String prefix) {
        List<String> header = cfg.list(prefix + "_header_checks");
        List<String> mime = cfg.list(prefix + "_mime_header_checks");
        List<String> nested = cfg.list(prefix + "_nested_header_checks");
        List<String> body = cfg.list(prefix + "_body_checks");
        if (header.isEmpty() && mime.isEmpty() && nested.isEmpty() && body.isEmpty()) return null;
        return new CleanupSettings(List.copyOf(Tables.openAll(header, cfg.configDir(), false)),
                List.copyOf(Tables.openAll(mime, cfg.configDir(), false)), List.copyOf(Tables.openAll(nested, cfg.configDir(), false)),
                List.copyOf(Tables.openAll(body, cfg.configDir(), false)), cfg.integer("body_checks_size_limit"),
                cfg.integer("header_size_limit"), Integer.MAX_VALUE, cfg.integer("mime_nesting_limit"),
                cfg.integer("mime_boundary_length_limit"));
    }

    /** The content as the tables change it. */
    static InputStream filter(Transport.Content content, CleanupSettings checks, org.secumail.cleanup.AddressMapping generic, String queueId,
                              String relay, String prefix) throws IOException {
        CleanupSettings settings = checks != null ? checks : new CleanupSettings(List.of(), List.of(), List.of(), List.of(), 0,
                Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);
        PipedInputStream pipe = new PipedInputStream(64 * 1024);
        PipedOutputStream sink = new PipedOutputStream(pipe);
        IOException[] failure = new IOException[1];
        Thread.ofVirtual().name("smtp-output-checks").start(() -> {
            try (InputStream in = content.open(); OutputStream out = sink) {
                MessageCleanup mc = new MessageCleanup(settings, out, new CheckLog(queueId, () -> "to " + relay));
                if (generic != null) mc.rewriteHeaderAddresses(generic, null);   // smtp_generic_maps: every address header
                feed(in, mc);
                mc.finish();
                MessageCleanup.Outcome o = mc.outcome();
                if (o.rejectReason != null || o.discard != null || o.hold != null || o.redirect != null || o.filter != null || !o.bcc.isEmpty()) {
                    LOG.warn("warning: {}: {}_header_checks/{}_body_checks: REJECT, DISCARD, HOLD, REDIRECT, FILTER and BCC are not"
                            + " available while delivering: ignored", queueId, prefix, prefix);
                }
            } catch (IOException | RuntimeException e) {
                synchronized (failure) {
                    failure[0] = e instanceof IOException io ? io : new IOException(e);
                }
                try {
                    sink.close();
                } catch (IOException ignored) {
                    // the reader sees the end, then the failure
                }
            }
        });
        return new InputStream() {
            @Override public int read() throws IOException {
                int b = pipe.read();
                if (b < 0) check();
                return b;
            }

            @Override public int read(byte[] buf, int off, int len) throws IOException {
                int n = pipe.read(buf, off, len);
                if (n < 0) check();
                return n;
            }

            private void check() throws IOException {
                synchronized (failure) {
                    if (failure[0] != null) throw new IOException("smtp_header_checks: " + failure[0].getMessage(), failure[0]);
                }
            }

            @Override public void close() throws IOException { pipe.close(); }
        };
    }

    /** The content line by line (CRLF or LF ends a line; long lines in pieces of 8 KiB). */
    private static void feed(InputStream in, MessageCleanup mc) throws IOException {
        byte[] buf = new byte[16384];
        byte[] line = new byte[8192];
        int len = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            for (int i = 0; i < n; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    int l = len > 0 && line[len - 1] == '\r' ? len - 1 : len;
                    mc.line(line, 0, l, false);
                    len = 0;
                    continue;
                }
                if (len == line.length) {
                    // keep a trailing CR with the next piece: it may start a CRLF
                    boolean cr = line[len - 1] == '\r';
                    mc.line(line, 0, cr ? len - 1 : len, true);
                    len = 0;
                    if (cr) line[len++] = '\r';
                }
                line[len++] = b;
            }
        }
        if (len > 0) mc.line(line, 0, line[len - 1] == '\r' ? len - 1 : len, false);
    }
}
