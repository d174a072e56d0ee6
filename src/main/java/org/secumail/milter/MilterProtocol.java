// SPDX-License-Identifier: Apache-2.0
package org.secumail.milter;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The Sendmail milter protocol, version 6, as libmilter and Postfix's milter8.c speak it:
 * every packet is a 4-octet length in network order (counting the command octet), one
 * command octet and the data. Strings are NUL-terminated. The command, reply, action and
 * protocol codes below are libmilter's (mfdef.h) under their names there.
 */
public final class MilterProtocol {
    private MilterProtocol() { }

    /** Version 6, the one Postfix 2.6+ and libmilter 8.14+ speak. */
    public static final int VERSION = 6;
    /** The largest body chunk the MTA sends (libmilter's MILTER_CHUNK_SIZE). */
    public static final int CHUNK_SIZE = 65535;
    /**
     * The largest packet accepted from the peer. Postfix allows INT_MAX/2; a body replacement
     * chunk is at most {@link #CHUNK_SIZE} from libmilter, so 1 MiB leaves room for any honest
     * peer while a hostile one cannot make us allocate gigabytes.
     */
    public static final int MAX_PACKET = 1 << 20;

    // MTA to filter (SMFIC_*)
    public static final byte SMFIC_ABORT = 'A';
    public static final byte SMFIC_BODY = 'B';
    public static final byte SMFIC_CONNECT = 'C';
    public static final byte SMFIC_MACRO = 'D';
    public static final byte SMFIC_BODYEOB = 'E';
    public static final byte SMFIC_HELO = 'H';
    public static final byte SMFIC_QUIT_NC = 'K';
    public static final byte SMFIC_HEADER = 'L';
    public static final byte SMFIC_MAIL = 'M';
    public static final byte SMFIC_EOH = 'N';
    public static final byte SMFIC_OPTNEG = 'O';
    public static final byte SMFIC_QUIT = 'Q';
    public static final byte SMFIC_RCPT = 'R';
    public static final byte SMFIC_DATA = 'T';
    public static final byte SMFIC_UNKNOWN = 'U';

    // filter to MTA (SMFIR_*)
    public static final byte SMFIR_ADDRCPT = '+';
    public static final byte SMFIR_DELRCPT = '-';
    public static final byte SMFIR_ADDRCPT_PAR = '2';
    public static final byte SMFIR_SHUTDOWN = '4';
    public static final byte SMFIR_ACCEPT = 'a';
    public static final byte SMFIR_REPLBODY = 'b';
    public static final byte SMFIR_CONTINUE = 'c';
    public static final byte SMFIR_DISCARD = 'd';
    public static final byte SMFIR_CHGFROM = 'e';
    public static final byte SMFIR_CONN_FAIL = 'f';
    public static final byte SMFIR_ADDHEADER = 'h';
    public static final byte SMFIR_INSHEADER = 'i';
    public static final byte SMFIR_SETSYMLIST = 'l';
    public static final byte SMFIR_CHGHEADER = 'm';
    public static final byte SMFIR_PROGRESS = 'p';
    public static final byte SMFIR_QUARANTINE = 'q';
    public static final byte SMFIR_REJECT = 'r';
    public static final byte SMFIR_SKIP = 's';
    public static final byte SMFIR_TEMPFAIL = 't';
    public static final byte SMFIR_REPLYCODE = 'y';

    // actions the filter may take (SMFIF_*)
    public static final int SMFIF_ADDHDRS = 0x01;
    public static final int SMFIF_CHGBODY = 0x02;
    public static final int SMFIF_ADDRCPT = 0x04;
    public static final int SMFIF_DELRCPT = 0x08;
    public static final int SMFIF_CHGHDRS = 0x10;
    public static final int SMFIF_QUARANTINE = 0x20;
    public static final int SMFIF_CHGFROM = 0x40;
    public static final int SMFIF_ADDRCPT_PAR = 0x80;
    public static final int SMFIF_SETSYMLIST = 0x100;
    /** Every action this MTA carries out (Postfix's my_actions). */
    public static final int ALL_ACTIONS = 0x1ff;

