// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.secumail.config.MainConfig;
import org.secumail.content.RawMessage;
import org.secumail.fuzz.FakeSocket;
import org.slf4j.LoggerFactory;

/**
 * Fuzzing bridge for the spam filter's message parsing (MessageView over mime4j, relays,
 * URIs, scoring with a few rules) and for spamd's request reader ({@link SpamdServer#serve}
 * on a socket whose client sends the fuzzed bytes). serve() logs any exception and drops the
 * connection, so a RuntimeException it logs is turned back into a failure here.
 */
public final class SpamFuzzEntry {
    private static final SpamFilter FILTER;
    private static final SpamdServer SPAMD;
    private static final ListAppender<ILoggingEvent> SPAMD_LOG = new ListAppender<>();

    static {
        try {
            Path dir = Files.createTempDirectory("spam-fuzz");
            Files.createDirectories(dir.resolve("rules"));
            try (InputStream in = SpamFuzzEntry.class.getResourceAsStream("/spam/test-rules.cf")) {
                Files.write(dir.resolve("rules/50_test.cf"), in.readAllBytes());
            }
            MainConfig cfg = MainConfig.fromText(String.join("\n",
                    "data_directory = " + dir.resolve("data"),
                    "secumail_spam_filter = yes",
                    "secumail_spam_bayes = no",
                    "secumail_spam_rules_directories = " + dir.resolve("rules"),
                    "secumail_spam_site_rules_directory =", ""), "main.cf", dir);
            FILTER = SpamFilter.fromConfig(cfg);
            SPAMD = new SpamdServer(FILTER, 1 << 16, 1000);
            Logger log = (Logger) LoggerFactory.getLogger("secumail.spamd");
            log.setLevel(Level.WARN);
            log.setAdditive(false);
            SPAMD_LOG.start();
            log.addAppender(SPAMD_LOG);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private SpamFuzzEntry() { }

    /** A raw message as the spam filter sees it; IOException is only for reading, never here. */
    public static void message(byte[] bytes) throws IOException {
        RawMessage raw = RawMessage.of(bytes);
        MessageView v = MessageView.of(raw, "sender@example.com", List.of("rcpt@example.org"), Relays.Trust.INFERRED);
        v.header("Subject", "");
        v.header("From", "addr");
        v.header("To", "name");
        v.header("ALL", "");
        v.fromAddress();
        v.envelopeFrom();
        FILTER.score(raw, "sender@example.com", List.of("rcpt@example.org"), Map.of(), false).report().score();
    }

    /** One spamd connection whose client sends the bytes. */
    public static void spamd(byte[] request) {
        SPAMD_LOG.list.clear();
        FakeSocket s = new FakeSocket(request);
        SPAMD.serve(s);
        for (ILoggingEvent e : SPAMD_LOG.list) {
            Object[] args = e.getArgumentArray();
            if (args == null) continue;
            for (Object a : args) {
                if (a instanceof String str && isRuntimeException(str)) {
                    throw new IllegalStateException("spamd swallowed " + str + " for request "
                            + new String(request, StandardCharsets.ISO_8859_1));
                }
            }
        }
    }

    private static boolean isRuntimeException(String toString) {
        int colon = toString.indexOf(':');
        String name = colon < 0 ? toString : toString.substring(0, colon);
        try {
            return RuntimeException.class.isAssignableFrom(Class.forName(name));
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
