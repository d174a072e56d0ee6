// SPDX-License-Identifier: Apache-2.0
package org.secumail.transcript;

/**
 * One line of a transcript that does something. {@code line} is the 1-based line number in
 * the transcript file, for error messages. Text is held as ISO-8859-1 strings whose chars
 * are the wire bytes (a UTF-8 transcript line becomes its UTF-8 bytes), so sending and
 * comparing are byte-exact.
 */
public sealed interface Step {
    int line();

    /** "C:" - send text followed by CRLF. */
    record Send(int line, String text) implements Step {}

    /** "R:" - send these bytes as they are, nothing appended. */
    record SendRaw(int line, byte[] bytes, String source) implements Step {}

    /**
     * "S:" / "S...": read one complete reply, its last line must match pattern.
     * "S-:" ({@code anyLine}): read one complete reply, some line must match pattern.
     */
    record Expect(int line, String pattern, boolean anyLine) implements Step {}

    /**
     * "S+:" - the reply read by the step before (an "S:", "S...", "S-:" or "S+:") must
     * also contain a line matching pattern; reads nothing. For checking several EHLO
     * keywords of one reply.
     */
    record ExpectAlso(int line, String pattern) implements Step {}

    /** "S: &lt;closed&gt;" - the server must close the connection. */
    record ExpectClosed(int line) implements Step {}

    /** "W:" - wait this many milliseconds. */
    record Wait(int line, long millis) implements Step {}
}
