// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The sections of a PE file (Microsoft PE/COFF specification, "Section Table"), as ClamAV's
 * .mdb/.msb signatures see them: each section's raw data from PointerToRawData, of
 * SizeOfRawData bytes, both aligned to the optional header's FileAlignment the way ClamAV's
 * pe.c does (the start rounded down, the size rounded up) and cut at the end of the file.
 * Only the headers are read; a malformed header gives no sections, never an exception.
 */
final class PeSections {
    private PeSections() { }

    /** A section's raw extent in the file. */
    record Section(long offset, long size) { }

    static final int MAX_SECTIONS = 96;   // the loader's limit in Windows; ClamAV uses the same

    static List<Section> of(ByteBuffer data) {
        List<Section> out = new ArrayList<>();
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long n = b.limit();
        if (n < 0x40 || b.get(0) != 'M' || b.get(1) != 'Z') return out;
        long pe = b.getInt(0x3c) & 0xFFFFFFFFL;
        if (pe + 24 > n || b.getInt((int) pe) != 0x00004550) return out;   // "PE\0\0"
        int sections = b.getShort((int) pe + 6) & 0xFFFF;
        int optSize = b.getShort((int) pe + 20) & 0xFFFF;
        long opt = pe + 24;
        long falign = opt + 40 <= n ? b.getInt((int) opt + 36) & 0xFFFFFFFFL : 0;
        if (falign % 0x200 != 0) falign = 0;   // an invalid alignment is not applied
        long table = opt + optSize;
        for (int i = 0; i < Math.min(sections, MAX_SECTIONS); i++) {
            long h = table + 40L * i;
            if (h + 40 > n) break;
            long rsz = b.getInt((int) h + 16) & 0xFFFFFFFFL;
            long raw = b.getInt((int) h + 20) & 0xFFFFFFFFL;
            if (falign != 0) {
                raw = raw / falign * falign;
                rsz = (rsz + falign - 1) / falign * falign;
            }
            if (rsz == 0 || raw >= n) continue;
            out.add(new Section(raw, Math.min(rsz, n - raw)));
        }
        return out;
    }
}
