// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

import java.util.List;
import java.util.Set;

/**
 * A parsed transcript file.
 *
 * @param source      file name for messages (e.g. "relay-denied.txt")
 * @param description the first comment line, without "#"
 * @param mainCf      the "@main.cf" lines, in order, appended to the base main.cf
 * @param tags        the "@tags" words (e.g. "dns", "secumail-only")
 * @param steps       what to send, expect and wait for, in order
 */
public record Transcript(String source, String description, List<String> mainCf, Set<String> tags, List<Step> steps) {
    public Transcript {
        mainCf = List.copyOf(mainCf);
        tags = Set.copyOf(tags);
        steps = List.copyOf(steps);
    }

    public boolean hasTag(String tag) { return tags.contains(tag); }

    /** The base main.cf text followed by this transcript's "@main.cf" lines. */
    public String mainCfOver(String baseMainCf) {
        StringBuilder sb = new StringBuilder(baseMainCf);
        if (!baseMainCf.isEmpty() && !baseMainCf.endsWith("\n")) sb.append('\n');
        if (!mainCf.isEmpty()) sb.append("# from ").append(source).append('\n');
        for (String l : mainCf) sb.append(l).append('\n');
        return sb.toString();
    }

    @Override
    public String toString() { return source + " (" + description + ")"; }
}
