// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import static org.secumail.spam.EvalTests.hit;
import static org.secumail.spam.EvalTests.num;
import static org.secumail.spam.EvalTests.str;

import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleBiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.secumail.content.FromHeader;

/**
 * Eval tests that read the relay chain and the Received: trail (SpamAssassin's RelayEval
 * and the forgery checks of HeaderEval): a HELO that names an address other than the
 * client's, a big-provider HELO from a client with no reverse DNS, a trail whose hops do
 * not join up, Yahoo, Hotmail, Gmail, Juno and Eudoramail addresses that did not come
 * through their providers, Outlook Message-IDs whose time stamp does not fit the Date, and
 * recipient lists that look generated.
 */
final class RelayEvals {
    private RelayEvals() { }

    /** The patterns of the forgery checks, compiled once (they are constants). */
    private static final java.util.concurrent.ConcurrentHashMap<String, Pattern> PATTERNS = new java.util.concurrent.ConcurrentHashMap<>();

    private static Pattern re(String regex) { return PATTERNS.computeIfAbsent(regex, Pattern::compile); }

    private static final Pattern IPV4_ONLY = Pattern.compile("^" + ReceivedLine.IPV4 + "$");
    private static final Pattern IP_ANY = re(ReceivedLine.IP);
    private static final Pattern DOTCOM_HELO = re("(?i)(?:\\.|^)(lycos\\.com|lycos\\.co\\.uk|hotmail\\.com|localhost\\.com|excite\\.com"
            + "|caramail\\.com|cs\\.com|aol\\.com|msn\\.com|yahoo\\.com|drizzle\\.com)$");
    private static final Pattern HOSTNAME = re("^\\w+(?:[\\w.-]+\\.)+\\w+$");
    private static final Pattern OUTLOOK_ID = re("^<[0-9a-f]{4}([0-9a-f]{8})\\$[0-9a-f]{8}\\$[0-9a-f]{8}@");

    static void register(Map<String, ToDoubleBiFunction<Scan, List<String>>> t) {
        t.put("helo_ip_mismatch", (s, a) -> heloIpMismatch(s.view().relays));
        t.put("check_for_no_rdns_dotcom_helo", (s, a) -> noRdnsDotcomHelo(s.view().relays));
        t.put("check_for_forged_received_trail", (s, a) -> hit(forgedTrail(s.view().relays) > 1));
        t.put("gated_through_received_hdr_remover", (s, a) -> hit(gatedThroughRemover(s.view())));
        t.put("check_for_forged_yahoo_received_headers", (s, a) -> forgedYahoo(s.view()));
        t.put("check_for_forged_hotmail_received_headers", (s, a) -> hit(hotmail(s.view()) == 1));
        t.put("check_for_no_hotmail_received_headers", (s, a) -> hit(hotmail(s.view()) == 2));
        t.put("check_for_forged_gmail_received_headers", (s, a) -> forgedGmail(s.view()));
        t.put("check_for_forged_juno_received_headers", (s, a) -> forgedJuno(s.view()));
        t.put("check_for_forged_eudoramail_received_headers", (s, a) -> forgedEudoramail(s.view()));
        t.put("check_for_fake_aol_relay_in_rcvd", (s, a) -> fakeAolRelay(s.view()));
        t.put("check_outlook_message_id", (s, a) -> outlookMessageId(s.view()));
        t.put("similar_recipients", (s, a) -> {
            double sim = recipients(s.view()).similar;
            return hit((str(a, 0).equals("undef") || sim >= num(a, 0, 0)) && (str(a, 1).equals("undef") || sim < num(a, 1, Double.POSITIVE_INFINITY)));
        });
        t.put("sorted_recipients", (s, a) -> hit(recipients(s.view()).sorted));
        t.put("check_ratware_name_id", (s, a) -> ratwareNameId(s.view()));
        t.put("check_unresolved_template", (s, a) -> unresolvedTemplate(s.view()));
    }

