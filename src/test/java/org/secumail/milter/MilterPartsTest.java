// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.content.HeaderField;
import org.secumail.content.RawMessage;

/** The pieces of the milter client: settings, packets, reply texts and header edits. */
class MilterPartsTest {
    @TempDir
    Path dir;

    private MainConfig cfg(String text) {
        return MainConfig.fromText(text, "main.cf", dir);
    }

    @Test
    void milterListsAndThePerMilterForm() {
        List<MilterDefinition> l = MilterDefinition.list(cfg("smtpd_milters = inet:127.0.0.1:8891, "
                + "{ unix:/run/x.sock, connect_timeout=5s, default_action=accept, protocol=4 } inet:[::1]:10\n"
                + "milter_default_action = reject\n"), "smtpd_milters");
        assertThat(l).hasSize(3);
        assertThat(l.get(0).defaultAction()).isEqualTo("reject");
        assertThat(l.get(0).version()).isEqualTo(6);
        assertThat(l.get(0).commandTimeout()).hasSeconds(30);
        assertThat(l.get(1).name()).isEqualTo("unix:/run/x.sock");
        assertThat(l.get(1).defaultAction()).isEqualTo("accept");
        assertThat(l.get(1).connectTimeout()).hasSeconds(5);
        assertThat(l.get(1).version()).isEqualTo(4);
        assertThat(l.get(1).steps() & MilterProtocol.SMFIP_SKIP).as("not in protocol 4").isZero();
        assertThat(l.get(2).address().toString()).contains("::1");
        assertThat(MilterDefinition.list(cfg("smtpd_milters = DISABLE\n"), "smtpd_milters")).isEmpty();
        assertThat(MilterDefinition.list(cfg("milter_protocol = 6 no_header_reply\nsmtpd_milters = inet:h:1\n"), "smtpd_milters")
                .get(0).steps() & MilterProtocol.SMFIP_NR_HDR).isNotZero();
    }

    @Test
    void badMilterSettingsAreConfigurationErrors() {
        for (String bad : List.of("smtpd_milters = tcp:127.0.0.1:1", "smtpd_milters = inet:127.0.0.1", "smtpd_milters = inet:h:99999",
                "smtpd_milters = { inet:h:1, bogus=1 }", "smtpd_milters = { inet:h:1, default_action=maybe }",
                "smtpd_milters = inet:h:1\nmilter_protocol = 5", "smtpd_milters = inet:h:1\nmilter_protocol = 6 4",
                "smtpd_milters = { inet:h:1")) {
            assertThatThrownBy(() -> MilterDefinition.list(cfg(bad + "\n"), "smtpd_milters")).as(bad).isInstanceOf(ConfigException.class);
        }
    }

