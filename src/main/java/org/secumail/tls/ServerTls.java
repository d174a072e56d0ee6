// SPDX-License-Identifier: Apache-2.0
package org.secumail.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side TLS of one smtpd service, built once at startup from its parameters (main.cf
 * with the service's master.cf -o overrides): the security level (none, may = STARTTLS
 * offered, encrypt = STARTTLS required, RFC 3207), implicit TLS (smtpd_tls_wrappermode, RFC
 * 8314), the certificates, and the protocol versions. Cipher suites are the JDK's defaults for
 * the enabled versions (smtpd_tls_ciphers is not applied; see docs/tls-auth.md).
 */
public final class ServerTls {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.tls");

    /** smtpd_tls_security_level. */
    public enum Level { NONE, MAY, ENCRYPT }

    public final Level level;
    public final boolean wrapperMode;
    public final Duration handshakeTimeout;
    public final boolean receivedHeader;
    private final SSLContext context;
    private final String[] protocols;

    private ServerTls(Level level, boolean wrapperMode, Duration handshakeTimeout, boolean receivedHeader, SSLContext context, String[] protocols) {
        this.level = level;
        this.wrapperMode = wrapperMode;
        this.handshakeTimeout = handshakeTimeout;
        this.receivedHeader = receivedHeader;
        this.context = context;
        this.protocols = protocols;
    }

    /** No TLS at all. */
    public static ServerTls none() { return new ServerTls(Level.NONE, false, Duration.ofSeconds(300), false, null, new String[0]); }

    /** True when STARTTLS is offered or the service is implicit TLS. */
    public boolean enabled() { return context != null; }

    /** The TLS context (keys and chains loaded), or null when TLS is off. */
    public javax.net.ssl.SSLContext sslContext() { return context; }

    public List<String> protocols() { return List.of(protocols); }

    /**
     * Reads the TLS parameters of one service.
     *
     * @throws ConfigException for a bad level, protocol list, or certificate/key file
     */
    public static ServerTls fromConfig(MainConfig cfg) {
        Level level = level(cfg);
        boolean wrapper = cfg.bool("smtpd_tls_wrappermode");
        if (wrapper && level == Level.NONE) {
            // Implicit TLS (RFC 8314) is TLS by definition: a submissions entry with only
            // "-o smtpd_tls_wrappermode=yes" under a main.cf without TLS still means TLS.
            LOG.info("smtpd_tls_wrappermode = yes: TLS is mandatory on this service (smtpd_tls_security_level is none)");
            level = Level.ENCRYPT;
        }
        if (level == Level.NONE) return none();
        String param = level == Level.ENCRYPT || wrapper ? "smtpd_tls_mandatory_protocols" : "smtpd_tls_protocols";
        List<String> wanted = TlsProtocols.parse(param, cfg.get(param));
        List<PemFiles.KeyAndChain> keys;
        try {
            keys = keys(cfg);
        } catch (ConfigException e) {
            if (level == Level.ENCRYPT || wrapper) throw e;   // mandatory TLS cannot work without a key: stop
            // Opportunistic TLS degrades as in Postfix ("cannot get RSA certificate ...: disabling
            // TLS support"): Debian's stock main.cf names the snakeoil files, which may not exist.
            LOG.warn("warning: {}: disabling TLS support", e.getMessage());
            return none();
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = "secumail".toCharArray();
            int i = 0;
            for (PemFiles.KeyAndChain kc : keys) {
                ks.setKeyEntry(kc.algorithm().toLowerCase(Locale.ROOT) + (i++), kc.key(), pw, kc.chain().toArray(new X509Certificate[0]));
                X509Certificate leaf = kc.chain().get(0);
                if (leaf.getNotAfter().toInstant().isBefore(Instant.now())) {
                    LOG.warn("warning: server certificate {} expired on {}", leaf.getSubjectX500Principal().getName(), leaf.getNotAfter().toInstant());
                }
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            Set<String> supported = new LinkedHashSet<>(Arrays.asList(ctx.getSupportedSSLParameters().getProtocols()));
            List<String> enabled = new ArrayList<>();
            for (String p : wanted) if (supported.contains(p)) enabled.add(p);
            if (enabled.isEmpty()) throw new ConfigException(param + ": the JDK supports none of " + wanted);
            return new ServerTls(level, wrapper, cfg.duration("smtpd_starttls_timeout"), cfg.bool("smtpd_tls_received_header"),
                    ctx, enabled.toArray(new String[0]));
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("cannot set up TLS: " + e.getMessage(), e);
        }
    }

    static Level level(MainConfig cfg) {
        String v = cfg.get("smtpd_tls_security_level").strip().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "" -> cfg.bool("smtpd_enforce_tls") ? Level.ENCRYPT : cfg.bool("smtpd_use_tls") ? Level.MAY : Level.NONE;
            case "none" -> Level.NONE;
            case "may" -> Level.MAY;
            case "encrypt" -> Level.ENCRYPT;
            default -> throw new ConfigException("smtpd_tls_security_level: bad value \"" + v + "\" (expected none, may or encrypt)");
        };
    }

    /** The configured keys and chains, or the self-signed certificate when none is configured. */
    private static List<PemFiles.KeyAndChain> keys(MainConfig cfg) {
        List<String> chainFiles = cfg.list("smtpd_tls_chain_files");
        if (!chainFiles.isEmpty()) return PemFiles.load("smtpd_tls_chain_files", paths(chainFiles));
        List<PemFiles.KeyAndChain> out = new ArrayList<>();
        pair(cfg, "smtpd_tls_cert_file", "smtpd_tls_key_file", out);
        pair(cfg, "smtpd_tls_eccert_file", "smtpd_tls_eckey_file", out);
        if (!out.isEmpty()) return out;
        return SelfSigned.loadOrCreate(cfg.path("data_directory"), cfg.get("myhostname"));
    }

    private static void pair(MainConfig cfg, String certParam, String keyParam, List<PemFiles.KeyAndChain> out) {
        String cert = cfg.get(certParam).strip();
        String key = cfg.get(keyParam).strip();
        if (cert.isEmpty()) {
            if (!key.isEmpty()) throw new ConfigException(keyParam + " is set but " + certParam + " is not");
            return;
        }
        List<String> files = key.isEmpty() || key.equals(cert) ? List.of(cert) : List.of(cert, key);
        out.addAll(PemFiles.load(certParam + "/" + keyParam, paths(files)));
    }

    private static List<Path> paths(List<String> names) {
        List<Path> out = new ArrayList<>();
        for (String n : names) out.add(Path.of(n));
        return out;
    }

    /** A server-side TLS socket over an accepted connection; the handshake is not started yet. */
    public SSLSocket wrap(Socket raw) throws IOException {
        SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket(raw, null, raw.getPort(), true);
        s.setUseClientMode(false);
        s.setEnabledProtocols(protocols);
        return s;
    }

    /** Postfix's description of a TLS session: "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)". */
    public static String describe(SSLSession session) {
        int bits = cipherBits(session.getCipherSuite());
        return session.getProtocol() + " with cipher " + session.getCipherSuite() + " (" + bits + "/" + bits + " bits)";
    }

    public static int cipherBits(String suite) {
        String s = suite.toUpperCase(Locale.ROOT);
        if (s.contains("CHACHA20") || s.contains("_256_")) return 256;
        if (s.contains("3DES")) return 168;
        if (s.contains("_128_")) return 128;
        return 0;
    }
}
