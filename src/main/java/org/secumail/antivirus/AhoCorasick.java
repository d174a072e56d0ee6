// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One Aho-Corasick automaton over the anchors of every body signature (Aho and Corasick,
 * "Efficient string matching", CACM 1975), so the data is read once whatever the number of
 * signatures: the cost is the data length plus the candidates found, not data times signatures.
 * ClamAV's matcher works the same way (matcher-ac.c), with a trie of bounded depth.
 *
 * <p>The shallowest states (the root first, in breadth-first order, up to {@link #DENSE_STATES})
 * get a full 256-entry transition table with the failure links already followed, so the
 * common case, random data near the root, costs one array read per byte. Deeper states keep
 * sorted label arrays (most have one or two children), which keeps a large signature set in a
 * few megabytes. Outputs of the failure chain are merged into each state at build time, so a
 * hit is reported without walking it.
 * Immutable after {@link #build}; safe for concurrent scans.
 */
public final class AhoCorasick {
    /** Called for each occurrence; returns true to stop the scan. */
    public interface Hit { boolean at(int pattern, long start); }

    private byte[][] labels;
    private int[][] targets;
    private int[] fail;
    private int[][] outputs;
    private int[] lengths;
    /** States with a dense row: 4,096 rows of 256 ints are 4 MiB, whatever the signature set. */
    public static final int DENSE_STATES = 4096;
    /** Row of a state in {@link #dense}, or -1; the root's row is 0. */
    private int[] denseRow;
    private int[] dense;

    private AhoCorasick() { }

    public static AhoCorasick build(List<byte[]> patterns) {
        return build(patterns, DENSE_STATES);
    }

    /**
     * With at most denseStates dense rows (a kilobyte each): fewer for an automaton that reads
     * short texts, such as a header, where the sparse steps cost little.
     */
    public static AhoCorasick build(List<byte[]> patterns, int denseStates) {
        AhoCorasick ac = new AhoCorasick();
        List<byte[]> lab = new ArrayList<>();
        List<int[]> tgt = new ArrayList<>();
        List<int[]> out = new ArrayList<>();
        lab.add(new byte[0]);
        tgt.add(new int[0]);
        out.add(new int[0]);
        ac.lengths = new int[patterns.size()];
        for (int p = 0; p < patterns.size(); p++) {
            byte[] pat = patterns.get(p);
            ac.lengths[p] = pat.length;
            int s = 0;
            for (byte b : pat) {
                int next = find(lab.get(s), tgt.get(s), b);
                if (next < 0) {
                    next = lab.size();
                    lab.add(new byte[0]);
                    tgt.add(new int[0]);
                    out.add(new int[0]);
                    insert(lab, tgt, s, b, next);
                }
                s = next;
            }
            int[] o = out.get(s);
            int[] no = Arrays.copyOf(o, o.length + 1);
            no[o.length] = p;
            out.set(s, no);
        }
        int n = lab.size();
        ac.labels = lab.toArray(byte[][]::new);
        ac.targets = tgt.toArray(int[][]::new);
        ac.outputs = out.toArray(int[][]::new);
        ac.fail = new int[n];
        ac.denseRow = new int[n];
        Arrays.fill(ac.denseRow, -1);
        int rows = Math.max(1, Math.min(n, denseStates));   // the root's row at least
        ac.dense = new int[rows * 256];
        int used = 0;
        // breadth first: a state's failure target is shallower, so its row (if any) is complete
        ArrayDeque<Integer> queue = new ArrayDeque<>();
        queue.add(0);
        while (!queue.isEmpty()) {
            int s = queue.poll();
            if (s != 0) {
                for (int k = 0; k < ac.labels[s].length; k++) {
                    int t = ac.targets[s][k];
                    ac.fail[t] = ac.step(ac.fail[s], ac.labels[s][k]);
                    int[] mine = ac.outputs[t], inherited = ac.outputs[ac.fail[t]];
                    if (inherited.length > 0) {
                        int[] merged = Arrays.copyOf(mine, mine.length + inherited.length);
                        System.arraycopy(inherited, 0, merged, mine.length, inherited.length);
                        ac.outputs[t] = merged;
                    }
                }
            }
            if (used < rows) {
                int base = used * 256;
                for (int c = 0; c < 256; c++) {
                    int t = find(ac.labels[s], ac.targets[s], (byte) c);
                    ac.dense[base + c] = t >= 0 ? t : s == 0 ? 0 : ac.step(ac.fail[s], (byte) c);
                }
                ac.denseRow[s] = used++;
            }
            for (int t : ac.targets[s]) queue.add(t);
        }
        return ac;
    }

    int states() { return labels.length; }

    private int step(int s, byte b) {
        while (true) {
            int row = denseRow[s];
            if (row >= 0) return dense[(row << 8) | (b & 0xFF)];
            int t = find(labels[s], targets[s], b);
            if (t >= 0) return t;
            s = fail[s];
        }
    }

    /** Reports every occurrence of every pattern in data, by pattern index and start position, until a hit says stop. */
    public void scan(ByteBuffer data, Hit hit) {
        int s = 0;
        int limit = data.limit();
        for (int i = 0; i < limit; i++) {
            s = step(s, data.get(i));
            int[] o = outputs[s];
            for (int p : o) if (hit.at(p, (long) i - lengths[p] + 1)) return;
        }
    }

    private static int find(byte[] lab, int[] tgt, byte b) {
        int lo = 0, hi = lab.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = Byte.compare(lab[mid], b);
            if (c == 0) return tgt[mid];
            if (c < 0) lo = mid + 1; else hi = mid - 1;
        }
        return -1;
    }

    private static void insert(List<byte[]> lab, List<int[]> tgt, int s, byte b, int next) {
        byte[] l = lab.get(s);
        int[] t = tgt.get(s);
        int pos = 0;
        while (pos < l.length && l[pos] < b) pos++;
        byte[] nl = new byte[l.length + 1];
        int[] nt = new int[t.length + 1];
        System.arraycopy(l, 0, nl, 0, pos);
        System.arraycopy(t, 0, nt, 0, pos);
        nl[pos] = b;
        nt[pos] = next;
        System.arraycopy(l, pos, nl, pos + 1, l.length - pos);
        System.arraycopy(t, pos, nt, pos + 1, t.length - pos);
        lab.set(s, nl);
        tgt.set(s, nt);
    }
}
