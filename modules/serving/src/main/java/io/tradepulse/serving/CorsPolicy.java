package io.tradepulse.serving;

import java.net.URI;
import java.net.URISyntaxException;
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
 * <p>Entries are exact origins ({@code scheme://host[:port]}, as a browser sends them in {@code Origin}) or {@code *}
 * for any. No credentials: the API has no cookies nor authentication, so {@code Access-Control-Allow-Credentials} is
 * never sent (and {@code *} is then safe to answer as is).
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
            Matcher m = UNDERSCORE_AUTHORITY.matcher(uri.getRawAuthority());
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
        boolean defaultPort = port == -1 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
        return scheme + "://" + host.toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
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
