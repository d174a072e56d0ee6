// SPDX-License-Identifier: Apache-2.0
package org.secumail.config;

/** A configuration error that stops startup; the message names the file, parameter and token. */
public class ConfigException extends RuntimeException {
    public ConfigException(String message) { super(message); }
    public ConfigException(String message, Throwable cause) { super(message, cause); }
}
