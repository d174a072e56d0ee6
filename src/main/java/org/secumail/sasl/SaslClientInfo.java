// SPDX-License-Identifier: Apache-2.0
package org.secumail.sasl;

/**
 * What a backend may know about the client (Dovecot's rip/lip/rport/lport/secured).
 *
 * @param clientAddr the client's IP address as text
 * @param clientPort the client's port
 * @param localAddr  our address the client connected to
 * @param localPort  our port
 * @param secured    the connection is protected by TLS
 * @param service    "smtp"
 */
public record SaslClientInfo(String clientAddr, int clientPort, String localAddr, int localPort, boolean secured, String service) {
}
