package io.tradepulse.registry;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;

/**
 * HTTP for the registry protocol: one request, several URLs, bounded retries. Kept apart from the
 * client so the caching logic reads as protocol, not plumbing.
 *
 * <p>Order of attempts: every URL once, starting with the one that answered last (so a dead first URL
 * costs one failure, not one per request); a new transport starts at a random URL, as Confluent's {@code UrlList} does,
 * so that many clients configured with the same list spread over the registry nodes; if all failed with a retryable error, wait (exponential
 * backoff) and go round again, up to {@code max.retries} more rounds. Retryable, as in Confluent's
 * {@code RestService.isRestClientExceptionRetriable}: I/O errors (including timeouts and a 2xx body that is not
 * JSON) and HTTP 408, 429, 500, 502, 503 and 504. Any other non-2xx (4xx, and 5xx such as 501 or 507) is the registry's answer and is thrown
 * at once. Redirects are followed within an attempt, see {@link #attempt}.
 *
 * <p>Time: each attempt, response body included, is bounded by {@code http.read.timeout.ms}, and the whole call
 * by a deadline of one such timeout per URL plus {@code max.retries} times {@code retries.max.wait.ms}: room for
 * one full attempt on every URL and for every backoff wait, so retries after fast failures (connection refused,
 * 503) all happen, while timeouts no longer multiply by the number of rounds. No attempt or wait starts after
 * the deadline, and an attempt in flight is cut at it.
 */
