// SPDX-License-Identifier: Apache-2.0
package org.secumail.antivirus;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A clamd protocol server (clamd(8), "COMMANDS") in front of a {@link Scanner}, so clamdscan,
 * ClamSMTP, rspamd or a Postfix already wired to clamd can use SecuMail's scanner unchanged.
 * Commands: PING, VERSION, RELOAD, SHUTDOWN, INSTREAM, SCAN/CONTSCAN/MULTISCAN/ALLMATCHSCAN of a
 * path (a directory is walked), each with the {@code z} (NUL-terminated) or {@code n}
 * (newline-terminated) prefix or none (newline, the deprecated form). Replies follow clamd:
 * {@code stream: OK}, {@code stream: NAME FOUND}, {@code PATH: OK},
 * {@code INSTREAM size limit exceeded. ERROR}, {@code UNKNOWN COMMAND}. As in clamd, a connection
 * carries one command, except inside {@code IDSESSION} ... {@code END}, where each reply is
 * prefixed with the command's number ("1: stream: OK"). FILDES and STATS are not supported and
 * answered as unknown commands.
 *
 * <p>One virtual thread per connection; idle connections close after the read timeout.
 */
public final class ClamdServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.clamd");

    private final Scanner scanner;
    private final long streamMaxLength;
    private final int readTimeoutMillis;
    private final List<ServerSocketChannel> listeners = new CopyOnWriteArrayList<>();
    private final List<Path> sockets = new CopyOnWriteArrayList<>();
    private final Path tmpDir;
    private volatile boolean closed;

    public ClamdServer(Scanner scanner, long streamMaxLength, int readTimeoutMillis, Path tmpDir) {
        this.scanner = scanner;
        this.streamMaxLength = streamMaxLength;
        this.readTimeoutMillis = readTimeoutMillis;
        this.tmpDir = tmpDir;
    }

    /** Starts listening; for a unix socket a stale socket file is replaced (clamd's FixStaleSocket). */
    public ClamdEndpoint listen(ClamdEndpoint ep) throws IOException {
        ServerSocketChannel ch;
        if (ep.isUnix()) {
            Files.deleteIfExists(ep.socket());
            ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            ch.bind(ep.address());
            sockets.add(ep.socket());
        } else {
            ch = ServerSocketChannel.open();
            ch.bind(ep.address());
            ep = ClamdEndpoint.tcp(ep.host(), ((java.net.InetSocketAddress) ch.getLocalAddress()).getPort());
        }
        listeners.add(ch);
        ServerSocketChannel server = ch;
        Thread.ofVirtual().name("clamd-accept").start(() -> accept(server));
        LOG.info("clamd: listening on {} with scanner {}", ep, scanner.name());
        return ep;
    }

    private void accept(ServerSocketChannel server) {
        while (!closed) {
            try {
                SocketChannel c = server.accept();
                Thread.ofVirtual().name("clamd-conn").start(() -> serve(c));
            } catch (IOException e) {
                if (!closed) LOG.warn("clamd: accept failed: {}", e.toString());
                return;
            }
        }
    }

    private void serve(SocketChannel ch) {
        var idle = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                while (ch.isOpen()) {
                    Thread.sleep(Math.max(50, readTimeoutMillis / 4));
                    if ((System.nanoTime() - idle.get()) / 1_000_000 > readTimeoutMillis) ch.close();
                }
            } catch (InterruptedException | IOException ignored) {
                // the connection ended
            }
        });
        try (ch; InputStream raw = Channels.newInputStream(ch); OutputStream out = Channels.newOutputStream(ch)) {
            DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(new ProgressStream(raw, idle), 64 * 1024));
            int session = 0;   // > 0 inside IDSESSION: the number of the next command
            while (!closed) {
                int first = in.read();
                if (first < 0) return;
                char term = first == 'z' ? '\0' : '\n';
                String cmd = readCommand(in, first == 'z' || first == 'n' ? -1 : first, term);
                if (cmd == null) return;
                if (cmd.equals("IDSESSION")) {
                    session = 1;
                    continue;
                }
                if (cmd.equals("END")) return;
                String reply = execute(cmd, in);
                if (reply == null) return;   // SHUTDOWN: nothing more on this connection
                if (session > 0) reply = session++ + ": " + reply;
                out.write((reply + term).getBytes(StandardCharsets.UTF_8));
                out.flush();
                idle.set(System.nanoTime());
                // clamd answers one command per connection, except inside IDSESSION ... END;
                // after a size-limit error the rest of the stream is not ours to read either
                if (session == 0 || reply.contains("INSTREAM size limit")) return;
            }
        } catch (IOException e) {
            LOG.debug("clamd: connection ended: {}", e.toString());
        } finally {
            watchdog.interrupt();
        }
    }

    /** Up to the terminator, at most 8 KiB (a path); null on EOF. */
    private static String readCommand(InputStream in, int first, char term) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (first >= 0) b.write(first);
        int c;
        while ((c = in.read()) >= 0 && c != term) {
            if (b.size() > 8192) return null;
            b.write(c);
        }
        if (c < 0 && b.size() == 0) return null;
        String s = b.toString(StandardCharsets.UTF_8);
        return term == '\n' ? s.stripTrailing() : s;
    }

    private String execute(String cmd, DataInputStream in) throws IOException {
        String verb = cmd.contains(" ") ? cmd.substring(0, cmd.indexOf(' ')) : cmd;
        String arg = cmd.contains(" ") ? cmd.substring(cmd.indexOf(' ') + 1) : "";
        switch (verb) {
            case "PING": return "PONG";
            case "VERSION": return version();
            case "RELOAD":
                if (scanner instanceof BuiltinScanner b) Thread.ofVirtual().start(b::reload);
                return "RELOADING";
            case "SHUTDOWN":
                close();
                return null;
            case "INSTREAM": return instream(in);
            case "SCAN", "CONTSCAN", "MULTISCAN", "ALLMATCHSCAN": return scanPath(arg, !verb.equals("SCAN"));
            default: return "UNKNOWN COMMAND";
        }
    }

    private String version() {
        String sigs = scanner instanceof BuiltinScanner b ? (b.database().hashSignatures() + b.database().bodySignatures()) + "" : "0";
        return "SecuMail 0.1 (ClamAV protocol, " + scanner.name() + ")/" + sigs + "/" + java.time.ZonedDateTime.now().format(java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME);
    }

    private String instream(DataInputStream in) throws IOException {
        ChunkStream chunks = new ChunkStream(in, streamMaxLength);
        Spool spool;
        try {
            spool = Spool.read(chunks, Long.MAX_VALUE, tmpDir);
        } catch (ChunkStream.TooLong e) {
            return "INSTREAM size limit exceeded. ERROR";
        }
        try (spool) {
            ScanResult r = scanner.scan(spool::open);
            LOG.info("clamd: stream {} bytes: {}", spool.size(), r.clamdReply());
            return "stream: " + r.clamdReply();
        }
    }

    private String scanPath(String arg, boolean continueAfterFound) throws IOException {
        Path p;
        try {
            p = Path.of(arg);
        } catch (java.nio.file.InvalidPathException e) {
            // A NUL in a newline-terminated command (found by fuzzing): no such path can exist;
            // answer as for any other bad path instead of dropping the connection with an exception.
            return arg.replace('\0', '?') + ": File path check failure: Invalid argument. ERROR";
        }
        if (!p.isAbsolute()) return arg + ": Path must be absolute ERROR";
        if (!Files.exists(p)) return arg + ": File path check failure: No such file or directory. ERROR";
        StringBuilder out = new StringBuilder();
        List<Path> files;
        try (var s = Files.walk(p)) {
            files = s.filter(Files::isRegularFile).sorted().limit(100_000).toList();
        }
        int found = 0;
        for (Path f : files) {
            ScanResult r = scanner.scan(() -> Files.newInputStream(f));
            if (r.status() != ScanResult.Status.CLEAN) {
                if (!out.isEmpty()) out.append('\n');
                out.append(f).append(": ").append(r.clamdReply());
                found++;
                if (!continueAfterFound) break;
            }
        }
        return found == 0 ? arg + ": OK" : out.toString();
    }

    @Override public void close() {
        closed = true;
        for (ServerSocketChannel l : listeners) {
            try { l.close(); } catch (IOException ignored) { }
        }
        for (Path s : sockets) {
            try { Files.deleteIfExists(s); } catch (IOException ignored) { }
        }
    }

    public boolean isClosed() { return closed; }

    /** INSTREAM's body: 4-byte big-endian lengths, each followed by that many bytes, until 0. */
    static final class ChunkStream extends InputStream {
        static final class TooLong extends IOException {
            TooLong() { super("INSTREAM size limit exceeded"); }
        }

        private final DataInputStream in;
        private final long max;
        private long left;
        private long total;
        private boolean end;

        ChunkStream(DataInputStream in, long max) {
            this.in = in;
            this.max = max;
        }

        @Override public int read() throws IOException {
            byte[] b = new byte[1];
            return read(b, 0, 1) < 0 ? -1 : b[0] & 0xFF;
        }

        @Override public int read(byte[] b, int off, int len) throws IOException {
            while (left == 0) {
                if (end) return -1;
                long n = in.readInt() & 0xFFFFFFFFL;
                if (n == 0) { end = true; return -1; }
                total += n;
                if (total > max) throw new TooLong();   // clamd answers before reading the chunk
                left = n;
            }
            int r = in.read(b, off, (int) Math.min(len, left));
            if (r < 0) throw new EOFException("INSTREAM ended inside a chunk");
            left -= r;
            return r;
        }
    }

    /** Marks activity on every read, for the idle timeout. */
    private static final class ProgressStream extends java.io.FilterInputStream {
        private final java.util.concurrent.atomic.AtomicLong idle;

        ProgressStream(InputStream in, java.util.concurrent.atomic.AtomicLong idle) {
            super(in);
            this.idle = idle;
        }

        @Override public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            idle.set(System.nanoTime());
            return n;
        }
    }
}
