// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.junit.jupiter.api.Assumptions;

/**
 * The SpamAssassin public corpus (src/test/resources/spam/corpus, see its SOURCE.md),
 * unpacked into a directory, and seeded samples of it by class.
 */
final class TestCorpus {
    private TestCorpus() { }

    static final Path ARCHIVE = Path.of("src/test/resources/spam/corpus/spamassassin-corpus.tar.xz");

    /** Unpacks the archive into dir (once per directory); returns dir. */
    static Path unpack(Path dir) throws IOException {
        Assumptions.assumeTrue(Files.exists(ARCHIVE), "corpus archive missing");
        if (Files.isDirectory(dir.resolve("ham"))) return dir;
        try (InputStream in = new XZCompressorInputStream(new BufferedInputStream(Files.newInputStream(ARCHIVE)));
             TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (!e.isFile()) continue;
                Path out = dir.resolve(e.getName()).normalize();
                if (!out.startsWith(dir)) continue;
                Files.createDirectories(out.getParent());
                Files.copy(tar, out);
            }
        }
        return dir;
    }

    /** The files of these folders, shuffled with this seed. */
    static List<Path> shuffled(Path root, long seed, String... folders) throws IOException {
        List<Path> out = new ArrayList<>();
        for (String f : folders) {
            try (var s = Files.list(root.resolve(f))) {
                s.sorted().forEach(out::add);
            }
        }
        Collections.shuffle(out, new Random(seed));
        return out;
    }
}
