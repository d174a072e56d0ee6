// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.apache.commons.codec.digest.Sha2Crypt;
import org.bouncycastle.crypto.generators.OpenBSDBCrypt;

/**
 * Password schemes in Dovecot's "{SCHEME}encoded" syntax (doveadm-pw(1)), so that a passwd-file
 * made by doveadm works here and ours works in Dovecot. The algorithms come from Bouncy Castle
 * (Argon2, bcrypt, PBKDF2) and commons-codec (SHA-crypt); every comparison of a computed hash
 * with a stored one is constant-time (MessageDigest.isEqual).
 *
 * <p>A stored password without "{SCHEME}" is treated as Dovecot's default_pass_scheme CRYPT
 * does it: by its crypt(3) prefix ($2y$, $6$, $5$, $argon2id$).
 */
public final class PasswordSchemes {
    /** The scheme of new passwords: Dovecot's recommendation, with its default parameters. */
    public static final String DEFAULT = "ARGON2ID";

    /** Schemes that {@link #hash} makes. */
    public static final List<String> SCHEMES = List.of("ARGON2ID", "ARGON2I", "BLF-CRYPT", "SHA512-CRYPT", "SHA256-CRYPT",
            "SCRAM-SHA-256", "PLAIN", "CLEAR");

    /** bcrypt cost for new BLF-CRYPT hashes. Dovecot's doveadm uses 5, too cheap today; OpenBSD uses 10. */
    static final int BCRYPT_COST = 10;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String CRYPT_ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static final String BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final String STD_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    private PasswordSchemes() {
    }

    /**
     * A new "{SCHEME}encoded" password with a fresh random salt.
     *
     * @throws IllegalArgumentException for an unknown scheme, or a password PLAIN cannot store
     */
    public static String hash(String scheme, String password) {
        byte[] pw = password.getBytes(StandardCharsets.UTF_8);
        String s = scheme.toUpperCase(Locale.ROOT);
        String encoded = switch (s) {
            case "ARGON2ID", "ARGON2I" -> Argon2Hash.hash(s.equals("ARGON2ID"), pw, random(Argon2Hash.SALT_BYTES),
                    Argon2Hash.DEFAULT_MEMORY_KIB, Argon2Hash.DEFAULT_ITERATIONS);
            case "BLF-CRYPT" -> OpenBSDBCrypt.generate("2y", bcryptInput(pw), random(16), BCRYPT_COST);
            case "SHA512-CRYPT" -> Sha2Crypt.sha512Crypt(pw.clone(), "$6$" + cryptSalt(16));
            case "SHA256-CRYPT" -> Sha2Crypt.sha256Crypt(pw.clone(), "$5$" + cryptSalt(16));
            case "SCRAM-SHA-256" -> ScramCredentials.derive(pw, random(16), ScramCredentials.DEFAULT_ITERATIONS).format();
            case "PLAIN", "CLEAR", "CLEARTEXT" -> {
                // the passwd-file is ":"-separated and line-based: such passwords cannot be stored in clear
                if (password.chars().anyMatch(c -> c == ':' || c < 0x20 || c == 0x7f)) {
                    throw new IllegalArgumentException("a " + s + " password cannot contain ':' or control characters");
                }
                yield password;
            }
            default -> throw new IllegalArgumentException("unknown password scheme " + scheme + " (known: " + String.join(" ", SCHEMES) + ")");
        };
        return "{" + s + "}" + encoded;
    }

    /** The scheme of a stored password: the "{SCHEME}" prefix, or the one its crypt(3) prefix implies. */
    public static String schemeOf(String stored) {
        if (stored.startsWith("{")) {
            int end = stored.indexOf('}');
            if (end > 1) return stored.substring(1, end).toUpperCase(Locale.ROOT);
        }
        if (stored.startsWith("$argon2id$")) return "ARGON2ID";
        if (stored.startsWith("$argon2i$")) return "ARGON2I";
        if (stored.startsWith("$2y$") || stored.startsWith("$2b$") || stored.startsWith("$2a$")) return "BLF-CRYPT";
        if (stored.startsWith("$6$")) return "SHA512-CRYPT";
        if (stored.startsWith("$5$")) return "SHA256-CRYPT";
        return "CRYPT";
    }

    /** The stored password without its "{SCHEME}" prefix. */
    static String encodedPart(String stored) {
        if (stored.startsWith("{")) {
            int end = stored.indexOf('}');
            if (end > 1) return stored.substring(end + 1);
        }
        return stored;
    }

