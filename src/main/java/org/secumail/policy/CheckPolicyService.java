// SPDX-License-Identifier: Apache-2.0
package org.secumail.policy;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
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

    private CheckPolicyService() { }

    public static void register(RestrictionRegistry r) {
        r.register("check_policy_service", true, "ask a Postfix policy server (inet:host:port or unix:/path) and apply its action",
                (s, endpoint) -> create(s.config(), endpoint));
    }

    static Restriction create(MainConfig cfg, String endpoint) {
        var timeout = cfg.duration("smtpd_policy_service_timeout");
        var maxIdle = cfg.duration("smtpd_policy_service_max_idle");
        var maxTtl = cfg.duration("smtpd_policy_service_max_ttl");
        int requestLimit = cfg.integer("smtpd_policy_service_request_limit");
        int tries = Math.max(1, cfg.integer("smtpd_policy_service_try_limit"));
        long retryDelay = cfg.duration("smtpd_policy_service_retry_delay").toMillis();
        String defaultAction = cfg.get("smtpd_policy_service_default_action");
        String context = cfg.get("smtpd_policy_service_policy_context");
        String version = cfg.get("mail_version");
        String key = endpoint + "|" + timeout + "|" + maxIdle + "|" + maxTtl + "|" + requestLimit;
        PolicyClient client = CLIENTS.computeIfAbsent(key, k -> new PolicyClient(endpoint, timeout, maxIdle, maxTtl, requestLimit));
        String source = "check_policy_service " + endpoint;
        return c -> {
            Map<String, String> req = request(c, context, version);
            for (int attempt = 1; attempt <= tries; attempt++) {
                try {
                    return AccessAction.apply(c, client.query(req), source);
                } catch (IOException e) {
                    LOG.warn("warning: problem talking to server {}: {}", endpoint, e.getMessage());
                    if (attempt < tries) sleep(retryDelay);
                }
            }
            LOG.warn("warning: policy server {} unavailable; using smtpd_policy_service_default_action: {}", endpoint, defaultAction);
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
        a.put("sasl_method", c.saslUser == null ? "" : "PLAIN");
        a.put("sasl_username", c.saslUser == null ? "" : c.saslUser);
        a.put("sasl_sender", "");
        a.put("size", String.valueOf(c.size));
        a.put("ccert_subject", "");
        a.put("ccert_issuer", "");
        a.put("ccert_fingerprint", "");
        a.put("ccert_pubkey_fingerprint", "");
        a.put("encryption_protocol", "");
        a.put("encryption_cipher", "");
        a.put("encryption_keysize", "0");
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
