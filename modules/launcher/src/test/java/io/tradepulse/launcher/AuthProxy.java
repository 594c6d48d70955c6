package io.tradepulse.launcher;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small authenticating reverse proxy in front of the embedded Apicurio Registry, which (in-memory, 2.6)
 * has no simple basic or bearer auth of its own. Requests whose {@code Authorization} header is not exactly
 * the expected one get a 401 with a Confluent-shaped error body (what Confluent Schema Registry answers);
 * the others are forwarded unchanged and the registry's answer is passed back. It can also play an outage
 * ({@link #setDown}): every request then gets a 503, as from a load balancer with no healthy registry
 * behind it, while the registry keeps its schemas for when the outage ends.
 */
final class AuthProxy implements AutoCloseable {

    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private final String upstream;
    private final String expectedAuthorization;
    private final AtomicInteger authorized = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();
    private final AtomicInteger unavailable = new AtomicInteger();
    private volatile boolean down;

    private AuthProxy(String upstreamBaseUrl, String expectedAuthorization) throws IOException {
        this.upstream = upstreamBaseUrl.replaceAll("/+$", "");
        this.expectedAuthorization = expectedAuthorization;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        this.executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "registry-auth-proxy");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Requires {@code Authorization: Basic base64(user:password)}. */
    static AuthProxy basic(String upstreamBaseUrl, String user, String password) throws IOException {
        return new AuthProxy(upstreamBaseUrl, "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    /** Requires {@code Authorization: Bearer token}. */
    static AuthProxy bearer(String upstreamBaseUrl, String token) throws IOException {
        return new AuthProxy(upstreamBaseUrl, "Bearer " + token);
    }

    /** No authentication: only forwards (and plays outages). */
    static AuthProxy open(String upstreamBaseUrl) throws IOException {
        return new AuthProxy(upstreamBaseUrl, null);
    }

    void setDown(boolean down) {
        this.down = down;
    }

    int unavailableResponses() {
        return unavailable.get();
    }

    /** The proxied registry's base URL: same path as the upstream URL (e.g. /apis/ccompat/v7). */
    String url() {
        URI up = URI.create(upstream);
        return "http://127.0.0.1:" + server.getAddress().getPort() + up.getRawPath();
    }

    int authorizedRequests() {
        return authorized.get();
    }

    int refusedRequests() {
        return refused.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            if (down) {
                unavailable.incrementAndGet();
                respond(exchange, 503, "application/vnd.schemaregistry.v1+json",
                        "{\"error_code\":50301,\"message\":\"Service Unavailable\"}".getBytes(StandardCharsets.UTF_8), null);
                return;
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            if (expectedAuthorization != null && !expectedAuthorization.equals(authorization)) {
                refused.incrementAndGet();
                String message = authorization == null ? "Unauthorized: no credentials" : "Unauthorized: bad credentials";
                respond(exchange, 401, "application/vnd.schemaregistry.v1+json",
                        ("{\"error_code\":401,\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8),
                        expectedAuthorization.startsWith("Basic") ? "Basic realm=\"registry\"" : "Bearer");
                return;
            }
            authorized.incrementAndGet();
            URI base = URI.create(upstream);
            String path = exchange.getRequestURI().getRawPath();
            String query = exchange.getRequestURI().getRawQuery();
            URI target = URI.create(base.getScheme() + "://" + base.getRawAuthority() + path + (query == null ? "" : "?" + query));
            HttpRequest.Builder forward = HttpRequest.newBuilder(target).timeout(Duration.ofSeconds(30))
                    .method(exchange.getRequestMethod(), body.length == 0
                            ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
            for (String header : List.of("Content-Type", "Accept")) {
                String value = exchange.getRequestHeaders().getFirst(header);
                if (value != null) {
                    forward.header(header, value);
                }
            }
            HttpResponse<byte[]> response = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            respond(exchange, response.statusCode(), response.headers().firstValue("Content-Type").orElse(null),
                    response.body(), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body, String challenge)
            throws IOException {
        if (contentType != null) {
            exchange.getResponseHeaders().set("Content-Type", contentType);
        }
        if (challenge != null) {
            exchange.getResponseHeaders().set("WWW-Authenticate", challenge);
        }
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
