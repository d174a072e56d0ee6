// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import java.time.Duration;
import java.util.List;

/**
 * A transcript that passed: the conversation as it happened ("C: ", "R: ", "S: " lines)
 * and how long it took.
 */
public record TranscriptResult(Transcript transcript, List<String> conversation, Duration elapsed) {
    public TranscriptResult {
        conversation = List.copyOf(conversation);
    }

    /** The server's lines, in order, without the "S: " prefix (e.g. to report Postfix's wording). */
    public List<String> serverLines() {
        return conversation.stream().filter(l -> l.startsWith("S: ")).map(l -> l.substring(3)).toList();
    }
}
