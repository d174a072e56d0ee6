// SPDX-License-Identifier: Apache-2.0
package org.secumail.dkim;

import java.security.PrivateKey;
import java.util.Locale;

/**
 * A signing key: the d= domain, the s= selector, the private key and its algorithm.
 *
 * @param algorithm "rsa-sha256" or "ed25519-sha256" (RFC 8463); derived from the key when null
 */
public record DkimKey(String domain, String selector, PrivateKey privateKey, String algorithm) {
    public DkimKey {
        domain = domain.toLowerCase(Locale.ROOT);
        String fromKey = privateKey.getAlgorithm().equalsIgnoreCase("RSA") ? "rsa-sha256" : "ed25519-sha256";
        if (algorithm == null) algorithm = fromKey;
        if (!algorithm.equals(fromKey)) throw new IllegalArgumentException("algorithm " + algorithm + " does not match a " + privateKey.getAlgorithm() + " key");
        if (!DkimSignature.validDomain(domain)) throw new IllegalArgumentException("bad DKIM domain: " + domain);
        if (!DkimSignature.validSelector(selector)) throw new IllegalArgumentException("bad DKIM selector: " + selector);
    }

    public DkimKey(String domain, String selector, PrivateKey privateKey) { this(domain, selector, privateKey, null); }
}
