// SPDX-License-Identifier: Apache-2.0
/**
 * policy - Postfix's policy delegation protocol (SMTPD_POLICY_README), client and server.
 *
 * <h2>Description</h2>
 * {@code check_policy_service ENDPOINT} in any restriction list sends the session's attributes
 * (request, protocol_state, protocol_name, helo_name, queue_id, sender, recipient,
 * recipient_count, client_address, client_name, reverse_client_name, instance, sasl_*, size,
 * ccert_*, encryption_*, etrn_domain, stress, policy_context, compatibility_level,
 * mail_version) to a policy server such as postgrey or postfix-policyd-spf-python and applies
 * its "action=" as an access(5) result. ENDPOINT is inet:host:port, host:port or unix:/path.
 * Connections are reused. A server that does not answer within the timeout, after
 * smtpd_policy_service_try_limit attempts, gives smtpd_policy_service_default_action.
 *
 * <h2>Parameters</h2>
 * smtpd_policy_service_timeout (100s), smtpd_policy_service_max_idle (300s),
 * smtpd_policy_service_max_ttl (1000s), smtpd_policy_service_request_limit (0),
 * smtpd_policy_service_try_limit (2), smtpd_policy_service_retry_delay (1s),
 * smtpd_policy_service_default_action (451 4.3.5 Server configuration problem),
 * smtpd_policy_service_policy_context (empty).
 *
 * <h2>Not built yet</h2>
 * The BCC action (answered 451 4.3.5 with a log line, as Postfix does for an action it cannot
 * use). FILTER works as in access(5): the message goes through that content filter after the
 * queue (org.secumail.filter).
 *
 * <h2>Per-service options</h2>
 * As in Postfix 3.0: {@code check_policy_service { inet:127.0.0.1:10023, timeout=10s,
 * default_action=DUNNO }} with timeout, max_idle, max_ttl, request_limit, try_limit,
 * retry_delay, default_action and policy_context (a value with spaces in braces).
 *
 * <h2>Server</h2>
 * {@link org.secumail.policy.PolicyServer} ("secumail policyd") answers Postfix's requests with
 * secumail_policyd_restrictions (default check_greylist), one action per request.
 */
package org.secumail.policy;
