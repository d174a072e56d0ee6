// SPDX-License-Identifier: Apache-2.0
package org.secumail.deliver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MessageCopierTest {
    /** What the copy should be, written the simple way: CRLF to LF, "From " quoted at line starts (mbox), a final newline. */
    private static byte[] expected(byte[] in, boolean quoteFrom) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (int i = 0; i < in.length; i++) {
            if (in[i] == '\r' && i + 1 < in.length && in[i + 1] == '\n') continue;   // the LF follows
            if (quoteFrom && lineStart && i + 5 <= in.length && new String(in, i, 5, java.nio.charset.StandardCharsets.ISO_8859_1).equals("From ")) out.write('>');
            out.write(in[i]);
            lineStart = in[i] == '\n';
        }
        byte[] b = out.toByteArray();
        if (b.length == 0 || b[b.length - 1] != '\n') out.write('\n');
        return out.toByteArray();
    }

    @Test
    void copiesAcrossBufferBoundaries() throws Exception {
        // messages of up to 200 KiB made of short lines, CRLF, lone CR and "From " lines, so that
        // CR LF pairs and "From " prefixes fall across the 16 KiB reads and writes
        Random rnd = new Random(7);
        String[] pieces = {"\r\n", "\r", "From ", "Fro", "x", "hello world ", "\n", ">From "};
        for (int round = 0; round < 60; round++) {
            ByteArrayOutputStream msg = new ByteArrayOutputStream();
            int size = rnd.nextInt(200 * 1024);
            while (msg.size() < size) msg.writeBytes(pieces[rnd.nextInt(pieces.length)].getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            byte[] in = msg.toByteArray();
            for (boolean quote : new boolean[] {false, true}) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                MessageCopier.copy(new ByteArrayInputStream(in), out, quote);
                assertThat(out.toByteArray()).as("round %d, quoteFrom %s, %d bytes", round, quote, in.length).isEqualTo(expected(in, quote));
            }
        }
    }
}
