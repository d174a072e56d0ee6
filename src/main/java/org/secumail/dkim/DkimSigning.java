// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.content.ContentContext;
import org.secumail.content.HeaderField;
import org.secumail.content.MessageSigner;
import org.secumail.content.RawMessage;

/**
 * DKIM signing of the mail we originate, the last step before the queue (so the queue holds
 * what leaves). Which keys sign a message is decided from its From: address, in one of two
 * ways:
 * <ul>
 * <li>OpenDKIM's own files: {@code secumail_dkim_signing_table} (SigningTable, flat or
 *     {@code refile:}) naming entries of {@code secumail_dkim_key_table} (KeyTable), with
 *     {@code secumail_dkim_multiple_signatures} (MultipleSignatures);</li>
 * <li>the simple form: {@code secumail_dkim_domains} (with {@code secumail_dkim_subdomains}),
 *     each signed with every selector of {@code secumail_dkim_selectors}, whose key is
 *     {@code secumail_dkim_key_directory/DOMAIN/SELECTOR.private} (the layout opendkim-genkey
 *     and {@code secumail dkim keygen -D} produce). Two selectors, one rsa and one ed25519 key,
 *     give the dual signature of RFC 8463 section 4.</li>
 * </ul>
 * Only mail from our own clients is signed: {@code secumail_dkim_internal_hosts}
 * (InternalHosts) when set, else mynetworks, and SASL-authenticated clients always; mail
 * merely relayed from outside never is. Keys are read at startup: an unreadable one stops
 * startup naming the file, one readable by others is a warning.
 */
public final class DkimSigning implements MessageSigner {
    private record KeyRef(String domain, String selector, String key, String identity) { }

    private final SigningTable signingTable;
    private final KeyTable keyTable;
    private final boolean multiple;
    private final List<String> domains;
    private final boolean subdomains;
    private final List<String> selectors;
    private final Path keyDirectory;
    private final InternalHosts internalHosts;
    private final DkimSigner signer;
    private final DkimSignOptions options;
    private final Map<String, DkimKey> keys = new ConcurrentHashMap<>();

    private DkimSigning(MainConfig cfg, Clock clock) {
        Path dir = cfg.configDir();
        String st = cfg.get("secumail_dkim_signing_table").strip();
        String kt = cfg.get("secumail_dkim_key_table").strip();
        if (st.isEmpty() != kt.isEmpty()) {
            throw new ConfigException("secumail_dkim_signing_table and secumail_dkim_key_table go together: set both or neither");
        }
        this.signingTable = st.isEmpty() ? null : new SigningTable(OpenDkimDataset.load(st, dir));
        this.keyTable = kt.isEmpty() ? null : new KeyTable(OpenDkimDataset.load(kt, dir));
        this.multiple = cfg.bool("secumail_dkim_multiple_signatures");
        this.domains = cfg.list("secumail_dkim_domains").stream().map(d -> d.toLowerCase(Locale.ROOT)).toList();
        this.subdomains = cfg.bool("secumail_dkim_subdomains");
        this.selectors = cfg.list("secumail_dkim_selectors");
        this.keyDirectory = cfg.path("secumail_dkim_key_directory");
        String ih = cfg.get("secumail_dkim_internal_hosts").strip();
        this.internalHosts = ih.isEmpty() ? null : new InternalHosts(OpenDkimDataset.load(ih, dir));
        this.signer = new DkimSigner(clock);
        this.options = options(cfg);
    }

    /** The signer main.cf asks for, or null when no domain is to be signed. */
    public static DkimSigning fromConfig(MainConfig cfg, Clock clock) {
        if (cfg.get("secumail_dkim_signing_table").isBlank() && cfg.get("secumail_dkim_key_table").isBlank()
                && cfg.list("secumail_dkim_domains").isEmpty()) {
            return null;
        }
        DkimSigning s = new DkimSigning(cfg, clock);
        s.loadKeysNow();
        return s;
    }

    static DkimSignOptions options(MainConfig cfg) {
        String[] c = cfg.get("secumail_dkim_canonicalization").strip().toLowerCase(Locale.ROOT).split("/", 2);
        Canonicalization h = canon(c[0]);
        Canonicalization b = canon(c.length > 1 ? c[1] : "simple");   // RFC 6376 3.5: a missing body part means simple
        DkimSignOptions o = DkimSignOptions.defaults().withCanon(h, b)
                .withOversign(cfg.list("secumail_dkim_oversign_headers").stream().map(n -> n.toLowerCase(Locale.ROOT)).toList());
        String exp = cfg.get("secumail_dkim_signature_ttl").strip();
        if (!exp.isEmpty() && !exp.equals("0")) o = o.withExpiry(cfg.duration("secumail_dkim_signature_ttl"));
        return o;
    }

