// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd;

import java.time.Duration;
import org.secumail.config.MainConfig;
import org.secumail.queue.QueueStore;
import org.secumail.sasl.SaslBackend;
import org.secumail.smtpd.check.CheckSettings;
import org.secumail.table.NetworkMatchList;
import org.secumail.tls.ServerTls;

/**
 * The settings of one smtpd service (one master.cf "inet" entry after its -o overrides),
 * read once at startup and shared by every session of the service.
 */
public final class SmtpdService {
    public final String name;
    public final MainConfig cfg;
    public final CheckSettings checks;
    public final QueueStore queue;
    public final Runnable queueWakeup;
    public final String hostname;
    public final String banner;
    public final long messageSizeLimit;
    /** line_length_limit (2048): the pieces in which a long text line is read. */
    public final int lineLengthLimit;
    public final int recipientLimit;
    public final Duration timeout;
    public final int softErrorLimit;
    public final int hardErrorLimit;
    /** smtpd_junk_command_limit (100). */
    public final int junkCommandLimit;
    public final Duration errorSleep;
    final RejectFooter rejectFooter;
    public final boolean heloRequired;
    public final boolean delayReject;
    public final boolean strictEnvelopes;
    public final boolean rejectUnlistedRecipient;
    public final boolean rejectUnlistedSender;
    public final boolean disableVrfy;
    public final boolean smtputf8;
    /** smtpd_forbidden_commands: words that end the session (NonSmtpCommand). */
    public final org.secumail.table.StringMatchList forbiddenCommands;
    /** smtpd_upstream_proxy_protocol = haproxy: the real endpoints come first (ProxyProtocol). */
    public final boolean upstreamProxy;
    /** secumail_shadow_mode: refusals by restrictions, content checks and milters are only logged. */
    public final boolean shadowMode;
    /** message_reject_characters / message_strip_characters, or null when empty. */
    final boolean[] messageRejectCharacters;
    final boolean[] messageStripCharacters;
    public final java.time.Duration upstreamProxyTimeout;
    public final ProxyProtocol.Families families;
    /** allow_min_user: an address may start with '-'. */
    public final boolean allowMinUser;
    /** RFC 3461 DSN announced and accepted, unless smtpd_discard_ehlo_keywords names "dsn". */
    public final boolean dsn;
    public final boolean forbidBareNewline;
    public final int bareNewlineCode;
    public final boolean peernameLookup;
    public final NetworkMatchList xclientHosts;
    public final NetworkMatchList xforwardHosts;
    public final NetworkMatchList bareNewlineExclusions;
    public final NetworkMatchList connectionLimitExceptions;
    public final int clientConnectionLimit;
    /** anvil rates (AnvilRates): 0 is no limit. */
    public final int connectionRateLimit;
    public final int messageRateLimit;
    public final int recipientRateLimit;
    public final int newTlsRateLimit;
    public final long anvilTimeUnitMillis;
    public final int maxConnections;
    /** TLS of this service (STARTTLS or implicit TLS); {@link ServerTls#none()} without. */
    public final ServerTls tls;
    /** The SMTP AUTH backend, or null when smtpd_sasl_auth_enable = no. */
    public final SaslBackend sasl;
    /** AUTH failure counting, shared by all services of one server. */
    public final AuthGuard authGuard;
    public final boolean tlsAuthOnly;
    public final boolean brokenSaslAuthClients;
    public final boolean saslAuthenticatedHeader;
    public final Duration authFailureDelay;
    public final Duration authTarpitDelay;
    /** The checks of the message content at end of DATA (DKIM, DMARC, antivirus ...); none by default. */
    public final org.secumail.content.ContentChecks content;

