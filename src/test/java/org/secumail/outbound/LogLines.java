// SPDX-License-Identifier: Apache-2.0
package org.secumail.outbound;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/** Collects the formatted messages of some loggers; {@link #await} waits for a matching line. */
final class LogLines implements AutoCloseable {
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
    private final List<Logger> loggers;

    LogLines(String... names) {
        appender.start();
        loggers = java.util.Arrays.stream(names).map(n -> (Logger) LoggerFactory.getLogger(n)).toList();
        loggers.forEach(l -> l.addAppender(appender));
    }

    List<String> lines() {
        synchronized (appender) {   // AppenderBase.doAppend holds the appender's lock while it adds
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** The first line that matches within the time limit, or null. */
    String await(Predicate<String> p, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            for (String l : lines()) if (p.test(l)) return l;
            Thread.sleep(50);
        }
        return null;
    }

    @Override public void close() { loggers.forEach(l -> l.detachAppender(appender)); }
}
