// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import org.secumail.smtpd.Reply;

/**
 * What restrictions see of an SMTP session: the client, HELO, sender and current recipient,
 * plus the name and class used in reply text ("<name>: Class rejected: ..."). The session owns
 * one context and updates it as commands arrive; the evaluator sets {@link #replyName} and
 * {@link #replyClass} per list. Modifier verdicts (defer_if_permit, prepend, hold) accumulate
 * here until the session reads and clears them.
 */
public final class CheckContext {
    /** Postfix's reply classes (smtpd_check.c SMTPD_NAME_*). */
    public static final String CLIENT = "Client host";
    public static final String HELO = "Helo command";
    public static final String SENDER = "Sender address";
    public static final String RECIPIENT = "Recipient address";
    public static final String DATA = "Data command";
    public static final String EOD = "End-of-data";

    public final CheckSettings settings;

    // client identity (XCLIENT may change it)
    public InetAddress clientAddress;
    /** The connection's own peer address, which XCLIENT does not change (permit_inet_interfaces); null outside smtpd. */
    public InetAddress socketAddress;
    public String clientAddr = "";
    /** Verified (forward-confirmed) client name, or "unknown". */
    public String clientName = "unknown";
    /** The PTR name, verified or not, or "unknown". */
    public String reverseName = "unknown";
    /** 2 = name known, 4 = temporary lookup failure, 5 = permanent failure (Postfix's peer_code). */
    public int clientNameStatus = 5;
    public int reverseNameStatus = 5;

    public String helo;
    public String sender;
    public String recipient;
    public String saslUser;
    /** The SASL mechanism of {@link #saslUser} (PLAIN, LOGIN, ...); null when not authenticated. */
    public String saslMethod;
    /** MAIL FROM AUTH= (RFC 4954 section 5), kept only for authenticated clients; else null. */
    public String saslSender;
    /** The TLS protocol version, cipher suite and its bits once STARTTLS (or implicit TLS) is done; else null/0. */
    public String tlsProtocol;
    public String tlsCipher;
    public int tlsBits;
    public String protocol = "SMTP";
    public boolean illegalPipelining;
    /**
     * secumail_shadow_mode: a reject by a restriction is logged as "reject_warning" and the
     * evaluation goes on, as if warn_if_reject stood before every restriction, except relay
     * control (reject_unauth_destination, defer_unauth_destination), which stays in force.
     */
    public boolean shadow;
    /**
     * secumail explain: when not null, each restriction evaluated adds "name -> verdict" here,
     * and with {@link #dryRun} nothing is recorded: check_greylist only reads its database, and
     * check_policy_service (which may be postgrey) is not asked.
     */
    public java.util.List<String> trace;
    /**
     * The restriction whose REJECT (or DEFER) decided, for secumail_smtpd_rejects_total's
     * "restriction" label: its first word ("reject_unauth_destination", "check_client_access"),
     * set by {@link RestrictionList}, read and cleared by the reject's log line.
     */
    public String decidedBy;
    /** What the restriction being evaluated looked up (table keys, DNS queries and answers), for the trace. */
    private java.util.List<String> details;

    /** Notes a lookup of the running restriction in the decision trace (nothing when not tracing). */
    public void traceDetail(String line) {
        if (trace == null) return;
        if (details == null) details = new java.util.ArrayList<>(4);
        if (details.size() < 50) details.add(line);
    }

    /** The lookups noted since the last call, or an empty list. */
    java.util.List<String> takeDetails() {
        java.util.List<String> d = details;
        details = null;
        return d == null ? java.util.List.of() : d;
    }
    public boolean dryRun;
    /** The SMTP command being checked (Postfix's protocol_state): CONNECT, EHLO, MAIL, RCPT, DATA, END-OF-MESSAGE ... */
    public String command = "CONNECT";
    /** The queue ID once the first recipient was accepted, else "". */
    public String queueId = "";
    /** Recipients accepted so far in this transaction. */
    public int recipientCount;
    /** In the RCPT stage: the recipients accepted before this one (Postfix's rcpt_count there). */
    public int acceptedSoFar;
    /** MAIL FROM SIZE=, or the message size at end of data; 0 when unknown. */
    public long size;
    /** Unique per mail transaction (policy servers use it to tell transactions apart). */
    public String instance = "";
    /** Results that restrictions compute once per mail transaction (e.g. SPF); cleared with it. */
    public final java.util.Map<String, Object> transactionData = new java.util.HashMap<>();

    // set by the evaluator for the list being evaluated
    public Stage stage;
    public String replyName = "";
    public String replyClass = CLIENT;

    // accumulated modifiers
    public Reply deferIfPermit;
    public Reply deferIfReject;
    public final List<String> prepends = new ArrayList<>();
    public final List<String> warnings = new ArrayList<>();
    public String hold;
    /** Set by a REDIRECT action: the one address the message goes to instead of its recipients. */
    public String redirect;
    /** Set by a DISCARD action: the message is accepted and thrown away. */
    public String discard;
    /** A FILTER action's content filter ("transport:destination"), or null: the last one wins. */
    public String filter;

    public CheckContext(CheckSettings settings) { this.settings = settings; }

    /** "name[addr]" as Postfix logs and replies it. */
    public String clientLabel() { return clientName + "[" + clientAddr + "]"; }

    /** Postfix's generic rejection: "<name>: Class rejected: text". */
    public Verdict reject(int code, String dsn, String text) {
        return new Verdict.Reject(Reply.of(code, dsn, "<" + replyName + ">: " + replyClass + " rejected: " + text));
    }

    /**
     * A rejection that depends on a lookup which failed temporarily: Postfix's
     * "tempfail action" (defer_if_permit by default, or defer). Never a 5xx.
     */
    public Verdict tempfail(String action, int code, String dsn, String text) {
        int c = code / 100 == 4 ? code : 450;
        Reply r = Reply.of(c, dsn, "<" + replyName + ">: " + replyClass + " rejected: " + text);
        return "defer".equals(action) ? new Verdict.Reject(r) : new Verdict.DeferIfPermit(r);
    }

    /** Clears the per-step modifiers (called by the session before each RCPT, DATA, end of data). */
    /**
     * Sets the stage being evaluated and the name and class its rejections cite
     * ("&lt;addr&gt;: Recipient address rejected: ..."), as smtpd_check.c does per stage.
     */
    public void enter(Stage st) {
        stage = st;
        switch (st) {
            case CLIENT -> { replyName = clientLabel(); replyClass = CLIENT; }
            case HELO -> { replyName = helo == null ? "" : helo; replyClass = HELO; }
            case SENDER -> { replyName = sender == null ? "" : sender; replyClass = SENDER; }
            case RELAY, RECIPIENT -> { replyName = recipient; replyClass = RECIPIENT; }
            case DATA -> { replyName = "DATA"; replyClass = DATA; }
            case END_OF_DATA -> { replyName = "END-OF-MESSAGE"; replyClass = EOD; }
        }
    }

    public void clearModifiers() {
        deferIfPermit = null;
        deferIfReject = null;
        decidedBy = null;
    }
}
