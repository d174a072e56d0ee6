// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.dom.address.Address;
import org.apache.james.mime4j.dom.address.Group;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;
import org.secumail.content.HeaderField;

/**
 * The header half of the Bayes tokens, as SpamAssassin's _tokenize_headers makes it: every
 * field except the well-known noise (delivery bookkeeping, list management, other filters'
 * verdicts, Date, Subject: {@link #IGNORED}) and the bayes_ignore_header ones, the relay
 * lines SpamAssassin derives (X-Spam-Relays-*), the sender's and author's domains, and only
 * the oldest two Received: fields, where the sending software and HELO show. Each value is
 * chewed by its kind first: addresses into display-name words ("N*"), local part ("U*") and
 * domains ("D*"); Message-IDs into their parts; Received: without its dates and queue IDs,
 * addresses cut to their /24 plus the whole one as "ip*"; a MIME boundary into its shape.
 * From, To and Cc are also pooled as "*Ad", Message-ID, In-Reply-To and References as "*MI",
 * X-Mailer and User-Agent as "*UA". The result maps a prefix (a field name, compressed for
 * the common ones) to the text {@link BayesTokenizer} splits under "H" + prefix + ":".
 */
final class BayesHeaderTokens {
    /** SpamAssassin's IGNORED_HDRS: fields that teach the wrong thing (a list's own fields would teach the list). */
    static final Pattern IGNORED = Pattern.compile("(?:X-)?Sender|Delivered-To|Delivery-Date|(?:X-)?Envelope-To"
            + "|X-MIME-Auto[Cc]onverted|X-Converted-To-Plain-Text|Subject|Date|X-List|(?:X-)?Mailing-List"
            + "|(?:X-)?List-(?:Archive|Help|Id|Owner|Post|Subscribe|Unsubscribe|Host|Id|Manager|Admin|Comment|Name|Url)"
            + "|X-Unsub(?:scribe)?|X-Mailman-Version|X-Been[Tt]here|X-Loop|Mail-Followup-To|X-eGroups-(?:Return|From)"
            + "|X-MDMailing-List|X-XEmacs-List|X-Sympa-To|(?:X-)?Resent-(?:From|To|Date)|(?:X-)?Original-(?:From|To|Date)"
            + "|X-MailScanner(?:-SpamCheck)?|X-Spam(?:-(?:Status|Level|Flag|Report|Hits|Score|Checker-Version))?"
            + "|X-Antispam|X-RBL-Warning|X-Mailscanner|X-MDaemon-Deliver-To|X-Virus-Scanned|X-Mass-Check-Id|X-Pyzor"
            + "|X-DCC-\\S{2,25}-Metrics|X-Filtered-B[Yy]|X-Scanned-By|X-Scanner|X-AP-Spam-(?:Score|Status)|X-RIPE-Spam-Status"
            + "|X-SpamCop-[^:]+|X-SMTPD|(?:X-)?Spam-Apparently-To|SPAM|X-Perlmx-Spam|X-Bogosity|Content-Class"
            + "|Thread-(?:Index|Topic)|X-Original[Aa]rrival[Tt]ime|(?:X-)?Status|X-Flags|X-Keywords|Replied|Forwarded"
            + "|Lines|Content-Length|X-UIDL?|X-IMAPbase|X-Bugzilla-[^:]+"
            + "|X-VM-(?:Bookmark|(?:POP|IMAP)-Retrieved|Labels|Last-Modified|Summary-Format|VHeader|v\\d-Data|Message-Order)"
            + "|X-Gnus-Mail-Source|Xref", Pattern.CASE_INSENSITIVE);
    /** Fields whose presence alone is a token: their values are unique to each message. */
    private static final Pattern PRESENCE_ONLY = Pattern.compile("X-Face|X-(?:Gnu-?PG|PGP|GPG)(?:-Key)?-Fingerprint"
            + "|D(?:KIM|omainKey)-Signature|X-Google-DKIM-Signature|ARC-(?:Message-Signature|Seal)|Autocrypt", Pattern.CASE_INSENSITIVE);
    private static final Pattern MESSAGE_ID = Pattern.compile("(?:|X-|Resent-)Message-Id", Pattern.CASE_INSENSITIVE);
    private static final Pattern ADDRESS = Pattern.compile("(?:|X-|Resent-)(?:Return-Path|From|To|Cc|Reply-To|Errors-To|Mail-Followup-To|Sender)",
            Pattern.CASE_INSENSITIVE);
    /** SpamAssassin's HEADER_NAME_COMPRESSION: the most frequent names, shortened (case-sensitive, as there). */
    private static final Map<String, String> COMPRESSED = Map.ofEntries(
            Map.entry("Message-Id", "*m"), Map.entry("Message-ID", "*M"), Map.entry("Received", "*r"),
            Map.entry("User-Agent", "*u"), Map.entry("References", "*f"), Map.entry("In-Reply-To", "*i"),
            Map.entry("From", "*F"), Map.entry("Reply-To", "*R"), Map.entry("Return-Path", "*p"),
            Map.entry("Return-path", "*rp"), Map.entry("X-Mailer", "*x"), Map.entry("X-Authentication-Warning", "*a"),
            Map.entry("Organization", "*o"), Map.entry("Organisation", "*o"), Map.entry("Content-Type", "*ct"),
            Map.entry("Content-Disposition", "*cd"), Map.entry("Content-Transfer-Encoding", "*ce"),
            Map.entry("x-spam-relays-trusted", "*RT"), Map.entry("x-spam-relays-untrusted", "*RU"));

