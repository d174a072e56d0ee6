// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvelopeFormatTest {
    private static final Instant T = Instant.parse("2024-11-23T10:26:40.123Z");

    @Test
    void writesReadableTypedRecords() {
        Map<String, String> attrs = new LinkedHashMap<>();
        attrs.put("client_address", "192.0.2.1");
        attrs.put("helo", "client.example");
        String text = EnvelopeFormat.encode(new Envelope("", List.of("a@example.org", "b@example.org"), T, attrs));
        assertThat(text).isEqualTo("""
                V 1
                T 1732357600.123
                S\s
                A client_address=192.0.2.1
                A helo=client.example
                R 0 a@example.org
                R 1 b@example.org
                E
                """);
    }

    @Test
    void controlCharactersCannotForgeRecords() throws Exception {
        Envelope env = new Envelope("evil\r\nR 1 victim@example.org", List.of("x@example.org"), T,
                Map.of("helo", "a\\b\nD 0 sent"));
        String text = EnvelopeFormat.encode(env);
        assertThat(text.lines()).hasSize(6);
        assertThat(text).contains("S evil\\x0d\\x0aR 1 victim@example.org\n", "A helo=a\\\\b\\x0aD 0 sent\n");
        EnvelopeFormat.Parsed p = EnvelopeFormat.decode(text);
        assertThat(p.envelope()).isEqualTo(env);
        assertThat(p.done()).isEmpty();
    }

    @Test
    void doneRecordsAreReplayedAndATornLastLineIsIgnored() throws Exception {
        String base = EnvelopeFormat.encode(Envelope.of("s@example.org", List.of("a@x", "b@x", "c@x"), T));
        String text = base + EnvelopeFormat.doneRecord(2, "sent 2.0.0") + EnvelopeFormat.doneRecord(0, "bounced 5.1.1") + "D 1 se";
        EnvelopeFormat.Parsed p = EnvelopeFormat.decode(text);
        assertThat(p.done()).containsOnlyKeys(0, 2).containsEntry(2, "sent 2.0.0");
    }

    @Test
    void rejectsDamagedFiles() {
        String good = EnvelopeFormat.encode(Envelope.of("s@x", List.of("a@x"), T));
        assertThatThrownBy(() -> EnvelopeFormat.decode(good.replace("E\n", ""))).hasMessageContaining("missing end record");
        assertThatThrownBy(() -> EnvelopeFormat.decode(good.replace("V 1", "V 9"))).isInstanceOf(CorruptQueueFileException.class);
        assertThatThrownBy(() -> EnvelopeFormat.decode(good + "D 7 sent\n")).hasMessageContaining("unknown recipient");
        assertThatThrownBy(() -> EnvelopeFormat.decode(good + "R 1 late@x\n")).hasMessageContaining("after end record");
        assertThatThrownBy(() -> EnvelopeFormat.decode(good.replace("S s@x", "S bad\\q"))).hasMessageContaining("bad escape");
        assertThatThrownBy(() -> EnvelopeFormat.decode("")).isInstanceOf(CorruptQueueFileException.class);
    }

    @Test
    void envelopeValidation() {
        assertThatThrownBy(() -> Envelope.of("s@x", List.of(), T)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Envelope("s@x", List.of("a@x"), T, Map.of("bad name", "v")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void deferralReasonsKeepTheLastAndTheDelayWarningIsRecorded() throws Exception {
        String base = EnvelopeFormat.encode(Envelope.of("s@example.org", List.of("a@x", "b@x"), T));
        String text = base + EnvelopeFormat.reasonRecord(1, "4.4.1 none connect refused")
                + EnvelopeFormat.reasonRecord(1, "4.2.2 local mailbox full\nD 0 sent") + EnvelopeFormat.delayWarnedRecord() + "L 0 4.";
        EnvelopeFormat.Parsed p = EnvelopeFormat.decode(text);
        assertThat(p.reasons()).containsExactly(Map.entry(1, "4.2.2 local mailbox full\nD 0 sent"));
        assertThat(p.done()).isEmpty();   // the escaped LF forged nothing
        assertThat(p.delayWarned()).isTrue();
        assertThat(EnvelopeFormat.decode(base).delayWarned()).isFalse();
        assertThatThrownBy(() -> EnvelopeFormat.decode(base.replace("E\n", "L 0 x\nE\n"))).isInstanceOf(CorruptQueueFileException.class);
        assertThatThrownBy(() -> EnvelopeFormat.decode(base + "L 5 4.0.0 none x\n")).isInstanceOf(CorruptQueueFileException.class);
        assertThatThrownBy(() -> EnvelopeFormat.decode(base + "W x\n")).isInstanceOf(CorruptQueueFileException.class);
    }
}
