package io.tradepulse.testsupport;

import java.net.http.HttpClient;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Counts the JDK HTTP clients this JVM creates between two points, including those already collected: the JDK numbers
 * its HTTP clients from one counter and shows the number in {@code toString()} (it also names the client's selector
 * thread after it). Each registry client is one HTTP client, with a thread of its own, so this shows how many a
 * component builds. Meaningful only while nothing else in the JVM creates HTTP clients.
 */
public final class HttpClientCount {
    private static final Pattern ID = Pattern.compile("\\((\\d+)\\)$");

    private final long start = nextId();

    private HttpClientCount() {
    }

    /** Starts counting now. */
    public static HttpClientCount start() {
        return new HttpClientCount();
    }

    /** HTTP clients created since {@link #start()}, not counting the probes this class creates itself. */
    public long created() {
        return nextId() - start - 1;
    }

    private static long nextId() {
        String name = HttpClient.newHttpClient().toString();
        Matcher m = ID.matcher(name);
        if (!m.find()) {
            throw new IllegalStateException("no HTTP client number in " + name + " (a JDK other than 17-21?)");
        }
        return Long.parseLong(m.group(1));
    }
}