    private static String header(MessageView v, String name) {
        String h = v.header(name, "");
        return h == null ? "" : h;
    }

    /** All instances of a header, whitespace runs made one space (the forgery checks' reading). */
    private static String flat(MessageView v, String name) { return re("\\s+").matcher(header(v, name)).replaceAll(" "); }

    private static boolean privateIp(String ip) {
        java.net.InetAddress a = Relays.address(ip);
        return a != null && Relays.privateAddress(a);
    }

    /** An untrusted relay announced itself with a public IPv4 address outside the /24 it connected from. */
    static double heloIpMismatch(Relays r) {
        for (Relays.Relay x : r.untrusted) {
            if (!IPV4_ONLY.matcher(x.helo()).matches() || privateIp(x.helo())) continue;
            if (IPV4_ONLY.matcher(x.ip()).matches() && !privateIp(x.ip()) && !x.helo().equals(x.ip())) {
                String net = x.helo().substring(0, x.helo().lastIndexOf('.') + 1);
                if (!x.ip().startsWith(net)) return 1;
            }
        }
        return 0;
    }

    /** A client with no reverse DNS (its MTA looked) that said HELO as a big mail provider. */
    static double noRdnsDotcomHelo(Relays r) {
        // SpamAssassin sets its flag afresh at every public relay, so the oldest one decides
        double result = 0;
        for (Relays.Relay x : r.untrusted) {
            if (privateIp(x.ip())) continue;
            result = hit(DOTCOM_HELO.matcher(x.helo()).find() && x.noReverseDns());
        }
        return result;
    }

    /** RelayEval's hostname_to_domain: the last two labels (three under a two-letter country code, except ie, fr, de). */
    static String hostDomain(String host) {
        if (!re("[a-zA-Z]").matcher(host).find()) return host;
        String[] p = re("\\.").split(host);
        if (p.length > 1 && re("\\S{3,}|ie|fr|de").matcher(p[p.length - 1]).find()) return p[p.length - 2] + "." + p[p.length - 1];
        if (p.length > 2) return p[p.length - 3] + "." + p[p.length - 2] + "." + p[p.length - 1];
        return host;
    }

    /** Hops whose receiving host is not the domain the next hop was received from. */
    static int forgedTrail(Relays r) {
        int mismatches = 0;
        List<Relays.Relay> u = r.untrusted;
        String[] from = new String[u.size()];
        for (int i = 0; i < u.size(); i++) {
            Relays.Relay x = u.get(i);
            String rdns = x.rdns().toLowerCase(Locale.ROOT);
            from[i] = re("localhost(?:\\.localdomain)?").matcher(rdns).matches() && x.ip().equals("127.0.0.1") ? null : hostDomain(rdns);
        }
        for (int i = 0; i < u.size(); i++) {
            String by = hostDomain(u.get(i).by().toLowerCase(Locale.ROOT));
            if (!HOSTNAME.matcher(by).matches()) continue;
            String prev = i > 0 ? from[i - 1] : null;
            // msn.com hands over to hotmail.com all the time
            if (prev != null && HOSTNAME.matcher(prev).matches() && !by.equals(prev) && !(by.equals("msn.com") && prev.equals("hotmail.com"))) {
                mismatches++;
            }
        }
        return mismatches;
    }

    /** Mail through a gateway that drops Received: fields (ezmlm lists, MSN groups), or with none at all. */
    static boolean gatedThroughRemover(MessageView v) {
        String list = v.header("Mailing-List", "");
        if (list != null && re("(?m)^contact \\S+@\\S+; run by ezmlm$").matcher(list).find()) {
            if (re("(?m)^mailing list \\S+@\\S+").matcher(header(v, "Delivered-To")).find()
                    && re("qmail \\d+ invoked (?:from network|by .{3,20})\\); \\d+ ... \\d+").matcher(header(v, "Received")).find()) {
                return true;
            }
        }
        String rcvd = v.header("Received", "");
        return rcvd == null || re("from groups\\.msn\\.com \\(\\S+\\.msn\\.com ").matcher(rcvd).find();
    }

