// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.message.DefaultBodyDescriptorBuilder;
import org.apache.james.mime4j.message.MaximalBodyDescriptor;
import org.apache.james.mime4j.stream.BodyDescriptor;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.RecursionMode;

/**
 * Takes a message apart with mime4j's pull parser (RFC 2045-2049): every leaf body is handed
 * over decoded (base64, quoted-printable), attached messages (message/rfc822) are parsed in
 * turn. The parser is permissive as mail clients are (broken boundaries and truncated base64 still give
 * what can be read) but bounded: part count and nesting depth are capped by mime4j itself.
 */
final class MimeParts {
    private MimeParts() { }

    interface Sink {
        void part(String name, String contentType, InputStream decoded) throws IOException;
    }

    /** Thrown when the message has more parts or deeper nesting than allowed. */
    static final class TooComplex extends IOException {
        TooComplex(String m) { super(m); }
    }

    static void walk(InputStream message, int maxParts, int maxDepth, Sink sink) throws IOException {
        MimeConfig config = MimeConfig.custom().setMaxLineLen(-1).setMaxHeaderLen(-1).setMaxHeaderCount(-1)
                .setMaxContentLen(-1).setStrictParsing(false).setMaxPartCount(maxParts).setMaxNestingDepth(maxDepth).build();
        MimeTokenStream ts = new MimeTokenStream(config, new DefaultBodyDescriptorBuilder());
        ts.setRecursionMode(RecursionMode.M_RECURSE);
        ts.parse(message);
        try {
            for (EntityState st = ts.getState(); st != EntityState.T_END_OF_STREAM; st = ts.next()) {
                if (st != EntityState.T_BODY) continue;
                BodyDescriptor bd = ts.getBodyDescriptor();
                String name = null;
                if (bd instanceof MaximalBodyDescriptor m) {
                    name = m.getContentDispositionFilename();
                    if (name == null) name = m.getContentTypeParameters().get("name");
                }
                sink.part(name, bd.getMimeType().toLowerCase(Locale.ROOT), ts.getDecodedInputStream());
            }
        } catch (MimeException e) {
            throw new TooComplex(e.getMessage());
        }
    }
}
