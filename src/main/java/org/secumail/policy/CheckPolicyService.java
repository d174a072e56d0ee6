// SPDX-License-Identifier: Apache-2.0
package org.secumail.policy;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.secumail.config.ConfigException;
import org.secumail.config.MainConfig;
import org.secumail.smtpd.check.AccessAction;
import org.secumail.smtpd.check.CheckContext;
import org.secumail.smtpd.check.Restriction;
import org.secumail.smtpd.check.RestrictionRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * check_policy_service ENDPOINT: asks a policy server (postgrey, policyd-spf, SecuMail's own
 * policyd) and applies its "action=" like an access(5) result (OK, DUNNO, REJECT, DEFER,
 * DEFER_IF_PERMIT, DEFER_IF_REJECT, 4NN/5NN text, WARN, HOLD, DISCARD, PREPEND or a
 * restriction list). When the server cannot be reached after smtpd_policy_service_try_limit
 * attempts, smtpd_policy_service_default_action applies ("451 4.3.5 Server configuration
 * problem" by default: mail is deferred, never wrongly accepted).
 *
 * <p>Parameters: smtpd_policy_service_timeout (100s), smtpd_policy_service_max_idle (300s),
 * smtpd_policy_service_max_ttl (1000s), smtpd_policy_service_request_limit (0: no limit),
 * smtpd_policy_service_try_limit (2), smtpd_policy_service_retry_delay (1s),
 * smtpd_policy_service_default_action, smtpd_policy_service_policy_context (empty).
 */
public final class CheckPolicyService {
    private static final Logger LOG = LoggerFactory.getLogger("secumail.smtpd");
    /** One client (and connection pool) per endpoint and settings, shared by all sessions. */
    private static final Map<String, PolicyClient> CLIENTS = new ConcurrentHashMap<>();

    /** The per-service options of the "{ endpoint, name=value ... }" form (Postfix 3.0). */
    private static final java.util.Set<String> OPTIONS = java.util.Set.of("timeout", "max_idle", "max_ttl", "request_limit",
            "try_limit", "retry_delay", "default_action", "policy_context");

    private CheckPolicyService() { }

    public static void register(RestrictionRegistry r) {
        r.register("check_policy_service", true, "ask a Postfix policy server (inet:host:port or unix:/path) and apply its action",
                (s, endpoint) -> create(s.config(), endpoint));
    }

    static Restriction create(MainConfig mainCfg, String spec) {
        // Postfix 3.0: "{ inet:host:port, timeout=10s, default_action=DUNNO, ... }" overrides the
        // smtpd_policy_service_* parameters for this one service.
        java.util.Map<String, String> options = new java.util.LinkedHashMap<>();
        String endpoint = spec;
        if (spec.startsWith("{")) {
            if (!spec.endsWith("}")) throw new ConfigException("check_policy_service: missing '}' in \"" + spec + "\"");
            java.util.List<String> parts = MainConfig.splitList(spec.substring(1, spec.length() - 1));
            if (parts.isEmpty()) throw new ConfigException("check_policy_service: no endpoint in \"" + spec + "\"");
            endpoint = parts.get(0);
            for (String o : parts.subList(1, parts.size())) {
                int eq = o.indexOf('=');
                String name = eq < 0 ? o : o.substring(0, eq).strip();
                if (eq < 0 || !OPTIONS.contains(name)) {
                    throw new ConfigException("check_policy_service: unknown option \"" + o + "\" in \"" + spec + "\" (known: " + OPTIONS + ")");
                }
                String v = o.substring(eq + 1).strip();
                if (v.startsWith("{") && v.endsWith("}")) v = v.substring(1, v.length() - 1).strip();
                options.put("smtpd_policy_service_" + name, v);
            }
        }
        MainConfig cfg = mainCfg.withOverrides(options);
        String target = endpoint;
        var timeout = cfg.duration("smtpd_policy_service_timeout");
        var maxIdle = cfg.duration("smtpd_policy_service_max_idle");
        var maxTtl = cfg.duration("smtpd_policy_service_max_ttl");
        int requestLimit = cfg.integer("smtpd_policy_service_request_limit");
        int tries = Math.max(1, cfg.integer("smtpd_policy_service_try_limit"));
        long retryDelay = cfg.duration("smtpd_policy_service_retry_delay").toMillis();
        String defaultAction = cfg.get("smtpd_policy_service_default_action");
        String context = cfg.get("smtpd_policy_service_policy_context");
        String version = cfg.get("mail_version");
        String key = target + "|" + timeout + "|" + maxIdle + "|" + maxTtl + "|" + requestLimit;
        PolicyClient client = CLIENTS.computeIfAbsent(key, k -> new PolicyClient(target, timeout, maxIdle, maxTtl, requestLimit));
        String source = "check_policy_service " + target;
        return c -> {
            Map<String, String> req = request(c, context, version);
            for (int attempt = 1; attempt <= tries; attempt++) {
                try {
                    String action = client.query(req);
                    c.traceDetail("policy server " + target + " said: action=" + action);
                    return AccessAction.apply(c, action, source);
                } catch (IOException e) {
                    LOG.warn("warning: problem talking to server {}: {}", target, e.getMessage());
                    if (attempt < tries) sleep(retryDelay);
                }
            }
            LOG.warn("warning: policy server {} unavailable; using smtpd_policy_service_default_action: {}", target, defaultAction);
            c.traceDetail("policy server " + target + " unavailable; smtpd_policy_service_default_action: " + defaultAction);
            return AccessAction.apply(c, defaultAction, source);
        };
    }

    /** The request attributes of SMTPD_POLICY_README for the current state of the session. */
    static Map<String, String> request(CheckContext c, String context, String version) {
        Map<String, String> a = new LinkedHashMap<>();
        a.put("request", "smtpd_access_policy");
        a.put("protocol_state", c.command);
        a.put("protocol_name", c.protocol);
        a.put("helo_name", c.helo == null ? "" : c.helo);
        a.put("queue_id", c.queueId);
        a.put("sender", c.sender == null ? "" : c.sender);
        a.put("recipient", c.recipient == null ? "" : c.recipient);
        a.put("recipient_count", String.valueOf(c.recipientCount));
        a.put("client_address", c.clientAddr);
        a.put("client_name", c.clientName);
        a.put("reverse_client_name", c.reverseName);
        a.put("instance", c.instance);
        a.put("sasl_method", c.saslUser == null || c.saslMethod == null ? "" : c.saslMethod);
        a.put("sasl_username", c.saslUser == null ? "" : c.saslUser);
        a.put("sasl_sender", c.saslSender == null ? "" : c.saslSender);
        a.put("size", String.valueOf(c.size));
        a.put("ccert_subject", "");
        a.put("ccert_issuer", "");
        a.put("ccert_fingerprint", "");
        a.put("ccert_pubkey_fingerprint", "");
        a.put("encryption_protocol", c.tlsProtocol == null ? "" : c.tlsProtocol);
        a.put("encryption_cipher", c.tlsCipher == null ? "" : c.tlsCipher);
        a.put("encryption_keysize", String.valueOf(c.tlsBits));
        a.put("etrn_domain", "");
        a.put("stress", "");
        a.put("policy_context", context);
        a.put("compatibility_level", c.settings.config().get("compatibility_level"));
        a.put("mail_version", version);
        return a;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