    private static String fromAddr(MessageView v) {
        String a = v.header("From", "addr");
        return a == null ? "" : a.strip();
    }

    static double forgedYahoo(MessageView v) {
        if (!re("(?i)\\byahoo\\.com$").matcher(fromAddr(v)).find()) return 0;
        String rcvd = header(v, "Received");
        if (!header(v, "Resent-From").isEmpty() && !header(v, "Resent-To").isEmpty() && !header(v, "X-Received").isEmpty()) rcvd = header(v, "X-Received");
        rcvd = re("\\s+").matcher(rcvd).replaceAll(" ");
        if (gatedThroughRemover(v)) return 0;
        if (re(" rdns=\\S+\\.yahoo\\.com ").matcher(v.relays.pseudoHeader("trusted")).find()
                || re("^[^\\]]+ rdns=\\S+\\.yahoo\\.com ").matcher(v.relays.pseudoHeader("untrusted")).find()) return 0;
        String[] fine = {"by web\\S+\\.mail\\S*\\.yahoo\\.com via HTTP", "by sonic\\S+\\.consmr\\.mail\\S*\\.yahoo\\.com with HTTP",
            "by smtp\\S+\\.yahoo\\.com with SMTP", "from \\[" + ReceivedLine.IP + "\\] by \\S+\\.(?:groups|scd|dcn)\\.yahoo\\.com with NNFMP",
            "by \\w+\\.\\w+\\.yahoo\\.com \\(\\d+\\.\\d+\\.\\d+/\\d+\\.\\d+\\.\\d+\\)(?: with ESMTP)? id \\w+"};
        for (String f : fine) if (re(f).matcher(rcvd).find()) return 0;
        if (re("\\bmailer\\d+\\.bulk\\.scd\\.yahoo\\.com\\b").matcher(rcvd).find()
                && re("(?i)@reply\\.yahoo\\.com$").matcher(fromAddr(v)).find()) return 0;
        return 1;
    }

    /** 0: fine; 1: a Hotmail HELO or host the trail does not back up; 2: a Hotmail From: with no Hotmail hop. */
    static int hotmail(MessageView v) {
        String rcvd = flat(v, "Received");
        if (rcvd.contains("from mail pickup service by hotmail.com with Microsoft SMTPSVC;")) return 0;
        if (msnGroups(v)) return 0;
        boolean ip = IP_ANY.matcher(header(v, "X-Originating-Ip")).find();
        boolean orig = re("hotmail\\.com|msonline-outlook").matcher(header(v, "X-OriginatorOrg")).find();
        if (gatedThroughRemover(v)) return 0;
        String anyIp = ReceivedLine.IP;
        if (ip && (re("from (?:\\S*\\.)?hotmail.com \\(\\S+\\.hotmail(?:\\.msn)?\\.com[ )]").matcher(rcvd).find()
                || re("from \\S*\\.hotmail.com \\(\\[" + anyIp + "\\][ ):]").matcher(rcvd).find()
                || re("from \\S+ by \\S+\\.hotmail(?:\\.msn)?\\.com with HTTP;").matcher(rcvd).find()
                || re("from \\[66\\.218.\\S+\\] by \\S+\\.yahoo\\.com").matcher(rcvd).find())) return 0;
        if (orig && (re("from \\S*\\.outbound\\.protection\\.outlook\\.com \\(\\S+\\.outbound\\.protection\\.outlook\\.com[ )]").matcher(rcvd).find()
                || re("from \\S*\\.(?:eur|nam)prd\\d+\\.prod\\.outlook\\.com \\(" + anyIp + "\\)").matcher(rcvd).find())) return 0;
        if (re("(?:from |HELO |helo=)\\S*hotmail\\.com\\b").matcher(rcvd).find()) return 1;
        return re("(?i)\\bhotmail\\.com$").matcher(fromAddr(v)).find() ? 2 : 0;
    }

