// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens the SMTP AUTH backend of one smtpd service from its parameters: smtpd_sasl_type =
 * secumail (the built-in passwd-file, secumail_sasl_passwd_file) or dovecot (Dovecot's auth
 * service at smtpd_sasl_path, relative to queue_directory as in Postfix, or inet:host:port).
 */
public final class SaslBackends {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.sasl");

    private SaslBackends() {
    }

    /**
     * The backend for a service whose smtpd_sasl_auth_enable = yes.
     *
     * @param cfg the service's parameters (main.cf with its master.cf -o overrides)
     * @throws ConfigException when the backend is misconfigured (startup stops)
     * @throws IOException     when its files cannot be read
     */
    public static SaslBackend open(MainConfig cfg) throws IOException {
        String type = cfg.get("smtpd_sasl_type").strip().toLowerCase(Locale.ROOT);
        switch (type) {
            case "secumail" -> {
                Path file = cfg.path("secumail_sasl_passwd_file");
                if (!file.isAbsolute()) file = cfg.configDir().toAbsolutePath().resolve(file);
                PasswdFile passwd = new PasswdFile(file);
                LOG.info("SASL: smtpd_sasl_type = secumail: passwd-file {}: {} users", file, passwd.users().size());
                return new PasswdFileBackend(passwd);
            }
            case "dovecot" -> {
                String endpoint = endpoint(cfg);
                Duration timeout = cfg.duration("secumail_sasl_dovecot_timeout");
                if (timeout.isZero() || timeout.isNegative()) throw new ConfigException("secumail_sasl_dovecot_timeout must be positive");
                LOG.info("SASL: smtpd_sasl_type = dovecot: auth service {}", endpoint);
                return new DovecotBackend(endpoint, timeout);
            }
            case "cyrus" -> throw new ConfigException("smtpd_sasl_type = cyrus is not supported by SecuMail: use smtpd_sasl_type = dovecot "
                    + "(a Dovecot auth service at smtpd_sasl_path) or smtpd_sasl_type = secumail (the built-in passwd-file, secumail_sasl_passwd_file)");
            default -> throw new ConfigException("smtpd_sasl_type = " + type + ": unknown SASL type (use dovecot or secumail)");
        }
    }

    /** smtpd_sasl_path as a Dovecot endpoint: inet:host:port, or an absolute unix socket path. */
    static String endpoint(MainConfig cfg) {
        String path = cfg.get("smtpd_sasl_path").strip();
        if (path.isEmpty()) throw new ConfigException("smtpd_sasl_type = dovecot needs smtpd_sasl_path (e.g. private/auth or inet:127.0.0.1:12345)");
        if (path.startsWith("inet:")) {
            String hp = path.substring(5);
            int colon = hp.lastIndexOf(':');
            if (colon <= 0 || colon == hp.length() - 1 || !hp.substring(colon + 1).chars().allMatch(Character::isDigit)) {
                throw new ConfigException("smtpd_sasl_path = " + path + ": expected inet:host:port");
            }
            return path;
        }
        if (path.startsWith("unix:")) path = path.substring(5);
        Path p = Path.of(path);
        // Postfix's smtpd runs in the queue directory, so "private/auth" is $queue_directory/private/auth
        return (p.isAbsolute() ? p : cfg.path("queue_directory").toAbsolutePath().resolve(p)).normalize().toString();
    }
}