    private static final Pattern OE_MSGID = Pattern.compile("<([0-9a-f]{4})[0-9a-f]{4}[0-9a-f]{4}\\$([0-9a-f]{4})[0-9a-f]{4}\\$([0-9a-f]{8})@(\\S+)>");
    private static final Pattern EXIM_MSGID = Pattern.compile("<[A-Za-z0-9]{7}-[A-Za-z0-9]{6}-0[A-Za-z0-9]@");
    private static final Pattern SENDMAIL_MSGID = Pattern.compile("<20\\d\\d[01]\\d[0123]\\d[012]\\d[012345]\\d[012345]\\d\\.[A-F0-9]{10,12}@");
    private static final Pattern NOT_ID = Pattern.compile("[^_A-Za-z0-9]");
    private static final Pattern[] RECEIVED_NOISE = {
        Pattern.compile("\\swith\\sSMTP\\sid\\sg[\\dA-Z]{10,12}\\s"),
        Pattern.compile("\\swith\\sESMTP\\sid\\s[\\dA-F]{10,12}\\s"),
        Pattern.compile("\\bid\\s[a-zA-Z0-9]{7,20}\\b"),
        Pattern.compile("\\bid\\s[A-Za-z0-9]{7}-[A-Za-z0-9]{6}-0[A-Za-z0-9]"),
    };
    private static final Pattern RECEIVED_DATE = Pattern.compile("(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),\\s)?[0-3\\s]?[0-9]\\s"
            + "(?:Jan|Feb|Ma[ry]|Apr|Ju[nl]|Aug|Sep|Oct|Nov|Dec)\\s(?:19|20)?[0-9]{2}\\s[0-2][0-9](?::[0-5][0-9]){1,2}\\s"
            + "(?:\\s*\\(|\\)|\\s*(?:[+-][0-9]{4})|\\s*(?:UT|[A-Z]{2,3}T))*");
    private static final Pattern IPV4 = Pattern.compile("\\b(\\d{1,3}\\.\\d{1,3}\\.\\d{1,3})(\\.\\d{1,3})\\b");
    private static final Pattern RECEIVED_WORDS = Pattern.compile("\\b(?:with|from|for|SMTP|ESMTP)\\b");
    private static final Pattern BOUNDARY = Pattern.compile("boundary=[\"'](.*?)[\"']", Pattern.CASE_INSENSITIVE);
    private static final Pattern CT_WORDS = Pattern.compile("\\b(?:text|charset)\\b");
    private static final Pattern RELAY_KEYS = Pattern.compile(" [a-z]+=");

    private final Set<String> ignore;

    BayesHeaderTokens(Set<String> ignoreHeaders) {
        this.ignore = Set.copyOf(ignoreHeaders);
    }