    private static boolean msnGroups(MessageView v) {
        Matcher to = re("(?i)<(\\S+)@groups\\.msn\\.com>").matcher(header(v, "To"));
        if (!to.find()) return false;
        Matcher server = re("from mail pickup service by ((?:p\\d\\d\\.)groups\\.msn\\.com)\\b").matcher(header(v, "Received"));
        if (!server.find()) return false;
        String list = to.group(1);
        String id = header(v, "Message-Id");
        if (list.equals("notifications")) return Pattern.compile("^<\\S+@" + Pattern.quote(server.group(1)) + ">").matcher(id).find();
        return Pattern.compile("^<" + Pattern.quote(list) + "-\\S+@groups\\.msn\\.com>").matcher(id).find()
                && v.envelopeFrom().contains(list + "-bounce@groups.msn.com");
    }

    static double forgedGmail(MessageView v) {
        if (!re("(?i)\\bgmail\\.com$").matcher(fromAddr(v)).find()) return 0;
        String xr = header(v, "X-Received");
        if (re("by 10\\.\\S+ with SMTP id \\S+").matcher(xr).find() || re("by 2002:a\\d\\d:\\w+:\\S+ with SMTP id \\S+").matcher(xr).find()) return 0;
        if (re("by smtp\\.googlemail\\.com with ESMTPSA id \\S+").matcher(header(v, "Received")).find()) return 0;
        // Gmail's own bookkeeping fields are long; forgers rarely add them
        return hit(!(header(v, "X-Gm-Message-State").length() >= 60 && header(v, "X-Google-Smtp-Source").length() >= 60));
    }

    static double forgedJuno(MessageView v) {
        if (!re("(?i)\\bjuno\\.com$").matcher(fromAddr(v)).find() || gatedThroughRemover(v)) return 0;
        String xorig = header(v, "X-Originating-IP");
        String xmailer = header(v, "X-Mailer");
        String rcvd = header(v, "Received");
        String ip = ReceivedLine.IP;
        if (!xorig.isEmpty()) {
            if (!re("from.*\\b(?:juno|untd)\\.com.*[\\[(]" + ip + "[\\])].*by").matcher(rcvd).find()
                    && !re(" cookie\\.(?:juno|untd)\\.com ").matcher(rcvd).find()) return 1;
            return hit(!xmailer.contains("Juno "));
        }
        if (re("from.*\\bmail\\.com.*\\[" + ip + "\\].*by").matcher(rcvd).find()) {
            if (!re("\\bmail\\.com").matcher(xmailer).find()) return 1;
        } else if (re("from (webmail\\S+\\.untd\\.com) \\(\\1 \\[" + ip + "\\]\\) by").matcher(rcvd).find()) {
            if (!re("^Webmail Version \\d").matcher(xmailer).find()) return 1;
        } else {
            return 1;
        }
        return hit(!IP_ANY.matcher(xorig).find());
    }

    static double forgedEudoramail(MessageView v) {
        if (!re("(?i)\\beudoramail\\.com$").matcher(fromAddr(v)).find()) return 0;
        boolean ip = IP_ANY.matcher(header(v, "X-Sender-Ip")).find();
        if (gatedThroughRemover(v)) return 0;
        return hit(!(ip && re("by \\S*whowhere.com;").matcher(flat(v, "Received")).find()));
    }

    /** An AOL relay name (rly-xx01.) in a trail that AOL's own relays did not write. */
    static double fakeAolRelay(MessageView v) {
        String rcvd = flat(v, "Received");
        if (!re("(?i) rly-[a-z][a-z]\\d\\d\\.").matcher(rcvd).find()) return 0;
        return hit(!re("/AOL-\\d+\\.\\d+\\.\\d+\\)").matcher(rcvd).find() && !re("ESMTP id (?:RELAY|MAILRELAY|MAILIN)").matcher(rcvd).find());
    }