    @Test
    void packetsHaveALengthLimit() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        MilterProtocol.write(out, MilterProtocol.SMFIC_HELO, new MilterProtocol.Data().str("x.example").build());
        MilterProtocol.Packet p = MilterProtocol.read(new ByteArrayInputStream(out.toByteArray()));
        assertThat(p.command()).isEqualTo(MilterProtocol.SMFIC_HELO);
        assertThat(p.strings(0)).containsExactly("x.example");
        assertThatThrownBy(() -> MilterProtocol.read(new ByteArrayInputStream(new byte[] {0, 0, 0, 0})))
                .isInstanceOf(MilterProtocol.ProtocolException.class);
        assertThatThrownBy(() -> MilterProtocol.read(new ByteArrayInputStream(new byte[] {0, 0x20, 0, 0, 'c'})))
                .isInstanceOf(MilterProtocol.ProtocolException.class).hasMessageContaining("unreasonable");
        assertThatThrownBy(() -> MilterProtocol.read(new ByteArrayInputStream(new byte[] {0, 0, 0, 9, 'c', 1})))
                .isInstanceOf(java.io.EOFException.class);
    }

    @Test
    void replyCodesAreCheckedAsPostfixChecksThem() {
        assertThat(MilterReplies.validReply("550 5.7.1 no\0".getBytes())).isEqualTo("550 5.7.1 no");
        assertThat(MilterReplies.validReply("451-4.7.1 a\r\n451 4.7.1 b".getBytes())).isEqualTo("451-4.7.1 a\r\n451 4.7.1 b");
        for (String bad : List.of("250 2.0.0 ok", "550", "5x0 no", "550-only one line", "550 4.7.1 class mismatch", "550 a\r\n550-b",
                "550 a\0b", "550-a\n550 b")) {
            assertThat(MilterReplies.validReply(bad.getBytes())).as(bad).isNull();
        }
        assertThat(MilterReplies.unPercent("100%% sure, 5% off")).isEqualTo("100% sure, 5 off");
    }

    private MessageEdits edits(String message) throws Exception {
        Path f = dir.resolve("m" + System.nanoTime());
        Files.writeString(f, message);
        return new MessageEdits(RawMessage.of(f), true, dir.resolve("scratch" + System.nanoTime()), 100);
    }

    private static List<String> names(List<HeaderField> h) {
        return h.stream().map(x -> x.toString()).toList();
    }

    @Test
    void headerIndexesCountAsPostfixCountsThem() throws Exception {
        MessageEdits e = edits("Received: ours\r\nReceived: theirs\r\nSubject: a\r\nX-A: 1\r\nX-A: 2\r\n\r\nbody\r\n");
        assertThat(names(e.visibleHeaders())).containsExactly("Received: theirs", "Subject: a", "X-A: 1", "X-A: 2");
        e.changeHeader("m", 1, "Received", "changed", true);    // the first Received: as received is theirs
        e.changeHeader("m", 2, "x-a", "", true);                // delete the second X-A
        e.changeHeader("m", 5, "X-B", "new", true);             // a missing one is added
        e.insertHeader("m", 1, "X-One", "after ours", true);    // insert counts the delivered header, ours included
        e.addHeader("m", "X-Last", "multi\nline", true);
        assertThat(names(e.headers())).containsExactly("Received: ours", "X-One: after ours", "Received: changed", "Subject: a",
                "X-A: 1", "X-B: new", "X-Last: multi\r\n\tline");
        e.insertHeader("m", 0, "X-Top", "above", false);
        assertThat(e.headers().get(0).toString()).isEqualTo("X-Top:above");
        e.changeHeader("m", 1, "Received", "now ours counts", true);
        assertThat(e.headers().get(1).toString()).as("after an insert above it, our Received: counts").isEqualTo("Received: now ours counts");
        assertThat(e.headersChanged()).isTrue();
        assertThat(MessageEdits.validName("Bad Name")).isFalse();
        assertThat(MessageEdits.validName("X-Ok")).isTrue();
    }

    @Test
    void aReplacedBodyGetsCrlfAndALimit() throws Exception {
        MessageEdits e = edits("Received: ours\r\nSubject: a\r\n\r\nold\r\n");
        e.startBody("m");
        assertThat(e.bodyChunk("one\ntwo\r\nthree".getBytes(StandardCharsets.US_ASCII))).isTrue();
        e.finishBody();
        try (var in = e.openBody()) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("one\r\ntwo\r\nthree\r\n");
        }
        e.startBody("m");
        assertThat(e.bodyChunk(new byte[101])).as("over message_size_limit").isFalse();
        e.close();
    }

    @Test
    void recipientsAndSender() throws Exception {
        MessageEdits e = edits("Subject: a\r\n\r\nb\r\n");
        e.changeSender("m", "<new@example.test>", "SIZE=1");
        e.addRecipient("m", "<x@example.test>", "NOTIFY=NEVER");
        e.deleteRecipient("m", "Y@Example.Test");
        assertThat(e.sender()).isEqualTo("new@example.test");
        assertThat(e.addedRecipients()).extracting(MessageEdits.AddedRecipient::address).containsExactly("x@example.test");
        assertThat(e.isDeleted("y@example.test")).isTrue();
        assertThat(e.isDeleted("x@example.test")).isFalse();
    }
}
