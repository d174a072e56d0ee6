# SPDX-License-Identifier: Apache-2.0
# bench/lib-chain-config.sh - sourced by full-chain.sh and chain-parts.sh (after refstack's lib.sh):
# chain_config DIR PORT [MAIN.CF LINES...] writes SecuMail's configuration of the seed chain
# into DIR (main.cf, master.cf, Maildirs, the seed's two-signature ClamAV database); each
# further argument is a main.cf line appended last, where it overrides the same parameter.
chain_config() {
local d=$1 port=$2
shift 2
mkdir -p "$d/mail" "$d/queue" "$d/data" "$d/clamav"
for u in $USERS; do mkdir -p "$d/mail/$u/new" "$d/mail/$u/cur" "$d/mail/$u/tmp"; done
cp /var/lib/clamav/refstack.hdb /var/lib/clamav/refstack.ndb "$d/clamav/"
cat > "$d/main.cf" <<CF
myhostname = mail.$DOMAIN
mydomain = $DOMAIN
mydestination = $DOMAIN
mynetworks = 127.0.0.1/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
dns_servers = 127.0.0.1
local_recipient_maps = inline:{user1=ok, user2=ok, user3=ok, user4=ok, user5=ok}
alias_maps =
alias_database =
forward_path =
home_mailbox =
mail_spool_directory = $d/mail/
queue_directory = $d/queue
data_directory = $d/data
smtpd_delay_reject = yes
smtpd_helo_required = yes
smtpd_client_restrictions = permit
smtpd_helo_restrictions = permit_mynetworks, reject_non_fqdn_hostname, reject_invalid_hostname, permit
smtpd_sender_restrictions = permit_mynetworks, reject_non_fqdn_sender, reject_unknown_sender_domain, permit
smtpd_recipient_restrictions = permit_mynetworks, reject_non_fqdn_recipient, reject_unknown_recipient_domain, reject_unauth_destination, check_greylist, check_spf, permit
# postgrey in the seed is pre-seeded with every triplet: here the warm-up records them
secumail_greylist_delay = 0
secumail_greylist_whitelist_clients =
secumail_antivirus_scanner = builtin
secumail_antivirus_database_directory = $d/clamav
secumail_spam_filter = yes
secumail_spam_bayes = no
secumail_spam_network_tests = no
secumail_dkim_verify = yes
CF
printf '127.0.0.1:%s inet n - n - 20000 smtpd\n' "$port" > "$d/master.cf"
local line
for line in "$@"; do printf '%s\n' "$line" >> "$d/main.cf"; done
}
