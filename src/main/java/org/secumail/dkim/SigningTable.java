// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * OpenDKIM's SigningTable (opendkim.conf(5)): chooses the KeyTable entries that sign a
 * message from the address in its From: header. With refile: the keys are wildcard patterns
 * tried in file order; otherwise the lookups are, in order, user@host, host, user@.domain and
 * .domain for each parent domain, user@*, and *. Only the first match is used unless
 * MultipleSignatures ({@code secumail_dkim_multiple_signatures}) is on. A value "%" (or a "%"
 * in the signer field) stands for the From: domain.
 */
public final class SigningTable {
    /** A match: the KeyTable name and the optional signer identity for i=. */
    public record Match(String keyName, String signer) { }

    private final OpenDkimDataset data;

    public SigningTable(OpenDkimDataset data) {
        this.data = data;
    }

    public List<Match> lookup(String fromAddress, boolean multiple) {
        String addr = fromAddress.toLowerCase(Locale.ROOT);
        int at = addr.lastIndexOf('@');
        String user = at < 0 ? "" : addr.substring(0, at);
        String host = at < 0 ? addr : addr.substring(at + 1);
        List<Match> out = new ArrayList<>();
        if (data.regex()) {
            for (OpenDkimDataset.Entry e : data.entries()) {
                if (OpenDkimDataset.wildcard(e.key(), addr)) {
                    out.add(match(e.value(), host));
                    if (!multiple) break;
                }
            }
            return out;
        }
        for (String key : keys(user, host)) {
            for (OpenDkimDataset.Entry e : data.entries()) {
                if (e.key().equalsIgnoreCase(key)) {
                    out.add(match(e.value(), host));
                    if (!multiple) return out;
                }
            }
        }
        return out;
    }

    /** The lookup keys of a non-regex table, in OpenDKIM's order. */
    static List<String> keys(String user, String host) {
        List<String> keys = new ArrayList<>();
        keys.add(user + "@" + host);
        keys.add(host);
        List<String> parents = new ArrayList<>();
        String d = host;
        int dot;
        while ((dot = d.indexOf('.')) >= 0) {
            d = d.substring(dot + 1);
            parents.add("." + d);
        }
        for (String p : parents) keys.add(user + "@" + p);
        keys.addAll(parents);
        keys.add(user + "@*");
        keys.add("*");
        return keys;
    }

    private static Match match(String value, String fromDomain) {
        String[] f = value.split("\\s+|:", 2);
        String name = f[0].equals("%") ? fromDomain : f[0];
        String signer = f.length > 1 ? f[1].strip().replace("%", fromDomain) : null;
        return new Match(name, signer == null || signer.isEmpty() ? null : signer);
    }
}
