// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

import java.io.IOException;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;

/**
 * Opens the SMTP AUTH backend of one smtpd service from its parameters (smtpd_sasl_type,
 * smtpd_sasl_path ...). Work in progress: the backends are being built (issue 3).
 */
public final class SaslBackends {
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
        throw new ConfigException("smtpd_sasl_auth_enable = yes: no SASL backend is built yet");
    }
}
