// SPDX-License-Identifier: Apache-2.0
package org.secumail.queue;

import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import org.secumail.config.MainConfig;

/**
 * The main.cf parameters of the queue manager's lifetimes and of bounce(8), with Postfix's
 * defaults.
 *
 * @param myhostname            Reporting-MTA, From: MAILER-DAEMON@myhostname, Message-Id
 * @param myorigin              the domain appended to unqualified notice recipients
 * @param maximalQueueLifetime  maximal_queue_lifetime (5d): a deferred message older than this is returned
 * @param bounceQueueLifetime   bounce_queue_lifetime (5d): the same for messages from the null sender
 * @param delayWarningTime      delay_warning_time (0h = off): when the sender gets one "delayed mail" notice
 * @param bounceSizeLimit       bounce_size_limit (50000): a larger original is returned as its header only
 * @param doubleBounceSender    double_bounce_sender (double-bounce): sender of postmaster notices
 * @param twoBounceRecipient    2bounce_notice_recipient (postmaster): gets undeliverable bounces
 * @param bounceNoticeRecipient bounce_notice_recipient (postmaster): gets copies of bounces (class "bounce")
 * @param notifyClasses         notify_classes (resource, software): which postmaster notices are sent
 */
public record BounceSettings(String myhostname, String myorigin, Duration maximalQueueLifetime, Duration bounceQueueLifetime,
                             Duration delayWarningTime, long bounceSizeLimit, String doubleBounceSender,
                             String twoBounceRecipient, String bounceNoticeRecipient, Set<String> notifyClasses) {

    public BounceSettings {
        if (maximalQueueLifetime.isNegative() || bounceQueueLifetime.isNegative() || delayWarningTime.isNegative()) {
            throw new IllegalArgumentException("queue lifetimes must not be negative");
        }
        notifyClasses = Set.copyOf(notifyClasses);
        // qmgr.c: a bounce never stays longer than any other message
        if (bounceQueueLifetime.compareTo(maximalQueueLifetime) > 0) bounceQueueLifetime = maximalQueueLifetime;
    }

    /** Postfix's defaults for the given host name. */
    public static BounceSettings defaults(String myhostname) {
        return new BounceSettings(myhostname, myhostname, Duration.ofDays(5), Duration.ofDays(5), Duration.ZERO, 50000,
                "double-bounce", "postmaster", "postmaster", Set.of("resource", "software"));
    }

    public static BounceSettings fromConfig(MainConfig cfg) {
        String host = cfg.get("myhostname");
        return new BounceSettings(host, cfg.get("myorigin"), cfg.duration("maximal_queue_lifetime"), cfg.duration("bounce_queue_lifetime"),
                cfg.duration("delay_warning_time"), cfg.longValue("bounce_size_limit"), cfg.get("double_bounce_sender"),
                cfg.get("2bounce_notice_recipient"), cfg.get("bounce_notice_recipient"),
                cfg.list("notify_classes").stream().map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toSet()));
    }

    /** How long a message from this sender may stay queued. */
    public Duration lifetimeFor(String sender) {
        return sender.isEmpty() ? bounceQueueLifetime : maximalQueueLifetime;
    }

    /** double_bounce_sender@myhostname, as Postfix's mail_addr_double_bounce(). */
    public String doubleBounceAddress() {
        return doubleBounceSender + "@" + myhostname;
    }

    /** An unqualified notice recipient ("postmaster") gets @myorigin, as cleanup(8) would append it. */
    public String qualify(String address) {
        return address.indexOf('@') >= 0 || myorigin.isEmpty() ? address : address + "@" + myorigin;
    }
}
