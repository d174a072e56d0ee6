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

    private static final Pattern RCVD = Pattern.compile("\\[(\\d{1,3}(?:\\.\\d{1,3}){3})\\]|\\b([a-z0-9-]+(?:\\.[a-z0-9-]+)+)\\b", Pattern.CASE_INSENSITIVE);
    private static final int MAX_TOKENS = 20_000;

    /**
     * Fields that teach nothing about the sender, or teach the wrong thing, and are not
     * tokenized (as SpamAssassin's IGNORED_HDRS): delivery and mailbox bookkeeping, mailing-list
     * management (a list's own fields would make Bayes learn the list instead of the message),
     * resent and original copies, other filters' verdicts, Date, and Subject (its words are
     * already the body's first line).
     */
    private static final Pattern IGNORED = Pattern.compile("(?:x-)?sender|delivered-to|delivery-date|(?:x-)?envelope-to|x-mime-autoconverted"
            + "|x-converted-to-plain-text|date|subject|x-list.*|(?:x-)?mailing-list|(?:x-)?list-.*|x-unsub(?:scribe)?|x-mailman-version"
            + "|x-beenthere|x-loop|mail-followup-to|x-egroups-.*|x-mdmailing-list|x-xemacs-list|x-sympa-to|(?:x-)?resent-.*"
            + "|(?:x-)?original-.*|x-mailscanner.*|x-spam.*|x-antispam|x-rbl-warning|x-mdaemon-deliver-to|x-virus-scanned"
            + "|x-mass-check-id|x-pyzor|x-dcc-.*|x-filtered-by|x-scanned-by|x-scanner|x-ap-spam-.*|x-ripe-spam-status"
            + "|x-spamcop-.*|x-smtpd|(?:x-)?spam-apparently-to|spam|x-perlmx-spam|x-bogosity|content-class|thread-(?:index|topic)"
            + "|x-originalarrivaltime|(?:x-)?status|x-flags|x-keywords|replied|forwarded|lines|content-length|x-uidl?|x-imapbase"
            + "|x-bugzilla-.*|x-vm-.*|x-gnus-mail-source|xref|return-path|errors-to|precedence|x-authentication-warning");
    /** Fields whose presence alone is a token: their values are unique to each message. */
    private static final Pattern PRESENCE_ONLY = Pattern.compile("x-face|x-(?:gnu-?pg|pgp|gpg)(?:-key)?-fingerprint|dkim-signature"
            + "|domainkey-signature|x-google-dkim-signature|arc-(?:message-signature|seal)|autocrypt");
    /** Received: fields tokenized: the oldest two, where the sending software and HELO show (SpamAssassin keeps those). */
    private static final int RECEIVED_KEPT = 2;

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
        java.util.List<HeaderField> received = new java.util.ArrayList<>();
        for (HeaderField f : v.raw().headers()) if (f.lowerName().equals("received")) received.add(f);
        java.util.Set<HeaderField> keptReceived = new java.util.HashSet<>(received.subList(Math.max(0, received.size() - RECEIVED_KEPT), received.size()));
        for (HeaderField f : v.raw().headers()) {
            String name = f.lowerName();
            if (ignoreHeaders.contains(name) || IGNORED.matcher(name).matches()) continue;
            if (name.equals("received") && !keptReceived.contains(f)) continue;
            if (PRESENCE_ONLY.matcher(name).matches()) {
                add(out, "H*" + name + ":1");
                continue;
            }
            String value = MessageView.decoded(f);
            switch (name) {
                case "from", "to", "cc", "reply-to" -> addresses(value, "H*" + prefix(name) + ":", out);
                case "message-id" -> {
                    int at = value.lastIndexOf('@');
                    if (at >= 0) add(out, "H*M:" + value.substring(at + 1).replace(">", "").strip().toLowerCase(Locale.ROOT));
                }
                case "user-agent", "x-mailer" -> words(value, "H*UA:", out, false);
                case "received" -> {
                    Matcher m = RCVD.matcher(value);
                    int n = 0;
                    while (m.find() && n++ < 20) {
                        if (m.group(1) != null) {
                            // the address and its /16 and /24: senders move within their networks
                            String ip = m.group(1);
                            add(out, "H*r:ip*" + ip);
                            String[] o = ip.split("\\.");
                            add(out, "H*r:" + o[0] + "." + o[1]);
                            add(out, "H*r:" + o[0] + "." + o[1] + "." + o[2]);
                        } else {
                            add(out, "H*r:" + m.group(2).toLowerCase(Locale.ROOT));
                        }
                    }
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

    /**
     * Address fields chewed into their parts, as SpamAssassin's tokenizer does: display-name
     * words ("N*"), local part ("U*"), domain and its parents ("D*"), each under the field's
     * prefix and under "H*Ad:" (any address field), so "Mr. FoRK" and "fork_list@hotmail.com"
     * are learned as themselves rather than as one long, rarely repeated word.
     */
    private static void addresses(String value, String prefix, Set<String> out) {
        for (String part : value.split(",")) {
            String p = part.strip();
            int lt = p.indexOf('<');
            String addr = lt >= 0 ? p.substring(lt + 1, p.indexOf('>', lt) < 0 ? p.length() : p.indexOf('>', lt)) : p;
            String name = lt >= 0 ? p.substring(0, lt) : "";
            if (lt < 0 && p.contains("(")) { // addr (Name)
                name = p.substring(p.indexOf('(') + 1).replace(")", "");
                addr = p.substring(0, p.indexOf('('));
            }
            for (String w : name.replace("\"", " ").split("[\\s.,]+")) {
                if (w.length() >= 2) { add(out, prefix + "N*" + w); add(out, "H*Ad:N*" + w); }
            }
            addr = addr.strip().toLowerCase(Locale.ROOT);
            int at = addr.lastIndexOf('@');
            if (at <= 0) continue;
            add(out, prefix + "U*" + addr.substring(0, at));
            add(out, "H*Ad:U*" + addr.substring(0, at));
            String d = addr.substring(at + 1);
            while (true) {
                add(out, prefix + "D*" + d);
                add(out, "H*Ad:D*" + d);
                int dot = d.indexOf('.');
                if (dot < 0 || d.indexOf('.', dot + 1) < 0) break;
                d = d.substring(dot + 1);
            }
        }
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

    /**
     * One region's words, after SpamAssassin's tokenizer: a word is a run of letters, digits
     * and , @ * ! _ ' " $ . - (so "$100.00" and "FREE!!!" stay whole) or of UTF-8 sequences;
     * quotes, dots, commas and dashes at either end are cut; words under 3 characters are
     * dropped and those over 15 kept as "sk:" and their first 7. In the body, addresses and
     * domain-like words also give "UD:" tokens for each parent domain, and a word with
     * punctuation or capitals also counts stripped and lower-cased ("Free!" gives "Free",
     * "free!" and "free").
     */
    private static void words(String text, String prefix, Set<String> out, boolean body) {
        StringBuilder w = new StringBuilder();
        int n = text.length();
        // title case is folded only where a sentence starts (a line start, or after ". "), as
        // SpamAssassin does: elsewhere a capital is the writer's choice and tells something
        boolean sentenceStart = true;
        for (int i = 0; i <= n && out.size() < MAX_TOKENS; i++) {
            char c = i < n ? text.charAt(i) : ' ';
            boolean keep = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || ",@*!_'\"$.-".indexOf(c) >= 0 || c >= 0x80;
            if (keep) { w.append(c); continue; }
            if (w.length() > 0) {
                token(w.toString(), prefix, out, body, sentenceStart);
                sentenceStart = w.charAt(w.length() - 1) == '.';
            }
            if (c == '\n') sentenceStart = true;
            w.setLength(0);
        }
    }

    private static void token(String raw, String prefix, Set<String> out, boolean body, boolean sentenceStart) {
        int start = 0;
        int end = raw.length();
        while (start < end && "-'\".,".indexOf(raw.charAt(start)) >= 0) start++;
        while (end > start && "-'\".,".indexOf(raw.charAt(end - 1)) >= 0) end--;
        if (end - start < 3) return;
        String t = raw.substring(start, end);
        if (body) {
            if (t.indexOf('@') > 0 && t.indexOf('@') < t.length() - 1) {
                String dom = t.substring(t.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
                add(out, "UD:" + dom);
            } else if (DOMAINISH.matcher(t).find()) {
                add(out, "UD:" + t);
                String bit = t;
                int dot;
                while ((dot = bit.indexOf('.')) >= 0 && dot < bit.length() - 1) {
                    bit = bit.substring(dot + 1);
                    add(out, "UD:" + bit);
                }
            }
        }
        if (t.length() > 15 && t.indexOf('*') < 0) {
            add(out, prefix + "sk:" + t.substring(0, 7));
            return;
        }
        String folded = body && sentenceStart ? fold(t) : t;
        add(out, prefix + folded);
        if (body) {
            String stripped = folded.replaceAll("[^\\w:*\\x80-\\xff]", "");
            if (!stripped.equals(folded) && stripped.length() >= 3) add(out, prefix + stripped);
            String lower = folded.toLowerCase(Locale.ROOT);
            if (!lower.equals(folded)) {
                add(out, prefix + lower);
                String ls = lower.replaceAll("[^\\w:*\\x80-\\xff]", "");
                if (!ls.equals(lower) && ls.length() >= 3) add(out, prefix + ls);
            }
        }
    }

    private static final Pattern DOMAINISH = Pattern.compile("\\S\\.[a-zA-Z]");

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
