// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/** Collects the formatted messages of some loggers for assertions on Postfix-shaped log lines. */
public final class LogCapture implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final List<Logger> loggers;

    public LogCapture(String... names) {
        appender.start();
        loggers = java.util.Arrays.stream(names).map(n -> (Logger) LoggerFactory.getLogger(n)).toList();
        loggers.forEach(l -> l.addAppender(appender));
    }

    public List<String> lines() {
        synchronized (appender) {   // AppenderBase.doAppend holds the appender's lock while it adds
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** The first line that matches within the time limit, or null. */
    public String await(java.util.function.Predicate<String> p, java.time.Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            for (String l : lines()) if (p.test(l)) return l;
            Thread.sleep(50);
        }
        return null;
    }

    @Override public void close() { loggers.forEach(l -> l.detachAppender(appender)); }
}
