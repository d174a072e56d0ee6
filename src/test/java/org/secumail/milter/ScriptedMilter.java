// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A milter for tests, speaking the protocol from the filter's side on a loopback port: it
 * negotiates the actions and steps it is given, records every packet it receives, and answers
 * each event with what the script returns (by default SMFIR_CONTINUE). A script may also
 * misbehave: close the connection, send garbage, an oversized length, or stall.
 */
final class ScriptedMilter implements AutoCloseable {
    /** One packet received, with its strings decoded. */
    record Event(char command, List<String> strings, byte[] data) {
        @Override public String toString() { return command + " " + strings; }
    }

    /** What to send back for one event. */
    sealed interface Answer permits Send, Close, Garbage, Oversize, Stall, Drip { }

    record Send(List<MilterProtocol.Packet> packets) implements Answer { }

    record Close() implements Answer { }

    record Garbage() implements Answer { }

    record Oversize() implements Answer { }

    record Stall(long millis) implements Answer { }

    /** The packets one at a time, each after a pause. */
    record Drip(List<MilterProtocol.Packet> packets, long delayMillis) implements Answer { }

    static Send send(MilterProtocol.Packet... p) { return new Send(List.of(p)); }

    static MilterProtocol.Packet packet(byte cmd, byte[] data) { return new MilterProtocol.Packet(cmd, data); }

    static MilterProtocol.Packet packet(byte cmd) { return new MilterProtocol.Packet(cmd, new byte[0]); }

    static MilterProtocol.Packet packet(byte cmd, String... strings) {
        MilterProtocol.Data d = new MilterProtocol.Data();
        for (String s : strings) d.str(s);
        return new MilterProtocol.Packet(cmd, d.build());
    }

    static MilterProtocol.Packet indexed(byte cmd, int index, String name, String value) {
        return new MilterProtocol.Packet(cmd, new MilterProtocol.Data().int32(index).str(name).str(value).build());
    }

    static final Send CONTINUE = send(packet(MilterProtocol.SMFIR_CONTINUE));

    private final ServerSocket server;
    final List<Event> events = new CopyOnWriteArrayList<>();
    volatile int actions = MilterProtocol.ALL_ACTIONS;
    volatile int steps = 0;
    volatile int version = 6;
    /** Extra OPTNEG data after the three integers (SMFIR_SETSYMLIST lists). */
    volatile byte[] optnegExtra = new byte[0];
    volatile Function<Event, Answer> script = e -> null;
    volatile int connections;

    ScriptedMilter() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::acceptLoop);
    }

    int port() { return server.getLocalPort(); }

    String endpoint() { return "inet:127.0.0.1:" + port(); }

    List<Event> events(char command) {
        List<Event> out = new ArrayList<>();
        for (Event e : events) if (e.command() == command) out.add(e);
        return out;
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections++;
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            DataInputStream in = new DataInputStream(new BufferedInputStream(s.getInputStream()));
            OutputStream out = s.getOutputStream();
            while (true) {
                MilterProtocol.Packet p = MilterProtocol.read(in);
                Event e = new Event((char) p.command(), p.command() == MilterProtocol.SMFIC_OPTNEG ? List.of() : p.strings(0), p.data());
                events.add(e);
                if (p.command() == MilterProtocol.SMFIC_OPTNEG) {
                    MilterProtocol.Data d = new MilterProtocol.Data().int32(version).int32(actions).int32(steps);
                    d.bytes(optnegExtra, 0, optnegExtra.length);
                    MilterProtocol.write(out, MilterProtocol.SMFIC_OPTNEG, d.build());
                    out.flush();
                    continue;
                }
                if (p.command() == MilterProtocol.SMFIC_QUIT) return;
                Answer a = script.apply(e);
                if (a == null) a = defaultAnswer(e);
                if (a == null) continue;
                switch (a) {
                    case Send sn -> {
                        for (MilterProtocol.Packet r : sn.packets()) MilterProtocol.write(out, r.command(), r.data());
                        out.flush();
                    }
                    case Close c -> {
                        return;
                    }
                    case Garbage g -> {
                        out.write(new byte[] {0, 0, 0, 3, 'Z', 'Z', 'Z'});
                        out.flush();
                    }
                    case Oversize o -> {
                        out.write(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 'c'});
                        out.flush();
                    }
                    case Stall st -> Thread.sleep(st.millis());
                    case Drip d -> {
                        for (MilterProtocol.Packet r : d.packets()) {
                            Thread.sleep(d.delayMillis());
                            MilterProtocol.write(out, r.command(), r.data());
                            out.flush();
                        }
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // the MTA went away
        }
    }

    /** What a milter answers when the script has nothing to say: continue, except where no reply is due. */
    private Answer defaultAnswer(Event e) {
        char c = e.command();
        if (c == 'D' || c == 'A' || c == 'K') return null;   // macros, abort: no reply
        int noReply = switch (c) {
            case 'C' -> MilterProtocol.SMFIP_NR_CONN;
            case 'H' -> MilterProtocol.SMFIP_NR_HELO;
            case 'M' -> MilterProtocol.SMFIP_NR_MAIL;
            case 'R' -> MilterProtocol.SMFIP_NR_RCPT;
            case 'T' -> MilterProtocol.SMFIP_NR_DATA;
            case 'U' -> MilterProtocol.SMFIP_NR_UNKN;
            case 'L' -> MilterProtocol.SMFIP_NR_HDR;
            case 'N' -> MilterProtocol.SMFIP_NR_EOH;
            case 'B' -> MilterProtocol.SMFIP_NR_BODY;
            default -> 0;
        };
        if ((steps & noReply) != 0) return null;
        return CONTINUE;
    }

    @Override
    public void close() throws IOException { server.close(); }
}