final class RestTransport implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RestTransport.class);

    static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    /** What Confluent's own client sends; Redpanda and Karapace negotiate on it. */
    static final String ACCEPT = "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, "
            + "application/json; qs=0.5";
    private static final double JITTER = 0.2;
    private static final int MAX_BODY_IN_MESSAGE = 300;
    /** Requests per attempt, redirects included: HttpURLConnection's default http.maxRedirects. */
    static final int MAX_REDIRECT_REQUESTS = 20;

    /** One base URL, stripped of credentials, with the Authorization header to send to it (or null). */
    private record Endpoint(String baseUrl, String authorization) {
    }

    private final List<Endpoint> endpoints;
    private final Map<String, String> extraHeaders;
    private final String authMode;
    private final SharedHttpClients.Lease lease;
    private final HttpClient http;
    private final Duration requestTimeout;
    private final int maxRetries;
    private final long retryWaitMs;
    private final long retryMaxWaitMs;
    private final ObjectMapper mapper;
    private final AtomicInteger preferred;

    /**
     * Where a new transport starts, given the number of URLs: a random one, as Confluent's UrlList
     * ({@code new Random().nextInt(urls.size())}). Starting every client at the first URL sent all the traffic of a
     * fleet to one registry node until it failed.
     */
    static final IntUnaryOperator RANDOM_START = size -> ThreadLocalRandom.current().nextInt(size);

    RestTransport(SchemaRegistryClientConfig config, ObjectMapper mapper) {
        this(config, mapper, RANDOM_START);
    }

    /** {@code startIndex}: the URL index the first call starts at, given the number of URLs (tests pin it). */
    RestTransport(SchemaRegistryClientConfig config, ObjectMapper mapper, IntUnaryOperator startIndex) {
        this.mapper = mapper;
        String bearer = config.bearerToken();
        List<Endpoint> list = new ArrayList<>();
        for (String raw : config.urls()) {
            URI uri = URI.create(raw);
            String authorization = null;
            if (bearer != null) {
                authorization = "Bearer " + bearer;
            } else if (config.basicAuthFromUserInfo()) {
                authorization = basic(config.basicUserInfo());
            } else if (uri.getUserInfo() != null) {
                // Percent-decoded as RFC 3986 reads a URL ("p%40ss" is the password p@ss), with '+' left a '+'. A choice:
                // Confluent 7.5 (the client in our test scope) sends the user-info raw, so a password with '@', ':', '/',
                // '#', '?' or '%' cannot be given in a URL there at all; later Confluent clients decode it with
                // URLDecoder, which also turns '+' into a space and so breaks passwords with a '+' (common in
                // generated secrets). This differs from 7.5 only for a password written with a literal "%XX", which
                // RFC 3986 spells "%25XX", and from the later clients only for '+'.
                authorization = basic(uri.getUserInfo());
            }
            String base = Redaction.url(raw);
            while (base.endsWith("/")) {
                base = base.substring(0, base.length() - 1);
            }
            list.add(new Endpoint(base, authorization));
        }
        if (list.isEmpty()) {
            // SchemaRegistryClientConfig already insists; this guards the invariant the loop relies on.
            throw new IllegalArgumentException("no schema registry URL configured");
        }
        this.endpoints = List.copyOf(list);
        this.preferred = new AtomicInteger(Math.floorMod(startIndex.applyAsInt(endpoints.size()), endpoints.size()));
        Map<String, String> headers = new LinkedHashMap<>();
        if (bearer != null) {
            putIfSet(headers, "target-sr-cluster", config.getString(SchemaRegistryClientConfig.BEARER_AUTH_LOGICAL_CLUSTER_CONFIG));
            putIfSet(headers, "Confluent-Identity-Pool-Id",
                    config.getString(SchemaRegistryClientConfig.BEARER_AUTH_IDENTITY_POOL_ID_CONFIG));
        }
        this.extraHeaders = Map.copyOf(headers);
        this.authMode = bearer != null ? "bearer" : list.stream().anyMatch(e -> e.authorization() != null) ? "basic" : "none";
        this.requestTimeout = Duration.ofMillis(config.getInt(SchemaRegistryClientConfig.HTTP_READ_TIMEOUT_MS_CONFIG));
        this.maxRetries = config.getInt(SchemaRegistryClientConfig.MAX_RETRIES_CONFIG);
        this.retryWaitMs = config.getInt(SchemaRegistryClientConfig.RETRIES_WAIT_MS_CONFIG);
        this.retryMaxWaitMs = config.getInt(SchemaRegistryClientConfig.RETRIES_MAX_WAIT_MS_CONFIG);
        // Built (and the stores loaded) for every registry client, so a bad store or password still fails here, at
        // start-up; an HttpClient with the same settings, if one exists, is reused instead (see SharedHttpClients).
        SSLContext sslContext = RegistrySsl.context(config);
        SSLParameters sslParameters = RegistrySsl.parameters(config, sslContext);
        this.lease = SharedHttpClients.acquire(SharedHttpClients.key(config), () -> {
            HttpClient.Builder builder = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofMillis(config.getInt(SchemaRegistryClientConfig.HTTP_CONNECT_TIMEOUT_MS_CONFIG)))
                    // HTTP/1.1: the default h2c upgrade attempt on plain http confuses some registries and proxies.
                    .version(HttpClient.Version.HTTP_1_1)
                    // Redirects are followed by attempt() itself, so that which ones, with which method and whether the
                    // Authorization header goes along are decided there, as in Confluent's client, not by HttpClient.
                    .followRedirects(HttpClient.Redirect.NEVER);
            String proxyHost = config.getString(SchemaRegistryClientConfig.PROXY_HOST_CONFIG);
            if (proxyHost != null && !proxyHost.isBlank()) {
                builder.proxy(ProxySelector.of(InetSocketAddress.createUnresolved(proxyHost.trim(),
                        config.getInt(SchemaRegistryClientConfig.PROXY_PORT_CONFIG))));
            }
            // Only with a configured trust/key store; otherwise the JVM's default SSL context, as before.
            if (sslContext != null) {
                builder.sslContext(sslContext);
            }
            if (sslParameters != null) {
                builder.sslParameters(sslParameters);
            }
            return builder.build();
        });
        this.http = lease.client();
    }

    /** The HttpClient this transport sends with (shared with other transports of the same settings); for tests. */
    HttpClient httpClient() {
        return http;
    }

    private static void putIfSet(Map<String, String> headers, String name, String value) {
        if (value != null && !value.isBlank()) {
            headers.put(name, value);
        }
    }

    private static String basic(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(StandardCharsets.UTF_8));
    }

    /** The base URLs, without credentials. */
    List<String> baseUrls() {
        return endpoints.stream().map(Endpoint::baseUrl).toList();
    }

    String authMode() {
        return authMode;
    }

    /**
     * Sends one request and returns the parsed JSON body ({@link NullNode} for an empty body).
     *
     * @param path already percent-encoded, starting with '/'
     * @param body JSON body or null
     */
    JsonNode send(String method, String path, JsonNode body) {
        String context = method + " " + path;
        String payload;
        try {
            payload = body == null ? null : mapper.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new SchemaRegistryException("cannot encode request body: " + e.getOriginalMessage(),
                    SchemaRegistryException.NOT_FROM_REGISTRY, SchemaRegistryException.NOT_FROM_REGISTRY, context, e);
        }
        long startNanos = System.nanoTime();
        // Kept as a budget, compared with the time elapsed, never as an absolute deadline: with max.retries at
        // Integer.MAX_VALUE ("retry for ever") start + budget overflows, and the deadline then lay in the past, so
        // not a single retry was made.
        long budgetNanos = TimeUnit.MILLISECONDS.toNanos(callBudgetMs());
        Outcome last = null;
        int attempts = 0;
        rounds:
        for (int round = 0; ; round++) {
            int start = preferred.get();
            for (int i = 0; i < endpoints.size(); i++) {
                long remainingNanos = budgetNanos - (System.nanoTime() - startNanos);
                if (attempts > 0 && remainingNanos <= 0) {
                    break rounds;
                }
                int index = (start + i) % endpoints.size();
                Endpoint endpoint = endpoints.get(index);
                attempts++;
                long timeoutNanos = Math.max(1, Math.min(requestTimeout.toNanos(), remainingNanos));
                Outcome outcome;
                try {
                    outcome = attempt(endpoint, method, path, payload, context, Duration.ofNanos(timeoutNanos));
                } catch (SchemaRegistryException answered) {
                    if (answered.httpStatus() != SchemaRegistryException.NOT_FROM_REGISTRY) {
                        // A 4xx (or 501, ...) is an answer from a live registry: start there next time, as Confluent's
                        // UrlList does (it moves only on I/O errors). Otherwise every later call first failed again on
                        // the dead URL this one had failed over from.
                        preferred.set(index);
                    }
                    throw answered;
                }
                if (outcome.node != null) {
                    preferred.set(index);
                    return outcome.node;
                }
                last = outcome;
                LOG.debug("Schema registry request {} to {} failed ({}), trying the next URL or retrying", context,
                        endpoint.baseUrl(), outcome.describe());
            }
            if (round >= maxRetries) {
                break;
            }
            long waitMs = backoff(round, last.retryAfterMs);
            if (TimeUnit.MILLISECONDS.toNanos(waitMs) >= budgetNanos - (System.nanoTime() - startNanos)) {
                break; // no attempt could start after this wait
            }
            sleep(waitMs, context, last);
        }
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
        String tried = attempts + " attempt(s) in " + elapsedMs + " ms";
        if (last.status >= 200 && last.status < 300) {
            // Something answered, but not as a registry does: not "unavailable", and the body is the clue.
            throw new SchemaRegistryException("No schema registry answer at " + baseUrls() + " after " + tried, last.message,
                    last.errorCode, last.status, context, null);
        }
        if (last.status == 500) {
            // The registry answered, with its own error: report it as such (code and message), not as unavailable.
            throw new SchemaRegistryException("Schema registry at " + baseUrls() + " still answered HTTP 500 after " + tried,
                    last.message, last.errorCode, last.status, context, null);
        }
        throw new SchemaRegistryUnavailableException("Schema registry unavailable at " + baseUrls() + " after " + tried
                + "; last failure: " + last.describe(), last.errorCode, last.status, context, last.cause);
    }

    /** The deadline of one call, see the class comment. */
    long callBudgetMs() {
        return endpoints.size() * requestTimeout.toMillis() + maxRetries * retryMaxWaitMs;
    }

    /**
     * The statuses retried (and failed over) as Confluent's RestService does: request timeout, too many requests,
     * internal error, bad gateway, service unavailable, gateway timeout.
     */
    static boolean isRetriable(int status) {
        return status == 408 || status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
    }

    /**
     * Outcome of one attempt: a successful body, or a retryable failure (null node). Non-retryable answers are thrown
     * from {@link #attempt} directly.
     */
    private static final class Outcome {
        final JsonNode node;
        final int status;
        final int errorCode;
        final String message;
        final IOException cause;
        final long retryAfterMs;

        private Outcome(JsonNode node, int status, int errorCode, String message, IOException cause, long retryAfterMs) {
            this.node = node;
            this.status = status;
            this.errorCode = errorCode;
            this.message = message;
            this.cause = cause;
            this.retryAfterMs = retryAfterMs;
        }

        static Outcome success(JsonNode node) {
            return new Outcome(node, 200, 0, null, null, -1);
        }

        String describe() {
            if (cause != null) {
                return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
            }
            return "HTTP " + status + ", error code " + errorCode + ": " + message;
        }
    }

    /**
     * One attempt at one URL, redirects included: as Confluent's RestService, whose HttpURLConnection follows them
     * (checked against the 7.5.3 client in test scope on JDK 17), a 300-303 or 307 answer with a Location of the same
     * scheme is followed, relative or not, keeping the method, body and headers; but the Authorization header is
     * dropped for good once a hop leads to another host or port, so credentials never reach a host they were not
     * configured for. After {@value #MAX_REDIRECT_REQUESTS} requests the attempt fails like an I/O error (there a
     * ProtocolException), so the next URL is tried. Deliberate differences: 308 is followed like 307 (JDK 17's
     * HttpURLConnection predates it and returns it as an error), and a POST redirected with 300-303 is refused instead
     * of being resent as a GET without body or headers, which for this protocol is never the intended request (a
     * registration would become a read of the subject's versions). The redirects share the attempt's timeout.
     */
    private Outcome attempt(Endpoint endpoint, String method, String path, String payload, String context, Duration timeout) {
        long startNanos = System.nanoTime();
        URI uri = URI.create(endpoint.baseUrl() + path);
        String authorization = endpoint.authorization();
        for (int requests = 1; ; requests++) {
            long remainingNanos = timeout.toNanos() - (System.nanoTime() - startNanos);
            if (remainingNanos <= 0) {
                return ioFailure(new HttpTimeoutException("no complete response within " + timeout.toMillis() + " ms"));
            }
            HttpResponse<String> response;
            try {
                response = exchange(request(uri, method, payload, authorization, Duration.ofNanos(remainingNanos)),
                        remainingNanos, timeout, context + " at " + endpoint.baseUrl());
            } catch (IOException e) {
                return ioFailure(e);
            }
            int status = response.statusCode();
            URI target = isRedirect(status) ? redirectTarget(uri, response) : null;
            if (target == null) {
                return answer(endpoint, response, context, status >= 300 && status < 400 ? unfollowed(uri, response) : null);
            }
            if ("POST".equals(method) && status != 307 && status != 308) {
                throw new SchemaRegistryException("HTTP " + status + " redirect of a POST to " + Redaction.url(target.toString())
                        + " not followed: it would turn the POST into a GET; set " + SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG
                        + " to the address the registry answers at", status, status, context + " at " + endpoint.baseUrl(), null);
            }
            if (requests >= MAX_REDIRECT_REQUESTS) {
                return ioFailure(new IOException("redirected too many times (" + MAX_REDIRECT_REQUESTS + " requests), last with HTTP "
                        + status + " to " + Redaction.url(target.toString())));
            }
            if (!sameDestination(uri, target)) {
                authorization = null;
            }
            LOG.debug("Schema registry request {} at {} redirected (HTTP {}) to {}", context, endpoint.baseUrl(), status,
                    Redaction.url(target.toString()));
            uri = target;
        }
    }

    private HttpRequest request(URI uri, String method, String payload, String authorization, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", ACCEPT)
                .method(method, payload == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(payload, StandardCharsets.UTF_8));
        if (payload != null) {
            request.header("Content-Type", CONTENT_TYPE);
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        extraHeaders.forEach(request::header);
        return request.build();
    }

    /**
     * Sends one request; I/O failures, including a response not complete within {@code timeoutNanos} (what is left of
     * the attempt's {@code timeout}), are thrown.
     */
    private HttpResponse<String> exchange(HttpRequest request, long timeoutNanos, Duration timeout, String context) throws IOException {
        // sendAsync + a bounded get: the request timeout only covers the time until the response headers, so a
        // registry (or proxy) that dribbles the body would otherwise hold the caller without limit.
        CompletableFuture<HttpResponse<String>> pending =
                http.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        try {
            return pending.get(timeoutNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new SchemaRegistryException("request failed: " + e.getCause(), SchemaRegistryException.NOT_FROM_REGISTRY,
                    SchemaRegistryException.NOT_FROM_REGISTRY, context, e.getCause());
        } catch (TimeoutException e) {
            pending.cancel(true);
            throw new HttpTimeoutException("no complete response within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException("interrupted while waiting for the schema registry",
                    SchemaRegistryException.NOT_FROM_REGISTRY, SchemaRegistryException.NOT_FROM_REGISTRY, context, null);
        }
    }

    /** The statuses HttpURLConnection follows (JDK 17: 300-307 but 304, 305 and 306), plus 308. */
    static boolean isRedirect(int status) {
        return status == 300 || status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /**
     * Where a redirect leads, resolved against the request's URI; null (so the 3xx is the answer) without a usable
     * Location or when it changes the scheme, which HttpURLConnection does not follow either (http to https or back).
     */
    private static URI redirectTarget(URI from, HttpResponse<?> response) {
        String location = response.headers().firstValue("Location").orElse(null);
        if (location == null || location.isBlank()) {
            return null;
        }
        try {
            URI target = from.resolve(location.trim());
            if (target.getScheme() == null || !target.getScheme().equalsIgnoreCase(from.getScheme()) || target.getHost() == null) {
                return null;
            }
            // A port URI takes but no socket can (HttpClient throws IllegalArgumentException only when sending, and that
            // is no SchemaRegistryException, so it escaped the serializers): not a redirect to follow either.
            if (target.getPort() == 0 || target.getPort() > 65535) {
                return null;
            }
            // A fragment is not sent (and HttpRequest refuses one). Cut from the raw text: URI's multi-part constructor
            // escapes its arguments again, so the raw path's "%2F" (a slash inside a subject name) became "%252F".
            String raw = target.toString();
            URI sendable = target.getRawFragment() == null ? target : new URI(raw.substring(0, raw.indexOf('#')));
            HttpRequest.newBuilder(sendable); // HttpClient's own checks of the URI, which throw IllegalArgumentException
            return sendable;
        } catch (IllegalArgumentException | URISyntaxException malformed) {
            return null;
        }
    }

    /**
     * Why the 3xx {@code response} to a request for {@code from} is not followed, naming its status and Location
     * (credentials cut, as from every URL in a message): the bare "HTTP 301" left the user guessing where the
     * registry had moved, typically to https behind a proxy.
     */
    private static String unfollowed(URI from, HttpResponse<?> response) {
        int status = response.statusCode();
        String location = response.headers().firstValue("Location").map(String::trim).orElse("");
        if (location.isEmpty()) {
            return "HTTP " + status + " without a Location, not followed";
        }
        String why;
        if (!isRedirect(status)) {
            why = "not a redirect status the client follows";
        } else {
            String scheme = null;
            try {
                scheme = from.resolve(location).getScheme();
            } catch (IllegalArgumentException malformed) {
                // then it is the Location itself that cannot be used
            }
            why = scheme != null && !scheme.equalsIgnoreCase(from.getScheme())
                    ? "it changes the scheme (" + from.getScheme() + " to " + scheme + ")"
                    : "no URL the client can send to";
        }
        return "HTTP " + status + " redirect to " + Redaction.url(location) + " not followed: " + why + "; set "
                + SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG + " to the address the registry answers at";
    }

    /** Same scheme, host and port (the scheme's default when absent), as HttpURLConnection's sameDestination. */
    static boolean sameDestination(URI a, URI b) {
        return a.getScheme().equalsIgnoreCase(b.getScheme()) && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI uri) {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    /**
     * A response that is not a redirect to follow: a body, a retryable failure, or the registry's error, thrown.
     *
     * @param unfollowed for a 3xx, why it is not followed ({@link #unfollowed}), put before its body in the message
     */
    private Outcome answer(Endpoint endpoint, HttpResponse<String> response, String context, String unfollowed) {
        int status = response.statusCode();
        String text = response.body();
        if (status >= 200 && status < 300) {
            if (text == null || text.isBlank()) {
                return Outcome.success(NullNode.getInstance());
            }
            try {
                return Outcome.success(mapper.readTree(text));
            } catch (JsonProcessingException e) {
                // Not a registry's answer: typically a proxy's or load balancer's HTML page in front of one URL. Tried
                // on the next URL (and retried) like an I/O error, as Confluent's client fails over on the parse error
                // (an IOException there); thrown at once, one dead URL failed every call although another answered.
                return new Outcome(null, status, SchemaRegistryException.NOT_FROM_REGISTRY, endpoint.baseUrl() + " answered HTTP "
                        + status + " with a body that is not JSON: " + abbreviate(text), null, -1);
            }
        }
        int errorCode = status;
        String message = (unfollowed == null ? "HTTP " + status : unfollowed)
                + (text == null || text.isBlank() ? "" : ": " + abbreviate(text));
        try {
            JsonNode error = text == null || text.isBlank() ? null : mapper.readTree(text);
            if (error != null && error.has("error_code")) {
                errorCode = error.path("error_code").asInt(status);
                message = error.path("message").asText(message);
                if (unfollowed != null) {
                    message = unfollowed + ": " + message;
                }
            }
        } catch (JsonProcessingException notJson) {
            // Plain-text error pages (proxies, Apicurio's deserialization errors): keep the HTTP status as code.
        }
        if (isRetriable(status)) {
            return new Outcome(null, status, errorCode, message, null, retryAfterMs(response));
        }
        throw new SchemaRegistryException(message, errorCode, status, context + " at " + endpoint.baseUrl(), null);
    }

    private static Outcome ioFailure(IOException e) {
        return new Outcome(null, SchemaRegistryException.NOT_FROM_REGISTRY, SchemaRegistryException.NOT_FROM_REGISTRY,
                e.getMessage(), e, -1);
    }

    private static long retryAfterMs(HttpResponse<?> response) {
        return response.headers().firstValue("Retry-After").map(value -> {
            try {
                return Long.parseLong(value.trim()) * 1000L;
            } catch (NumberFormatException httpDate) {
                return -1L; // HTTP-date form: rare for registries, fall back to our own backoff.
            }
        }).orElse(-1L);
    }

    /** Exponential backoff with jitter, so many clients do not retry in lockstep; capped by retries.max.wait.ms. */
    long backoff(int round, long retryAfterMs) {
        double exponential = retryWaitMs * Math.pow(2, Math.min(round, 30));
        double jittered = exponential * (1 - JITTER + 2 * JITTER * ThreadLocalRandom.current().nextDouble());
        long wait = Math.max((long) jittered, retryAfterMs);
        return Math.min(wait, retryMaxWaitMs);
    }

    private static void sleep(long millis, String context, Outcome last) {
        if (millis <= 0) {
            return;
        }
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException("interrupted while waiting to retry; last failure: " + last.describe(),
                    last.errorCode, last.status, context, last.cause);
        }
    }

    private static String abbreviate(String text) {
        String oneLine = text.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= MAX_BODY_IN_MESSAGE ? oneLine : oneLine.substring(0, MAX_BODY_IN_MESSAGE) + "...";
    }

    @Override
    public void close() {
        // Not the HttpClient itself: other registry clients may be using it. The last user's release makes it idle,
        // and SharedHttpClients closes (Java 21+) or drops it once more than a few are idle.
        lease.close();
    }
}
