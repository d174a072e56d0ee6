// SPDX-License-Identifier: Apache-2.0
package org.secumail.postscreen;

import java.net.InetSocketAddress;
import java.net.Socket;

/**
 * One connection's progress through postscreen's tests, as postscreen_state.c keeps it: per
 * test whether it is to do, passed, failed or skipped, and when each passed test expires
 * (seconds since the epoch; {@link #STAMP_NEW} never passed, {@link #STAMP_DISABLED} never
 * passed while disabled), as they are written to the cache ("pregr;dnsbl;pipel;nsmtp;barlf").
 */
final class ScreenState {
    static final int PREGR = 0;
    static final int DNSBL = 1;
    static final int PIPEL = 2;
    static final int NSMTP = 3;
    static final int BARLF = 4;
    static final int COUNT = 5;
    static final long STAMP_NEW = 0;
    static final long STAMP_DISABLED = 1;

    /** The connection; the TLS socket after STARTTLS in the dummy engine. */
    Socket socket;
    final String ip;
    final String who;
    final long[] expire = new long[COUNT];
    final boolean[] todo = new boolean[COUNT];
    final boolean[] pass = new boolean[COUNT];
    final boolean[] fail = new boolean[COUNT];
    final boolean[] skip = new boolean[COUNT];
    /** A cache entry has a test the client never passed: its full pass is "PASS NEW". */
    boolean isNew;
    /** Failed the permanent denylist (postscreen_access_list reject). */
    boolean denylistFail;
    /** Never hand this connection to smtpd. */
    boolean noforward;
    boolean hangup;
    /** Hang up with finalReply at the next command (PSC_SMTPD_X21). */
    boolean x21;
    String rcptReply = "450 4.3.2 Service currently unavailable";
    String finalReply = "421 4.3.2 Service currently unavailable";
    /** Which phase the connection is in, for HANGUP lines. */
    String testName = "tests before SMTP handshake";
    long phaseStart = System.nanoTime();
    /** The bytes of a pregreeting client, still to be read as commands. */
    byte[] early = new byte[0];

    ScreenState(Socket socket, InetSocketAddress client) {
        this.socket = socket;
        this.ip = client.getAddress().getHostAddress();
        this.who = "[" + ip + "]:" + client.getPort();
    }

    boolean anyFail() {
        if (denylistFail) return true;
        for (boolean f : fail) if (f) return true;
        return false;
    }

    boolean anyPass() {
        for (boolean p : pass) if (p) return true;
        return false;
    }

    boolean anyTodo() {
        for (boolean t : todo) if (t) return true;
        return false;
    }

    boolean earlyTodo() { return todo[PREGR] || todo[DNSBL]; }

    boolean smtpdTodo() { return todo[PIPEL] || todo[NSMTP] || todo[BARLF]; }

    /** Every deep test that is to do has passed. */
    boolean smtpdAllPassed() {
        for (int i = PIPEL; i < COUNT; i++) if (todo[i] != pass[i]) return false;
        return true;
    }

    /** Every test that was to do has passed (psc_conclude's final blessing). */
    boolean allPassed() {
        for (int i = 0; i < COUNT; i++) if (todo[i] != pass[i]) return false;
        return true;
    }

    /** psc_todo_tests: the enabled tests whose pass has expired at {@code now} are to do. */
    void todoTests(PostscreenSettings settings, long now) {
        isNew = false;
        for (int i = 0; i < COUNT; i++) {
            if (expire[i] == STAMP_NEW) isNew = true;
            todo[i] = settings.enabled[i] && now > expire[i];
            pass[i] = false;
            fail[i] = false;
            skip[i] = false;
        }
    }

    /** A test failed in this session: not passed, and not passed again until it passes. */
    void failed(int test) {
        fail[test] = true;
        pass[test] = false;
        expire[test] = STAMP_DISABLED;
        skip[test] = true;
    }

    /** The ignore action forgives a failure: passes for the shortest time to live. */
    void forgiven(int test, PostscreenSettings settings, long now) {
        fail[test] = false;
        pass[test] = true;
        expire[test] = now + settings.minTtl().toSeconds();
    }

    /** The cache record, disabled tests that never passed marked as such (psc_print_tests). */
    String record(PostscreenSettings settings) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < COUNT; i++) {
            if (!settings.enabled[i] && expire[i] == STAMP_NEW) expire[i] = STAMP_DISABLED;
            if (i > 0) sb.append(';');
            sb.append(expire[i]);
        }
        return sb.toString();
    }

    /** Parses a cache record; fields missing or malformed count as disabled (psc_parse_tests). */
    void parse(String record) {
        String[] f = record.split(";", -1);
        for (int i = 0; i < COUNT; i++) {
            try {
                expire[i] = i < f.length ? Long.parseLong(f[i].strip()) : STAMP_DISABLED;
            } catch (NumberFormatException e) {
                expire[i] = STAMP_DISABLED;
            }
        }
    }

    void newTests() {
        java.util.Arrays.fill(expire, STAMP_NEW);
    }

    /** "0.5" seconds since the phase began, as postscreen formats delta times. */
    String elapsed() {
        double s = (System.nanoTime() - phaseStart) / 1e9;
        return s >= 10 ? String.valueOf(Math.round(s)) : String.format(java.util.Locale.ROOT, "%.2g", s);
    }

    void begin(String name) {
        testName = name;
        phaseStart = System.nanoTime();
    }
}