    /**
     * Whether {@code password} (UTF-8 bytes, as SASL carries it) matches the stored one.
     *
     * @throws IllegalArgumentException for an unknown scheme or a malformed stored password
     */
    public static boolean verify(String stored, byte[] password) {
        String scheme = schemeOf(stored);
        String enc = encodedPart(stored);
        return switch (scheme) {
            case "ARGON2ID", "ARGON2I" -> Argon2Hash.verify(enc, password);
            case "BLF-CRYPT" -> verifyBcrypt(enc, password);
            case "SHA512-CRYPT" -> verifyShaCrypt(enc, password, "$6$");
            case "SHA256-CRYPT" -> verifyShaCrypt(enc, password, "$5$");
            case "SCRAM-SHA-256" -> ScramCredentials.parse(enc).matches(password);
            case "PLAIN", "CLEAR", "CLEARTEXT" -> MessageDigest.isEqual(enc.getBytes(StandardCharsets.UTF_8), password);
            default -> throw new IllegalArgumentException("unsupported password scheme " + scheme);
        };
    }

    private static boolean verifyShaCrypt(String enc, byte[] password, String prefix) {
        if (!enc.startsWith(prefix)) throw new IllegalArgumentException("malformed " + prefix + " hash");
        // rounds= beyond 999999999 are clamped by the algorithm; bound it lower so a stored hash cannot stall logins
        if (enc.startsWith(prefix + "rounds=")) {
            String r = enc.substring(prefix.length() + 7).split("\\$", 2)[0];
            if (r.isEmpty() || r.length() > 7 || !r.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException("SHA-crypt rounds out of bounds");
            }
        }
        // commons-codec zeroes the key array it is given: hand it a copy, the caller's bytes stay intact
        byte[] key = password.clone();
        String computed = prefix.equals("$6$") ? Sha2Crypt.sha512Crypt(key, enc) : Sha2Crypt.sha256Crypt(key, enc);
        return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII), enc.getBytes(StandardCharsets.US_ASCII));
    }

    private static boolean verifyBcrypt(String enc, byte[] password) {
        // $2y$NN$ + 22 characters of salt + 31 of hash
        if (enc.length() != 60 || enc.charAt(0) != '$' || enc.charAt(3) != '$' || enc.charAt(6) != '$') {
            throw new IllegalArgumentException("malformed bcrypt hash");
        }
        String version = enc.substring(1, 3);
        if (!version.equals("2y") && !version.equals("2b") && !version.equals("2a")) {
            throw new IllegalArgumentException("unsupported bcrypt version $" + version + "$");
        }
        String costText = enc.substring(4, 6);
        if (!costText.chars().allMatch(Character::isDigit)) throw new IllegalArgumentException("malformed bcrypt cost");
        int cost = Integer.parseInt(costText);
        if (cost < 4 || cost > 20) throw new IllegalArgumentException("bcrypt cost out of bounds");
        byte[] salt = bcryptSalt(enc.substring(7, 29));
        String computed = OpenBSDBCrypt.generate(version, bcryptInput(password), salt, cost);
        return MessageDigest.isEqual(computed.getBytes(StandardCharsets.US_ASCII), enc.getBytes(StandardCharsets.US_ASCII));
    }

    /** bcrypt's 22-character salt: its own Base64 alphabet, mapped onto the standard one to decode 16 bytes. */
    private static byte[] bcryptSalt(String text) {
        StringBuilder std = new StringBuilder(24);
        for (int i = 0; i < text.length(); i++) {
            int k = BCRYPT_ALPHABET.indexOf(text.charAt(i));
            if (k < 0) throw new IllegalArgumentException("malformed bcrypt salt");
            std.append(STD_ALPHABET.charAt(k));
        }
        byte[] b = Base64.getDecoder().decode(std.append("==").toString());
        if (b.length != 16) throw new IllegalArgumentException("malformed bcrypt salt");
        return b;
    }

    /** bcrypt uses at most 72 bytes of the password (crypt_blowfish, as Dovecot): Bouncy Castle refuses more. */
    private static byte[] bcryptInput(byte[] pw) {
        return pw.length > 72 ? java.util.Arrays.copyOf(pw, 72) : pw;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    private static String cryptSalt(int n) {
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.append(CRYPT_ALPHABET.charAt(RANDOM.nextInt(CRYPT_ALPHABET.length())));
        return sb.toString();
    }
}
