// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * ClamAV extended body signatures (.ndb: {@code Name:TargetType:Offset:HexSignature[:MinFL[:MaxFL]]},
 * signatures.md "Extended signature format") and the body sub-signatures of logical signatures
 * (.ldb, {@link LogicalSignature}), matched through one {@link AhoCorasick} automaton over each
 * pattern's longest literal run, then verified around the hit by {@link HexPattern}. An .ndb
 * match ends the scan; sub-signature matches are counted and the logical expressions evaluated
 * once the data has been read.
 *
 * <p>Target types: 0 (any file), 1 (PE: files starting "MZ"), 4 (mail), 6 (ELF). Offsets:
 * {@code *}, {@code n}, {@code n,m} (start within n..n+m) and {@code EOF-n[,m]}. PE-relative
 * offsets (EP, Sx, SL, SE, VI) and the other target types need ClamAV's file parsers
 * (normalised HTML and text, OLE2, graphics ...): {@link #add} refuses them with the reason,
 * which the loader counts.
 */
final class BodySignatures {
    /** One pattern in the automaton: an .ndb signature (ldb -1) or sub-signature {@code sub} of logical signature {@code ldb}. */
    record Sig(String name, int target, boolean eofRelative, long offset, long shift, boolean anywhere, HexPattern pattern, int ldb, int sub) { }

    private final List<Sig> sigs = new ArrayList<>();
    private final List<LogicalSignature> logical = new ArrayList<>();
    private static final int MAX_COUNT = 1 << 16;
    /** Verification steps for one object (about a second of work); past it the object is reported as too costly. */
    static final long MAX_OBJECT_STEPS = 50_000_000L;
    /** What {@link #match} returns when the budget ran out: ClamAV's name for its MaxScanTime limit. */
    static final String BUDGET_EXHAUSTED = "Heuristics.Limits.Exceeded.MaxScanTime";   // match counts saturate here: expressions compare with small numbers
    private volatile AhoCorasick automaton;

    /** Parses one .ndb line; throws IllegalArgumentException with the reason when unsupported. */
    void add(String line, String suffix) {
        String[] f = line.split(":", -1);
        if (f.length < 4) throw new IllegalArgumentException("malformed line");
        int target = Integer.parseInt(f[1].strip());
        if (target != 0 && target != 1 && target != 4 && target != 6) throw new IllegalArgumentException("target type " + target);
        sigs.add(sig(f[0] + suffix, target, f[2].strip(), f[3].strip(), -1, 0));
        automaton = null;
    }

    /** Parses one .ldb line; all its sub-signatures are added or none (IllegalArgumentException with the reason). */
    void addLogical(String line, String suffix) {
        LogicalSignature l = LogicalSignature.parse(line, suffix);
        List<Sig> subs = new ArrayList<>();
        for (int i = 0; i < l.subsigs.size(); i++) {
            subs.add(sig(l.name, l.target, l.subsigs.get(i).offset(), l.subsigs.get(i).hex(), logical.size(), i));
        }
        logical.add(l);
        sigs.addAll(subs);
        automaton = null;
    }

    private static Sig sig(String name, int target, String off, String hex, int ldb, int sub) {
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
        return new Sig(name, target, eof, offset, shift, anywhere, HexPattern.parse(hex), ldb, sub);
    }

    /** .ndb signatures plus .ldb signatures (not counting their sub-signatures). */
    int size() { return (int) sigs.stream().filter(x -> x.ldb() < 0).count() + logical.size(); }

    void removeNames(java.util.Set<String> ignored) {
        // a logical signature's sub-signatures carry its name, so they go with it; the logical
        // signature itself stays (sub-signatures refer to it by index) and, without them, never fires
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
        int[][] counts = new int[logical.size()][];
        long len = data.limit();
        long[] budget = {MAX_OBJECT_STEPS};
        ac.scan(data, (p, anchorStart) -> {
            if (budget[0] <= 0) {
                found[0] = BUDGET_EXHAUSTED;
                return true;
            }
            Sig s = sigs.get(p);
            if (!applies(s.target(), type)) return false;
            if (s.ldb() >= 0 && counts[s.ldb()] != null && counts[s.ldb()][s.sub()] >= MAX_COUNT) return false;
            long min = 0, max = -1;
            if (!s.anywhere()) {
                min = s.eofRelative() ? len - s.offset() : s.offset();
                max = min + s.shift();
                if (max < 0) return false;
            }
            if (s.pattern().matchAt(data, anchorStart, Math.max(0, min), max, budget) < 0) return false;
            if (s.ldb() < 0) {
                found[0] = s.name();
                return true;
            }
            if (counts[s.ldb()] == null) counts[s.ldb()] = new int[logical.get(s.ldb()).subsigs.size()];
            counts[s.ldb()][s.sub()]++;
            return false;
        });
        if (found[0] != null) return found[0];
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != null && logical.get(i).matches(counts[i], len)) return logical.get(i).name;
        }
        return null;
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
