// SPDX-License-Identifier: Apache-2.0
package org.secumail.deliver;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies queued content (CRLF line ends, as received over SMTP) into a local mail file:
 * CRLF becomes LF, the host's newline, as local(8) writes mailboxes; a lone CR is kept.
 * For mbox files, lines starting with "From " get a '>' in front (Postfix's mboxo
 * quoting), because a reader would take them for the start of the next message.
 * The copy always ends with a newline.
 */
final class MessageCopier {
    private static final byte[] FROM = {'F', 'r', 'o', 'm', ' '};

    private final OutputStream out;
    private final boolean quoteFrom;
    private final byte[] prefix = new byte[FROM.length];
    private int prefixLength;
    private boolean atLineStart = true;
    private boolean pendingCr;
    private int last = '\n';
    /**
     * Output is gathered here and written in blocks: one virtual call per byte was the hot spot.
     * 16 KiB, as the other buffers of a message's path: with 64 KiB each, the six of a
     * message (queue file written and read, delivery, this copy, the DKIM body hash) were 384
     * KiB to allocate and zero, a quarter of all the chain allocated (JFR), for mail of a few KiB.
     */
    private final byte[] outBuf = new byte[16 * 1024];
    private int outLength;

    private MessageCopier(OutputStream out, boolean quoteFrom) {
        this.out = out;
        this.quoteFrom = quoteFrom;
    }

    /** Copies {@code in} to {@code out} (neither is closed). */
    static void copy(InputStream in, OutputStream out, boolean quoteFrom) throws IOException {
        MessageCopier c = new MessageCopier(out, quoteFrom);
        byte[] buf = new byte[16 * 1024];
        int n;
        while ((n = in.read(buf)) > 0) {
            for (int i = 0; i < n; i++) c.accept(buf[i] & 0xff);
        }
        c.finish();
    }

    private void accept(int b) throws IOException {
        if (pendingCr) {
            pendingCr = false;
            if (b == '\n') {
                emit('\n');
                return;
            }
            emit('\r');
        }
        if (b == '\r') {
            pendingCr = true;
            return;
        }
        emit(b);
    }

    private void emit(int b) throws IOException {
        if (quoteFrom && atLineStart) {
            // Hold back the first bytes of a line until we know whether it is "From ".
            prefix[prefixLength++] = (byte) b;
            boolean matching = b == FROM[prefixLength - 1];
            if (matching && prefixLength < FROM.length) return;
            if (matching) write('>');
            for (int i = 0; i < prefixLength; i++) write(prefix[i] & 0xff);
            prefixLength = 0;
            atLineStart = b == '\n';
            return;
        }
        write(b);
        if (b == '\n') atLineStart = true;
    }

    private void write(int b) throws IOException {
        if (outLength == outBuf.length) drain();
        outBuf[outLength++] = (byte) b;
        last = b;
    }

    private void drain() throws IOException {
        out.write(outBuf, 0, outLength);
        outLength = 0;
    }

    private void finish() throws IOException {
        if (pendingCr) {
            pendingCr = false;
            emit('\r');
        }
        for (int i = 0; i < prefixLength; i++) write(prefix[i] & 0xff);
        prefixLength = 0;
        if (last != '\n') write('\n');
        drain();
    }
}
