package io.tradepulse.serving;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.core.InvisibleCharacters;
import io.tradepulse.core.SignalType;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.avro.generic.GenericRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * REST API and web dashboard over {@link Results} (in production a {@link ResultsView}: the same results BI consumers read from the output
 * topics). Read-only; GET and HEAD only. Browser pages of other origins may call /api/* and /health/* when a
 * {@link CorsPolicy} allows theirs (off by default).
 *
 * <ul>
 *   <li>{@code GET /api/series?reporter=&partner=&flow=&commodity=}: series with their number of months and latest
 *       period</li>
 *   <li>{@code GET /api/changes?reporter=&partner=&flow=&commodity=&from=YYYY-MM&to=YYYY-MM}: TradeChange rows</li>
 *   <li>{@code GET /api/signals?status=ACTIVE&type=YOY_MOVE&reporter=&partner=}: TradeSignal rows by period, then
 *       type; beyond the limit, the earliest</li>
 *   <li>{@code GET /health/live}, {@code GET /health/ready}: 200 or 503 with the reason</li>
 * </ul>
 * Every filter is optional; a parameter an endpoint does not take, or a flow, status or type outside its values, is
 * answered 400 naming the allowed ones. Paths match exactly (another one under /api or /health: 404 in JSON listing
 * the endpoints); HEAD is answered as GET without the body; another method: 405 with {@code Allow: GET, HEAD}. The API endpoints return at most
 * {@code limit} rows (default 1,000, at most 100,000) and set {@code X-Truncated: true} when more matched, with, when
 * the rest can be read on, a cursor for the next page ({@value #NEXT_CURSOR_HEADER} and {@code Link:
 * <signals?...&after=...>; rel="next"}, relative to the request's URL: see {@link #nextLink}), and {@code X-Tradepulse-View} to how complete the view was ({@link #VIEW_HEADER}); the rows
 * are streamed (chunked), at most {@link #MAX_CONCURRENT_QUERIES} queries run at once (503 with {@code Retry-After}
 * beyond), and the health endpoints never wait behind them. A request must arrive within
 * {@link #DEFAULT_MAX_REQUEST_SECONDS} s and its response be read within {@link #DEFAULT_MAX_RESPONSE_SECONDS} s (the
 * system properties {@value #MAX_REQUEST_TIME_PROPERTY} and {@value #MAX_RESPONSE_TIME_PROPERTY}, when set, decide),
 * so slow clients cannot hold the threads or the query permits. A filter on the leading series fields (reporter, then
 * partner, flow, commodity) reads only those series; filters without a reporter skip through the view in key order
 * from one matching series to the next, {@code from} and {@code to} are sought within each series, and /api/signals
 * pages read the view's time index (or a field index) from their cursor and stop at the limit ({@link ResultsStore}).
 * <ul>
 *   <li>{@code GET /}: the dashboard</li>
 * </ul>
 */