    /**
     * Outlook's Message-IDs carry a time stamp: one that fits neither the Date: nor the
     * first Received: date (by more than 250 units, some 30 hours) was made up.
     */
    static double outlookMessageId(MessageView v) {
        Matcher m = OUTLOOK_ID.matcher(header(v, "MESSAGEID"));
        if (!m.find()) return 0;
        long token = Long.parseLong(m.group(1), 16);
        if (Math.abs(token - expected(HeaderEvals.date(header(v, "Date").strip()))) < 250) return 0;
        Matcher d = re("(\\s.?\\d+ \\S\\S\\S \\d+ \\d+:\\d+:\\d+ \\S+).*?$").matcher(header(v, "Received"));
        Date r = d.find() ? HeaderEvals.date(d.group(1).strip()) : null;
        return hit(Math.abs(token - expected(r)) >= 250);
    }

    private static long expected(Date d) {
        long t = d == null ? 0 : d.getTime() / 1000;
        return (long) (t * 0.0023283064365387 + 27111902.8329849);
    }

    record Recipients(boolean sorted, double similar) { }

    /** To:, Cc: and Bcc: addresses in order (repeats in a row once): sorted alphabetically, or alike in user and host. */
    static Recipients recipients(MessageView v) {
        Object memo = v.memo.get("recipients");
        if (memo instanceof Recipients r) return r;
        List<String> in = new ArrayList<>();
        for (String h : List.of("To", "Cc", "Bcc")) {
            for (var f : v.all(h)) in.addAll(FromHeader.parse(MessageView.decoded(f)));
            if (h.equals("Cc") && in.size() >= 5) break;
        }
        List<String> addr = new ArrayList<>();
        String previous = "";
        for (String c : in) {
            if (c.isEmpty()) break;
            if (!c.equalsIgnoreCase(previous)) addr.add(previous = c);
            if (addr.size() == 256) break;
        }
        List<String> sortedCopy = new ArrayList<>(addr);
        java.util.Collections.sort(sortedCopy);
        boolean sorted = addr.size() >= 7 && addr.equals(sortedCopy);
        double similar = 0;
        if (addr.size() >= 5) {
            int hits = 0;
            int combinations = 0;
            for (int i = 0; i < addr.size(); i++) {
                for (int j = i + 1; j < addr.size(); j++) {
                    String a = addr.get(i);
                    String b = addr.get(j);
                    if (prefix(a).equals(prefix(b))) hits++;
                    String ha = host(a);
                    String hb = host(b);
                    if (prefix(ha).equals(prefix(hb)) && !ha.equals(hb)) hits++;
                    combinations++;
                }
            }
            similar = (double) hits / combinations;
        }
        Recipients r = new Recipients(sorted, similar);
        v.memo.put("recipients", r);
        return r;
    }

    private static String prefix(String s) { return s.length() <= 2 ? s : s.substring(0, 2); }

    private static String host(String a) {
        int at = a.indexOf('@');
        return at < 0 ? "" : a.substring(at + 1);
    }

    /** Ratware that makes the Message-ID from 28 capitals and the From: address. */
    static double ratwareNameId(MessageView v) {
        Matcher m = re("<[A-Z]{28}\\.([^>]+?)>").matcher(header(v, "MESSAGEID"));
        if (!m.find()) return 0;
        return hit(Pattern.compile("\"[^\"]+\"\\s*<" + Pattern.quote(m.group(1)) + ">").matcher(header(v, "From")).find());
    }

    private static final Pattern TEMPLATE_OK = re("(?i)^(?:X-VMS-To|X-UIDL|X-Face|To|Cc|From|Subject|References|In-Reply-To|(?:X-|Resent-|X-Original-)?Message-Id):");

    /** A mail merge that left a %PLACEHOLDER in a header. */
    static double unresolvedTemplate(MessageView v) {
        String all = v.header("ALL", "");
        if (all == null) return 0;
        for (String line : all.split("\n")) {
            if (re("%[A-Z][A-Z_-]").matcher(line).find() && !TEMPLATE_OK.matcher(line).find()) return 1;
        }
        return 0;
    }
}
