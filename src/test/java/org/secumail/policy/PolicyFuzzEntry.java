// SPDX-License-Identifier: Apache-2.0
package org.secumail.policy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Map;

/** Fuzzing bridge: the policy server's request reader (private) over arbitrary bytes. */
public final class PolicyFuzzEntry {
    private static final Method READ;

    static {
        try {
            READ = PolicyServer.class.getDeclaredMethod("readRequest", InputStream.class);
            READ.setAccessible(true);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private PolicyFuzzEntry() { }

    /** Reads requests until the end of input; IOException is the reader's refusal (request too long). */
    @SuppressWarnings("unchecked")
    public static void requests(byte[] data) throws Throwable {
        InputStream in = new ByteArrayInputStream(data);
        try {
            for (int i = 0; i < 1000; i++) {
                Map<String, String> req = (Map<String, String>) READ.invoke(null, in);
                if (req == null) return;
                req.forEach((k, v) -> k.length());
            }
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof IOException) return;
            throw e.getCause();
        }
    }
}
