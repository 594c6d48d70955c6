package io.tradepulse.serving;

import java.net.IDN;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which browser origins may call the REST API from their pages (CORS, Fetch standard). Off by default: a browser
 * then lets a page read the API only from the API's own origin (the dashboard), as before this policy existed.
 *
 * <p>Entries are exact origins ({@code scheme://host[:port]}, as a browser sends them in {@code Origin}; an
 * internationalised host name may be given as written or in punycode) or {@code *} for any. Request origins are
 * compared as sent: browsers serialise them already (lower case, punycode, no default port, IPv4 as four decimal
 * numbers), and a client that is no browser does not enforce CORS anyway.
 *
 * <p>No credentials: the API has no cookies nor authentication, so {@code Access-Control-Allow-Credentials} is never
 * sent (and {@code *} is then safe to answer as is).
 */
public final class CorsPolicy {
    /** No origin allowed and no CORS header sent: the default. */
    public static final CorsPolicy OFF = new CorsPolicy(Set.of(), false);

    /** The form an entry must have, for error messages. */
    public static final String ALLOWED_FORM = "a comma-separated list of origins, each scheme://host[:port] with"
            + " scheme http or https and no path (e.g. https://bi.example.com,http://localhost:3000), or * alone for any";

    /**
     * The API's own response headers a script may read: browsers expose only a few safelisted ones (Content-Type,
     * Cache-Control, ...) unless told, and without these a cross-origin client could neither page on (X-Next-Cursor,
     * Link) nor tell a cut or partial answer (X-Truncated, X-Tradepulse-View) nor back off (Retry-After).
     */
    static final String EXPOSED_HEADERS = String.join(", ", DashboardServer.TRUNCATED_HEADER,
            DashboardServer.NEXT_CURSOR_HEADER, "Link", DashboardServer.VIEW_HEADER, "Retry-After");
    static final String ALLOWED_METHODS = "GET, HEAD";
    /**
     * How long a browser may reuse a preflight's answer. 600 s is Chromium's cap (Firefox allows a day): longer
     * would not be honoured, and a changed allow-list reaches browsers within 10 minutes.
     */
    static final int MAX_AGE_SECONDS = 600;

    /** A header-name list as Access-Control-Request-Headers carries it: RFC 9110 tokens separated by commas. */
    private static final Pattern HEADER_LIST =
            Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+(\\s*,\\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+)*");
    /** Longer than any real list of request headers: a bigger one is not echoed into the response. */
    private static final int MAX_REQUEST_HEADERS_CHARS = 1024;

    /**
     * An authority java.net.URI did not read as host[:port] (it has no host then): a host name whose labels may hold
     * underscores, and an optional port (empty: the default, as URI reads "https://a.example:"). Its last label is no
     * number: browsers read such a host ("1.2.3") as an IPv4 address, and would never send it as written.
     */
    private static final Pattern UNDERSCORE_AUTHORITY = Pattern.compile(
            "((?:[A-Za-z0-9_-]+\\.)*[A-Za-z0-9_-]*[A-Za-z_-][A-Za-z0-9_-]*\\.?)(?::([0-9]*))?");

    /** A dotted quad (as java.net.URI reads an IPv4 host) with a number that has a leading zero. */
    private static final Pattern LEADING_ZERO_IPV4 = Pattern.compile("(?=(?:.*\\.)?0[0-9])[0-9]{1,3}(?:\\.[0-9]{1,3}){3}");

    private final Set<String> origins;
    private final boolean any;

    private CorsPolicy(Set<String> origins, boolean any) {
        this.origins = origins;
        this.any = any;
    }

    /**
     * The policy for these entries; none: {@link #OFF}. An invalid entry fails with an IllegalArgumentException
     * naming {@code option}, the entry and {@link #ALLOWED_FORM}, so a typo fails at start-up rather than leaving a
     * browser app blocked with nothing in the server's log.
     */
    public static CorsPolicy of(String option, Collection<String> entries) {
        if (entries == null || entries.isEmpty()) {
            return OFF;
        }
        if (entries.contains("*")) {
            if (entries.size() > 1) {
                throw invalid(option, String.join(",", entries), "* must be the only entry");
            }
            return new CorsPolicy(Set.of(), true);
        }
        Set<String> origins = new LinkedHashSet<>();
        for (String entry : entries) {
            origins.add(origin(option, entry));
        }
        return new CorsPolicy(Set.copyOf(origins), false);
    }

    /**
     * The entry as a browser serialises the origin (lower-case scheme and host, no default port), so that it equals
     * the Origin header of the pages it names: {@code https://BI.example.com:443} would otherwise never match.
     */
    private static String origin(String option, String entry) {
        String text = entry == null ? "" : entry.strip();
        if (text.isEmpty()) {
            throw invalid(option, String.valueOf(entry), "empty entry");
        }
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw invalid(option, text, e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw invalid(option, text, "scheme must be http or https");
        }
        String host = uri.getHost();
        int port = uri.getPort();
        if (host == null && uri.getRawAuthority() != null && uri.getRawAuthority().indexOf('@') < 0) {
            // java.net.URI takes a host name with an underscore (my_app.local, common for dev hosts) for no host name
            // and keeps the authority whole, with no host nor port. Browsers accept such hosts and send them in Origin
            // as they are: read host[:port] here, or such an origin could never be allowed.
            // It does the same with a non-ASCII (internationalised) host name, which browsers send in punycode.
            String authority = uri.getRawAuthority().chars().allMatch(c -> c < 0x80) ? uri.getRawAuthority()
                    : asciiAuthority(option, text, uri.getRawAuthority());
            Matcher m = UNDERSCORE_AUTHORITY.matcher(authority);
            if (!m.matches()) {
                throw invalid(option, text, "'" + uri.getRawAuthority() + "' is not host[:port] (a host name of letters,"
                        + " digits, '-', '_' and '.', its last label no number; a port of digits)");
            }
            host = m.group(1);
            String digits = m.group(2);
            // More than 5 digits is out of range whatever they are (and might not fit an int).
            port = digits == null || digits.isEmpty() ? -1 : digits.length() > 5 ? Integer.MAX_VALUE : Integer.parseInt(digits);
        }
        if (host == null || uri.getRawUserInfo() != null) {
            throw invalid(option, text, "no host, or a user name before it");
        }
        if (!uri.getRawPath().isEmpty() || uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw invalid(option, text, "an origin has no path (not even /), query or fragment");
        }
        if (port == 0 || port > 65_535) {
            throw invalid(option, text, "port must be 1..65535");
        }
        if (LEADING_ZERO_IPV4.matcher(host).matches()) {
            // java.net.URI takes 010.0.0.1 as written; browsers read a leading zero as octal (8.0.0.1) and send the
            // address as four plain decimal numbers, so such an entry could never match.
            throw invalid(option, text, "an IPv4 address is written as four decimal numbers without leading zeros, as"
                    + " browsers send it");
        }
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        String serialised = host.startsWith("[") ? ipv6(option, text, host) : host.toLowerCase(Locale.ROOT);
        return scheme + "://" + serialised + (defaultPort ? "" : ":" + port);
    }

    /**
     * An authority whose host name is internationalised, with that name as browsers send it in Origin (WHATWG URL:
     * UTS #46 to ASCII, so {@code bücher.example} as {@code xn--bcher-kva.example}); kept as written, such an entry
     * was refused, and its punycode had to be worked out by hand. java.net.IDN implements IDNA 2003, which differs
     * from what browsers do only for the four deviation characters (IDNA 2003 maps {@code ß} to {@code ss}, browsers
     * keep it as {@code xn--zca}): a name with one of them is refused, asking for its punycode, rather than allowed
     * under a name no browser sends.
     */
    private static String asciiAuthority(String option, String text, String authority) {
        int colon = authority.lastIndexOf(':'); // not an IPv6 literal: those are ASCII, and URI reads them as hosts
        String host = colon < 0 ? authority : authority.substring(0, colon);
        String port = colon < 0 ? "" : authority.substring(colon);
        if (host.chars().anyMatch(c -> c == '\u00DF' || c == '\u03C2' || c == '\u200C' || c == '\u200D')) {
            throw invalid(option, text, "'" + host + "' has \u00DF, \u03C2 or a zero-width joiner, which browsers and"
                    + " java.net.IDN encode differently: give the host name in punycode (xn--...) as the browser shows"
                    + " it in Origin");
        }
        try {
            return IDN.toASCII(host) + port;
        } catch (IllegalArgumentException e) {
            throw invalid(option, text, "'" + host + "' is no internationalised host name (" + e.getMessage() + ")");
        }
    }

    /**
     * An IPv6 literal ({@code [...]}) as browsers serialise it in Origin (WHATWG URL): hex pieces in lower case without
     * leading zeros, the first longest run of two or more zero pieces as {@code ::}, an embedded IPv4 address as two
     * pieces. Lower-casing alone kept {@code [0:0:0:0:0:0:0:1]} as written, and it never matched the
     * {@code [::1]} browsers send.
     */
    private static String ipv6(String option, String text, String bracketed) {
        String literal = bracketed.substring(1, bracketed.length() - 1);
        if (literal.indexOf('%') >= 0) {
            throw invalid(option, text, "an origin's IPv6 address has no zone (%...)");
        }
        byte[] address;
        try {
            address = InetAddress.getByName(literal).getAddress(); // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw invalid(option, text, "not an IPv6 address: " + literal);
        }
        if (address.length == 4) { // the JDK gives an IPv4-mapped address (::ffff:a.b.c.d) as its IPv4 address
            address = new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff,
                    address[0], address[1], address[2], address[3]};
        }
        int[] pieces = new int[8];
        for (int i = 0; i < 8; i++) {
            pieces[i] = (address[2 * i] & 0xff) << 8 | (address[2 * i + 1] & 0xff);
        }
        int compress = -1;
        int longest = 1;
        for (int i = 0; i < 8; ) {
            int run = 0;
            while (i + run < 8 && pieces[i + run] == 0) {
                run++;
            }
            if (run > longest) {
                compress = i;
                longest = run;
            }
            i += Math.max(run, 1);
        }
        StringBuilder out = new StringBuilder("[");
        for (int i = 0; i < 8; i++) {
            if (i == compress) {
                out.append(i == 0 ? "::" : ":");
                i += longest - 1;
                continue;
            }
            out.append(Integer.toHexString(pieces[i]));
            if (i < 7) {
                out.append(':');
            }
        }
        return out.append(']').toString();
    }

    private static IllegalArgumentException invalid(String option, String entry, String why) {
        return new IllegalArgumentException(option + " " + entry + ": " + why + "; expected " + ALLOWED_FORM);
    }

    /** Whether any origin is allowed at all: when not, the server sends no CORS header and answers OPTIONS as before. */
    public boolean enabled() {
        return any || !origins.isEmpty();
    }

    /** The Access-Control-Allow-Origin value for a request from {@code origin}, or null when it is not allowed. */
    String allowOrigin(String origin) {
        if (origin == null || !enabled()) {
            return null;
        }
        if (any) {
            return "*";
        }
        return origins.contains(origin) ? origin : null;
    }

    /** Whether the answer depends on the Origin (an echoed origin): then caches must key on it (Vary: Origin). */
    boolean echoesOrigin() {
        return !any;
    }

    /**
     * The Access-Control-Allow-Headers value for a preflight's Access-Control-Request-Headers: the same names, as the
     * API ignores request headers (none carries credentials here), so a client library adding e.g. X-Requested-With
     * is not refused; null (none allowed) for a value that is no list of header names, so nothing else is echoed.
     */
    static String allowHeaders(List<String> requested) {
        if (requested == null || requested.isEmpty()) {
            return null;
        }
        String joined = String.join(", ", requested).strip();
        if (joined.isEmpty() || joined.length() > MAX_REQUEST_HEADERS_CHARS || !HEADER_LIST.matcher(joined).matches()) {
            return null;
        }
        return joined;
    }

    @Override
    public String toString() {
        return any ? "*" : enabled() ? String.join(",", origins) : "off";
    }
}
