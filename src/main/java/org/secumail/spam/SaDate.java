// SPDX-License-Identifier: Apache-2.0
package org.secumail.spam;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Dates in Date: and Received: fields read as leniently as SpamAssassin reads them
 * (Util::parse_rfc822_date), since the date rules compare what it reads: the day, month
 * and year in either order ("19 May 2002" or ctime's "May 19 17:50:51 2002"), two- and
 * three-digit years (from 1900, or 2000 below 50), a missing time or zone (UTC), zone
 * names as well as offsets, and out-of-range fields clamped instead of refused (RFC 5322
 * section 4.3 lists the obsolete forms real mail still uses).
 */
final class SaDate {
    private SaDate() { }

    private static final Pattern DMY = Pattern.compile("(?i) (\\d+) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\\d{4}) ");
    private static final Pattern CTIME = Pattern.compile("(?i) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\\d+) \\d+:\\d+:\\d+ (\\d{4}) ");
    private static final Pattern DMY_SHORT = Pattern.compile("(?i) (\\d+) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\\d{2,3}) ");
    private static final Pattern TIME = Pattern.compile(" (\\d?\\d):(\\d\\d)(:(\\d\\d))? ");
    private static final Pattern OFFSET = Pattern.compile(" ([-+]\\d{4}) ");
    private static final Pattern ZONE = Pattern.compile("\\b([A-Z]{2,4}(?:-DST)?)\\b");
    // compiled once: String.replaceAll compiles its pattern at every call, and every Received:
    // field of every message is read here
    private static final Pattern COMMAS = Pattern.compile(", *");
    private static final Pattern SPACES = Pattern.compile("\\s+");
    private static final String MONTHS = "janfebmaraprmayjunjulaugsepoctnovdec";
    /** The zone names SpamAssassin knows, as offsets. */
    private static final Map<String, String> ZONES = Map.ofEntries(
            Map.entry("UT", "+0000"), Map.entry("UTC", "+0000"), Map.entry("NDT", "-0230"), Map.entry("AST", "-0400"),
            Map.entry("ADT", "-0300"), Map.entry("NST", "-0330"), Map.entry("EST", "-0500"), Map.entry("EDT", "-0400"),
            Map.entry("CST", "-0600"), Map.entry("CDT", "-0500"), Map.entry("MST", "-0700"), Map.entry("MDT", "-0600"),
            Map.entry("PST", "-0800"), Map.entry("PDT", "-0700"), Map.entry("HST", "-1000"), Map.entry("AKST", "-0900"),
            Map.entry("AKDT", "-0800"), Map.entry("HADT", "-0900"), Map.entry("HAST", "-1000"), Map.entry("GMT", "+0000"),
            Map.entry("BST", "+0100"), Map.entry("IST", "+0100"), Map.entry("WET", "+0000"), Map.entry("WEST", "+0100"),
            Map.entry("CET", "+0100"), Map.entry("CEST", "+0200"), Map.entry("EET", "+0200"), Map.entry("EEST", "+0300"),
            Map.entry("MSK", "+0300"), Map.entry("MSD", "+0400"), Map.entry("MET", "+0100"), Map.entry("MEZ", "+0100"),
            Map.entry("MEST", "+0200"), Map.entry("MESZ", "+0200"), Map.entry("BRST", "-0200"), Map.entry("BRT", "-0300"),
            Map.entry("AEST", "+1000"), Map.entry("AEDT", "+1100"), Map.entry("ACST", "+0930"), Map.entry("ACDT", "+1030"),
            Map.entry("AWST", "+0800"), Map.entry("NZST", "+1200"), Map.entry("NZDT", "+1300"), Map.entry("JST", "+0900"),
            Map.entry("KST", "+0900"), Map.entry("HKT", "+0800"), Map.entry("SGT", "+0800"), Map.entry("PHT", "+0800"),
            Map.entry("IDT", "+0300"));

    /** Seconds since the epoch, or null when no day, month and year can be found. */
    static Long parse(String date) {
        if (date == null) return null;
        String s = SPACES.matcher(COMMAS.matcher(" " + date + " ").replaceAll(" ")).replaceAll(" ");
        int day;
        int year;
        String mon;
        Matcher m;
        if ((m = DMY.matcher(s)).find() || (m = DMY_SHORT.matcher(s)).find() && !CTIME.matcher(s).find()) {
            day = Integer.parseInt(m.group(1));
            mon = m.group(2);
            year = Integer.parseInt(m.group(3));
        } else if ((m = CTIME.matcher(s)).find()) {
            day = Integer.parseInt(m.group(2));
            mon = m.group(1);
            year = Integer.parseInt(m.group(3));
        } else {
            return null;
        }
        String yearText = m.group(3);
        s = s.substring(0, m.start()) + " " + s.substring(m.end());
        if (yearText.length() == 2 && year < 50) year += 2000;
        else if (yearText.length() != 4) year += 1900;
        int hh = 0, mm = 0, ss = 0;
        if ((m = TIME.matcher(s)).find()) {
            hh = Integer.parseInt(m.group(1));
            mm = Integer.parseInt(m.group(2));
            ss = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
            s = s.substring(0, m.start()) + " " + s.substring(m.end());
        }
        String zone = "-0000";
        if ((m = OFFSET.matcher(s)).find()) {
            zone = m.group(1);
        } else if ((m = ZONE.matcher(s)).find() && ZONES.containsKey(m.group(1))) {
            zone = ZONES.get(m.group(1));
        }
        int month = MONTHS.indexOf(mon.toLowerCase(Locale.ROOT)) / 3 + 1;
        ss = Math.min(ss, 59);
        mm = Math.min(mm, 59);
        hh = Math.min(hh, 23);
        int maxDay = month == 4 || month == 6 || month == 9 || month == 11 ? 30
                : month == 2 ? (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28) : 31;
        if (day > maxDay) { // the next valid day, as SpamAssassin does
            day = 1;
            if (++month > 12) { month = 1; year++; }
        }
        year = Math.max(1970, Math.min(2037, year));
        if (day < 1) return null;
        long t = LocalDateTime.of(year, month, day, hh, mm, ss).toEpochSecond(ZoneOffset.UTC);
        int offset = (Integer.parseInt(zone.substring(1, 3)) * 60 + Integer.parseInt(zone.substring(3, 5))) * 60;
        if (zone.charAt(0) == '-') return t + offset;
        return t < offset ? 0L : t - offset;
    }
}