    // protocol steps (SMFIP_*)
    public static final int SMFIP_NOCONNECT = 1;
    public static final int SMFIP_NOHELO = 1 << 1;
    public static final int SMFIP_NOMAIL = 1 << 2;
    public static final int SMFIP_NORCPT = 1 << 3;
    public static final int SMFIP_NOBODY = 1 << 4;
    public static final int SMFIP_NOHDRS = 1 << 5;
    public static final int SMFIP_NOEOH = 1 << 6;
    public static final int SMFIP_NR_HDR = 1 << 7;
    public static final int SMFIP_NOUNKNOWN = 1 << 8;
    public static final int SMFIP_NODATA = 1 << 9;
    public static final int SMFIP_SKIP = 1 << 10;
    public static final int SMFIP_RCPT_REJ = 1 << 11;
    public static final int SMFIP_NR_CONN = 1 << 12;
    public static final int SMFIP_NR_HELO = 1 << 13;
    public static final int SMFIP_NR_MAIL = 1 << 14;
    public static final int SMFIP_NR_RCPT = 1 << 15;
    public static final int SMFIP_NR_DATA = 1 << 16;
    public static final int SMFIP_NR_UNKN = 1 << 17;
    public static final int SMFIP_NR_EOH = 1 << 18;
    public static final int SMFIP_NR_BODY = 1 << 19;
    public static final int SMFIP_HDR_LEADSPC = 1 << 20;

    /** The "don't send" steps (libmilter's SMFIP_NOSEND_MASK). */
    public static final int NOSEND_MASK = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOBODY
            | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOUNKNOWN | SMFIP_NODATA;
    static final int V2_PROTO = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH;
    static final int V3_PROTO = V2_PROTO | SMFIP_NOUNKNOWN;
    static final int V4_PROTO = V3_PROTO | SMFIP_NODATA;
    /** What a version-6 MTA offers (Postfix's MILTER8_V6_PROTO_MASK). */
    static final int V6_PROTO = V4_PROTO | SMFIP_SKIP | SMFIP_RCPT_REJ | SMFIP_NR_HDR | SMFIP_NR_CONN | SMFIP_NR_HELO
            | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY | SMFIP_HDR_LEADSPC;

    /** The steps defined for a protocol version (2, 3, 4 or 6), or -1 for another. */
    static int stepsOf(int version) {
        return switch (version) {
            case 6 -> V6_PROTO;
            case 4, 5 -> V4_PROTO;
            case 3 -> V3_PROTO;
            case 2 -> V2_PROTO;
            default -> -1;
        };
    }

    // macro stages of SMFIR_SETSYMLIST (SMFIM_*)
    public static final int SMFIM_CONNECT = 0;
    public static final int SMFIM_HELO = 1;
    public static final int SMFIM_ENVFROM = 2;
    public static final int SMFIM_ENVRCPT = 3;
    public static final int SMFIM_DATA = 4;
    public static final int SMFIM_EOM = 5;
    public static final int SMFIM_EOH = 6;

    /** Address families of SMFIC_CONNECT (SMFIA_*). */
    public static final byte SMFIA_UNKNOWN = 'U';
    public static final byte SMFIA_UNIX = 'L';
    public static final byte SMFIA_INET = '4';
    public static final byte SMFIA_INET6 = '6';

    /** One packet: the command octet and its data. */
    public record Packet(byte command, byte[] data) {
        public Packet {
            data = data == null ? new byte[0] : data;
        }

        /** The data's NUL-terminated strings (a missing final NUL ends the last one). */
        public List<String> strings(int from) {
            return MilterProtocol.strings(data, from);
        }

        /** A network-order 32-bit integer at this offset. */
        public int int32(int at) throws ProtocolException {
            if (data.length < at + 4) throw new ProtocolException("packet '" + (char) command + "' too short for an integer at " + at);
            return ((data[at] & 0xff) << 24) | ((data[at + 1] & 0xff) << 16) | ((data[at + 2] & 0xff) << 8) | (data[at + 3] & 0xff);
        }

        @Override public String toString() { return "'" + (char) command + "' (" + data.length + " bytes)"; }
    }

    /** The peer broke the protocol: a bad length, a short packet, an unexpected command. */
    public static final class ProtocolException extends IOException {
        public ProtocolException(String message) { super(message); }
    }

