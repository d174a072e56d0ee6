// SPDX-License-Identifier: Apache-2.0
package org.secumail.log;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import java.util.List;
import org.secumail.config.ConfigException;
import org.slf4j.LoggerFactory;

/**
 * maillog_file (Postfix 3.4): every log line also goes to this file, in the syslog layout
 * Postfix's postlogd writes ("Dec 06 10:00:00 host secumail/smtpd[pid]: text"), so the tools
 * administrators run over a mail log (grep by queue ID, pflogsumm --syslog-name=secumail) work
 * on it. As in Postfix, the file must start with one of maillog_file_prefixes (default "/var,
 * /dev/stdout"), a guard against a typo that would write the log over something else. Standard
 * error keeps its copy. The file is opened for appending when the server starts; to rotate it,
 * rename it and restart (a reload does not reopen it yet).
 */
public final class MaillogFile implements AutoCloseable {

    private final FileAppender<ILoggingEvent> appender;
    private final Logger root;

    private MaillogFile(FileAppender<ILoggingEvent> appender, Logger root) {
        this.appender = appender;
        this.root = root;
    }

    /** Starts writing to the file; the caller closes the result when the server stops. */
    public static MaillogFile open(String file, List<String> prefixes) {
        boolean allowed = false;
        for (String p : prefixes) if (!p.isEmpty() && file.startsWith(p)) allowed = true;
        if (!allowed) throw new ConfigException("maillog_file " + file + " must start with one of maillog_file_prefixes " + prefixes);
        LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
        PatternLayoutEncoder enc = new PatternLayoutEncoder();
        enc.setContext(ctx);
        // the layout of logback.xml's, with its variables filled in (a pattern set here is not substituted)
        String host = ctx.getProperty(ch.qos.logback.core.CoreConstants.HOSTNAME_KEY);
        enc.setPattern("%d{MMM dd HH:mm:ss} " + (host == null ? "localhost" : host.replace("%", "")) + " %replace(%logger){'\\.','/'}["
                + System.getProperty("secumail.pid", "0") + "]: %msg%n");
        enc.start();
        FileAppender<ILoggingEvent> a = new FileAppender<>();
        a.setContext(ctx);
        a.setName("maillog_file");
        a.setFile(Path.of(file).toAbsolutePath().toString());
        a.setAppend(true);
        a.setEncoder(enc);
        a.start();
        if (!a.isStarted()) throw new ConfigException("maillog_file " + file + ": cannot open it for writing");
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(a);
        return new MaillogFile(a, root);
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
