// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;

/**
 * A file's real type from its first bytes (magic numbers, as file(1) and ClamAV's filetypes.c
 * recognise them), whatever its name says. The built-in scanner uses it to decide what to open
 * (archives, mail) and which body signatures apply; the attachment policy uses it to find
 * executables and macro-capable documents named as something else.
 */
public enum FileType {
    MAIL, ZIP, GZIP, BZIP2, XZ, SEVENZ, TAR, CPIO, RAR, CAB, ARJ, PE, ELF, MACHO, PDF, OLE2, SCRIPT, UNKNOWN;

    /** Types the built-in scanner opens and scans member by member. */
    public boolean isArchive() {
        return this == ZIP || this == GZIP || this == BZIP2 || this == XZ || this == SEVENZ || this == TAR || this == CPIO;
    }

    /** Executable code: native programs and scripts with a #! line. */
    public boolean isExecutable() {
        return this == PE || this == ELF || this == MACHO || this == SCRIPT;
    }

    // RFC 5322 fields a message typically starts with (and mbox's "From " line), as ClamAV's
    // filetypes list them for CL_TYPE_MAIL
    private static final Set<String> MAIL_FIRST_FIELDS = Set.of("received", "return-path", "delivered-to", "from", "to", "subject",
            "date", "message-id", "mime-version", "content-type", "reply-to", "sender", "cc", "x-original-to", "envelope-to",
            "dkim-signature", "authentication-results", "arc-seal", "x-mailer", "x-envelope-from", "x-sender", "x-uidl", "status");

    public static FileType detect(ByteBuffer b) {
        int n = b.limit();
        if (starts(b, 0, 'P', 'K', 3, 4) || starts(b, 0, 'P', 'K', 5, 6) || starts(b, 0, 'P', 'K', 7, 8)) return ZIP;
        if (starts(b, 0, 0x1f, 0x8b)) return GZIP;
        if (starts(b, 0, 'B', 'Z', 'h')) return BZIP2;
        if (starts(b, 0, 0xfd, '7', 'z', 'X', 'Z', 0)) return XZ;
        if (starts(b, 0, '7', 'z', 0xbc, 0xaf, 0x27, 0x1c)) return SEVENZ;
        if (starts(b, 0, 'R', 'a', 'r', '!', 0x1a, 7)) return RAR;
        if (starts(b, 0, 'M', 'S', 'C', 'F')) return CAB;
        if (starts(b, 0, 0x60, 0xea)) return ARJ;
        if (starts(b, 0, 'M', 'Z')) return PE;
        if (starts(b, 0, 0x7f, 'E', 'L', 'F')) return ELF;
        if (starts(b, 0, 0xfe, 0xed, 0xfa, 0xce) || starts(b, 0, 0xfe, 0xed, 0xfa, 0xcf) || starts(b, 0, 0xce, 0xfa, 0xed, 0xfe)
                || starts(b, 0, 0xcf, 0xfa, 0xed, 0xfe) || starts(b, 0, 0xca, 0xfe, 0xba, 0xbe)) return MACHO;
        if (starts(b, 0, '%', 'P', 'D', 'F', '-')) return PDF;
        if (starts(b, 0, 0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)) return OLE2;
        if (starts(b, 0, '#', '!')) return SCRIPT;
        if (n > 262 && starts(b, 257, 'u', 's', 't', 'a', 'r')) return TAR;
        if (starts(b, 0, '0', '7', '0', '7', '0') || starts(b, 0, 0xc7, 0x71) || starts(b, 0, 0x71, 0xc7)) return CPIO;
        if (isMail(b)) return MAIL;
        return UNKNOWN;
    }

    private static boolean starts(ByteBuffer b, int at, int... magic) {
        if (b.limit() < at + magic.length) return false;
        for (int i = 0; i < magic.length; i++) if ((b.get(at + i) & 0xFF) != magic[i]) return false;
        return true;
    }

    /** An mbox "From " line or a first header field that messages start with. */
    private static boolean isMail(ByteBuffer b) {
        int n = Math.min(b.limit(), 1024);
        byte[] head = new byte[n];
        b.get(0, head);
        String s = new String(head, StandardCharsets.ISO_8859_1);
        if (s.startsWith("From ")) return true;
        int colon = s.indexOf(':');
        if (colon <= 0 || colon > 40) return false;
        String name = s.substring(0, colon).toLowerCase(Locale.ROOT);
        return MAIL_FIRST_FIELDS.contains(name) || (name.startsWith("x-") && name.matches("[a-z0-9-]+"));
    }
}