    /**
     * Reads one packet; EOFException at a clean end between packets.
     *
     * @throws ProtocolException for a length below 1 or above {@link #MAX_PACKET}
     */
    public static Packet read(InputStream in) throws IOException {
        DataInputStream d = in instanceof DataInputStream di ? di : new DataInputStream(in);
        int len;
        try {
            len = d.readInt();
        } catch (EOFException e) {
            throw e;
        }
        if (len < 1) throw new ProtocolException("bad packet length: " + len);
        if (len > MAX_PACKET) throw new ProtocolException("unreasonable packet length: " + len + " > " + MAX_PACKET);
        byte cmd = d.readByte();
        byte[] data = new byte[len - 1];
        d.readFully(data);
        return new Packet(cmd, data);
    }

    /** Writes one packet (not flushed). */
    public static void write(OutputStream out, byte command, byte[] data) throws IOException {
        int len = data.length + 1;
        out.write(new byte[] {(byte) (len >>> 24), (byte) (len >>> 16), (byte) (len >>> 8), (byte) len, command});
        out.write(data);
    }

    /** Data builder: strings with their NUL, octets, 16- and 32-bit integers in network order. */
    public static final class Data {
        private final ByteArrayOutputStream b = new ByteArrayOutputStream(64);

        public Data str(String s) {
            byte[] v = s.getBytes(StandardCharsets.UTF_8);
            b.write(v, 0, v.length);
            b.write(0);
            return this;
        }

        public Data octet(int v) {
            b.write(v);
            return this;
        }

        public Data int16(int v) {
            b.write(v >>> 8);
            b.write(v);
            return this;
        }

        public Data int32(int v) {
            b.write(v >>> 24);
            b.write(v >>> 16);
            b.write(v >>> 8);
            b.write(v);
            return this;
        }

        public Data bytes(byte[] v, int off, int len) {
            b.write(v, off, len);
            return this;
        }

        public byte[] build() { return b.toByteArray(); }
    }

    static List<String> strings(byte[] data, int from) {
        List<String> out = new ArrayList<>();
        int start = from;
        for (int i = from; i < data.length; i++) {
            if (data[i] == 0) {
                out.add(new String(data, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < data.length) out.add(new String(data, start, data.length - start, StandardCharsets.UTF_8));
        return out;
    }

    /** A command or reply octet by its libmilter name, for log lines. */
    public static String name(byte code, boolean fromMta) {
        String mta = "ABCDEHKLMNOQRTU";
        String[] mtaNames = {"SMFIC_ABORT", "SMFIC_BODY", "SMFIC_CONNECT", "SMFIC_MACRO", "SMFIC_BODYEOB", "SMFIC_HELO", "SMFIC_QUIT_NC",
            "SMFIC_HEADER", "SMFIC_MAIL", "SMFIC_EOH", "SMFIC_OPTNEG", "SMFIC_QUIT", "SMFIC_RCPT", "SMFIC_DATA", "SMFIC_UNKNOWN"};
        String flt = "+-24abcdefhilmpqrsty";
        String[] fltNames = {"SMFIR_ADDRCPT", "SMFIR_DELRCPT", "SMFIR_ADDRCPT_PAR", "SMFIR_SHUTDOWN", "SMFIR_ACCEPT", "SMFIR_REPLBODY",
            "SMFIR_CONTINUE", "SMFIR_DISCARD", "SMFIR_CHGFROM", "SMFIR_CONN_FAIL", "SMFIR_ADDHEADER", "SMFIR_INSHEADER",
            "SMFIR_SETSYMLIST", "SMFIR_CHGHEADER", "SMFIR_PROGRESS", "SMFIR_QUARANTINE", "SMFIR_REJECT", "SMFIR_SKIP",
            "SMFIR_TEMPFAIL", "SMFIR_REPLYCODE"};
        int i = (fromMta ? mta : flt).indexOf((char) (code & 0xff));
        if (i >= 0) return (fromMta ? mtaNames : fltNames)[i];
        if (!fromMta && code == SMFIC_OPTNEG) return "SMFIC_OPTNEG";
        return "unknown(0x" + Integer.toHexString(code & 0xff) + ")";
    }
}