    /** Prefix (compressed field name, or *Ad, *MI, *UA) to the chewed values under it, space-separated. */
    Map<String, String> chewed(MessageView v) {
        List<String[]> fields = new ArrayList<>();
        List<HeaderField> received = new ArrayList<>();
        for (HeaderField f : v.raw().headers()) {
            if (f.name().equalsIgnoreCase("Received")) {
                received.add(f);
            } else if (!IGNORED.matcher(f.name()).matches()) {
                fields.add(new String[] {f.name(), MessageView.decoded(f)});
            }
        }
        // what SpamAssassin's metadata adds: the parsed relays and the sender's and author's domains
        // SpamAssassin keeps metadata under lower-case names: the trusted and untrusted relays are compressed to
        // *RT and *RU, and the key words of each relay (rdns=, helo=) are dropped
        for (String which : List.of("external", "internal", "trusted", "untrusted")) {
            fields.add(new String[] {"x-spam-relays-" + which, v.relays.pseudoHeader(which)});
        }
        List<String> authors = new ArrayList<>();
        for (HeaderField f : v.all("From")) {
            for (Mailbox m : mailboxes(MessageView.decoded(f))) {
                if (m.getDomain() != null && !authors.contains(m.getDomain())) authors.add(m.getDomain());
            }
        }
        if (!authors.isEmpty()) fields.add(new String[] {"x-authordomain", String.join(" ", authors)});
        String sender = v.envelopeFrom();
        if (sender.indexOf('@') > 0) fields.add(new String[] {"x-senderdomain", sender.substring(sender.lastIndexOf('@') + 1)});
        for (int i = received.size() - 1; i >= Math.max(0, received.size() - 2); i--) {
            HeaderField f = received.get(i);
            fields.add(new String[] {f.name(), MessageView.decoded(f)});
        }
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String[] f : fields) {
            String name = f[0];
            if (ignore.contains(name.toLowerCase(Locale.ROOT))) continue;
            String value = chew(name, f[1]);
            if (name.equalsIgnoreCase("In-Reply-To") || name.equalsIgnoreCase("References") || name.equalsIgnoreCase("Message-ID")) {
                parsed.merge("*MI", value, (a, b) -> a + " " + b);
            }
            if (name.equalsIgnoreCase("From") || name.equalsIgnoreCase("To") || name.equalsIgnoreCase("Cc")) {
                parsed.merge("*Ad", value, (a, b) -> a + " " + b);
            }
            if (name.equalsIgnoreCase("X-Mailer") || name.equalsIgnoreCase("User-Agent")) {
                parsed.merge("*UA", value, (a, b) -> a + " " + b);
            }
            parsed.merge(COMPRESSED.getOrDefault(name, name), value, (a, b) -> a + " " + b);
        }
        return parsed;
    }

    /** A value as its kind is chewed before the words are split. */
    static String chew(String name, String value) {
        if (MESSAGE_ID.matcher(name).matches()) return messageId(value);
        if (ADDRESS.matcher(name).matches()) return addresses(value);
        if (name.equals("Received")) return received(value);
        if (name.equals("Content-Type")) return contentType(value);
        if (name.equals("MIME-Version")) return value.replaceFirst("1\\.0", "");
        if (PRESENCE_ONLY.matcher(name).matches()) return "1";
        if (name.startsWith("x-spam-relays-")) return RELAY_KEYS.matcher(value).replaceAll(" ");
        return value;
    }

    /** Message-IDs split at their likely boundaries; Outlook Express, Exim and Sendmail forms shortened. */
    static String messageId(String v) {
        v = OE_MSGID.matcher(v).replaceAll(" OEA$1 OEB$2 OEC$3 $4 ");
        v = EXIM_MSGID.matcher(v).replaceFirst("");
        v = SENDMAIL_MSGID.matcher(v).replaceAll("");
        return NOT_ID.matcher(v).replaceAll(" ");
    }

    /** Each address as its display-name words, its local part and its domain with every parent. */
    static String addresses(String v) {
        java.util.Set<String> toks = new java.util.LinkedHashSet<>();
        for (Mailbox m : mailboxes(v)) {
            if (m.getName() != null) {
                for (String w : m.getName().strip().split("\\s+")) if (!w.isEmpty()) toks.add("N*" + w);
            }
            if (m.getDomain() != null && !m.getDomain().isEmpty()) BayesTokenizer.mailAddress(m.getLocalPart() + "@" + m.getDomain(), toks);
        }
        return String.join(" ", toks);
    }

    private static List<Mailbox> mailboxes(String v) {
        List<Mailbox> out = new ArrayList<>();
        try {
            for (Address a : LenientAddressParser.DEFAULT.parseAddressList(v)) {
                if (a instanceof Mailbox m) out.add(m);
                else if (a instanceof Group g) out.addAll(g.getMailboxes());
            }
        } catch (RuntimeException e) {
            // an unparsable field gives no address tokens, as SpamAssassin's parser gives none
        }
        return out;
    }

    /**
     * Received: without queue IDs and dates (unique to each message), IPv4 addresses as their
     * /24 plus the whole address as "ip*", and the words every such field has.
     */
    static String received(String v) {
        for (Pattern p : RECEIVED_NOISE) v = p.matcher(v).replaceAll(" ");
        v = RECEIVED_DATE.matcher(v).replaceAll("");
        // SpamAssassin meant to keep 10/8 and 192.168/16 addresses whole, but its test never
        // matches (it compares "10." with "10"): every address is cut to its /24
        Matcher m = IPV4.matcher(v);
        v = m.replaceAll(r -> Matcher.quoteReplacement(r.group(1) + " ip*" + r.group(1) + r.group(2) + " "));
        return RECEIVED_WORDS.matcher(v).replaceAll(" ");
    }

    /** Content-Type without the grey words "text" and "charset"; a boundary reduced to its shape. */
    static String contentType(String v) {
        Matcher m = BOUNDARY.matcher(v);
        String boundary = null;
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            boundary = m.group(1);
            m.appendReplacement(b, " ");
        }
        m.appendTail(b);
        v = b.toString();
        if (boundary != null) {
            String shape = boundary.replaceAll("[a-fA-F0-9]", "H").replaceAll("([-_.=]+)", " $1 ");
            v = v + shape;
        }
        return CT_WORDS.matcher(v).replaceAll(" ");
    }
}
