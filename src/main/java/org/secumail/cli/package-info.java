// SPDX-License-Identifier: Apache-2.0
/**
 * cli - the "secumail" command: run (the server), config (like postconf), loadgen (like
 * smtp-source). Each sub-command is one picocli class; the embedded default configuration
 * lives in src/main/resources/org/secumail/defaults/.
 */
package org.secumail.cli;
