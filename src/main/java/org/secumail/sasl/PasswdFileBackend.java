// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The built-in SMTP AUTH backend (smtpd_sasl_type = secumail): PLAIN (RFC 4616), LOGIN
 * (draft-murchison-sasl-login) and SCRAM-SHA-256 (RFC 7677) against a Dovecot passwd-file.
 * Whether plaintext mechanisms may be used without TLS is the SMTP server's decision
 * (smtpd_tls_auth_only): this backend offers all three in both cases.
 *
 * <p>An unknown user costs the same work as a wrong password: the password is checked against
 * the stored hash of a user of the scheme most users have (same scheme and parameters), or a
 * dummy ARGON2ID hash for an empty file, so the reply time does not tell which users exist.
 */
public final class PasswdFileBackend implements SaslBackend {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.sasl");
    static final List<String> MECHANISMS = List.of("PLAIN", "LOGIN", "SCRAM-SHA-256");
    /** Largest decoded client response accepted (RFC 4616 allows 255 octets a field; be generous). */
    static final int MAX_RESPONSE = 4096;
    /** Most client responses in one exchange: SCRAM needs three, with the empty final one. */
    static final int MAX_STEPS = 4;

    private final PasswdFile file;
    private final byte[] scramSecret = new byte[32];
    private volatile String dummyHash;

    public PasswdFileBackend(PasswdFile file) {
        this.file = file;
        new SecureRandom().nextBytes(scramSecret);
    }

    public PasswdFile file() {
        return file;
    }

    @Override
    public List<String> mechanisms(boolean secured) {
        return MECHANISMS;
    }

    @Override
    public SaslExchange start(String mechanism, SaslClientInfo client) throws SaslException {
        return switch (mechanism.toUpperCase(Locale.ROOT)) {
            case "PLAIN" -> new PlainExchange(this);
            case "LOGIN" -> new LoginExchange(this);
            case "SCRAM-SHA-256" -> new ScramServerExchange(this);
            default -> throw new SaslException.UnknownMechanism(mechanism);
        };
    }

    /**
     * At most one password hash per CPU at a time. An ARGON2ID check takes 64 MiB and a few
     * hundred milliseconds of one core: without this bound, a burst of AUTH attempts would
     * exhaust the heap; with it, excess attempts just wait their turn.
     */
    private static final java.util.concurrent.Semaphore HASHING =
            new java.util.concurrent.Semaphore(Math.max(1, Runtime.getRuntime().availableProcessors()), true);

    /** Checks a user's password; the same work whether or not the user exists. */
    SaslStep verify(String user, byte[] password) {
        if (user.isEmpty() || user.length() > PasswdFile.MAX_USER_BYTES) return new SaslStep.Failure("bad user name", false);
        try {
            HASHING.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new SaslStep.Failure("interrupted while waiting to check a password", true);
        }
        try {
            return verifyNow(user, password);
        } finally {
            HASHING.release();
        }
    }

    private SaslStep verifyNow(String user, byte[] password) {
        Optional<String> stored = file.password(user);
        String key = user.toLowerCase(Locale.ROOT);
        if (stored.isEmpty()) {
            costOfAWrongPassword(password);
            return new SaslStep.Failure("unknown user " + key, false);
        }
        try {
            if (PasswordSchemes.verify(stored.get(), password)) return new SaslStep.Success(key);
            return new SaslStep.Failure("password mismatch for " + key, false);
        } catch (IllegalArgumentException e) {
            LOG.warn("warning: passwd-file {}: user {}: {}", file.path(), key, e.getMessage());
            return new SaslStep.Failure("unusable stored password for " + key + ": " + e.getMessage(), false);
        }
    }

    /** The stored password of a user, for SCRAM. */
    Optional<String> stored(String user) {
        return file.password(user);
    }

    /** A per-process key for SCRAM's stand-in salts (unknown users get a stable, secret-derived salt). */
    byte[] scramSecret() {
        return scramSecret;
    }

    /**
     * The work of checking a known user's password, for an unknown user: the password is checked
     * against a stored hash of the scheme most users have (same scheme, same rounds or memory),
     * and the result thrown away; for an empty file against a dummy hash of the default scheme.
     */
    private void costOfAWrongPassword(byte[] password) {
        String like = file.representativeHash();
        try {
            if (like != null) {
                PasswordSchemes.verify(like, password);
                return;
            }
        } catch (IllegalArgumentException e) {
            // an unusable stored hash: fall back to the dummy
        }
        String d = dummyHash;
        if (d == null) {
            byte[] r = new byte[18];
            new SecureRandom().nextBytes(r);
            d = PasswordSchemes.hash(PasswordSchemes.DEFAULT, java.util.Base64.getEncoder().encodeToString(r));
            dummyHash = d;
        }
        PasswordSchemes.verify(d, password);
    }

    /** Strict UTF-8 (RFC 4616 requires it), or null. */
    static String utf8(byte[] b, int from, int to) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b, from, to - from)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