public final class DashboardServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DashboardServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** One row of a streamed array: no flush per row (the default), the buffer decides. */
    private static final ObjectWriter ROW = JSON.writer().without(SerializationFeature.FLUSH_AFTER_WRITE_VALUE);

    /**
     * Health as the processor reports it; readiness additionally needs the view to have caught up, to advance and to
     * be readable ({@link ViewReadCheck}).
     */
    public record Health(boolean alive, boolean ready, String detail) {
    }

    private final HttpServer server;
    /** The server's threads: HttpServer.stop leaves an executor it was given running, so close() shuts it down. */
    private final ExecutorService executor;
    /** Exchanges being answered, so that close() lets them finish. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Results view;
    private final Supplier<Health> health;
    /** Readiness also needs the view to be readable: see {@link ViewReadCheck}. */
    private final ViewReadCheck readCheck;
    private final CorsPolicy cors;
    /** Path to handler, matched exactly. */
    private final Map<String, HttpHandler> routes;

    /**
     * @param host   interface to bind (127.0.0.1 keeps the demo private to the machine)
     * @param port   port, 0 for a free one
     * @param view   the results to serve
     * @param health processor health (e.g. from KafkaStreams state)
     */
    public DashboardServer(String host, int port, Results view, Supplier<Health> health) throws IOException {
        this(host, port, view, health, CorsPolicy.OFF);
    }

    /**
     * @param cors the browser origins that may call /api/* and /health/* from their pages ({@link CorsPolicy#OFF}:
     *             none, no CORS header sent)
     */
    public DashboardServer(String host, int port, Results view, Supplier<Health> health, CorsPolicy cors)
            throws IOException {
        this.view = view;
        this.health = health;
        this.readCheck = new ViewReadCheck(view);
        this.cors = Objects.requireNonNull(cors, "cors");
        limitRequestAndResponseTimes(); // before the server exists: the JDK reads the limits when it creates one
        this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
        // Many more threads than queries may run (below): a thread reads the request before any handler runs, so
        // the health probes find a thread however many queries are being answered and while a few clients are slow
        // to send their request (each holds a thread until it arrives or maxReqTime ends it); an orchestrator that
        // cannot reach /health/live restarts the processor. The threads mostly wait on sockets: 16 cost little.
        String threadName = "tradepulse-http-" + server.getAddress().getPort();
        this.executor = Executors.newFixedThreadPool(HTTP_THREADS, r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        // One context and exact paths: the server's contexts match by prefix, so /api/seriesXYZ and /health/readyz
        // answered as /api/series and /health/ready did, and a probe or a client with a typo never learnt of it.
        Map<String, HttpHandler> routes = new LinkedHashMap<>();
        routes.put("/api/series", ex -> handle(ex, SERIES_PARAMS, this::series));
        routes.put("/api/changes", ex -> handle(ex, CHANGES_PARAMS, this::changes));
        routes.put("/api/signals", ex -> handle(ex, SIGNALS_PARAMS, this::signals));
        routes.put("/health/live", ex -> healthResponse(ex, false));
        routes.put("/health/ready", ex -> healthResponse(ex, true));
        routes.put("/", this::dashboard);
        routes.put("/index.html", this::dashboard);
        this.routes = Collections.unmodifiableMap(routes);
        server.createContext("/", this::route);
    }

    /** Threads that read requests and answer them; at most {@link #MAX_CONCURRENT_QUERIES} of them run queries. */
    static final int HTTP_THREADS = 16;

    /**
     * The JDK server's limits, in seconds, on receiving a whole request and on answering it (from the end of the
     * request until the client has taken the whole response). Its default is no limit: 4 clients sending half a
     * request line held every thread of the pool, and 2 asking for 100,000 rows without reading them held both
     * query permits, so /health/live hung and /api/* answered 503, for as long as those clients liked.
     */
    static final String MAX_REQUEST_TIME_PROPERTY = "sun.net.httpserver.maxReqTime";
    static final String MAX_RESPONSE_TIME_PROPERTY = "sun.net.httpserver.maxRspTime";
    /** A GET's request line and headers are a few hundred bytes: 10 s leaves room for retransmissions. */
    static final long DEFAULT_MAX_REQUEST_SECONDS = 10;
    /** The largest page (~73 MB of JSON) needs ~10 Mbit/s to be read in this time. */
    static final long DEFAULT_MAX_RESPONSE_SECONDS = 60;

    /**
     * Sets the request and response time limits unless the operator did ({@code -Dsun.net.httpserver.maxReqTime=}
     * seconds, e.g. in JAVA_TOOL_OPTIONS): they are JVM-wide system properties, and the JDK reads them once, when
     * the JVM's first HttpServer is created. So they apply to every HttpServer of the JVM, and not at all if
     * another one was created before the first DashboardServer.
     */
    private static synchronized void limitRequestAndResponseTimes() {
        setIfAbsent(MAX_REQUEST_TIME_PROPERTY, DEFAULT_MAX_REQUEST_SECONDS);
        setIfAbsent(MAX_RESPONSE_TIME_PROPERTY, DEFAULT_MAX_RESPONSE_SECONDS);
    }

    static void setIfAbsent(String property, long seconds) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Long.toString(seconds));
        }
    }

    private void route(HttpExchange ex) throws IOException {
        inFlight.incrementAndGet();
        try {
            dispatch(ex);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void dispatch(HttpExchange ex) throws IOException {
        String path = Objects.requireNonNullElse(ex.getRequestURI().getPath(), "");
        if (cors.enabled() && underJsonEndpoints(path) && cors(ex)) {
            return;
        }
        HttpHandler handler = routes.get(path);
        if (handler == null) {
            try (ex) {
                if (underJsonEndpoints(path)) {
                    // Quoted as the 400s quote what they echo: the path is percent-decoded, so a trailing %20 or a
                    // zero-width space (%E2%80%8B) made "/api/series " look like the endpoint it says does not exist.
                    sendError(ex, 404, "no such endpoint: " + quoted(path) + "; endpoints: " + routes.keySet().stream()
                            .filter(DashboardServer::underJsonEndpoints).collect(Collectors.joining(", ")));
                } else {
                    send(ex, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
                }
            }
            return;
        }
        // HEAD as GET without the body (RFC 9110 asks every server for both): load balancers, uptime monitors
        // and `curl -I` probe with HEAD, and got 405 from /health/ready, so they reported the service down.
        if (!"GET".equals(ex.getRequestMethod()) && !isHead(ex)) {
            try (ex) {
                ex.getResponseHeaders().set("Allow", "GET, HEAD");
                sendError(ex, 405, "GET or HEAD only");
            }
            return;
        }
        handler.handle(ex);
    }

    /*
     * CORS (Fetch standard), only when an allow-list is configured and only on /api and /health: the dashboard is
     * served from the API's own origin and needs none. Without an Origin header (curl, probes, server-side clients)
     * nothing changes. No Vary: Origin on answers to requests without one or from an origin not listed: every answer
     * has Cache-Control: no-store, so no shared cache keeps one to hand to another origin.
     */

    static final String ORIGIN = "Origin";

    /**
     * Sets the CORS headers for a request from an allowed origin, and answers a preflight (OPTIONS with Origin and
     * Access-Control-Request-Method); true when it answered. A preflight from an origin not listed gets 403 without
     * CORS headers: the browser refuses the call either way (a preflight needs Access-Control-Allow-Origin), and a
     * 403 tells whoever looks at it with curl or the browser's network tab that the origin is not listed, where a 204
     * would look like a success. Other methods from any origin go on to the 405 they always got.
     */
    private boolean cors(HttpExchange ex) throws IOException {
        String origin = ex.getRequestHeaders().getFirst(ORIGIN);
        if (origin == null) {
            return false;
        }
        String allowed = cors.allowOrigin(origin);
        boolean preflight = "OPTIONS".equals(ex.getRequestMethod())
                && ex.getRequestHeaders().containsKey("Access-Control-Request-Method");
        if (allowed == null) {
            if (!preflight) {
                return false; // answered as without CORS: the browser hides the answer from the page
            }
            try (ex) {
                // Quoted as the 400s do: an origin that differs from a listed one only by a space or an invisible
                // character (a header value may hold a tab or a no-break space) would look like the listed one.
                sendError(ex, 403, "origin not allowed to call this API from a browser: " + quoted(origin));
            }
            return true;
        }
        var headers = ex.getResponseHeaders();
        headers.set("Access-Control-Allow-Origin", allowed);
        if (cors.echoesOrigin()) {
            headers.add("Vary", ORIGIN);
        }
        if (!preflight) {
            headers.set("Access-Control-Expose-Headers", CorsPolicy.EXPOSED_HEADERS);
            return false;
        }
        try (ex) {
            headers.set("Access-Control-Allow-Methods", CorsPolicy.ALLOWED_METHODS);
            String allowHeaders = CorsPolicy.allowHeaders(ex.getRequestHeaders().get("Access-Control-Request-Headers"));
            if (allowHeaders != null) {
                headers.set("Access-Control-Allow-Headers", allowHeaders);
                headers.add("Vary", "Access-Control-Request-Headers");
            }
            headers.set("Access-Control-Max-Age", Integer.toString(CorsPolicy.MAX_AGE_SECONDS));
            ex.sendResponseHeaders(204, -1);
        }
        return true;
    }

    private static boolean isHead(HttpExchange ex) {
        return "HEAD".equals(ex.getRequestMethod());
    }

    /** Paths under /api and /health, whose clients read JSON, errors included. */
    private static boolean underJsonEndpoints(String path) {
        for (String root : List.of("/api", "/health")) {
            if (path.equals(root) || path.startsWith(root + "/")) {
                return true;
            }
        }
        return false;
    }

    public DashboardServer start() {
        server.start();
        return this;
    }

    /**
     * The server's base URL, as `run` and `demo` print it for people to open. Bound to every interface (the default
     * {@code --http-host 0.0.0.0}, which the JDK binds as the IPv6 wildcard on a dual-stack host), the bound address
     * is no host a browser can open, and it was printed as {@code http://0:0:0:0:0:0:0:0:8080/}, not even a URL (an
     * IPv6 address needs brackets): such a server is named by {@code localhost}, which reaches it on its own machine
     * (a wildcard socket accepts the loopback address of either stack). Another IPv6 address is bracketed.
     */
    public String url() {
        InetSocketAddress bound = server.getAddress();
        InetAddress address = bound.getAddress();
        String host;
        if (address == null) {
            host = bound.getHostString(); // unresolved: not for a bound server
        } else if (address.isAnyLocalAddress()) {
            host = "localhost";
        } else if (address instanceof Inet6Address) {
            host = "[" + address.getHostAddress().replace("%", "%25") + "]"; // a zone (%eth0) escaped, RFC 6874
        } else {
            host = address.getHostAddress();
        }
        return "http://" + host + ":" + bound.getPort() + "/";
    }

    private interface Endpoint {
        Reply respond(Map<String, String> query);
    }

    /**
     * A JSON array of rows (Avro records, or plain values Jackson writes), whether the limit cut it short, and the
     * token that continues it (null: none).
     */
    private record Reply(List<?> rows, boolean truncated, String next) {
    }

    /**
     * API queries answered at once; more get 503 with Retry-After. Each holds up to {@code limit} rows in the
     * processor's JVM (kept encoded: a few tens of MB at the largest limit) while it writes them out, so the number of
     * queries, not of clients, bounds the heap the API takes.
     */
    static final int MAX_CONCURRENT_QUERIES = 2;
    private final Semaphore queries = new Semaphore(MAX_CONCURRENT_QUERIES);

    /*
     * The parameters each endpoint takes. Anything else is refused: a misspelt filter ("reportr=CHN") that was
     * ignored would answer with every series, which looks like a valid answer to the question not asked.
     */
    private static final List<String> SERIES_FILTER_PARAMS = List.of("reporter", "partner", "flow", "commodity");
    private static final Set<String> SERIES_PARAMS = params(SERIES_FILTER_PARAMS, "limit", "after");
    private static final Set<String> CHANGES_PARAMS = params(SERIES_FILTER_PARAMS, "from", "to", "limit", "after");
    private static final Set<String> SIGNALS_PARAMS = params(SERIES_FILTER_PARAMS, "status", "type", "limit", "after");

    private static Set<String> params(List<String> filters, String... more) {
        Set<String> all = new LinkedHashSet<>(filters);
        all.addAll(List.of(more));
        return Collections.unmodifiableSet(all);
    }

    private void handle(HttpExchange ex, Set<String> allowed, Endpoint endpoint) throws IOException {
        try (ex) {
            if (!queries.tryAcquire()) {
                ex.getResponseHeaders().set("Retry-After", "1");
                sendError(ex, 503, "busy: " + MAX_CONCURRENT_QUERIES + " queries are being answered; retry shortly");
                return;
            }
            try {
                // Before the query: the view only ever becomes caught up, so a state read after it could call
                // current an answer read while the view was still catching up.
                String viewState = viewState();
                Reply reply;
                try {
                    reply = endpoint.respond(query(ex, allowed));
                } catch (IllegalArgumentException e) {
                    sendError(ex, 400, e.getMessage());
                    return;
                } catch (RuntimeException e) {
                    // e.g. the view's store failing: answer 500 rather than dropping the connection without a reply
                    log.warn("request {} failed", ex.getRequestURI(), e);
                    sendError(ex, 500, "internal error: " + e);
                    return;
                }
                sendRows(ex, reply, viewState);
            } finally {
                queries.release();
            }
        } catch (IOException | RuntimeException e) {
            // After the headers (a client gone, a row that cannot be decoded): the status (200) is out, so the body
            // ends where the failure happened, without closing the array (see sendRows): the client's JSON parser
            // fails on it rather than reading a shorter valid array as the whole answer.
            log.warn("request {} failed: {}", ex.getRequestURI(), e.toString());
        }
    }

    /**
     * Response header of every API answer saying how complete the view behind it was when the query started: {@value
     * #VIEW_CURRENT}, {@value #VIEW_CATCHING_UP} or {@value #VIEW_STALLED}. The API answers from a partial view
     * (after a restart the view is rebuilt from the topics, and a partial answer is useful) while /health/ready says
     * 503; without the header a client could not tell such an answer from a complete one.
     */
    static final String VIEW_HEADER = "X-Tradepulse-View";
    /** The view had read everything committed when serving started, and reads on without a failure. */
    static final String VIEW_CURRENT = "current";
    /** The view is still reading what was committed when serving started: rows may be missing or older. */
    static final String VIEW_CATCHING_UP = "catching-up";
    /** The view cannot advance right now (see /health/ready's viewFailure): rows may be missing or older. */
    static final String VIEW_STALLED = "stalled";

    private String viewState() {
        if (view.stopped() || view.failure().isPresent()) {
            return VIEW_STALLED;
        }
        return view.caughtUp() ? VIEW_CURRENT : VIEW_CATCHING_UP;
    }

    /** Streams the rows out as they are written (chunked): the body is never held whole. */
    private static void sendRows(HttpExchange ex, Reply reply, String viewState) throws IOException {
        if (reply.truncated()) {
            ex.getResponseHeaders().set(TRUNCATED_HEADER, "true");
        }
        if (reply.next() != null) {
            ex.getResponseHeaders().set(NEXT_CURSOR_HEADER, reply.next());
            ex.getResponseHeaders().set("Link", "<" + nextLink(ex.getRequestURI(), reply.next()) + ">; rel=\"next\"");
        }
        ex.getResponseHeaders().set(VIEW_HEADER, viewState);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        if (isHead(ex)) {
            // The query ran, so the headers (X-Truncated) are GET's; the rows are neither decoded nor sent.
            ex.sendResponseHeaders(200, -1);
            return;
        }
        ex.sendResponseHeaders(200, 0);
        // Without AUTO_CLOSE_JSON_CONTENT: by default closing the generator after a failed row writes the brackets
        // still open, which turned a failure into a shorter, valid array with a 200 and no X-Truncated.
        try (JsonGenerator g = JSON.getFactory().createGenerator(new BufferedOutputStream(ex.getResponseBody(), 64 * 1024))
                .disable(JsonGenerator.Feature.AUTO_CLOSE_JSON_CONTENT)) {
            g.writeStartArray();
            for (Object row : reply.rows()) {
                if (row instanceof GenericRecord r) {
                    AvroJson.write(g, r);
                } else {
                    ROW.writeValue(g, row);
                }
            }
            g.writeEndArray();
        }
    }

    private static void sendError(HttpExchange ex, int status, String message) throws IOException {
        send(ex, status, "application/json", JSON.writeValueAsBytes(Map.of("error", message)));
    }

    /** Default and largest number of rows per response; {@code limit} picks another up to the largest. */
    static final int DEFAULT_LIMIT = 1_000;
    static final int MAX_LIMIT = 100_000;
    /** Response header set when more rows matched than the limit let through. */
    static final String TRUNCATED_HEADER = "X-Truncated";

    private Reply series(Map<String, String> q) {
        Results.SeriesFilter filter = filter(q);
        byte[] query = queryHash("/api/series", filterFields(filter));
        Results.Page<Results.SeriesSummary> page = continued(() -> view.series(filter, after(q, query), limit(q)));
        return new Reply(page.rows().stream().map(s -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reporter", s.reporter());
            m.put("partner", s.partner());
            m.put("flow", s.flow());
            m.put("commodity", s.commodity());
            m.put("months", s.months());
            // Locale.ROOT: under the default locale of e.g. fa or ar the digits would be Persian or Arabic ones.
            m.put("latestPeriod", String.format(Locale.ROOT, "%04d-%02d", s.latestYear(), s.latestMonth()));
            return m;
        }).toList(), page.truncated(), token(page.next(), query));
    }

    private Reply changes(Map<String, String> q) {
        int from = period(q, "from", Integer.MIN_VALUE);
        int to = period(q, "to", Integer.MAX_VALUE);
        if (from > to) {
            throw new IllegalArgumentException("from must not be after to: " + quoted(q.get("from")) + " > "
                    + quoted(q.get("to")));
        }
        Results.SeriesFilter filter = filter(q);
        List<String> fields = filterFields(filter);
        fields.add(Integer.toString(from));
        fields.add(Integer.toString(to));
        byte[] query = queryHash("/api/changes", fields);
        Results.Page<TradeChange> page = continued(() -> view.changes(filter, from, to, after(q, query), limit(q)));
        return new Reply(page.rows(), page.truncated(), token(page.next(), query));
    }

    private Reply signals(Map<String, String> q) {
        SignalStatus status = oneOf(q, "status", SignalStatus.class);
        SignalType type = oneOf(q, "type", SignalType.class);
        // The type goes to the view as a key field (it finds a type's signals by key); the status is in the value.
        Predicate<TradeSignal> where = s -> status == null || s.getStatus() == status;
        Results.SeriesFilter filter = filter(q);
        List<String> fields = filterFields(filter);
        fields.add(status == null ? "" : status.name());
        fields.add(type == null ? "" : type.name());
        byte[] query = queryHash("/api/signals", fields);
        Results.Page<TradeSignal> page = continued(() -> view.signals(filter, type == null ? null : type.name(), where,
                after(q, query), limit(q)));
        return new Reply(page.rows(), page.truncated(), token(page.next(), query));
    }

    /*
     * Keyset paging. A page cut short carries a token to continue it, and the same query with after=<token> answers
     * the rows strictly after that page's last one, in the same order. The token is the view's position (a store
     * key: Results.Cursor) after a version byte and a hash of the query it belongs to, in base64url (no padding), so
     * it needs no escaping in a URL and the server keeps no state per pager: it works on any instance and after a
     * restart. The hash binds it to the endpoint and its filters (not the limit, which may change from page to
     * page): a token passed with other filters would continue another query from a position that means nothing
     * there, skipping or repeating rows silently, so it is refused.
     */

    /** The parameter that continues a query; its value is the token a truncated answer gave. */
    static final String AFTER = "after";
    /** Response header with the token that continues a truncated answer (also in {@code Link: <...>; rel="next"}). */
    static final String NEXT_CURSOR_HEADER = "X-Next-Cursor";
    /** First byte of every token: a release whose positions mean something else changes it, and old ones get 400. */
    private static final byte TOKEN_VERSION = 1;
    /** Bytes of the query's SHA-256 a token carries: enough to tell queries apart, not a secret (tokens are not). */
    private static final int QUERY_HASH_BYTES = 8;
    /** Store keys are a few dozen bytes; a longer token was not made here. */
    static final int MAX_TOKEN_CHARS = 1024;

    /** The series filter as the view matches it (codes in any case, empty as absent), so equal filters hash equal. */
    private static List<String> filterFields(Results.SeriesFilter f) {
        List<String> fields = new ArrayList<>();
        for (String v : new String[] {f.reporter(), f.partner(), f.flow(), f.commodity()}) {
            fields.add(v == null ? "" : AsciiCase.upper(v));
        }
        return fields;
    }

    /** The endpoint and its filter values, each length-prefixed so that no two queries run together alike. */
    private static byte[] queryHash(String endpoint, List<String> fields) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String field : concat(endpoint, fields)) {
                byte[] bytes = field.getBytes(StandardCharsets.UTF_8);
                sha.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
                sha.update(bytes);
            }
            return Arrays.copyOf(sha.digest(), QUERY_HASH_BYTES);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JVM", e); // every JVM has it
        }
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    /** The token for a next page of the query, or null for none. */
    private static String token(Results.Cursor next, byte[] query) {
        if (next == null) {
            return null;
        }
        byte[] position = next.position();
        ByteBuffer token = ByteBuffer.allocate(1 + QUERY_HASH_BYTES + position.length);
        token.put(TOKEN_VERSION).put(query).put(position);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(token.array());
    }

    /** The cursor the {@code after} parameter names for this query (null when absent); 400 naming it otherwise. */
    private static Results.Cursor after(Map<String, String> q, byte[] query) {
        String text = q.get(AFTER);
        if (text == null || text.isEmpty()) {
            return null;
        }
        byte[] token;
        try {
            if (text.length() > MAX_TOKEN_CHARS) {
                throw new IllegalArgumentException("longer than " + MAX_TOKEN_CHARS + " characters");
            }
            token = Base64.getUrlDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(AFTER + " must be the " + NEXT_CURSOR_HEADER
                    + " token of an earlier answer (base64url): " + e.getMessage());
        }
        if (token.length <= 1 + QUERY_HASH_BYTES || token[0] != TOKEN_VERSION) {
            throw new IllegalArgumentException(AFTER + " must be the " + NEXT_CURSOR_HEADER
                    + " token of an earlier answer of this release: not one");
        }
        if (!Arrays.equals(token, 1, 1 + QUERY_HASH_BYTES, query, 0, QUERY_HASH_BYTES)) {
            throw new IllegalArgumentException(AFTER + " continues another query: repeat the endpoint and filters of"
                    + " the request that returned it (only limit may change)");
        }
        return new Results.Cursor(Arrays.copyOfRange(token, 1 + QUERY_HASH_BYTES, token.length));
    }

    /** A query given a cursor the view refuses (a token made up to match the query's hash): 400 naming after. */
    private static <T> Results.Page<T> continued(Supplier<Results.Page<T>> query) {
        try {
            return query.get();
        } catch (Results.InvalidCursorException e) {
            throw new IllegalArgumentException(AFTER + " is not a position of this query: " + e.getMessage());
        }
    }

    /**
     * The next page's link target: the request's query with after set to the token, as a relative reference made
     * of the last path segment and that query ({@code signals?limit=2&after=...}), resolved by the client against
     * the URL it used (RFC 8288, RFC 3986 section 5.2). A root-relative {@code /api/signals?...} was wrong behind a
     * reverse proxy that serves the API under a prefix (/tradepulse/api/... with /tradepulse stripped): it sent
     * the client out of the prefix. Why not the query alone ({@code ?limit=...}), which RFC 3986 resolves to the
     * request's path: java.net.URI.resolve follows RFC 2396 there and drops the last segment
     * ({@code http://host/tradepulse/api/?limit=...}), so Java clients would be sent to a wrong path; with the
     * segment, both resolve it alike. The parameters are kept as the client wrote them (their order and escaping;
     * non-ASCII sent unescaped is escaped byte by byte, the same value), so the link is the same query. The JDK server refuses a request line that is no URI, so the raw path and
     * query have no character that could end the Link header's {@code <...>}.
     */
    static String nextLink(URI request, String token) {
        String path = Objects.requireNonNullElse(request.getRawPath(), "");
        String segment = path.substring(path.lastIndexOf('/') + 1);
        // A first segment with a colon would read as a scheme ("a:b?..."); "./" keeps it a path. (The endpoints'
        // segments have none; an empty one, a path ending in "/", leaves the query alone, which resolves to that
        // path under both RFCs.)
        StringBuilder link = new StringBuilder(segment.indexOf(':') >= 0 ? "./" : "").append(segment).append('?');
        String raw = request.getRawQuery();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                if (!pair.isEmpty() && !name.equals(AFTER)) {
                    // Raw non-ASCII bytes escaped: echoed as they came, the header carried raw UTF-8 that clients
                    // read as Latin-1 and re-encoded, so the next page asked for mojibake.
                    link.append(escapedBytes(pair)).append('&');
                }
            }
        }
        return link.append(AFTER).append('=').append(token).toString();
    }

    private static Results.SeriesFilter filter(Map<String, String> q) {
        Flow flow = oneOf(q, "flow", Flow.class);
        return new Results.SeriesFilter(q.get("reporter"), q.get("partner"), flow == null ? null : flow.name(),
                q.get("commodity"));
    }

    /**
     * The value of an enum-valued parameter (its ASCII letters in any case), null when absent; else 400 naming the
     * allowed values.
     */
    private static <E extends Enum<E>> E oneOf(Map<String, String> q, String name, Class<E> type) {
        String text = q.get(name);
        if (text == null || text.isEmpty()) {
            return null;
        }
        for (E e : type.getEnumConstants()) {
            if (AsciiCase.equalsIgnoreCase(e.name(), text)) {
                return e;
            }
        }
        throw new IllegalArgumentException(name + " must be one of " + Arrays.stream(type.getEnumConstants())
                .map(Enum::name).collect(Collectors.joining(", ")) + ": " + quoted(text));
    }

    /**
     * ASCII digits: leading zeros, then up to 9 more, so that parsing cannot overflow (more would be out of range
     * anyway); the range is checked after. Leading zeros count for nothing, as anywhere else: {@code 0000000005}
     * is 5 (it was refused, as 10 digits).
     */
    private static final Pattern LIMIT = Pattern.compile("0*([0-9]{1,9})");

    private static int limit(Map<String, String> q) {
        String text = q.get("limit");
        if (text == null || text.isEmpty()) {
            return DEFAULT_LIMIT;
        }
        // ASCII digits only, as for the periods: Integer.parseInt also takes a sign and any script's digits.
        Matcher digits = LIMIT.matcher(text);
        if (digits.matches()) {
            int limit = Integer.parseInt(digits.group(1));
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        }
        throw new IllegalArgumentException("limit must be 1.." + MAX_LIMIT + ": " + quoted(text));
    }

    /**
     * Four ASCII digits, a dash, two for the month: a longer year overflowed {@link Results#period} (to=999999999-01
     * answered []), and Integer.parseInt would take signs and non-ASCII digits.
     */
    private static final Pattern PERIOD = Pattern.compile("([0-9]{4})-(0[1-9]|1[0-2])");

    private static int period(Map<String, String> q, String name, int dflt) {
        String text = q.get(name);
        if (text == null || text.isEmpty()) {
            return dflt;
        }
        Matcher m = PERIOD.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException(name + " must be YYYY-MM (four-digit year, month 01-12, e.g. 2025-01): "
                    + quoted(text));
        }
        return Results.period(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    private void healthResponse(HttpExchange ex, boolean readiness) throws IOException {
        try (ex) {
            Health h = health.get();
            Optional<String> viewFailure = view.failure();
            // Readiness only: a view that cannot be read answers every query 500, so it must get no clients; the
            // processor may be fine, so liveness (a restart) is not decided by it.
            Optional<String> readFailure = readiness ? readCheck.failure() : Optional.empty();
            // Liveness also fails once the view has stopped for good: a restart is the only way back.
            boolean ok = readiness ? h.ready() && view.caughtUp() && viewFailure.isEmpty() && readFailure.isEmpty()
                    : h.alive() && !view.stopped();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", ok ? "UP" : "DOWN");
            body.put("processor", h.detail());
            body.put("viewCaughtUp", view.caughtUp());
            viewFailure.ifPresent(f -> body.put("viewFailure", f));
            readFailure.ifPresent(f -> body.put("viewReadFailure", f));
            send(ex, ok ? 200 : 503, "application/json", JSON.writeValueAsBytes(body));
        }
    }

    private void dashboard(HttpExchange ex) throws IOException {
        try (ex) {
            try (InputStream in = Objects.requireNonNull(
                    DashboardServer.class.getResourceAsStream("dashboard.html"), "dashboard.html missing")) {
                send(ex, 200, "text/html; charset=utf-8", in.readAllBytes());
            }
        }
    }

    /** The query's parameters; 400 for one the endpoint does not take, or one given twice. */
    private static Map<String, String> query(HttpExchange ex, Set<String> allowed) {
        Map<String, String> q = new HashMap<>();
        String raw = ex.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue; // "?a=1&&b=2"
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq), "a parameter name");
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1), "parameter " + quoted(name));
            if (!allowed.contains(name)) {
                throw new IllegalArgumentException("unknown parameter " + quoted(name) + " for " + ex.getRequestURI().getPath()
                        + "; allowed: " + String.join(", ", allowed));
            }
            if (q.put(name, value) != null) {
                throw new IllegalArgumentException("parameter " + quoted(name) + " given more than once");
            }
        }
        return q;
    }

    /**
     * A query name or value percent-decoded as UTF-8 ({@code +} as a space, as {@link URLDecoder} does), refusing
     * escapes whose bytes are not UTF-8 with 400 naming {@code what}. URLDecoder replaces such bytes with U+FFFD, so
     * {@code reporter=%E4} (a Latin-1 'ä') filtered on U+FFFD and was answered 200 with no rows, which reads as "no
     * such data" rather than "this request is wrong". Characters that are not escaped are kept as they are, as
     * URLDecoder keeps them. (A malformed escape, {@code %zz} or a lone {@code %}, never gets here: the JDK server
     * parses the request line as a URI and answers it 400 itself, before any handler.)
     *
     * <p>A character that is not escaped but is not ASCII either is a raw byte of the request line: the JDK server
     * reads that line as ISO-8859-1, one char per byte, so {@code partner=Côte} sent unescaped in UTF-8 (as curl and
     * some clients do) arrives as {@code CÃ´te}. Such chars are taken back as the bytes they were and decoded as
     * UTF-8 with the escapes next to them (kept as they were, they filtered on mojibake and answered 200 with no
     * rows); bytes that are not UTF-8 are a 400 naming {@code what}, as for escapes.
     */
    static String decode(String raw, String what) {
        if (raw.indexOf('%') < 0 && raw.indexOf('+') < 0 && raw.chars().allMatch(c -> c < 0x80)) {
            return raw;
        }
        StringBuilder out = new StringBuilder(raw.length());
        ByteBuffer bytes = ByteBuffer.allocate(raw.length());
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c != '%' && !rawByte(c)) {
                out.append(c == '+' ? ' ' : c);
                i++;
                continue;
            }
            // A run of escapes and raw bytes is one byte sequence: a character's UTF-8 bytes are escaped one by one
            // (or sent raw, one char each).
            bytes.clear();
            while (i < raw.length() && (raw.charAt(i) == '%' || rawByte(raw.charAt(i)))) {
                if (raw.charAt(i) != '%') {
                    bytes.put((byte) raw.charAt(i));
                    i++;
                    continue;
                }
                int hi = i + 2 < raw.length() ? hex(raw.charAt(i + 1)) : -1;
                int lo = hi < 0 ? -1 : hex(raw.charAt(i + 2));
                if (lo < 0) {
                    throw new IllegalArgumentException(what + " has a malformed escape (% and two hex digits): " + quoted(raw));
                }
                bytes.put((byte) (hi << 4 | lo));
                i += 3;
            }
            bytes.flip();
            try {
                // newDecoder() reports malformed input, where String and URLDecoder substitute U+FFFD
                out.append(StandardCharsets.UTF_8.newDecoder().decode(bytes));
            } catch (CharacterCodingException e) {
                throw new IllegalArgumentException(what + " is not UTF-8 once percent-decoded (escape each byte of"
                        + " the value's UTF-8 encoding): " + quoted(escapedBytes(raw)));
            }
        }
        return out.toString();
    }

    /**
     * A parameter's name or value as a 400 echoes it: in single quotes, so that a leading or trailing space shows
     * ({@code limit=+5} decodes to " 5", and "limit must be 1..100000:  5" hid what was wrong), and with each
     * character that prints as nothing or as a blank (controls, format characters such as a zero-width space,
     * separators other than the ASCII space such as a no-break space) as a Java escape, {@code \\u200B}.
     */
    static String quoted(String text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('\'');
        text.codePoints().forEach(c -> {
            if (c != ' ' && InvisibleCharacters.invisible(c)) {
                for (char unit : Character.toChars(c)) {
                    out.append(String.format(Locale.ROOT, "\\u%04X", (int) unit));
                }
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.append('\'').toString();
    }

    /** The raw text with its raw bytes as escapes: a raw 0xE4 quoted as 'ä' would read as a valid character. */
    private static String escapedBytes(String raw) {
        StringBuilder out = new StringBuilder(raw.length());
        raw.chars().forEach(c -> out.append(rawByte((char) c) ? String.format(Locale.ROOT, "%%%02X", c) : (char) c));
        return out.toString();
    }

    /**
     * A char of the raw query that stands for a non-ASCII byte of the request line (read as ISO-8859-1, so at most
     * U+00FF). A char above that cannot come from the JDK server; it is kept as the character it is.
     */
    private static boolean rawByte(char c) {
        return c >= 0x80 && c <= 0xFF;
    }

    /** An ASCII hex digit's value, else -1 (Character.digit also takes other scripts' digits). */
    private static int hex(char c) {
        return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        if (isHead(ex)) {
            ex.sendResponseHeaders(status, -1); // a HEAD response has no body (the JDK refuses to write one)
            return;
        }
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    /** How long close() waits for the responses being written before it cuts their connections. */
    static final Duration DRAIN = Duration.ofSeconds(2);

    /**
     * Lets the responses being written finish (up to {@link #DRAIN}), then closes the listener and every connection,
     * then the threads. Not {@code server.stop(DRAIN)}: it waits the whole delay even with nothing in flight, and
     * stop(0), as before, cut responses mid-way.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        long deadline = System.nanoTime() + DRAIN.toNanos();
        try {
            while (inFlight.get() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        server.stop(0);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(1, TimeUnit.SECONDS)) {
                executor.shutdownNow(); // a handler still waiting (on the view, say): interrupt it
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
