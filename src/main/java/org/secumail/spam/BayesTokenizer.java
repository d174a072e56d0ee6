// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.secumail.content.HeaderField;

/**
 * The tokens Bayes learns and classifies by, after SpamAssassin's tokenizer
 * (Plugin/Bayes.pm): words of the rendered body text (3 to 15 characters; longer ones as
 * "sk:" and their first 7; title case folded, ALL CAPS kept), the hosts of the URIs
 * ("U:" with every parent domain), and selected header fields, each word prefixed by the
 * field ("H*F:" From, "H*M:" Message-ID domains, "H*UA:" the mail agent, Subject words as
 * "H*S:", Received hosts and addresses as "H*r:"). Each distinct token counts once per
 * message. Tokens are kept as 64-bit hashes (FNV-1a over the token's octets): the store
 * holds no text of the mail it learned from.
 */
final class BayesTokenizer {
    private BayesTokenizer() { }

    private static final Pattern WORD = Pattern.compile("[^\\s\"()<>\\[\\]{},;:!?*=+|\\\\/&#%^~`]+");
    private static final Pattern RCVD = Pattern.compile("\\[(\\d{1,3}(?:\\.\\d{1,3}){3})\\]|\\b([a-z0-9-]+(?:\\.[a-z0-9-]+)+)\\b", Pattern.CASE_INSENSITIVE);
    private static final int MAX_TOKENS = 20_000;

    /** The message's token texts (for dump and explanation); {@link #hash} turns each into the stored key. */
    static Set<String> tokens(MessageView v, Set<String> ignoreHeaders) {
        Set<String> out = new LinkedHashSet<>();
        words(v.text, "", out, true);
        for (String u : v.uris) {
            String host = Uris.host(u);
            if (host.isEmpty()) continue;
            String h = host;
            while (true) {
                add(out, "U:" + h);
                int dot = h.indexOf('.');
                if (dot < 0 || h.indexOf('.', dot + 1) < 0) break;
                h = h.substring(dot + 1);
            }
        }
        for (HeaderField f : v.raw().headers()) {
            String name = f.lowerName();
            if (name.startsWith("x-spam-") || ignoreHeaders.contains(name)) continue;
            String value = MessageView.decoded(f);
            switch (name) {
                case "from", "to", "cc", "reply-to", "return-path", "sender" ->
                        words(value.toLowerCase(Locale.ROOT), "H*" + prefix(name) + ":", out, false);
                case "subject" -> words(value, "H*S:", out, true);
                case "message-id" -> {
                    int at = value.lastIndexOf('@');
                    if (at >= 0) add(out, "H*M:" + value.substring(at + 1).replace(">", "").strip().toLowerCase(Locale.ROOT));
                }
                case "user-agent", "x-mailer" -> words(value, "H*UA:", out, false);
                case "received" -> {
                    Matcher m = RCVD.matcher(value);
                    int n = 0;
                    while (m.find() && n++ < 20) add(out, "H*r:" + (m.group(1) != null ? "ip*" + m.group(1) : m.group(2).toLowerCase(Locale.ROOT)));
                    words(value.length() > 1000 ? value.substring(0, 1000) : value, "H*r:", out, false);
                }
                case "content-type" -> words(value.toLowerCase(Locale.ROOT), "H*c:", out, false);
                // every other field as its words, prefixed with its name: SpamAssassin tokenizes the whole
                // header, and which agents, lists and relays a message went through tells much
                default -> words(value.length() > 1000 ? value.substring(0, 1000) : value, "H*" + name + ":", out, false);
            }
            if (out.size() >= MAX_TOKENS) break;
        }
        return out;
    }

    private static String prefix(String header) {
        return switch (header) {
            case "from" -> "F";
            case "to" -> "T";
            case "cc" -> "C";
            case "reply-to" -> "RT";
            case "return-path" -> "RP";
            default -> "SE";
        };
    }

    private static void words(String text, String prefix, Set<String> out, boolean body) {
        Matcher m = WORD.matcher(text);
        while (m.find() && out.size() < MAX_TOKENS) {
            String w = m.group();
            // trailing sentence punctuation and quotes are not part of the word
            int end = w.length();
            while (end > 0 && ".'-_$".indexOf(w.charAt(end - 1)) >= 0) end--;
            int start = 0;
            while (start < end && ".'-_".indexOf(w.charAt(start)) >= 0) start++;
            if (end - start < 3) continue;
            w = w.substring(start, end);
            if (w.length() > 15) {
                // long tokens: a skip marker with the first characters, as SpamAssassin's "sk:"
                add(out, prefix + "sk:" + fold(w.substring(0, 7)));
                continue;
            }
            add(out, prefix + (body ? fold(w) : w));
        }
    }

    /** Title case folded to lower case; ALL CAPS and mixed case kept (they are telling in spam). */
    private static String fold(String w) {
        if (w.length() > 1 && Character.isUpperCase(w.charAt(0)) && w.substring(1).equals(w.substring(1).toLowerCase(Locale.ROOT))) {
            return w.toLowerCase(Locale.ROOT);
        }
        return w;
    }

    private static void add(Set<String> out, String t) { out.add(t); }

    /** The stored key of a token: FNV-1a, 64 bits, over its octets. */
    static long hash(String token) {
        long h = 0xcbf29ce484222325L;
        for (byte b : token.getBytes(StandardCharsets.ISO_8859_1)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
