package io.tradepulse.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * REST API and web dashboard over {@link Results} (in production a {@link ResultsView}: the same results BI consumers read from the output
 * topics). Read-only; GET only.
 *
 * <ul>
 *   <li>{@code GET /api/series}: every series with its number of months and latest period</li>
 *   <li>{@code GET /api/changes?reporter=&partner=&flow=&commodity=&from=YYYY-MM&to=YYYY-MM}: TradeChange rows</li>
 *   <li>{@code GET /api/signals?status=ACTIVE&type=YOY_MOVE}: TradeSignal rows</li>
 *   <li>{@code GET /health/live}, {@code GET /health/ready}: 200 or 503 with the reason</li>
 *   <li>{@code GET /}: the dashboard</li>
 * </ul>
 */
public final class DashboardServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DashboardServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Health as the processor reports it; readiness additionally needs the view to have caught up. */
    public record Health(boolean alive, boolean ready, String detail) {
    }

    private final HttpServer server;
    private final Results view;
    private final Supplier<Health> health;

    /**
     * @param host   interface to bind (127.0.0.1 keeps the demo private to the machine)
     * @param port   port, 0 for a free one
     * @param view   the results to serve
     * @param health processor health (e.g. from KafkaStreams state)
     */
    public DashboardServer(String host, int port, Results view, Supplier<Health> health) throws IOException {
        this.view = view;
        this.health = health;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "tradepulse-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/api/series", ex -> handle(ex, this::series));
        server.createContext("/api/changes", ex -> handle(ex, this::changes));
        server.createContext("/api/signals", ex -> handle(ex, this::signals));
        server.createContext("/health/live", ex -> healthResponse(ex, false));
        server.createContext("/health/ready", ex -> healthResponse(ex, true));
        server.createContext("/", this::dashboard);
    }

    public DashboardServer start() {
        server.start();
        return this;
    }

    public String url() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort() + "/";
    }

    private interface Endpoint {
        Object respond(Map<String, String> query);
    }

    private void handle(HttpExchange ex, Endpoint endpoint) throws IOException {
        try (ex) {
            if (!"GET".equals(ex.getRequestMethod())) {
                send(ex, 405, "application/json", JSON.writeValueAsBytes(Map.of("error", "GET only")));
                return;
            }
            Object body;
            try {
                body = endpoint.respond(query(ex));
            } catch (IllegalArgumentException e) {
                send(ex, 400, "application/json", JSON.writeValueAsBytes(Map.of("error", e.getMessage())));
                return;
            }
            send(ex, 200, "application/json", JSON.writeValueAsBytes(body));
        } catch (IOException | RuntimeException e) {
            log.warn("request {} failed: {}", ex.getRequestURI(), e.toString());
        }
    }

    private Object series(Map<String, String> q) {
        Map<String, List<TradeChange>> bySeries = view.changes().stream()
                .collect(Collectors.groupingBy(DashboardServer::seriesId));
        return bySeries.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(e -> {
            TradeChange last = e.getValue().stream().max(PERIOD).orElseThrow();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reporter", last.getReporter());
            m.put("partner", last.getPartner());
            m.put("flow", last.getFlow().toString());
            m.put("commodity", last.getCommodity());
            m.put("months", e.getValue().size());
            m.put("latestPeriod", String.format("%d-%02d", last.getYear(), last.getMonth()));
            return m;
        }).toList();
    }

    private static final Comparator<TradeChange> PERIOD =
            Comparator.comparingInt(TradeChange::getYear).thenComparingInt(TradeChange::getMonth);

    private Object changes(Map<String, String> q) {
        int from = period(q.get("from"), Integer.MIN_VALUE);
        int to = period(q.get("to"), Integer.MAX_VALUE);
        Predicate<TradeChange> match = c -> matches(q, "reporter", c.getReporter())
                && matches(q, "partner", c.getPartner()) && matches(q, "flow", c.getFlow().toString())
                && matches(q, "commodity", c.getCommodity())
                && c.getYear() * 12 + c.getMonth() - 1 >= from && c.getYear() * 12 + c.getMonth() - 1 <= to;
        return view.changes().stream().filter(match)
                .sorted(Comparator.comparing(DashboardServer::seriesId).thenComparing(PERIOD))
                .map(AvroJson::toMap).toList();
    }

    private Object signals(Map<String, String> q) {
        return view.signals().stream()
                .filter(s -> matches(q, "status", s.getStatus().toString()) && matches(q, "type", s.getType())
                        && matches(q, "reporter", s.getReporter()) && matches(q, "partner", s.getPartner()))
                .sorted(Comparator.comparingInt(TradeSignal::getYear).thenComparingInt(TradeSignal::getMonth)
                        .thenComparing(TradeSignal::getType))
                .map(AvroJson::toMap).toList();
    }

    private static boolean matches(Map<String, String> q, String name, String actual) {
        String want = q.get(name);
        return want == null || want.isEmpty() || want.equalsIgnoreCase(actual);
    }

    private static int period(String text, int dflt) {
        if (text == null || text.isEmpty()) {
            return dflt;
        }
        String[] p = text.split("-");
        try {
            if (p.length != 2) {
                throw new NumberFormatException();
            }
            int month = Integer.parseInt(p[1]);
            if (month < 1 || month > 12) {
                throw new NumberFormatException();
            }
            return Integer.parseInt(p[0]) * 12 + month - 1;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("period must be YYYY-MM: " + text);
        }
    }

    private static String seriesId(TradeChange c) {
        return c.getReporter() + "/" + c.getPartner() + "/" + c.getFlow() + "/" + c.getCommodity();
    }

    private void healthResponse(HttpExchange ex, boolean readiness) throws IOException {
        try (ex) {
            Health h = health.get();
            boolean ok = readiness ? h.ready() && view.caughtUp() : h.alive();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", ok ? "UP" : "DOWN");
            body.put("processor", h.detail());
            body.put("viewCaughtUp", view.caughtUp());
            send(ex, ok ? 200 : 503, "application/json", JSON.writeValueAsBytes(body));
        }
    }

    private void dashboard(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            if (!path.equals("/") && !path.equals("/index.html")) {
                send(ex, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
                return;
            }
            try (InputStream in = Objects.requireNonNull(
                    DashboardServer.class.getResourceAsStream("dashboard.html"), "dashboard.html missing")) {
                send(ex, 200, "text/html; charset=utf-8", in.readAllBytes());
            }
        }
    }

    private static Map<String, String> query(HttpExchange ex) {
        Map<String, String> q = new HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                q.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return q;
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
