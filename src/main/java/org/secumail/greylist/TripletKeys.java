// SPDX-License-Identifier: Apache-2.0
package org.secumail.greylist;

import java.net.InetAddress;
import java.util.Locale;
import java.util.regex.Pattern;
import org.secumail.table.IpAddresses;

/**
 * How postgrey 1.37 builds its keys, so that one sender's retries meet the same triplet:
 * the client network (postgrey's --lookup-by-subnet: the address with the host bits cleared,
 * /24 for IPv4 and /64 for IPv6 by default; --lookup-by-host keeps the whole address), the
 * sender with BATV tags, "+extension" and VERP numbers removed, and the recipient, all in
 * lower case: "192.0.2.0/bounce-#-#@example.org/user@example.com".
 */
public final class TripletKeys {
    private static final Pattern BATV_TAG = Pattern.compile("^[0-9a-z]{10}.*", Pattern.DOTALL);
    // Perl's \b\d+\b: a run of digits with a word boundary on both sides.
    private static final Pattern NUMBER = Pattern.compile("\\b\\d+\\b");

    private TripletKeys() { }

    /**
     * The sender as postgrey keys it (do_sender_substitutions): for a BATV local part
     * "prvs=TAG=user" or "prvs=user=TAG" the part that is not the ten-character tag is kept;
     * then "+extension" is dropped and every number that stands alone (between non-word
     * characters) becomes "#", so "bounce-123-456@x" and "bounce-789-12@x" are one sender.
     * An address without "@" (the null sender) is kept as it is.
     */
    public static String sender(String address) {
        if (address == null) return "";
        int at = address.indexOf('@');
        if (at < 0) return address;
        String user = address.substring(0, at);
        String domain = address.substring(at + 1);
        if (user.startsWith("prvs=")) {
            String[] a = user.split("=");  // like Perl's split, trailing empty fields dropped
            if (a.length == 3) {
                boolean tag1 = BATV_TAG.matcher(a[1]).matches();
                boolean tag2 = BATV_TAG.matcher(a[2]).matches();
                // Both or neither look like a tag: postgrey takes the standard position.
                user = tag1 && !tag2 ? a[2] : tag2 && !tag1 ? a[1] : a[2];
            }
        }
        int plus = user.indexOf('+');
        if (plus >= 0) user = user.substring(0, plus);
        user = NUMBER.matcher(user).replaceAll("#");
        return user + "@" + domain;
    }

    /**
     * The client part of the key: the network address ("192.0.2.0", "2001:db8:1:2::") when
     * {@code ipv4Prefix}/{@code ipv6Prefix} are below the address length, else the address.
     */
    public static String clientNetwork(InetAddress address, int ipv4Prefix, int ipv6Prefix) {
        byte[] b = address.getAddress();
        int prefix = b.length == 4 ? ipv4Prefix : ipv6Prefix;
        return IpAddresses.format(masked(b, prefix));
    }

    /** The whole key, lower case as postgrey makes it: "net/sender/recipient". */
    public static String triplet(String clientNetwork, String sender, String recipient) {
        return (clientNetwork + "/" + sender(sender) + "/" + (recipient == null ? "" : recipient)).toLowerCase(Locale.ROOT);
    }

    /** The address with all but the first {@code prefix} bits cleared. */
    static InetAddress masked(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            out[i] = (byte) (out[i] & (0xff << (8 - keep)));
        }
        try {
            return InetAddress.getByAddress(out);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("bad address length " + out.length, e);
        }
    }
}
