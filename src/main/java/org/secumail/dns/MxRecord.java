// SPDX-License-Identifier: Apache-2.0
package org.secumail.dns;

/** An MX record: preference and exchange host name (lower case, no trailing dot; "" for RFC 7505 null MX "."). */
public record MxRecord(int preference, String exchange) { }
