// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

/** File names from messages and archives, made safe to print in traces, logs and replies. */
final class Names {
    private Names() { }

    static final int MAX = 120;

    /** Printable ASCII only (others become '?'), at most {@link #MAX} characters. */
    static String safe(String name) {
        if (name == null) return "";
        StringBuilder b = new StringBuilder(Math.min(name.length(), MAX));
        for (int i = 0; i < name.length() && b.length() < MAX; i++) {
            char c = name.charAt(i);
            b.append(c >= 32 && c < 127 ? c : '?');
        }
        return b.toString();
    }

    /** The last path component: members are often "dir/sub/file.exe" or "dir\\file.exe". */
    static String base(String name) {
        int i = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
        return i < 0 ? name : name.substring(i + 1);
    }
}
