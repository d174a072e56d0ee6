// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.secumail.config.MainConfig;
import org.secumail.content.RawMessage;

/**
 * Fuzzing bridge for the milter packets: the packet reader, then what a milter's end-of-body
 * replies do to a message (the packet decoders of {@link MilterEditor}: header changes,
 * recipients, body replacement, reply codes, quarantine), all package-private.
 */
public final class MilterFuzzEntry {
    private static final Path DIR;
    private static final MilterDefinition DEF;
    private static final byte[] MESSAGE = ("Received: from x by y\r\nFrom: a@example.com\r\nSubject: hi\r\n"
            + "To: b@example.com\r\nSubject: again\r\n\r\nbody\r\n").getBytes(StandardCharsets.US_ASCII);

    static {
        try {
            DIR = Files.createTempDirectory("milter-fuzz");
            DIR.toFile().deleteOnExit();
            DEF = MilterDefinition.parse(MainConfig.fromText("", "fuzz", DIR), "inet:127.0.0.1:9", "smtpd_milters");
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private MilterFuzzEntry() { }

    public static void packets(byte[] data) throws IOException {
        InputStream in = new DataInputStream(new ByteArrayInputStream(data));
        MilterClient client = new MilterClient(DEF, name -> "");
        MessageEdits edits = new MessageEdits(RawMessage.of(MESSAGE), true, DIR.resolve("scratch"), 4096);
        try {
            MilterEditor editor = new MilterEditor(client, edits);
            for (int count = 0; count < 200; count++) {
                MilterProtocol.Packet p;
                try {
                    p = MilterProtocol.read(in);
                } catch (EOFException e) {
                    break;
                } catch (MilterProtocol.ProtocolException e) {
                    break;   // a bad length: the client drops the milter
                }
                byte cmd = p.command();
                if (editor.inBody() && cmd != MilterProtocol.SMFIR_REPLBODY) editor.endBody();
                p.strings(0);
                MilterProtocol.name(cmd, false);
                MilterProtocol.name(cmd, true);
                if (cmd == MilterProtocol.SMFIR_REPLYCODE) {
                    String text = MilterReplies.validReply(p.data());
                    if (text != null) MilterReplies.unPercent(text);
                } else if (editor.isEdit(cmd)) {
                    try {
                        if (editor.apply(p) != null) break;
                    } catch (MilterProtocol.ProtocolException e) {
                        break;   // a short packet: the client ends the milter's connection
                    }
                }
            }
            editor.finish(null);
            edits.headers();
            edits.visibleHeaders();
            try (InputStream body = edits.openBody()) {
                body.transferTo(java.io.OutputStream.nullOutputStream());
            }
        } finally {
            edits.close();
            client.close();
        }
    }
}
