// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A ClamAV body signature's hex pattern (signatures.md, "Body-based signature content format")
 * compiled into segments of byte classes joined by gaps. Supported: hex bytes, {@code ??},
 * nibble wildcards {@code a?} and {@code ?a}, {@code *}, {@code {n}}, {@code {-n}},
 * {@code {n-}}, {@code {n-m}}, {@code [n-m]}, single-byte alternatives {@code (aa|bb)} and
 * their negation {@code !(aa|bb)}. Anything else (multi-byte alternatives, {@code (B)}/{@code (L)}
 * anchors) makes {@link #parse} throw, and the loader counts the signature as unsupported.
 *
 * <p>Matching is driven from outside: the {@link #anchor()} (the longest run of literal bytes)
 * is found by the shared Aho-Corasick automaton, then {@link #matchAt} checks the rest around it.
 */
final class HexPattern {
    /** One byte position: a literal (mask 0xFF) or a class as a 256-bit set. */
    record ByteClass(int value, int mask, long[] set) {
        boolean matches(int b) {
            if (set != null) return (set[b >>> 6] & (1L << (b & 63))) != 0;
            return (b & mask) == value;
        }

        boolean literal() { return set == null && mask == 0xFF; }
    }

    /** A gap before a segment: between min and max bytes, max -1 for unbounded. */
    record Gap(int min, int max) { }

    private final List<ByteClass[]> segments;
    private final List<Gap> gaps;         // gaps.get(i) is the gap before segment i (gaps.get(0) unused)
    private final int anchorSegment;
    private final int anchorOffset;
    private final byte[] anchor;
    private static final int MAX_STEPS = 100_000;   // bounded verification work per candidate

    private HexPattern(List<ByteClass[]> segments, List<Gap> gaps) {
        this.segments = segments;
        this.gaps = gaps;
        int bestSeg = 0, bestOff = 0, bestLen = 0;
        for (int s = 0; s < segments.size(); s++) {
            ByteClass[] seg = segments.get(s);
            int run = 0;
            for (int i = 0; i <= seg.length; i++) {
                if (i < seg.length && seg[i].literal()) {
                    run++;
                } else {
                    if (run > bestLen) { bestLen = run; bestSeg = s; bestOff = i - run; }
                    run = 0;
                }
            }
        }
        // ClamAV also wants two static bytes: a one-byte anchor would make every byte a candidate
        if (bestLen < 2) throw new IllegalArgumentException("fewer than 2 literal bytes in a row");
        anchorSegment = bestSeg;
        anchorOffset = bestOff;
        anchor = new byte[bestLen];
        for (int i = 0; i < bestLen; i++) anchor[i] = (byte) segments.get(bestSeg)[bestOff + i].value();
    }

    byte[] anchor() { return anchor.clone(); }

    static HexPattern parse(String hex) {
        List<ByteClass[]> segs = new ArrayList<>();
        List<Gap> gaps = new ArrayList<>();
        List<ByteClass> cur = new ArrayList<>();
        Gap pending = new Gap(0, 0);
        int i = 0;
        int n = hex.length();
        while (i < n) {
            char c = hex.charAt(i);
            if (c == '*' || c == '{' || c == '[') {
                int min, max;
                if (c == '*') { min = 0; max = -1; i++; }
                else {
                    char close = c == '{' ? '}' : ']';
                    int end = hex.indexOf(close, i);
                    if (end < 0) throw new IllegalArgumentException("unclosed " + c);
                    String r = hex.substring(i + 1, end);
                    i = end + 1;
                    int dash = r.indexOf('-');
                    if (dash < 0) { min = max = Integer.parseInt(r); }
                    else {
                        min = dash == 0 ? 0 : Integer.parseInt(r.substring(0, dash));
                        max = dash == r.length() - 1 ? -1 : Integer.parseInt(r.substring(dash + 1));
                    }
                    if (min < 0 || (max >= 0 && max < min)) throw new IllegalArgumentException("bad range " + r);
                }
                if (cur.isEmpty() && segs.isEmpty()) throw new IllegalArgumentException("pattern starts with a gap");
                if (!cur.isEmpty()) { segs.add(cur.toArray(ByteClass[]::new)); gaps.add(pending); cur = new ArrayList<>(); pending = new Gap(0, 0); }
                pending = new Gap(pending.min() + min, pending.max() < 0 || max < 0 ? -1 : pending.max() + max);
                continue;
            }
            boolean negate = false;
            if (c == '!' && i + 1 < n && hex.charAt(i + 1) == '(') { negate = true; i++; c = '('; }
            if (c == '(') {
                int end = hex.indexOf(')', i);
                if (end < 0) throw new IllegalArgumentException("unclosed (");
                long[] set = new long[4];
                for (String alt : hex.substring(i + 1, end).split("\\|", -1)) {
                    if (alt.length() != 2) throw new IllegalArgumentException("unsupported alternative " + alt);
                    int b = Integer.parseInt(alt, 16);
                    set[b >>> 6] |= 1L << (b & 63);
                }
                if (negate) for (int k = 0; k < 4; k++) set[k] = ~set[k];
                cur.add(new ByteClass(0, 0, set));
                i = end + 1;
                continue;
            }
            if (i + 1 >= n) throw new IllegalArgumentException("odd number of hex digits");
            char hi = hex.charAt(i), lo = hex.charAt(i + 1);
            int value = 0, mask = 0;
            if (hi != '?') { value |= Character.digit(hi, 16) << 4; mask |= 0xF0; if (Character.digit(hi, 16) < 0) throw new IllegalArgumentException("bad hex " + hi); }
            if (lo != '?') { value |= Character.digit(lo, 16); mask |= 0x0F; if (Character.digit(lo, 16) < 0) throw new IllegalArgumentException("bad hex " + lo); }
            cur.add(new ByteClass(value, mask, null));
            i += 2;
        }
        if (cur.isEmpty()) throw new IllegalArgumentException(segs.isEmpty() ? "empty pattern" : "pattern ends with a gap");
        segs.add(cur.toArray(ByteClass[]::new));
        gaps.add(pending);
        return new HexPattern(segs, gaps);
    }

    /**
     * Whether the pattern matches with its anchor at {@code anchorPos}, with the start of the
     * match inside [minStart, maxStart] (the signature's offset; maxStart -1: anywhere). Returns
     * the start of the match or -1. {@code budget[0]} is the verification work left for the
     * object (shared by all candidates), decremented here; each candidate also stops after
     * {@link #MAX_STEPS}, so wildcards cannot make one object cost more than the budget.
     */
    long matchAt(ByteBuffer data, long anchorPos, long minStart, long maxStart, long[] budget) {
        long segStart = anchorPos - anchorOffset;
        if (segStart < 0 || !segmentAt(data, anchorSegment, segStart)) return -1;
        int limit = (int) Math.min(MAX_STEPS, Math.max(0, budget[0]));
        int[] steps = {MAX_STEPS - limit};
        try {
            if (!forward(data, anchorSegment + 1, segStart + segments.get(anchorSegment).length, steps)) return -1;
            return backward(data, anchorSegment, segStart, minStart, maxStart, steps);
        } finally {
            budget[0] -= steps[0] - (MAX_STEPS - limit) + 1;
        }
    }

    private boolean segmentAt(ByteBuffer data, int s, long pos) {
        ByteClass[] seg = segments.get(s);
        if (pos < 0 || pos + seg.length > data.limit()) return false;
        for (int k = 0; k < seg.length; k++) if (!seg[k].matches(data.get((int) pos + k) & 0xFF)) return false;
        return true;
    }

    /** Segments from s on can be placed after position end. */
    private boolean forward(ByteBuffer data, int s, long end, int[] steps) {
        if (s == segments.size()) return true;
        Gap g = gaps.get(s);
        long last = g.max() < 0 ? data.limit() : Math.min(data.limit(), end + g.max());
        for (long p = end + g.min(); p <= last; p++) {
            if (++steps[0] > MAX_STEPS) return false;
            if (segmentAt(data, s, p) && forward(data, s + 1, p + segments.get(s).length, steps)) return true;
        }
        return false;
    }

    /** Segments before s can be placed before pos with the first one starting in range; returns its start. */
    private long backward(ByteBuffer data, int s, long pos, long minStart, long maxStart, int[] steps) {
        if (s == 0) return pos >= minStart && (maxStart < 0 || pos <= maxStart) ? pos : -1;
        Gap g = gaps.get(s);
        int len = segments.get(s - 1).length;
        long lastEnd = pos - g.min();
        long firstEnd = g.max() < 0 ? len : Math.max(len, pos - g.max());
        for (long e = lastEnd; e >= firstEnd; e--) {
            if (++steps[0] > MAX_STEPS) return -1;
            long p = e - len;
            if (segmentAt(data, s - 1, p)) {
                long r = backward(data, s - 1, p, minStart, maxStart, steps);
                if (r >= 0) return r;
            }
        }
        return -1;
    }
}
