// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtp;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.secumail.config.MainConfig;
import org.secumail.table.LookupException;
import org.secumail.table.LookupTable;
import org.secumail.table.Tables;

/**
 * The SMTP client's SASL login (Postfix's smtp_sasl_auth_enable): the "username:password"
 * for a server comes from smtp_sasl_password_maps, looked up by the next hop as configured
 * ("[relay.example]:587"), by the next hop's host ("relay.example", "[relay.example]"), by the
 * server's host name (the MX host) and by the recipient domain, in that order. Mechanisms:
 * PLAIN (RFC 4616) and LOGIN, both plaintext, so they are used only where
 * smtp_sasl_security_options (without TLS) or smtp_sasl_tls_security_options (inside TLS)
 * do not say "noplaintext". A server that announces no AUTH gets the mail without login.
 */
final class SaslLogin {
    private final List<LookupTable> maps;
    /** smtp_sender_dependent_authentication: the sender's keys come first, and sessions are not reused. */
    private final boolean senderDependent;
    private final org.secumail.rewrite.AddressResolver resolver;

    SaslLogin(List<LookupTable> maps) {
        this(maps, false, null);
    }

    private SaslLogin(List<LookupTable> maps, boolean senderDependent, org.secumail.rewrite.AddressResolver resolver) {
        this.maps = List.copyOf(maps);
        this.senderDependent = senderDependent;
        this.resolver = resolver;
    }

    static SaslLogin fromConfig(MainConfig cfg) {
        boolean bySender = cfg.bool("smtp_sender_dependent_authentication");
        return new SaslLogin(Tables.openAll(cfg.list("smtp_sasl_password_maps"), cfg.configDir(), false), bySender,
                bySender ? new org.secumail.rewrite.AddressResolver(cfg) : null);
    }

    boolean senderDependent() { return senderDependent; }

    /**
     * With smtp_sender_dependent_authentication, the password for the envelope sender
     * (mail_addr_find keys: user@domain, user for our domains, @domain), before the server's.
     */
    Optional<String> credentials(String nexthop, String hostname, String domain, String sender) throws LookupException {
        if (senderDependent && sender != null && !sender.isEmpty()) {
            Optional<String> v = org.secumail.rewrite.MailAddrKeys.find(maps, sender, "", resolver);
            if (v.isPresent()) return v;
        }
        return credentials(nexthop, hostname, domain);
    }

    /** The lookup keys, most specific first. */
    static List<String> keys(String nexthop, String hostname, String domain) {
        Set<String> keys = new LinkedHashSet<>();
        String n = nexthop.strip().toLowerCase(java.util.Locale.ROOT);
        if (!n.isEmpty()) {
            keys.add(n);
            String host = n;
            if (host.startsWith("[")) {
                int close = host.indexOf(']');
                if (close > 0) {
                    keys.add(host.substring(0, close + 1));
                    host = host.substring(1, close);
                }
            } else if (host.lastIndexOf(':') > 0) {
                host = host.substring(0, host.lastIndexOf(':'));
            }
            keys.add(host);
        }
        if (hostname != null && !hostname.isEmpty()) keys.add(hostname.toLowerCase(java.util.Locale.ROOT));
        if (domain != null && !domain.isEmpty()) keys.add(domain.toLowerCase(java.util.Locale.ROOT));
        return new ArrayList<>(keys);
    }

    Optional<String> credentials(String nexthop, String hostname, String domain) throws LookupException {
        for (String k : keys(nexthop, hostname, domain)) {
            for (LookupTable t : maps) {
                Optional<String> v = t.lookup(k);
                if (v.isPresent()) return v;
            }
        }
        return Optional.empty();
    }

    void authenticate(ClientSession cs, String nexthop, String domain, ClientSettings s, String sender) throws IOException, SessionException {
        Optional<String> cred;
        try {
            cred = credentials(nexthop, cs.hostname, domain, sender);
        } catch (LookupException e) {
            throw SessionException.soft("4.3.0", cs.relay, "smtp_sasl_password_maps lookup failed: " + e.getMessage());
        }
        if (cred.isEmpty() || cs.authMechanisms.isEmpty()) return;   // Postfix: no password or no AUTH: send without
        String value = cred.get();
        int colon = value.indexOf(':');
        String user = colon < 0 ? value : value.substring(0, colon);
        String pass = colon < 0 ? "" : value.substring(colon + 1);
        List<String> options = cs.wire.isTls() ? s.saslTlsSecurityOptions() : s.saslSecurityOptions();
        List<String> usable = new ArrayList<>();
        for (String m : List.of("PLAIN", "LOGIN")) {
            boolean filtered = !s.saslMechanismFilter().isEmpty() && !s.saslMechanismFilter().contains(m.toLowerCase(java.util.Locale.ROOT));
            if (cs.authMechanisms.contains(m) && !options.contains("noplaintext") && !filtered) usable.add(m);
        }
        if (usable.isEmpty()) {
            throw SessionException.soft("4.7.0", cs.relay, "SASL authentication failed; cannot authenticate to server "
                    + cs.label + ": no mechanism available" + (cs.wire.isTls() ? "" : " (plaintext mechanisms need TLS)"));
        }
        String mech = usable.get(0);
        cs.wire.stage("sending AUTH", s.heloTimeout());
        Reply r;
        if (mech.equals("PLAIN")) {
            byte[] resp = ("\0" + user + "\0" + pass).getBytes(StandardCharsets.UTF_8);
            cs.wire.write("AUTH PLAIN " + Base64.getEncoder().encodeToString(resp));
            cs.wire.flush();
            r = cs.wire.readReply();
        } else {
            cs.wire.write("AUTH LOGIN");
            cs.wire.flush();
            r = cs.wire.readReply();
            for (String part : new String[] {user, pass}) {
                if (r.code() != 334) break;
                cs.wire.write(Base64.getEncoder().encodeToString(part.getBytes(StandardCharsets.UTF_8)));
                cs.wire.flush();
                r = cs.wire.readReply();
            }
        }
        if (!r.positive()) {
            // Postfix's smtp_sasl_auth_soft_bounce (yes): a failed login defers, it never bounces
            String dsn = r.permanentFailure() || r.intermediate() ? "4.7.0" : r.dsn();
            throw SessionException.soft(dsn, cs.relay, "SASL authentication failed; server " + cs.label + " said: " + r.text());
        }
    }
}
