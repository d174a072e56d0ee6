// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The load generator's TLS client context. It accepts any server certificate, which is safe
 * only because {@link LoopbackGuard} restricts the load generator to loopback servers, whose
 * benchmark certificates are self-signed; it is never used for real mail.
 */
final class LoadTls {
    private LoadTls() {
    }

    /**
     * A new context per connection, so that no TLS session is resumed: every STARTTLS of a
     * benchmark is a full handshake, for SecuMail and Postfix alike.
     */
    static SSLContext trustAllContext() {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new AcceptAny()}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("no TLS client context: " + e.getMessage(), e);
        }
    }

    /** Trusts every certificate (loopback benchmark servers only, see the class comment). */
    private static final class AcceptAny implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            // not a server
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            // loopback benchmark servers with self-signed certificates
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
