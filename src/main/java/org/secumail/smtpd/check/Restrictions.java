// SPDX-License-Identifier: Apache-2.0
package org.secumail.smtpd.check;

/** The registry with every built-in restriction; feature packages add theirs to the same registry. */
public final class Restrictions {
    private Restrictions() { }

    public static RestrictionRegistry builtin() {
        RestrictionRegistry r = new RestrictionRegistry();
        GenericRestrictions.register(r);
        HeloRestrictions.register(r);
        AddressRestrictions.register(r);
        AccessRestrictions.register(r);
        SenderLoginRestrictions.register(r);
        SessionRestrictions.register(r);
        ServerAccessRestrictions.register(r);
        VerifyRestrictions.register(r);
        MxBackupRestriction.register(r);
        org.secumail.dnsbl.DnsblRestrictions.register(r);
        org.secumail.policy.CheckPolicyService.register(r);
        org.secumail.greylist.GreylistRestrictions.register(r);
        org.secumail.spf.CheckSpf.register(r);
        return r;
    }
}
