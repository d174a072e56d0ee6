// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * ClamAV extended body signatures (.ndb: {@code Name:TargetType:Offset:HexSignature[:MinFL[:MaxFL]]},
 * signatures.md "Extended signature format"), matched through one {@link AhoCorasick} automaton
 * over each signature's longest literal run, then verified around the hit by {@link HexPattern}.
 *
 * <p>Target types: 0 (any file), 1 (PE: files starting "MZ"), 4 (mail), 6 (ELF). Offsets:
 * {@code *}, {@code n}, {@code n,m} (start within n..n+m) and {@code EOF-n[,m]}. PE-relative
 * offsets (EP, Sx, SL, SE, VI) and the other target types need ClamAV's file parsers
 * (normalised HTML and text, OLE2, graphics ...): {@link #add} refuses them with the reason,
 * which the loader counts.
 */
final class BodySignatures {
    record Sig(String name, int target, boolean eofRelative, long offset, long shift, boolean anywhere, HexPattern pattern) { }

    private final List<Sig> sigs = new ArrayList<>();
    private volatile AhoCorasick automaton;

    /** Parses one .ndb line; throws IllegalArgumentException with the reason when unsupported. */
    void add(String line, String suffix) {
        String[] f = line.split(":", -1);
        if (f.length < 4) throw new IllegalArgumentException("malformed line");
        int target = Integer.parseInt(f[1].strip());
        if (target != 0 && target != 1 && target != 4 && target != 6) throw new IllegalArgumentException("target type " + target);
        String off = f[2].strip();
        boolean anywhere = off.equals("*");
        boolean eof = off.startsWith("EOF-");
        long offset = 0, shift = 0;
        if (!anywhere) {
            String o = eof ? off.substring(4) : off;
            int comma = o.indexOf(',');
            try {
                offset = Long.parseLong(comma < 0 ? o : o.substring(0, comma));
                if (comma >= 0) shift = Long.parseLong(o.substring(comma + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("offset " + off);
            }
        }
        sigs.add(new Sig(f[0] + suffix, target, eof, offset, shift, anywhere, HexPattern.parse(f[3].strip())));
        automaton = null;
    }

    int size() { return sigs.size(); }

    void removeNames(java.util.Set<String> ignored) {
        sigs.removeIf(s -> ignored.contains(s.name()) || ignored.contains(SignatureDb.baseName(s.name())));
        automaton = null;
    }

    synchronized void compile() {
        List<byte[]> anchors = new ArrayList<>(sigs.size());
        for (Sig s : sigs) anchors.add(s.pattern().anchor());
        automaton = AhoCorasick.build(anchors);
    }

    int states() { return automaton == null ? 0 : automaton.states(); }

    /** The name of the first signature found in data, or null. */
    String match(ByteBuffer data, FileType type) {
        if (sigs.isEmpty()) return null;
        AhoCorasick ac = automaton;
        if (ac == null) {
            compile();
            ac = automaton;
        }
        String[] found = new String[1];
        long len = data.limit();
        ac.scan(data, (p, anchorStart) -> {
            Sig s = sigs.get(p);
            if (!applies(s.target(), type)) return false;
            long min = 0, max = -1;
            if (!s.anywhere()) {
                min = s.eofRelative() ? len - s.offset() : s.offset();
                max = min + s.shift();
                if (max < 0) return false;
            }
            if (s.pattern().matchAt(data, anchorStart, Math.max(0, min), max) >= 0) {
                found[0] = s.name();
                return true;
            }
            return false;
        });
        return found[0];
    }

    private static boolean applies(int target, FileType type) {
        return switch (target) {
            case 0 -> true;
            case 1 -> type == FileType.PE;
            case 4 -> type == FileType.MAIL;
            case 6 -> type == FileType.ELF;
            default -> false;
        };
    }
}
