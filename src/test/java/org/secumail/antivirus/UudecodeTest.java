// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class UudecodeTest {
    /** A uuencoded file in a message's text is found by its "begin MODE NAME" line and decoded. */
    @Test
    void findsTheFilesOfATextByTheirBeginLines() {
        String text = "Hello,\r\nbeginning of the text\r\nbegin 64 not-a-mode\r\n\r\nbegin 644 note.txt\r\n"
                + "6:&5L;&\\@=75E;F-O9&5D('=O<FQD\"@  \r\n`\r\nend\r\nbye\r\n";
        List<Uudecode.File> files = Uudecode.find(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)), 10, 1 << 20);
        assertThat(files).hasSize(1);
        assertThat(files.get(0).name()).isEqualTo("note.txt");
        assertThat(new String(files.get(0).data(), StandardCharsets.ISO_8859_1)).isEqualTo("hello uuencoded world\n");
    }
}
