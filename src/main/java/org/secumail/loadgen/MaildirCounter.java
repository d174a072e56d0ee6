// SPDX-License-Identifier: Apache-2.0
package org.secumail.loadgen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Counts the messages in Maildir new/ directories, to see end-to-end delivery. Delivery
 * agents write a message in tmp/ and rename it into new/ when complete (the Maildir
 * convention that Postfix's local(8) and virtual(8) follow), so a file in new/ is a finished
 * delivery. The directories are either every "new" directory at most {@value #MAX_DEPTH}
 * levels below a root (ROOT/new, ROOT/user/new, ROOT/user/Maildir/new), or those matching a
 * glob such as "/srv/mail/&#42;/new".
 */
public final class MaildirCounter {
    static final int MAX_DEPTH = 3;

    private final Path root;
    private final int depth;
    private final PathMatcher matcher;

    private MaildirCounter(Path root, int depth, PathMatcher matcher) {
        this.root = root;
        this.depth = depth;
        this.matcher = matcher;
    }

    /** Counts the new/ directories below {@code root}. */
    public static MaildirCounter underRoot(Path root) {
        return new MaildirCounter(root.toAbsolutePath().normalize(), MAX_DEPTH,
                p -> p.getFileName() != null && p.getFileName().toString().equals("new"));
    }

    /** Counts the directories that match {@code glob} (java.nio glob syntax, absolute or not). */
    public static MaildirCounter matching(String glob) {
        Path pattern = Paths.get(glob).toAbsolutePath().normalize();
        // Walk from the longest leading part of the pattern that has no glob characters.
        Path base = pattern.getRoot();
        int fixed = 0;
        for (Path part : pattern) {
            if (hasGlobChars(part.toString())) break;
            base = base.resolve(part);
            fixed++;
        }
        int depth = pattern.getNameCount() - fixed;
        if (glob.contains("**")) depth = Integer.MAX_VALUE;
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + pattern);
        return new MaildirCounter(base, depth, m);
    }

    private static boolean hasGlobChars(String s) {
        for (char c : s.toCharArray()) if ("*?[]{}\\".indexOf(c) >= 0) return true;
        return false;
    }

    /** The directories currently matched. */
    public List<Path> directories() {
        List<Path> dirs = new ArrayList<>();
        if (!Files.isDirectory(root)) return dirs;
        if (depth == 0) {
            if (matcher.matches(root)) dirs.add(root);
            return dirs;
        }
        try (Stream<Path> s = Files.walk(root, depth)) {
            s.filter(p -> matcher.matches(p) && Files.isDirectory(p)).forEach(dirs::add);
        } catch (IOException | UncheckedIOException e) {
            // A Maildir being created or removed while we walk: count what could be seen.
            return dirs;
        }
        return dirs;
    }

    /** Regular files in the matched directories; directories that vanish count as empty. */
    public long count() {
        long n = 0;
        for (Path dir : directories()) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    if (!p.getFileName().toString().startsWith(".")) n++;
                }
            } catch (IOException e) {
                // Directory removed between the walk and the listing: nothing in it to count.
                continue;
            }
        }
        return n;
    }

    /**
     * Polls until {@code target} files are present or {@code deadlineNanos} passes; returns
     * the last count and the System.nanoTime() at which it was taken.
     */
    public long[] awaitCount(long target, long deadlineNanos, long pollMillis) throws InterruptedException {
        while (true) {
            long n = count();
            long now = System.nanoTime();
            if (n >= target || now >= deadlineNanos) return new long[] {n, now};
            long sleepMs = Math.min(pollMillis, Math.max(1, (deadlineNanos - now) / 1_000_000));
            Thread.sleep(sleepMs);
        }
    }
}