    private static Canonicalization canon(String s) {
        return switch (s) {
            case "simple" -> Canonicalization.SIMPLE;
            case "relaxed" -> Canonicalization.RELAXED;
            default -> throw new ConfigException("secumail_dkim_canonicalization: \"" + s + "\" is neither simple nor relaxed");
        };
    }

    /** Every key that does not depend on the message ("%" domains are read at first use). */
    private void loadKeysNow() {
        if (keyTable != null) {
            for (KeyTable.Entry e : keyTable.entries()) {
                if (!e.domain().equals("%") && !e.key().contains("%")) key(new KeyRef(e.domain(), e.selector(), e.key(), null));
            }
        } else {
            for (String d : domains) for (String s : selectors) key(simpleRef(d, s));
        }
    }

    private KeyRef simpleRef(String domain, String selector) {
        return new KeyRef(domain, selector, keyDirectory.resolve(domain).resolve(selector + ".private").toString(), null);
    }

    private DkimKey key(KeyRef r) {
        return keys.computeIfAbsent(r.domain() + "\0" + r.selector() + "\0" + r.key(), k -> {
            try {
                if (r.key().startsWith("/") || r.key().startsWith("./") || r.key().startsWith("../")) {
                    DkimKeys.Loaded l = DkimKeys.load(Path.of(r.key()));
                    for (String w : l.warnings()) DkimVerifyCheck.LOG.warn("warning: {}", w);
                    return new DkimKey(r.domain(), r.selector(), l.privateKey(), l.algorithm());
                }
                return new DkimKey(r.domain(), r.selector(), DkimKeys.parse(r.key()));
            } catch (IOException e) {
                throw new ConfigException("DKIM key for d=" + r.domain() + " s=" + r.selector() + ": " + e.getMessage());
            } catch (Exception e) {
                throw new ConfigException("DKIM key for d=" + r.domain() + " s=" + r.selector() + ": not a usable private key: " + e.getMessage());
            }
        });
    }

    @Override public String name() { return "dkim-sign"; }

    @Override
    public boolean appliesTo(ContentContext ctx) {
        if (ctx.saslUser() != null) return true;
        if (internalHosts == null) return ctx.trusted();
        try {
            return internalHosts.contains(java.net.InetAddress.getByName(ctx.clientAddress()), ctx.clientName());
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    @Override
    public List<HeaderField> sign(ContentContext ctx, RawMessage msg) {
        String from = org.secumail.content.FromHeader.single(msg);
        if (from == null) {
            DkimVerifyCheck.LOG.info("{}: dkim: not signed: no single From: address", ctx.queueId());
            return List.of();
        }
        String domain = from.substring(from.lastIndexOf('@') + 1).toLowerCase(Locale.ROOT);
        List<KeyRef> refs = refs(from, domain);
        if (refs.isEmpty()) {
            DkimVerifyCheck.LOG.debug("{}: dkim: no signing key for {}", ctx.queueId(), from);
            return List.of();
        }
        List<HeaderField> out = new ArrayList<>();
        for (KeyRef r : refs) {
            DkimKey k = key(r);
            DkimSignOptions o = r.identity() == null ? options : new DkimSignOptions(options.headerCanon(), options.bodyCanon(),
                    options.signHeaders(), options.oversign(), options.timestamp(), options.expiry(), options.bodyLength(), r.identity());
            out.add(signer.sign(msg, k, o));
            DkimVerifyCheck.LOG.info("{}: DKIM-Signature field added (s={}, d={}, a={})", ctx.queueId(), k.selector(), k.domain(), k.algorithm());
        }
        return out;
    }

    private List<KeyRef> refs(String from, String domain) {
        List<KeyRef> out = new ArrayList<>();
        if (signingTable != null) {
            for (SigningTable.Match m : signingTable.lookup(from, multiple)) {
                KeyTable.Entry e = keyTable.get(m.keyName());
                if (e == null) {
                    DkimVerifyCheck.LOG.warn("warning: SigningTable names key \"{}\", which the KeyTable does not have", m.keyName());
                    continue;
                }
                String d = e.domain().equals("%") ? domain : e.domain();
                String identity = m.signer() != null && (m.signer().toLowerCase(Locale.ROOT).endsWith("@" + d)
                        || m.signer().toLowerCase(Locale.ROOT).endsWith("." + d)) ? m.signer() : null;
                out.add(new KeyRef(d, e.selector(), e.key().replace("%", domain), identity));
            }
            return out;
        }
        String signDomain = null;
        for (String d : domains) {
            if (domain.equals(d) || (subdomains && domain.endsWith("." + d))) {
                signDomain = d;
                break;
            }
        }
        if (signDomain != null) for (String s : selectors) out.add(simpleRef(signDomain, s));
        return out;
    }
}