    /** content_filter of this service: "transport:destination", or "" for none. */
    public final String contentFilter;
    /** receive_override_options: no_milters. */
    public final boolean noMilters;
    /** cleanup(8)'s header_checks(5) tables and header limits; tables off with no_header_body_checks. */
    public final org.secumail.cleanup.CleanupSettings cleanup;
    /** always_bcc, sender_bcc_maps, recipient_bcc_maps. */
    public final org.secumail.cleanup.AutoBcc autoBcc;
    /** canonical maps, masquerade_domains; $myorigin and remote_header_rewrite_domain for header addresses. */
    public final org.secumail.cleanup.AddressMapping addressMapping;
    public final String myorigin;
    public final String remoteRewriteDomain;
    /** message_drop_headers (bcc, content-length, resent-bcc, return-path), lower case. */
    public final java.util.Set<String> dropHeaders;
    /** What cleanup adds to local mail that lacks it (local_header_rewrite_clients, always_add_missing_headers). */
    public final org.secumail.cleanup.MissingHeaders missingHeaders;
    /** receive_override_options: no_header_body_checks (the built-in content checks; signing stays). */
    public final boolean noContentChecks;
    /** receive_override_options: no_unknown_recipient_checks. */
    public final boolean noUnknownRecipientChecks;
    /** Where finished transactions' decision traces go (secumail_trace_enable), or null. */
    public volatile org.secumail.trace.TraceStore traces;
    /** postscreen in front of this service (master.cf "postscreen"), or null. */
    public volatile org.secumail.postscreen.Postscreen postscreen;
    /** smtpd_milter_maps: per client address, a milter list (or DISABLE) instead of smtpd_milters; null when unset. */
    public final org.secumail.table.LookupTable milterMaps;
    /** smtpd_milter_maps results already parsed, by value. */
    final java.util.concurrent.ConcurrentHashMap<String, java.util.List<org.secumail.milter.MilterDefinition>> milterMapLists =
            new java.util.concurrent.ConcurrentHashMap<>();
    /** smtpd_milters of this service, in order (empty: none). */
    public final java.util.List<org.secumail.milter.MilterDefinition> milters;

    /** Sessions of this service still running; a service replaced by a reload is closed when none is left. */
    private final java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicReference<Runnable> whenIdle = new java.util.concurrent.atomic.AtomicReference<>();
    private volatile boolean retired;

    /** A session starts on this service; false when the service was replaced meanwhile (take the new one). */
    public boolean enter() {
        active.incrementAndGet();
        if (!retired) return true;
        leave();
        return false;
    }

    /** A session of this service ended. */
    public void leave() {
        if (active.decrementAndGet() == 0 && retired) closeIfIdle();
    }

    /**
     * A reload replaced this service: new connections go to the new one, the sessions in
     * progress finish under this one, and closer (its AUTH backend, its postscreen) runs when the
     * last of them ends.
     */
    public void retire(Runnable closer) {
        whenIdle.set(closer);
        retired = true;
        if (active.get() == 0) closeIfIdle();
    }

    private void closeIfIdle() {
        Runnable r = whenIdle.getAndSet(null);
        if (r != null) r.run();
    }

    public SmtpdService(String name, MainConfig cfg, CheckSettings checks, QueueStore queue, Runnable queueWakeup, int maxConnections) {
        this(name, cfg, checks, queue, queueWakeup, maxConnections, ServerTls.none(), null, AuthGuard.fromConfig(cfg));
    }

    /**
     * @param tls       the service's TLS ({@link ServerTls#fromConfig})
     * @param sasl      its AUTH backend, or null when AUTH is not enabled
     * @param authGuard the server-wide AUTH failure counter
     */
    public SmtpdService(String name, MainConfig cfg, CheckSettings checks, QueueStore queue, Runnable queueWakeup, int maxConnections,
                        ServerTls tls, SaslBackend sasl, AuthGuard authGuard) {
        this(name, cfg, checks, queue, queueWakeup, maxConnections, tls, sasl, authGuard, org.secumail.content.ContentChecks.none());
    }

