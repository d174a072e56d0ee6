// SPDX-License-Identifier: Apache-2.0
/**
 * config - main.cf and master.cf (postconf(5), master(5)).
 *
 * <h2>Description</h2>
 * {@link org.secumail.config.MainConfig} reads main.cf syntax (comments, continuation lines,
 * $name / ${name} / $(name) / ${name?text} / ${name:text} expansion on read) over
 * {@link org.secumail.config.Parameters}, the supported parameters with Postfix 3.7's defaults,
 * including the compatibility_level-dependent ones. {@link org.secumail.config.MasterConfig}
 * turns master.cf "inet ... smtpd" entries into listeners with their "-o" overrides.
 * A parameter that SecuMail does not know is reported at startup ("unused parameter"), and
 * every syntax error names the file and line.
 *
 * <h2>See also</h2>
 * {@code secumail config} (like postconf), README.md for SecuMail's own parameters.
 */
package org.secumail.config;