    /** @param content the end-of-DATA content checks of this service */
    public SmtpdService(String name, MainConfig cfg, CheckSettings checks, QueueStore queue, Runnable queueWakeup, int maxConnections,
                        ServerTls tls, SaslBackend sasl, AuthGuard authGuard, org.secumail.content.ContentChecks content) {
        java.util.Set<String> override = new java.util.HashSet<>();
        for (String o : cfg.list("receive_override_options")) {
            String k = o.toLowerCase(java.util.Locale.ROOT);
            if (!java.util.Set.of("no_unknown_recipient_checks", "no_address_mappings", "no_header_body_checks", "no_milters").contains(k)) {
                throw new org.secumail.config.ConfigException("receive_override_options: unknown option \"" + o
                        + "\" (known: no_unknown_recipient_checks, no_address_mappings, no_header_body_checks, no_milters)");
            }
            override.add(k);
        }
        this.noMilters = override.contains("no_milters");
        this.noContentChecks = override.contains("no_header_body_checks");
        this.noUnknownRecipientChecks = override.contains("no_unknown_recipient_checks");
        this.contentFilter = cfg.get("content_filter").strip();
        if (!contentFilter.isEmpty() && !contentFilter.matches("[^\\s:]+:\\S*")) {
            throw new org.secumail.config.ConfigException("content_filter: expected transport:destination, not \"" + contentFilter + "\"");
        }
        this.content = noContentChecks ? content.signingOnly() : content;
        org.secumail.cleanup.CleanupSettings cleanupSettings = org.secumail.cleanup.CleanupSettings.of(cfg);
        this.autoBcc = org.secumail.cleanup.AutoBcc.of(cfg);
        this.addressMapping = org.secumail.cleanup.AddressMapping.of(cfg);
        this.myorigin = cfg.get("myorigin");
        this.remoteRewriteDomain = cfg.get("remote_header_rewrite_domain").strip();
        this.dropHeaders = cfg.list("message_drop_headers").stream().map(h -> h.toLowerCase(java.util.Locale.ROOT))
                .collect(java.util.stream.Collectors.toUnmodifiableSet());
        this.cleanup = noContentChecks ? cleanupSettings.withoutChecks() : cleanupSettings;
        this.missingHeaders = org.secumail.cleanup.MissingHeaders.of(cfg);
        this.milters = noMilters ? java.util.List.of() : org.secumail.milter.MilterDefinition.list(cfg, "smtpd_milters");
        this.milterMaps = noMilters || cfg.get("smtpd_milter_maps").isBlank() ? null
                : org.secumail.table.Tables.open(cfg.get("smtpd_milter_maps").strip(), cfg.configDir());
        this.name = name;
        this.cfg = cfg;
        this.checks = checks;
        this.queue = queue;
        this.queueWakeup = queueWakeup;
        this.hostname = cfg.get("myhostname");
        this.banner = cfg.get("smtpd_banner");
        this.messageSizeLimit = cfg.longValue("message_size_limit");
        this.lineLengthLimit = cfg.integer("line_length_limit");
        this.recipientLimit = cfg.integer("smtpd_recipient_limit");
        this.timeout = cfg.duration("smtpd_timeout");
        this.softErrorLimit = cfg.integer("smtpd_soft_error_limit");
        this.hardErrorLimit = cfg.integer("smtpd_hard_error_limit");
        this.junkCommandLimit = cfg.integer("smtpd_junk_command_limit");
        this.errorSleep = cfg.duration("smtpd_error_sleep_time");
        this.rejectFooter = RejectFooter.fromConfig(cfg);
        this.heloRequired = cfg.bool("smtpd_helo_required");
        this.delayReject = cfg.bool("smtpd_delay_reject");
        this.strictEnvelopes = cfg.bool("strict_rfc821_envelopes");
        this.rejectUnlistedRecipient = cfg.bool("smtpd_reject_unlisted_recipient") && !noUnknownRecipientChecks;
        this.rejectUnlistedSender = cfg.bool("smtpd_reject_unlisted_sender");
        this.disableVrfy = cfg.bool("disable_vrfy_command");
        this.smtputf8 = cfg.bool("smtputf8_enable");
        this.forbiddenCommands = org.secumail.table.StringMatchList.of(cfg.list("smtpd_forbidden_commands"), cfg.configDir());
        String proxy = cfg.get("smtpd_upstream_proxy_protocol").strip().toLowerCase(java.util.Locale.ROOT);
        if (!proxy.isEmpty() && !proxy.equals("haproxy")) {
            throw new org.secumail.config.ConfigException("unsupported smtpd_upstream_proxy_protocol value: " + proxy + " (only haproxy)");
        }
        this.upstreamProxy = proxy.equals("haproxy");
        this.shadowMode = cfg.bool("secumail_shadow_mode");
        this.messageRejectCharacters = MessageCharacters.parse(cfg.get("message_reject_characters"));
        this.messageStripCharacters = MessageCharacters.parse(cfg.get("message_strip_characters"));
        this.upstreamProxyTimeout = cfg.duration("smtpd_upstream_proxy_timeout");
        this.families = ProxyProtocol.Families.of(cfg);
        this.allowMinUser = cfg.bool("allow_min_user");
        this.dsn = cfg.list("smtpd_discard_ehlo_keywords").stream().noneMatch(k -> k.equalsIgnoreCase("dsn"));
        // Postfix 3.7.11+: no | yes (= normalize) | normalize | reject. Only "reject" refuses;
        // with the others a bare LF is taken as a line end, but "." ends DATA only after CRLF.
        String bare = cfg.get("smtpd_forbid_bare_newline").strip().toLowerCase(java.util.Locale.ROOT);
        if (!java.util.Set.of("no", "yes", "normalize", "reject").contains(bare)) {
            throw new org.secumail.config.ConfigException("smtpd_forbid_bare_newline: bad value \"" + bare + "\" (expected no, yes, normalize or reject)");
        }
        this.forbidBareNewline = bare.equals("reject");
        this.bareNewlineCode = cfg.integer("smtpd_forbid_bare_newline_reject_code");
        this.peernameLookup = cfg.bool("smtpd_peername_lookup");
        this.xclientHosts = NetworkMatchList.of(cfg.list("smtpd_authorized_xclient_hosts"), cfg.configDir());
        this.xforwardHosts = NetworkMatchList.of(cfg.list("smtpd_authorized_xforward_hosts"), cfg.configDir());
        this.bareNewlineExclusions = NetworkMatchList.of(cfg.list("smtpd_forbid_bare_newline_exclusions"), cfg.configDir());
        this.connectionLimitExceptions = NetworkMatchList.of(cfg.list("smtpd_client_event_limit_exceptions"), cfg.configDir());
        this.clientConnectionLimit = cfg.integer("smtpd_client_connection_count_limit");
        this.connectionRateLimit = cfg.integer("smtpd_client_connection_rate_limit");
        this.messageRateLimit = cfg.integer("smtpd_client_message_rate_limit");
        this.recipientRateLimit = cfg.integer("smtpd_client_recipient_rate_limit");
        this.newTlsRateLimit = cfg.integer("smtpd_client_new_tls_session_rate_limit");
        this.anvilTimeUnitMillis = Math.max(1000, cfg.duration("anvil_rate_time_unit").toMillis());
        this.maxConnections = maxConnections;
        this.tls = tls;
        this.sasl = sasl;
        this.authGuard = authGuard;
        this.tlsAuthOnly = cfg.bool("smtpd_tls_auth_only");
        this.brokenSaslAuthClients = cfg.bool("broken_sasl_auth_clients");
        this.saslAuthenticatedHeader = cfg.bool("smtpd_sasl_authenticated_header");
        this.authFailureDelay = cfg.duration("secumail_auth_failure_delay");
        this.authTarpitDelay = cfg.duration("secumail_auth_tarpit_delay");
    }
}
