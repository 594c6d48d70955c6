package io.tradepulse.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DashboardServerTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final AtomicReference<DashboardServer.Health> health =
            new AtomicReference<>(new DashboardServer.Health(true, true, "RUNNING"));
    @TempDir
    Path tmp;
    private StoreResults results;
    private DashboardServer server;

    /** The real store behind the API, filled directly; caught-up and failure as each test sets them. */
    static class StoreResults implements Results {
        final ResultsStore store;
        volatile boolean caughtUp = true;
        volatile String failure;

        StoreResults(Path dir) throws Exception {
            this(dir, ResultsStore.MAX_SCANNED);
        }

        /** With a bound on the entries one query reads: a few, to page past it with little data. */
        StoreResults(Path dir, long maxScanned) throws Exception {
            store = ResultsStore.open(dir, maxScanned);
            for (TradeChange c : List.of(change(2025, 5, 28_800_000_000L, -34.545), change(2024, 5, 44_000_000_000L, null),
                    TradeChange.newBuilder(change(2025, 5, 1L, null)).setReporter("USA").setPartner("CHN")
                            .setFlow(Flow.IMPORT).build())) {
                store.putChange(ResultsStoreTest.key(c), c);
            }
            TradeSignal s = TradeSignal.newBuilder().setType("YOY_MOVE").setStatus(SignalStatus.ACTIVE)
                    .setReporter("CHN").setPartner("USA").setFlow(Flow.EXPORT).setCommodity("TOTAL")
                    .setYear(2025).setMonth(5).setSummary("down 34.5 %").setMethod("|YoY| >= 30").build();
            store.putSignal(new SignalKey("CHN", "USA", Flow.EXPORT, "TOTAL", 2025, 5, "YOY_MOVE"), s);
        }

        @Override
        public Page<SeriesSummary> series(SeriesFilter filter, int limit) {
            return series(filter, null, limit);
        }

        @Override
        public Page<SeriesSummary> series(SeriesFilter filter, Cursor after, int limit) {
            return store.series(filter, after, limit);
        }

        @Override
        public Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, int limit) {
            return changes(filter, fromPeriod, toPeriod, null, limit);
        }

        @Override
        public Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, Cursor after, int limit) {
            return store.changes(filter, fromPeriod, toPeriod, after, limit);
        }

        @Override
        public Page<TradeSignal> signals(SeriesFilter filter, Predicate<TradeSignal> where, int limit) {
            return signals(filter, where, null, limit);
        }

        @Override
        public Page<TradeSignal> signals(SeriesFilter filter, Predicate<TradeSignal> where, Cursor after, int limit) {
            return store.signals(filter, where, after, limit);
        }

        @Override
        public Page<TradeSignal> signals(SeriesFilter filter, String type, Predicate<TradeSignal> where, Cursor after,
                int limit) {
            return store.signals(filter, type, where, after, limit);
        }

        @Override
        public boolean caughtUp() {
            return caughtUp;
        }

        @Override
        public Optional<String> failure() {
            return Optional.ofNullable(failure);
        }

        volatile boolean stopped;

        @Override
        public boolean stopped() {
            return stopped;
        }
    }

    static TradeChange change(int year, int month, long value, Double yoy) {
        return TradeChange.newBuilder().setReporter("CHN").setPartner("USA").setFlow(Flow.EXPORT)
                .setCommodity("TOTAL").setCommodityLevel(CommodityLevel.TOTAL).setYear(year).setMonth(month)
                .setValue(value).setYoyPct(yoy).setSource("GACC").setVintage("2025-06-09")
                .setPublishedAt(Instant.parse("2025-06-09T00:00:00Z")).build();
    }

    @BeforeEach
    void start() throws Exception {
        results = new StoreResults(tmp.resolve("view"));
        server = new DashboardServer("127.0.0.1", 0, results, health::get).start();
    }

    @AfterEach
    void stop() {
        server.close();
        results.store.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + path.substring(1))).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServeChangesOfOneSeriesSortedByPeriodAsPlainJson() throws Exception {
        HttpResponse<String> r = get("/api/changes?reporter=CHN&partner=USA&flow=EXPORT&commodity=TOTAL");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode rows = json.readTree(r.body());
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).get("year").asInt()).isEqualTo(2024);
        assertThat(rows.get(1).get("value").asLong()).isEqualTo(28_800_000_000L);
        assertThat(rows.get(1).get("yoyPct").asDouble()).isEqualTo(-34.545);
        assertThat(rows.get(1).get("flow").asText()).isEqualTo("EXPORT");
        assertThat(rows.get(0).get("yoyPct").isNull()).isTrue();
    }

    @Test
    void shouldServeTheQualityOfEachChangeAndSignalByItsName() throws Exception {
        // July's level from a secondary source; August published, its MoM and YTD reading July's level.
        TradeChange july = TradeChange.newBuilder(change(2025, 7, 20_000_000_000L, null))
                .setQuality(FigureQuality.SECONDARY).setMetricsQuality(FigureQuality.SECONDARY).build();
        TradeChange august = TradeChange.newBuilder(change(2025, 8, 21_000_000_000L, null))
                .setMetricsQuality(FigureQuality.SECONDARY).build();
        for (TradeChange c : List.of(july, august)) {
            results.store.putChange(ResultsStoreTest.key(c), c);
        }
        TradeSignal signal = TradeSignal.newBuilder().setType("YOY_MOVE").setStatus(SignalStatus.ACTIVE)
                .setReporter("CHN").setPartner("USA").setFlow(Flow.EXPORT).setCommodity("TOTAL").setYear(2025)
                .setMonth(8).setSummary("up 40 %").setMethod("|YoY| >= 30").setQuality(FigureQuality.ESTIMATED).build();
        results.store.putSignal(new SignalKey("CHN", "USA", Flow.EXPORT, "TOTAL", 2025, 8, "YOY_MOVE"), signal);

        JsonNode rows = json.readTree(get("/api/changes?reporter=CHN&partner=USA&flow=EXPORT&commodity=TOTAL&from=2025-05")
                .body());
        assertThat(rows).extracting(r -> r.get("month").asInt() + " " + r.get("quality").asText() + " "
                + r.get("metricsQuality").asText())
                .containsExactly("5 PUBLISHED PUBLISHED", "7 SECONDARY SECONDARY", "8 PUBLISHED SECONDARY");
        assertThat(json.readTree(get("/api/signals?reporter=CHN").body()))
                .extracting(r -> r.get("month").asInt() + " " + r.get("quality").asText())
                .as("a signal built without one: PUBLISHED, the field's default").containsExactly("5 PUBLISHED", "8 ESTIMATED");
    }

    @Test
    void shouldFilterByPeriodRangeAndRejectMalformedPeriods() throws Exception {
        assertThat(json.readTree(get("/api/changes?from=2025-01&to=2025-12").body())).hasSize(2);
        HttpResponse<String> bad = get("/api/changes?from=2025-13");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json.readTree(bad.body()).get("error").asText())
                .isEqualTo("from must be YYYY-MM (four-digit year, month 01-12, e.g. 2025-01): '2025-13'");
    }

    @Test
    void shouldRejectAPeriodThatIsNotFourDigitsADashAndAMonthNamingTheParameter() throws Exception {
        // a year*12 that overflowed answered [] for to=999999999-01
        for (String bad : List.of("999999999-01", "0-01", "99999-12", "2025-5", "2025-00", "2025-+5", "+2025-05",
                "2025-05-01", "2025", "%D9%A2%D9%A0%D9%A2%D9%A5-05" /* Arabic-Indic digits */)) {
            HttpResponse<String> r = get("/api/changes?to=" + bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(json.readTree(r.body()).get("error").asText()).as(bad).startsWith("to must be YYYY-MM");
        }
        assertThat(json.readTree(get("/api/changes?from=0001-01&to=9999-12").body())).hasSize(3);
    }

    @Test
    void shouldListSeriesWithTheirLatestPeriod() throws Exception {
        JsonNode series = json.readTree(get("/api/series").body());
        assertThat(series).hasSize(2);
        assertThat(series.get(0).get("reporter").asText()).isEqualTo("CHN");
        assertThat(series.get(0).get("months").asInt()).isEqualTo(2);
        assertThat(series.get(0).get("latestPeriod").asText()).isEqualTo("2025-05");
    }

    @Test
    void shouldWriteTheLatestPeriodInAsciiDigitsWhateverTheDefaultLocale() throws Exception {
        Locale before = Locale.getDefault();
        try {
            for (String tag : List.of("fa-IR", "ar-EG")) {
                Locale.setDefault(Locale.forLanguageTag(tag));
                JsonNode series = json.readTree(get("/api/series").body());
                assertThat(series.get(0).get("latestPeriod").asText()).as(tag).isEqualTo("2025-05");
            }
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void shouldServeSignalsFilteredByStatus() throws Exception {
        assertThat(json.readTree(get("/api/signals?status=ACTIVE").body())).hasSize(1);
        assertThat(json.readTree(get("/api/signals?status=RETRACTED").body())).isEmpty();
    }

    @Test
    void shouldFilterSignalsByTypeInAnyCase() throws Exception {
        assertThat(json.readTree(get("/api/signals?type=yoy_move").body())).hasSize(1);
        assertThat(json.readTree(get("/api/signals?type=PAYBACK&status=ACTIVE").body())).isEmpty();
        assertThat(json.readTree(get("/api/changes?flow=export").body())).hasSize(2);
    }

    @Test
    void shouldRejectAnEnumValueWhenALetterOnlyUnicodeFoldsToAscii() throws Exception {
        // Java's equalsIgnoreCase read a dotless i (U+0131) as I and the Kelvin sign (U+212A) as K: "actıve" is
        // ACTIVE in no case, and got ACTIVE's rows where a misspelt value gets a 400.
        Map<String, String> errors = new LinkedHashMap<>();
        errors.put("/api/signals?status=act%C4%B1ve", "status must be one of ACTIVE, RETRACTED: 'act\u0131ve'");
        errors.put("/api/signals?type=front_load%C4%B1ng",
                "type must be one of FRONT_LOADING, PAYBACK, YOY_MOVE: 'front_load\u0131ng'");
        errors.put("/api/signals?type=paybac%E2%84%AA",
                "type must be one of FRONT_LOADING, PAYBACK, YOY_MOVE: 'paybac\u212A'");
        errors.put("/api/changes?flow=re_%C4%B1mport",
                "flow must be one of EXPORT, IMPORT, RE_EXPORT, RE_IMPORT: 're_\u0131mport'");
        for (Map.Entry<String, String> e : errors.entrySet()) {
            HttpResponse<String> r = get(e.getKey());
            assertThat(r.statusCode()).as(e.getKey()).isEqualTo(400);
            assertThat(json.readTree(r.body()).get("error").asText()).as(e.getKey()).isEqualTo(e.getValue());
        }
        // sent raw (UTF-8 bytes unescaped), as a browser's address bar may
        String raw = rawGet("/api/signals?status=act\u0131ve".getBytes(StandardCharsets.UTF_8));
        assertThat(raw).startsWith("HTTP/1.1 400");
        // ASCII letters still match in any case
        assertThat(json.readTree(get("/api/signals?status=aCtIvE").body())).hasSize(1);
    }

    @Test
    void shouldMatchNoSeriesWhenACodeHasALetterThatOnlyUnicodeUpperCasesToAscii() throws Exception {
        // toUpperCase made a long s (U+017F) an S and a dotless i an I, so partner=uſa answered USA's rows.
        assertThat(json.readTree(get("/api/changes?reporter=CHN&partner=USA").body())).hasSize(2);
        for (String path : List.of("/api/changes?reporter=CHN&partner=u%C5%BFa", "/api/changes?partner=u%C5%BFa",
                "/api/series?partner=U%C5%BFA", "/api/signals?reporter=CHN&partner=u%C5%BFa")) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(json.readTree(r.body())).as(path).isEmpty();
        }
        assertThat(json.readTree(get("/api/changes?reporter=chn&partner=usa").body())).hasSize(2);
    }

    @Test
    void shouldRejectAParameterTheEndpointDoesNotTakeNamingTheAllowedOnes() throws Exception {
        HttpResponse<String> typo = get("/api/series?reportr=CHN");
        assertThat(typo.statusCode()).isEqualTo(400);
        assertThat(json.readTree(typo.body()).get("error").asText())
                .isEqualTo("unknown parameter 'reportr' for /api/series; allowed: reporter, partner, flow, commodity, limit, after");
        // a parameter of another endpoint is refused too: series have no period range
        assertThat(get("/api/series?from=2025-01").statusCode()).isEqualTo(400);
        assertThat(get("/api/changes?status=ACTIVE").statusCode()).isEqualTo(400);
        HttpResponse<String> twice = get("/api/changes?reporter=CHN&reporter=USA");
        assertThat(twice.statusCode()).isEqualTo(400);
        assertThat(twice.body()).contains("'reporter' given more than once");
        assertThat(get("/api/changes?reporter=CHN&&limit=5").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRejectAFlowStatusOrTypeOutsideTheirValuesNamingThem() throws Exception {
        HttpResponse<String> flow = get("/api/changes?flow=EXPORTS");
        assertThat(flow.statusCode()).isEqualTo(400);
        assertThat(flow.body()).contains("flow must be one of EXPORT, IMPORT, RE_EXPORT, RE_IMPORT: 'EXPORTS'");
        HttpResponse<String> status = get("/api/signals?status=OPEN");
        assertThat(status.statusCode()).isEqualTo(400);
        assertThat(status.body()).contains("status must be one of ACTIVE, RETRACTED: 'OPEN'");
        HttpResponse<String> type = get("/api/signals?type=FRONTLOADING");
        assertThat(type.statusCode()).isEqualTo(400);
        assertThat(type.body()).contains("type must be one of FRONT_LOADING, PAYBACK, YOY_MOVE: 'FRONTLOADING'");
    }

    @Test
    void shouldQuoteTheValueA400EchoesWhenItHasASpaceOrACharacterThatPrintsAsNothing() throws Exception {
        // '+' decodes to a space: "limit must be 1..100000:  5" showed no trace of what was wrong with "+5"
        Map<String, String> errors = new LinkedHashMap<>();
        errors.put("/api/changes?limit=+5", "limit must be 1..100000: ' 5'");
        errors.put("/api/changes?limit=", null); // empty: the default, no error
        errors.put("/api/changes?from=2025-01+", "from must be YYYY-MM (four-digit year, month 01-12, e.g. 2025-01): '2025-01 '");
        errors.put("/api/changes?flow=+EXPORT", "flow must be one of EXPORT, IMPORT, RE_EXPORT, RE_IMPORT: ' EXPORT'");
        // a zero-width space, a no-break space and a tab print as nothing or as a space even when quoted
        errors.put("/api/signals?status=%E2%80%8BACTIVE", "status must be one of ACTIVE, RETRACTED: '\\u200BACTIVE'");
        errors.put("/api/signals?type=YOY_MOVE%C2%A0", "type must be one of FRONT_LOADING, PAYBACK, YOY_MOVE: 'YOY_MOVE\\u00A0'");
        errors.put("/api/changes?limit=%095", "limit must be 1..100000: '\\u00095'");
        errors.put("/api/series?reporter+=CHN",
                "unknown parameter 'reporter ' for /api/series; allowed: reporter, partner, flow, commodity, limit, after");
        errors.put("/api/changes?limit=1&limit+=2", "unknown parameter 'limit ' for /api/changes; allowed: reporter,"
                + " partner, flow, commodity, from, to, limit, after");
        errors.put("/api/changes?partner=US&partner=USA", "parameter 'partner' given more than once");
        errors.put("/api/changes?from=2025-06&to=2025-01", "from must not be after to: '2025-06' > '2025-01'");
        errors.put("/api/changes?reporter+=%E4", "parameter 'reporter ' is not UTF-8 once percent-decoded (escape each"
                + " byte of the value's UTF-8 encoding): '%E4'");
        for (Map.Entry<String, String> e : errors.entrySet()) {
            HttpResponse<String> r = get(e.getKey());
            if (e.getValue() == null) {
                assertThat(r.statusCode()).as(e.getKey()).isEqualTo(200);
                continue;
            }
            assertThat(r.statusCode()).as(e.getKey()).isEqualTo(400);
            assertThat(json.readTree(r.body()).get("error").asText()).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    /** A GET whose request line is sent as the given bytes, so non-ASCII goes unescaped as curl sends it. */
    private String rawGet(byte[] target) throws Exception {
        try (Socket socket = new Socket("127.0.0.1", URI.create(server.url()).getPort())) {
            socket.getOutputStream().write("GET ".getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(target);
            socket.getOutputStream().write(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void shouldDecodeUnescapedNonAsciiInTheQueryAsUtf8WhenTheClientSendsItRaw() throws Exception {
        // The JDK server gives the request line as ISO-8859-1 chars: "Côte" sent raw in UTF-8 read as "CÃ´te".
        String limit = rawGet("/api/changes?limit=Côte".getBytes(StandardCharsets.UTF_8));
        assertThat(limit).startsWith("HTTP/1.1 400");
        assertThat(json.readTree(limit.substring(limit.indexOf("\r\n\r\n") + 4)).get("error").asText())
                .isEqualTo("limit must be 1..100000: 'Côte'");
        // a raw character next to escaped bytes, and in a name
        String mixed = rawGet("/api/changes?limit=é%C3%A9é".getBytes(StandardCharsets.UTF_8));
        assertThat(mixed).contains("limit must be 1..100000: 'ééé'");
        String name = rawGet("/api/changes?partnér=FRA".getBytes(StandardCharsets.UTF_8));
        assertThat(name).startsWith("HTTP/1.1 400").contains("unknown parameter 'partnér'");
        assertThat(rawGet("/api/changes?partner=Côte".getBytes(StandardCharsets.UTF_8))).startsWith("HTTP/1.1 200");
    }

    @Test
    void shouldRejectUnescapedBytesThatAreNotUtf8NamingTheParameterWhenSentRaw() throws Exception {
        // "ä" sent raw in Latin-1: one byte 0xE4, no UTF-8; quoted as an escape, since 'ä' would look valid
        String latin1 = rawGet("/api/changes?reporter=R%C3%A4\u00E4".getBytes(StandardCharsets.ISO_8859_1));
        assertThat(latin1).startsWith("HTTP/1.1 400");
        assertThat(json.readTree(latin1.substring(latin1.indexOf("\r\n\r\n") + 4)).get("error").asText())
                .isEqualTo("parameter 'reporter' is not UTF-8 once percent-decoded (escape each byte of the value's"
                        + " UTF-8 encoding): 'R%C3%A4%E4'");
    }

    @Test
    void shouldEscapeRawNonAsciiBytesInTheNextLinkWhenTheQueryHadThemUnescaped() {
        // the URI as the JDK server builds it from "?partner=Côte&limit=1" sent raw in UTF-8
        URI request = URI.create("/api/changes?partner=C\u00C3\u00B4te&limit=1&after=old");
        String link = DashboardServer.nextLink(request, "T");
        assertThat(link).isEqualTo("changes?partner=C%C3%B4te&limit=1&after=T");
        assertThat(URI.create("http://h/api/").resolve(link).getQuery()).isEqualTo("partner=Côte&limit=1&after=T");
    }

    @Test
    void shouldDecodeRawBytesAndEscapesAsOneUtf8SequenceWhenGivenTheServersLatin1Chars() {
        String raw = new String("Côte+d'Ivoire".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        assertThat(DashboardServer.decode(raw, "parameter 'partner'")).isEqualTo("Côte d'Ivoire");
        // the first byte of "€" raw, the other two escaped
        assertThat(DashboardServer.decode("\u00E2%82%AC", "x")).isEqualTo("€");
        assertThatThrownBy(() -> DashboardServer.decode("\u00E2%82", "parameter 'p'"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("parameter 'p' is not UTF-8")
                .hasMessageEndingWith(": '%E2%82'");
    }

    @Test
    void shouldRejectAnEscapeThatIsNotUtf8NamingTheParameterInsteadOfMatchingNothing() throws Exception {
        // %E4 is 'ä' in Latin-1, not UTF-8: decoded as U+FFFD, it filtered on that and was answered 200 []
        HttpResponse<String> value = get("/api/changes?reporter=%E4");
        assertThat(value.statusCode()).isEqualTo(400);
        assertThat(json.readTree(value.body()).get("error").asText()).startsWith("parameter 'reporter' is not UTF-8")
                .endsWith(": '%E4'");
        HttpResponse<String> truncated = get("/api/signals?commodity=85%E2%82");
        assertThat(truncated.statusCode()).as("a UTF-8 sequence cut short").isEqualTo(400);
        assertThat(truncated.body()).contains("parameter 'commodity' is not UTF-8");
        HttpResponse<String> name = get("/api/series?rep%FForter=CHN");
        assertThat(name.statusCode()).isEqualTo(400);
        assertThat(name.body()).contains("a parameter name is not UTF-8");
        // escaped UTF-8 is still decoded, '+' still a space: no such series, but a valid question
        assertThat(get("/api/changes?reporter=%C3%A4").statusCode()).isEqualTo(200);
        assertThat(json.readTree(get("/api/changes?reporter=%43H%4e&partner=US+").body())).isEmpty();
        assertThat(json.readTree(get("/api/changes?reporter=%43H%4e&partner=US%41").body())).hasSize(2);
    }

    @Test
    void shouldRejectAPeriodRangeThatEndsBeforeItStarts() throws Exception {
        HttpResponse<String> r = get("/api/changes?from=2025-06&to=2025-01");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("from must not be after to: '2025-06' > '2025-01'");
        assertThat(json.readTree(get("/api/changes?from=2025-05&to=2025-05").body())).hasSize(2);
    }

    @Test
    void shouldAnswer500WithTheReasonWhenTheViewFails() throws Exception {
        server.close();
        Results broken = new StoreResults(tmp.resolve("broken")) {
            @Override
            public Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, Cursor after, int limit) {
                throw new IllegalStateException("store closed");
            }
        };
        server = new DashboardServer("127.0.0.1", 0, broken, health::get).start();
        try {
            HttpResponse<String> r = get("/api/changes");
            assertThat(r.statusCode()).isEqualTo(500);
            assertThat(r.body()).contains("store closed");
            assertThat(get("/api/series").statusCode()).isEqualTo(200);
        } finally {
            ((StoreResults) broken).store.close();
        }
    }

    @Test
    void shouldAnswerQueriesBeyondTheLimitWith503ButAlwaysServeHealth() throws Exception {
        server.close();
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(DashboardServer.MAX_CONCURRENT_QUERIES);
        StoreResults slow = new StoreResults(tmp.resolve("slow")) {
            @Override
            public Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, Cursor after, int limit) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.changes(filter, fromPeriod, toPeriod, after, limit);
            }
        };
        server = new DashboardServer("127.0.0.1", 0, slow, health::get).start();
        try {
            List<CompletableFuture<HttpResponse<String>>> running = new ArrayList<>();
            for (int i = 0; i < DashboardServer.MAX_CONCURRENT_QUERIES; i++) {
                running.add(http.sendAsync(HttpRequest.newBuilder(URI.create(server.url() + "api/changes")).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();

            HttpResponse<String> busy = get("/api/series");
            assertThat(busy.statusCode()).isEqualTo(503);
            assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(busy.body()).contains("busy");
            assertThat(get("/health/live").statusCode()).isEqualTo(200);
            assertThat(get("/health/ready").statusCode()).isEqualTo(200);

            release.countDown();
            for (CompletableFuture<HttpResponse<String>> r : running) {
                HttpResponse<String> done = r.get(10, TimeUnit.SECONDS);
                assertThat(done.statusCode()).isEqualTo(200);
                assertThat(json.readTree(done.body())).hasSize(3);
            }
            assertThat(get("/api/series").statusCode()).isEqualTo(200); // the permits came back
        } finally {
            release.countDown();
            slow.store.close();
        }
    }

    /** A connection that sends the start of a request, then nothing: it holds a server thread while it waits. */
    private Socket stalledRequest() throws Exception {
        Socket socket = new Socket("127.0.0.1", URI.create(server.url()).getPort());
        socket.getOutputStream().write("GET /health/live HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        return socket;
    }

    private HttpResponse<String> get(String path, Duration timeout) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + path.substring(1))).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void closeAll(List<Socket> sockets) throws Exception {
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    @Test
    void shouldAnswerHealthWhileAFewClientsStallHalfwayThroughTheirRequest() throws Exception {
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                stalled.add(stalledRequest());
            }
            Thread.sleep(300); // each is on a server thread, reading

            assertThat(get("/health/live", Duration.ofSeconds(3)).statusCode()).isEqualTo(200);
            assertThat(get("/health/ready", Duration.ofSeconds(3)).statusCode()).isEqualTo(200);
        } finally {
            closeAll(stalled);
        }
    }

    @Test
    void shouldDropRequestsThatDoNotArriveInTimeSoStalledClientsCannotHoldEveryThread() throws Exception {
        // the limit the server set, unless this run set another (-Dsun.net.httpserver.maxReqTime)
        long maxRequestSeconds = Long.getLong(DashboardServer.MAX_REQUEST_TIME_PROPERTY,
                DashboardServer.DEFAULT_MAX_REQUEST_SECONDS);
        List<Socket> stalled = new ArrayList<>();
        try {
            for (int i = 0; i < DashboardServer.HTTP_THREADS + 4; i++) {
                stalled.add(stalledRequest());
            }
            Thread.sleep(2_000); // so the probe's own request is well within its time when the stalled ones run out

            long start = System.nanoTime();
            HttpResponse<String> live = get("/health/live", Duration.ofSeconds(maxRequestSeconds + 5));
            assertThat(live.statusCode()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(maxRequestSeconds + 3));
            for (Socket socket : stalled) {
                socket.setSoTimeout(5_000);
                int read;
                try {
                    read = socket.getInputStream().read();
                } catch (SocketException reset) {
                    read = -1;
                }
                assertThat(read).as("the server closed the stalled request without an answer").isEqualTo(-1);
            }
        } finally {
            closeAll(stalled);
        }
    }

    @Test
    void shouldLeaveATimeLimitTheOperatorSetAlone() {
        String property = "tradepulse.test." + UUID.randomUUID();
        try {
            System.setProperty(property, "3");
            DashboardServer.setIfAbsent(property, 10);
            assertThat(System.getProperty(property)).isEqualTo("3");
            System.clearProperty(property);
            DashboardServer.setIfAbsent(property, 10);
            assertThat(System.getProperty(property)).isEqualTo("10");
        } finally {
            System.clearProperty(property);
        }
    }

    @Test
    void shouldLetAResponseBeingWrittenFinishWhenClosed() throws Exception {
        server.close();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        StoreResults slow = new StoreResults(tmp.resolve("slow")) {
            @Override
            public Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, Cursor after, int limit) {
                entered.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.changes(filter, fromPeriod, toPeriod, after, limit);
            }
        };
        server = new DashboardServer("127.0.0.1", 0, slow, health::get).start();
        try {
            CompletableFuture<HttpResponse<String>> answer = http.sendAsync(
                    HttpRequest.newBuilder(URI.create(server.url() + "api/changes")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
            Thread.sleep(300);
            assertThat(closing).as("close() waits for the response in flight").isNotDone();

            release.countDown();
            HttpResponse<String> done = answer.get(10, TimeUnit.SECONDS);
            assertThat(done.statusCode()).isEqualTo(200);
            assertThat(json.readTree(done.body())).hasSize(3);
            closing.get(10, TimeUnit.SECONDS);
        } finally {
            release.countDown();
            slow.store.close();
        }
    }

    @Test
    void shouldStopItsThreadsWhenClosed() throws Exception {
        String threadName = "tradepulse-http-" + URI.create(server.url()).getPort();
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        assertThat(Thread.getAllStackTraces().keySet()).anySatisfy(t -> assertThat(t.getName()).isEqualTo(threadName));

        long start = System.nanoTime();
        server.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("nothing in flight: no waiting")
                .isLessThan(DashboardServer.DRAIN);
        // A pool thread signals the executor's termination on its way out and is alive a moment longer: on a busy
        // box the check below caught it in that moment. Leaving within a second is stopping; running on is not.
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals(threadName)) {
                t.join(1_000);
            }
        }
        assertThat(Thread.getAllStackTraces().keySet()).filteredOn(Thread::isAlive)
                .noneSatisfy(t -> assertThat(t.getName()).isEqualTo(threadName));
    }

    @Test
    void shouldStreamALargePageAsOneValidJsonArray() throws Exception {
        for (int m = 0; m < 5_000; m++) {
            TradeChange c = TradeChange.newBuilder(change(1990 + m / 12, m % 12 + 1, m, null)).setPartner("DEU").build();
            results.store.putChange(ResultsStoreTest.key(c), c);
        }
        HttpResponse<String> r = get("/api/changes?partner=DEU&limit=5000");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Length")).isEmpty(); // chunked: never held whole
        JsonNode rows = json.readTree(r.body());
        assertThat(rows).hasSize(5_000);
        assertThat(rows.get(4_999).get("value").asLong()).isEqualTo(4_999L);
        assertThat(rows.get(0).get("flow").asText()).isEqualTo("EXPORT");
        assertThat(rows.get(0).get("publishedAt").asText()).isEqualTo("2025-06-09T00:00:00Z");
        assertThat(get("/api/changes?partner=DEU&limit=4999").headers().firstValue("X-Truncated")).hasValue("true");
    }

    @Test
    void shouldWriteANonFiniteDoubleAsNullSoEveryPercentFieldStaysANumberOrNull() throws Exception {
        TradeChange c = TradeChange.newBuilder(change(2023, 1, 5L, Double.NaN)).setPartner("FRA")
                .setMomPct(Double.POSITIVE_INFINITY).setReportedYoyPct(Double.NEGATIVE_INFINITY).build();
        results.store.putChange(ResultsStoreTest.key(c), c);
        TradeSignal s = TradeSignal.newBuilder().setType("PAYBACK").setStatus(SignalStatus.ACTIVE).setReporter("CHN")
                .setPartner("FRA").setFlow(Flow.EXPORT).setCommodity("TOTAL").setYear(2023).setMonth(1)
                .setExcessPct(Double.NaN).setYoyPct(-12.5).setSummary("s").setMethod("m").build();
        results.store.putSignal(new SignalKey("CHN", "FRA", Flow.EXPORT, "TOTAL", 2023, 1, "PAYBACK"), s);

        JsonNode change = json.readTree(get("/api/changes?reporter=CHN&partner=FRA").body()).get(0);
        for (String field : List.of("yoyPct", "momPct", "reportedYoyPct")) {
            // written as "NaN" / "Infinity" strings, a typed BI column failed and the dashboard's toFixed threw
            assertThat(change.get(field).isNull()).as(field + ": " + change.get(field)).isTrue();
        }
        JsonNode signal = json.readTree(get("/api/signals?reporter=CHN&partner=FRA").body()).get(0);
        assertThat(signal.get("excessPct").isNull()).as("excessPct: " + signal.get("excessPct")).isTrue();
        assertThat(signal.get("yoyPct").asDouble()).isEqualTo(-12.5);
    }

    @Test
    void shouldLeaveTheJsonArrayBrokenWhenARowFailsAfterTheHeaders() throws Exception {
        server.close();
        StoreResults failing = new StoreResults(tmp.resolve("failing")) {
            @Override
            public Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, Cursor after, int limit) {
                List<TradeChange> rows = super.changes(filter, fromPeriod, toPeriod, after, limit).rows();
                return new Page<>(new AbstractList<TradeChange>() {
                    @Override
                    public TradeChange get(int index) {
                        if (index == 2) {
                            throw new IllegalStateException("row cannot be decoded");
                        }
                        return rows.get(index);
                    }

                    @Override
                    public int size() {
                        return rows.size();
                    }
                }, false);
            }
        };
        server = new DashboardServer("127.0.0.1", 0, failing, health::get).start();
        try {
            HttpResponse<String> r = get("/api/changes");
            assertThat(r.statusCode()).as("the status went out before the failing row").isEqualTo(200);
            assertThat(r.body()).startsWith("[{").doesNotEndWith("]");
            assertThatThrownBy(() -> json.readTree(r.body())).as("a shorter array must not parse as the whole answer")
                    .isInstanceOf(JsonProcessingException.class);
        } finally {
            failing.store.close();
        }
    }

    @Test
    void shouldReportAliveButNotReadyWhileRebalancing() throws Exception {
        health.set(new DashboardServer.Health(true, false, "REBALANCING"));
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("REBALANCING");
    }

    @Test
    void shouldNotBeReadyUntilTheViewHasCaughtUp() throws Exception {
        results.caughtUp = false;
        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
    }

    @Test
    void shouldAnswerFromAPartialViewButSaySoWhileTheViewIsCatchingUp() throws Exception {
        results.caughtUp = false;
        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
        for (String path : List.of("/api/series", "/api/changes", "/api/signals")) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(json.readTree(r.body())).as(path).isNotEmpty();
            assertThat(r.headers().firstValue("X-Tradepulse-View")).as(path).hasValue("catching-up");
            assertThat(head(path).headers().firstValue("X-Tradepulse-View")).as("HEAD " + path).hasValue("catching-up");
        }

        results.caughtUp = true;
        for (String path : List.of("/api/series", "/api/changes", "/api/signals")) {
            assertThat(get(path).headers().firstValue("X-Tradepulse-View")).as(path).hasValue("current");
        }

        results.failure = "cannot read trade.changes-0@17: registry unavailable";
        HttpResponse<String> stalled = get("/api/changes");
        assertThat(stalled.statusCode()).isEqualTo(200);
        assertThat(stalled.headers().firstValue("X-Tradepulse-View")).hasValue("stalled");
        results.caughtUp = false;
        assertThat(get("/api/changes").headers().firstValue("X-Tradepulse-View")).as("a failure while catching up")
                .hasValue("stalled");
        assertThat(get("/api/changes?limit=0").headers().firstValue("X-Tradepulse-View")).as("no rows, no view state")
                .isEmpty();
    }

    @Test
    void shouldCapEveryListAtTheLimitAndSayWhenItCutRowsOff() throws Exception {
        HttpResponse<String> one = get("/api/changes?limit=1");
        assertThat(json.readTree(one.body())).hasSize(1);
        assertThat(one.headers().firstValue("X-Truncated")).hasValue("true");
        HttpResponse<String> all = get("/api/changes?limit=3");
        assertThat(json.readTree(all.body())).hasSize(3);
        assertThat(all.headers().firstValue("X-Truncated")).isEmpty();
        assertThat(get("/api/series?limit=1").headers().firstValue("X-Truncated")).hasValue("true");
        for (String bad : List.of("0", "100001", "ten")) {
            HttpResponse<String> r = get("/api/series?limit=" + bad);
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("limit must be 1..100000");
        }
    }

    @Test
    void shouldTakeALimitWithLeadingZerosHoweverManyDigitsItHas() throws Exception {
        // "1 to 100,000, in ASCII digits without a sign": 0000000005 is 5, and was refused as more than 9 digits.
        for (String five : List.of("0000000005", "0".repeat(40) + "2")) {
            HttpResponse<String> r = get("/api/changes?limit=" + five);
            assertThat(r.statusCode()).as(five).isEqualTo(200);
            assertThat(json.readTree(r.body())).as(five).hasSize(five.endsWith("5") ? 3 : 2);
        }
        for (String bad : List.of("0000000000", "000000100001", "0000004294967301", "99999999999999999999")) {
            HttpResponse<String> r = get("/api/series?limit=" + bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.body()).contains("limit must be 1..100000: '" + bad + "'");
        }
    }

    /** Series of several reporters, partners and commodities, with signals whose time order is not key order. */
    private void fillForPaging() throws Exception {
        int n = 0;
        for (String reporter : List.of("DEU", "CHN", "USA")) {
            for (String partner : List.of("JPN", "FRA")) {
                for (String commodity : List.of("TOTAL", "85")) {
                    for (int month = 1; month <= 3; month++) {
                        TradeChange c = TradeChange.newBuilder(change(2025, month, ++n, null)).setReporter(reporter)
                                .setPartner(partner).setCommodity(commodity).build();
                        results.store.putChange(ResultsStoreTest.key(c), c);
                        String type = month == 2 ? "PAYBACK" : "YOY_MOVE";
                        TradeSignal s = TradeSignal.newBuilder().setType(type)
                                .setStatus(n % 3 == 0 ? SignalStatus.RETRACTED : SignalStatus.ACTIVE)
                                .setReporter(reporter).setPartner(partner).setFlow(Flow.EXPORT).setCommodity(commodity)
                                .setYear(2020 + (n * 7) % 6).setMonth(month).setSummary("s" + n).setMethod("m").build();
                        results.store.putSignal(new SignalKey(reporter, partner, Flow.EXPORT, commodity, s.getYear(),
                                month, type), s);
                    }
                }
            }
        }
    }

    private static final java.util.regex.Pattern NEXT_LINK = java.util.regex.Pattern.compile("<([^>]+)>; rel=\"next\"");

    /** Every row of the query, page by page: by the Link header, or by adding X-Next-Cursor as after. */
    private List<JsonNode> allPages(String path, int limit, boolean byLink) throws Exception {
        String sep = path.contains("?") ? "&" : "?";
        String first = path + sep + "limit=" + limit;
        String url = first;
        List<JsonNode> rows = new ArrayList<>();
        for (int pages = 0; ; pages++) {
            assertThat(pages).as("pages of %s", first).isLessThan(100);
            HttpResponse<String> r = get(url);
            assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
            json.readTree(r.body()).forEach(rows::add);
            Optional<String> cursor = r.headers().firstValue(DashboardServer.NEXT_CURSOR_HEADER);
            Optional<String> link = r.headers().firstValue("Link");
            if (pages < 2) {
                HttpResponse<String> head = head(url);
                assertThat(head.headers().firstValue(DashboardServer.NEXT_CURSOR_HEADER)).as("HEAD " + url).isEqualTo(cursor);
                assertThat(head.headers().firstValue("Link")).as("HEAD " + url).isEqualTo(link);
            }
            if (cursor.isEmpty()) {
                assertThat(link).as(url).isEmpty();
                assertThat(r.headers().firstValue("X-Truncated")).as("the last page " + url).isEmpty();
                return rows;
            }
            assertThat(cursor.get()).as("URL-safe").matches("[A-Za-z0-9_-]+");
            assertThat(r.headers().firstValue("X-Truncated")).as(url).hasValue("true");
            java.util.regex.Matcher m = NEXT_LINK.matcher(link.orElseThrow());
            assertThat(m.matches()).as(link.get()).isTrue();
            assertThat(follow(url, m.group(1))).as(m.group(1)).isEqualTo(first + "&after=" + cursor.get());
            url = byLink ? follow(url, m.group(1)) : first + "&after=" + cursor.get();
        }
    }

    /** A Link target resolved against the request's path and query (as a client does), as a path and query. */
    private static String follow(String path, String link) {
        URI next = URI.create("http://tradepulse.test" + path).resolve(link);
        return next.getRawPath() + "?" + next.getRawQuery();
    }

    @Test
    void shouldGiveANextLinkThatResolvesUnderTheProxysPrefixToTheNextPage() throws Exception {
        fillForPaging();
        List<JsonNode> expected = new ArrayList<>();
        json.readTree(get("/api/signals?partner=FRA&limit=4").body()).forEach(expected::add);
        HttpResponse<String> first = get("/api/signals?partner=FRA&limit=2");
        String cursor = first.headers().firstValue(DashboardServer.NEXT_CURSOR_HEADER).orElseThrow();
        java.util.regex.Matcher m = NEXT_LINK.matcher(first.headers().firstValue("Link").orElseThrow());
        assertThat(m.matches()).isTrue();
        // A reverse proxy serves the API under /tradepulse and strips it: the client only knows the proxy's URL.
        URI proxied = URI.create("https://proxy.example/tradepulse/api/signals?partner=FRA&limit=2");
        URI next = proxied.resolve(m.group(1));
        assertThat(next).isEqualTo(URI.create(
                "https://proxy.example/tradepulse/api/signals?partner=FRA&limit=2&after=" + cursor));
        HttpResponse<String> second = get(next.getRawPath().substring("/tradepulse".length()) + "?" + next.getRawQuery());
        assertThat(second.statusCode()).isEqualTo(200);
        List<JsonNode> rows = new ArrayList<>();
        json.readTree(first.body()).forEach(rows::add);
        json.readTree(second.body()).forEach(rows::add);
        assertThat(rows).as("the first two pages: the first 4 rows").containsExactlyElementsOf(expected);
        // and against the server's own URL, the same page
        URI direct = URI.create(server.url() + "api/signals?partner=FRA&limit=2").resolve(m.group(1));
        assertThat(http.send(HttpRequest.newBuilder(direct).build(), HttpResponse.BodyHandlers.ofString()).body())
                .isEqualTo(second.body());
    }

    @Test
    void shouldPageThroughEveryRowOfEachEndpointExactlyOnceInTheOrderOfOneBigAnswer() throws Exception {
        HttpResponse<String> whole = get("/api/changes?limit=3");
        assertThat(json.readTree(whole.body())).as("exactly the limit matched").hasSize(3);
        assertThat(whole.headers().firstValue(DashboardServer.NEXT_CURSOR_HEADER)).isEmpty();
        assertThat(whole.headers().firstValue("Link")).isEmpty();
        fillForPaging();
        for (String path : List.of("/api/series", "/api/changes", "/api/signals", "/api/series?reporter=CHN",
                "/api/changes?partner=JPN&from=2025-02", "/api/changes?reporter=usa&commodity=85",
                "/api/signals?status=ACTIVE&type=YOY_MOVE", "/api/signals?partner=FRA")) {
            String sep = path.contains("?") ? "&" : "?";
            HttpResponse<String> big = get(path + sep + "limit=1000");
            assertThat(big.headers().firstValue("X-Truncated")).as(path).isEmpty();
            List<JsonNode> expected = new ArrayList<>();
            json.readTree(big.body()).forEach(expected::add);
            assertThat(expected).as(path).hasSizeGreaterThan(4);
            for (int limit : List.of(2, 5)) {
                assertThat(allPages(path, limit, limit == 2)).as(path + " by " + limit).containsExactlyElementsOf(expected);
            }
        }
    }

    @Test
    void shouldPageEverySignalExactlyOnceWhenTheScanCapStopsEachPage() throws Exception {
        fillForPaging();
        List<String> paths = List.of("/api/signals", "/api/signals?status=ACTIVE", "/api/signals?partner=FRA&type=PAYBACK",
                "/api/signals?reporter=CHN", "/api/signals?reporter=CHN&partner=JPN",
                "/api/signals?reporter=CHN&partner=JPN&commodity=85&status=ACTIVE", "/api/signals?type=PAYBACK",
                "/api/signals?type=yoy_move&status=ACTIVE");
        Map<String, List<JsonNode>> whole = new HashMap<>();
        for (String path : paths) {
            List<JsonNode> rows = new ArrayList<>();
            json.readTree(get(path + (path.contains("?") ? "&" : "?") + "limit=1000").body()).forEach(rows::add);
            assertThat(rows).as(path).hasSizeGreaterThan(1);
            whole.put(path, rows);
        }
        // the same view, read at most 5 entries a query: fewer than its 36 signals, or a reporter and partner's 6
        server.close();
        results.store.close();
        results = new StoreResults(tmp.resolve("capped"), 5);
        server = new DashboardServer("127.0.0.1", 0, results, health::get).start();
        fillForPaging();
        for (String path : List.of("/api/signals?limit=1000", "/api/signals?reporter=CHN&partner=JPN&limit=1000")) {
            HttpResponse<String> first = get(path);
            assertThat(first.headers().firstValue("X-Truncated")).as(path).hasValue("true");
            assertThat(first.headers().firstValue(DashboardServer.NEXT_CURSOR_HEADER)).as("stopped by the cap: " + path)
                    .isPresent();
        }
        for (String path : paths) {
            for (int limit : List.of(3, 1000)) {
                assertThat(allPages(path, limit, limit == 3)).as(path + " by " + limit)
                        .containsExactlyElementsOf(whole.get(path));
            }
        }
    }

    @Test
    void shouldContinueAfterTheCursorWhileTheViewChangesWithoutRepeatingOrShiftingRows() throws Exception {
        fillForPaging();
        HttpResponse<String> first = get("/api/changes?limit=5");
        List<String> seen = new ArrayList<>();
        json.readTree(first.body()).forEach(row -> seen.add(id(row)));
        int total = json.readTree(get("/api/changes?limit=1000").body()).size();
        // one row before the cursor, one after it, and a row after it deleted
        TradeChange before = TradeChange.newBuilder(change(2025, 1, 1L, null)).setReporter("AAA").build();
        TradeChange later = TradeChange.newBuilder(change(2025, 1, 1L, null)).setReporter("ZZZ").build();
        results.store.putChange(ResultsStoreTest.key(before), before);
        results.store.putChange(ResultsStoreTest.key(later), later);
        TradeChange gone = TradeChange.newBuilder(change(2025, 3, 1L, null)).setReporter("USA").setPartner("JPN").build();
        results.store.putChange(ResultsStoreTest.key(gone), null);

        String url = "/api/changes?limit=5&after=" + first.headers().firstValue(DashboardServer.NEXT_CURSOR_HEADER).orElseThrow();
        List<JsonNode> rest = new ArrayList<>();
        for (String link = url; link != null; ) {
            assertThat(rest).as("rows after the first page").hasSizeLessThan(1_000);
            HttpResponse<String> r = get(link);
            json.readTree(r.body()).forEach(rest::add);
            String from = link;
            link = r.headers().firstValue("Link").map(l -> follow(from, l.substring(1, l.indexOf('>')))).orElse(null);
        }
        rest.forEach(row -> seen.add(id(row)));
        assertThat(seen).as("no row twice").doesNotHaveDuplicates();
        assertThat(seen).as("written before the cursor: not seen by this pass").noneMatch(id -> id.startsWith("AAA/"))
                .as("written after it: seen").contains("ZZZ/USA/EXPORT/TOTAL/2025-1")
                .as("deleted after it: gone").doesNotContain("USA/JPN/EXPORT/TOTAL/2025-3");
        assertThat(seen).as("the rows there throughout, plus ZZZ's, less the one deleted").hasSize(total);
    }

    private static String id(JsonNode change) {
        return String.join("/", change.get("reporter").asText(), change.get("partner").asText(), change.get("flow").asText(),
                change.get("commodity").asText(), change.get("year").asText() + "-" + change.get("month").asText());
    }

    @Test
    void shouldRefuseACursorWithOtherFiltersOrOnAnotherEndpointNamingAfter() throws Exception {
        fillForPaging();
        String token = get("/api/changes?reporter=CHN&from=2025-02&limit=1").headers()
                .firstValue(DashboardServer.NEXT_CURSOR_HEADER).orElseThrow();
        HttpResponse<String> same = get("/api/changes?from=2025-02&reporter=chn&limit=2&after=" + token);
        assertThat(same.statusCode()).as("the same filters (codes in any case), another limit: " + same.body()).isEqualTo(200);
        assertThat(json.readTree(same.body())).hasSize(2);
        for (String other : List.of("/api/changes?reporter=USA&from=2025-02", "/api/changes?from=2025-02",
                "/api/changes?reporter=CHN", "/api/changes?reporter=CHN&from=2025-02&to=2025-03",
                "/api/changes?reporter=CHN&from=2025-02&flow=EXPORT", "/api/series?reporter=CHN",
                "/api/signals?reporter=CHN")) {
            HttpResponse<String> r = get(other + "&after=" + token);
            assertThat(r.statusCode()).as(other).isEqualTo(400);
            assertThat(json.readTree(r.body()).get("error").asText()).as(other)
                    .startsWith("after continues another query: repeat the endpoint and filters");
        }
        String signals = get("/api/signals?status=ACTIVE&limit=1").headers()
                .firstValue(DashboardServer.NEXT_CURSOR_HEADER).orElseThrow();
        assertThat(get("/api/signals?status=RETRACTED&after=" + signals).statusCode()).isEqualTo(400);
        assertThat(get("/api/signals?status=active&limit=3&after=" + signals).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRejectAMalformedCursorNamingAfter() throws Exception {
        fillForPaging();
        String token = get("/api/series?limit=1").headers().firstValue(DashboardServer.NEXT_CURSOR_HEADER).orElseThrow();
        String otherVersion = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                java.util.Arrays.copyOf(new byte[] {2}, 12));
        for (String bad : List.of("!!!", "%2B%2F%2B%2F" /* standard base64, not base64url */, "AQ", "abc",
                otherVersion, "A".repeat(DashboardServer.MAX_TOKEN_CHARS + 4), token.substring(0, 10), token + "*")) {
            HttpResponse<String> r = get("/api/series?after=" + bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(json.readTree(r.body()).get("error").asText()).as(bad).startsWith("after ");
            assertThat(head("/api/series?after=" + bad).statusCode()).as("HEAD " + bad).isEqualTo(400);
        }
        assertThat(get("/api/series?after=").statusCode()).as("empty: no cursor, as for the filters").isEqualTo(200);
        assertThat(get("/api/series?after=" + token + "&after=" + token).statusCode()).isEqualTo(400);
    }

    @Test
    void shouldAnswer400NamingAfterWhenTheViewRefusesTheCursor() throws Exception {
        fillForPaging();
        String token = get("/api/series?limit=1").headers().firstValue(DashboardServer.NEXT_CURSOR_HEADER).orElseThrow();
        server.close();
        // A view that cannot page (Results' defaults, as a Results written before paging): its answers have no
        // cursor, and the same query's token from a view that can is refused by the view, as 400 not 500.
        StoreResults store = results;
        Results cannotPage = new Results() {
            @Override
            public Page<SeriesSummary> series(SeriesFilter filter, int limit) {
                return store.series(filter, limit);
            }

            @Override
            public Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, int limit) {
                return new Page<>(store.changes(filter, fromPeriod, toPeriod, limit).rows(), true);
            }

            @Override
            public Page<TradeSignal> signals(SeriesFilter filter, Predicate<TradeSignal> where, int limit) {
                return store.signals(filter, where, limit);
            }

            @Override
            public boolean caughtUp() {
                return true;
            }

            @Override
            public Optional<String> failure() {
                return Optional.empty();
            }
        };
        server = new DashboardServer("127.0.0.1", 0, cannotPage, health::get).start();
        HttpResponse<String> truncated = get("/api/changes?limit=1");
        assertThat(truncated.headers().firstValue("X-Truncated")).hasValue("true");
        assertThat(truncated.headers().firstValue(DashboardServer.NEXT_CURSOR_HEADER)).isEmpty();
        assertThat(truncated.headers().firstValue("Link")).isEmpty();
        HttpResponse<String> r = get("/api/series?after=" + token);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json.readTree(r.body()).get("error").asText()).startsWith("after is not a position of this query");
    }

    @Test
    void shouldRejectALimitThatIsNotPlainAsciiDigits() throws Exception {
        // Integer.parseInt took "+2" and Arabic-Indic digits, which the period parameters already refuse
        for (String bad : List.of("%2B2", "%D9%A2" /* Arabic-Indic 2 */, "-0", "2.0", "%202")) {
            HttpResponse<String> r = get("/api/changes?limit=" + bad);
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(r.body()).as(bad).contains("limit must be 1..100000");
        }
        assertThat(json.readTree(get("/api/changes?limit=02").body())).hasSize(2);
    }

    @Test
    void shouldNotBeReadyWhileTheViewCannotAdvance() throws Exception {
        results.failure = "cannot read trade.changes-0@17: registry unavailable";
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("registry unavailable");
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldNotBeReadyButStayAliveWhileTheViewsDatabaseCannotBeRead() throws Exception {
        // The view's consumer is fine (caught up, no failure) but its database cannot be read: every query answered
        // 500 while /health/ready said 200, so a load balancer kept sending BI clients to this instance.
        results.store.close();
        assertThat(get("/api/changes").statusCode()).isEqualTo(500);
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        JsonNode body = json.readTree(ready.body());
        assertThat(body.get("status").asText()).isEqualTo("DOWN");
        assertThat(body.get("viewReadFailure").asText()).contains("the results view is closed");
        assertThat(head("/health/ready").statusCode()).isEqualTo(503);
        HttpResponse<String> live = get("/health/live");
        assertThat(live.statusCode()).as("the processor may be fine: no restart for it").isEqualTo(200);
        assertThat(live.body()).doesNotContain("viewReadFailure");
    }

    @Test
    void shouldReadTheViewAtMostOncePerProbeIntervalAndBeReadyAgainOnceItCanBeRead() throws Exception {
        server.close();
        AtomicInteger reads = new AtomicInteger();
        AtomicBoolean failing = new AtomicBoolean(true);
        StoreResults flaky = new StoreResults(tmp.resolve("flaky")) {
            @Override
            public Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, Cursor after, int limit) {
                reads.incrementAndGet();
                if (failing.get()) {
                    throw new IllegalStateException("results view database: IO error: While pread offset 0: EIO");
                }
                return super.changes(filter, fromPeriod, toPeriod, after, limit);
            }
        };
        server = new DashboardServer("127.0.0.1", 0, flaky, health::get).start();
        try {
            long start = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> ready = get("/health/ready");
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(ready.body()).contains("EIO");
            }
            if (System.nanoTime() - start < ViewReadCheck.FRESH.toNanos()) {
                assertThat(reads.get()).as("probes within %s read the view once", ViewReadCheck.FRESH).isEqualTo(1);
            }
            failing.set(false);
            Thread.sleep(ViewReadCheck.FRESH.toMillis() + 100);
            HttpResponse<String> ready = get("/health/ready");
            assertThat(ready.statusCode()).isEqualTo(200);
            assertThat(ready.body()).doesNotContain("viewReadFailure");
        } finally {
            flaky.store.close();
        }
    }

    @Test
    void shouldFailLivenessOnceTheViewHasStoppedForGoodSoTheProcessIsRestarted() throws Exception {
        results.failure = "results view stopped (restart the process): java.lang.OutOfMemoryError: Java heap space";
        results.stopped = true;
        HttpResponse<String> live = get("/health/live");
        assertThat(live.statusCode()).isEqualTo(503);
        assertThat(live.body()).contains("restart the process");
        assertThat(get("/health/ready").statusCode()).isEqualTo(503);
    }

    @Test
    void shouldServeTheDashboardPage() throws Exception {
        HttpResponse<String> r = get("/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(r.body()).contains("api/changes?");
        assertThat(get("/index.html").statusCode()).isEqualTo(200);
        assertThat(get("/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldGiveAUrlThatOpensTheServerWhenBoundToEveryInterfaceOrAnIpv6Address() throws Exception {
        // 0.0.0.0 is run's default --http-host; the JDK binds it as the IPv6 wildcard on a dual-stack host, and run
        // printed "HTTP: http://0:0:0:0:0:0:0:0:8080/", which no browser or client can open.
        for (String host : List.of("0.0.0.0", "::", "::1")) {
            DashboardServer bound;
            try {
                bound = new DashboardServer(host, 0, results, health::get).start();
            } catch (java.io.IOException | RuntimeException e) {
                assertThat(host).as("only IPv6 may be missing on a build machine: %s", e).contains(":");
                continue;
            }
            try (bound) {
                URI url = URI.create(bound.url());
                assertThat(url.getHost()).as("host of %s (bound to %s)", url, host).isNotNull();
                HttpResponse<String> live = http.send(HttpRequest.newBuilder(url.resolve("health/live")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(live.statusCode()).as("%s (bound to %s)", url, host).isEqualTo(200);
            }
        }
    }

    @Test
    void shouldAnswer404ToAPathThatOnlyStartsLikeAnEndpoint() throws Exception {
        for (String path : List.of("/api/seriesXYZ", "/api/series/", "/api/series/anything", "/api/nope", "/api",
                "/health/readyz", "/health/live/x", "/health/")) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.headers().firstValue("Content-Type")).as(path).hasValue("application/json");
            assertThat(json.readTree(r.body()).get("error").asText()).as(path).isEqualTo("no such endpoint: '" + path
                    + "'; endpoints: /api/series, /api/changes, /api/signals, /health/live, /health/ready");
        }
        assertThat(get("/index.htmlx").statusCode()).isEqualTo(404);
        assertThat(get("/api/series?limit=1").statusCode()).isEqualTo(200);
        assertThat(get("/health/ready").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldQuoteThePathA404EchoesWhenItEndsInASpaceOrHasACharacterThatPrintsAsNothing() throws Exception {
        // The path is percent-decoded: "no such endpoint: /api/series ; ..." and ".../api/series\u200B" (shown as
        // nothing) named what looked like the endpoint itself, where the 400s quote and escape what they echo.
        Map<String, String> errors = Map.of("/api/series%20", "'/api/series '",
                "/api/series%E2%80%8B", "'/api/series\\u200B'",
                "/health/ready%09", "'/health/ready\\u0009'");
        for (Map.Entry<String, String> e : errors.entrySet()) {
            HttpResponse<String> r = get(e.getKey());
            assertThat(r.statusCode()).as(e.getKey()).isEqualTo(404);
            assertThat(json.readTree(r.body()).get("error").asText()).as(e.getKey())
                    .startsWith("no such endpoint: " + e.getValue() + "; endpoints: /api/series");
        }
    }

    private HttpResponse<String> head(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(server.url() + path.substring(1)))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerHeadAsGetWithoutABodySoHeadProbesAndMonitorsSeeTheRealStatus() throws Exception {
        for (String path : List.of("/health/live", "/health/ready", "/", "/api/series", "/api/changes?limit=1")) {
            HttpResponse<String> r = head(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(r.body()).as(path).isEmpty();
        }
        assertThat(head("/api/changes?limit=1").headers().firstValue("X-Truncated")).hasValue("true");
        assertThat(head("/api/series").headers().firstValue("Content-Type")).hasValue("application/json");
        results.caughtUp = false;
        assertThat(head("/health/ready").statusCode()).isEqualTo(503);
        assertThat(head("/api/series?limit=0").statusCode()).isEqualTo(400);
        assertThat(head("/api/nope").statusCode()).isEqualTo(404);
        assertThat(get("/health/live").statusCode()).as("the connection is still usable").isEqualTo(200);
    }

    @Test
    void shouldAnswer405WithAllowGetAndHeadToAnotherMethod() throws Exception {
        for (String path : List.of("/api/series", "/health/live", "/health/ready", "/")) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + path.substring(1)))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(path).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).as(path).hasValue("GET, HEAD");
            assertThat(json.readTree(r.body()).get("error").asText()).as(path).isEqualTo("GET or HEAD only");
        }
    }

    // CORS

    private static final String BI = "https://bi.example.com";

    private DashboardServer restartWithCors(String... origins) throws Exception {
        server.close();
        server = new DashboardServer("127.0.0.1", 0, results, health::get, CorsPolicy.of("--cors", List.of(origins)))
                .start();
        return server;
    }

    private HttpResponse<String> request(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path.substring(1)))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> corsHeaderNames(HttpResponse<?> r) {
        return r.headers().map().keySet().stream().map(n -> n.toLowerCase(Locale.ROOT))
                .filter(n -> n.startsWith("access-control-") || n.equals("vary")).sorted().toList();
    }

    @Test
    void shouldEchoAnAllowedOriginWithVaryAndExposeTheApiHeadersOnGetAndHead() throws Exception {
        restartWithCors("https://other.example.org:8443", BI);
        for (String method : List.of("GET", "HEAD")) {
            for (String path : List.of("/api/changes?limit=1", "/api/series", "/api/signals", "/health/live",
                    "/health/ready", "/api/nope", "/api/series?limit=0")) {
                HttpResponse<String> r = request(method, path, "Origin", BI);
                assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).as(method + path).hasValue(BI);
                assertThat(r.headers().allValues("Vary")).as(method + path).containsExactly("Origin");
                assertThat(r.headers().firstValue("Access-Control-Expose-Headers")).as(method + path)
                        .hasValue("X-Truncated, X-Next-Cursor, Link, X-Tradepulse-View, Retry-After");
                assertThat(r.headers().firstValue("Access-Control-Allow-Credentials")).as(method + path).isEmpty();
            }
            HttpResponse<String> paged = request(method, "/api/changes?limit=1", "Origin", BI);
            assertThat(paged.statusCode()).isEqualTo(200);
            assertThat(paged.headers().firstValue("X-Truncated")).as("still sent").hasValue("true");
        }
        assertThat(request("GET", "/api/series", "Origin", "https://other.example.org:8443")
                .headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://other.example.org:8443");
    }

    @Test
    void shouldAllowEveryOriginWithAStarAndNoVary() throws Exception {
        restartWithCors("*");
        for (String method : List.of("GET", "HEAD")) {
            HttpResponse<String> r = request(method, "/api/series", "Origin", "https://anything.example.net");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).as(method).hasValue("*");
            assertThat(r.headers().firstValue("Vary")).as(method).isEmpty();
            assertThat(r.headers().firstValue("Access-Control-Expose-Headers")).as(method).isPresent();
        }
        HttpResponse<String> preflight = request("OPTIONS", "/health/ready", "Origin", "http://localhost:3000",
                "Access-Control-Request-Method", "GET");
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
    }

    @Test
    void shouldSendNoCorsHeaderToAnOriginNotListedAndRefuseItsPreflight() throws Exception {
        restartWithCors(BI);
        for (String origin : List.of("https://evil.example.com", "http://bi.example.com", "https://bi.example.com:8443",
                "null")) {
            for (String method : List.of("GET", "HEAD")) {
                HttpResponse<String> r = request(method, "/api/series", "Origin", origin);
                assertThat(r.statusCode()).as(origin).isEqualTo(200);
                assertThat(corsHeaderNames(r)).as(method + " " + origin).isEmpty();
            }
            HttpResponse<String> preflight = request("OPTIONS", "/api/series", "Origin", origin,
                    "Access-Control-Request-Method", "GET");
            assertThat(preflight.statusCode()).as(origin).isEqualTo(403);
            assertThat(corsHeaderNames(preflight)).as(origin).isEmpty();
            assertThat(json.readTree(preflight.body()).get("error").asText()).contains("origin not allowed", origin);
        }
    }

    @Test
    void shouldQuoteTheOriginA403EchoesWhenItHasACharacterThatPrintsAsNothing() throws Exception {
        restartWithCors(BI);
        // A no-break space or a control inside the Origin (the server reads header bytes as Latin-1): the 403 named
        // what read as the listed origin itself.
        Map<String, String> origins = Map.of("https://bi.example.com\u00A0x", "'https://bi.example.com\\u00A0x'",
                "https://bi.example.com\u0085x", "'https://bi.example.com\\u0085x'",
                "https://evil.example.com", "'https://evil.example.com'");
        for (Map.Entry<String, String> e : origins.entrySet()) {
            try (Socket socket = new Socket("127.0.0.1", URI.create(server.url()).getPort())) {
                socket.getOutputStream().write(("OPTIONS /api/series HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: " + e.getKey()
                        + "\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                String response = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(response).as(e.getValue()).startsWith("HTTP/1.1 403");
                assertThat(json.readTree(response.substring(response.indexOf("\r\n\r\n") + 4)).get("error").asText())
                        .as(e.getValue()).isEqualTo("origin not allowed to call this API from a browser: " + e.getValue());
            }
        }
    }

    @Test
    void shouldAnswerAPreflightFromAnAllowedOriginWith204MethodsHeadersAndMaxAge() throws Exception {
        restartWithCors(BI);
        for (String path : List.of("/api/series", "/api/changes", "/api/signals", "/health/live", "/health/ready")) {
            HttpResponse<String> r = request("OPTIONS", path, "Origin", BI, "Access-Control-Request-Method", "GET",
                    "Access-Control-Request-Headers", "x-requested-with,accept-language");
            assertThat(r.statusCode()).as(path).isEqualTo(204);
            assertThat(r.body()).as(path).isEmpty();
            assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).as(path).hasValue(BI);
            assertThat(r.headers().firstValue("Access-Control-Allow-Methods")).as(path).hasValue("GET, HEAD");
            assertThat(r.headers().firstValue("Access-Control-Allow-Headers")).as(path)
                    .hasValue("x-requested-with,accept-language");
            assertThat(r.headers().firstValue("Access-Control-Max-Age")).as(path).hasValue("600");
            assertThat(r.headers().allValues("Vary")).as(path).contains("Origin");
        }
        HttpResponse<String> noHeaders = request("OPTIONS", "/api/series", "Origin", BI,
                "Access-Control-Request-Method", "HEAD");
        assertThat(noHeaders.statusCode()).isEqualTo(204);
        assertThat(noHeaders.headers().firstValue("Access-Control-Allow-Headers")).isEmpty();
        HttpResponse<String> odd = request("OPTIONS", "/api/series", "Origin", BI,
                "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "x-a;b=<c>");
        assertThat(odd.statusCode()).isEqualTo(204);
        assertThat(odd.headers().firstValue("Access-Control-Allow-Headers")).as("not a header list: not echoed").isEmpty();
    }

    @Test
    void shouldNeitherAnswerPreflightsNorAddCorsHeadersToTheDashboardOrWithoutOrigin() throws Exception {
        restartWithCors(BI);
        HttpResponse<String> page = request("GET", "/", "Origin", BI);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(corsHeaderNames(page)).isEmpty();
        assertThat(request("OPTIONS", "/", "Origin", BI, "Access-Control-Request-Method", "GET").statusCode())
                .isEqualTo(405);
        HttpResponse<String> plain = request("GET", "/api/series");
        assertThat(plain.statusCode()).isEqualTo(200);
        assertThat(corsHeaderNames(plain)).isEmpty();
        HttpResponse<String> options = request("OPTIONS", "/api/series");
        assertThat(options.statusCode()).as("not a preflight: as before").isEqualTo(405);
        assertThat(options.headers().firstValue("Allow")).hasValue("GET, HEAD");
    }

    @Test
    void shouldSendNoCorsHeaderAndAnswerOptionsWith405AsBeforeByDefault() throws Exception {
        for (String method : List.of("GET", "HEAD")) {
            HttpResponse<String> r = request(method, "/api/series", "Origin", BI);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(corsHeaderNames(r)).as(method).isEmpty();
        }
        for (String path : List.of("/api/series", "/health/ready")) {
            HttpResponse<String> preflight = request("OPTIONS", path, "Origin", BI, "Access-Control-Request-Method", "GET");
            assertThat(preflight.statusCode()).as(path).isEqualTo(405);
            assertThat(preflight.headers().firstValue("Allow")).as(path).hasValue("GET, HEAD");
            assertThat(corsHeaderNames(preflight)).as(path).isEmpty();
            assertThat(json.readTree(preflight.body()).get("error").asText()).isEqualTo("GET or HEAD only");
        }
        assertThat(request("OPTIONS", "/api/nope", "Origin", BI, "Access-Control-Request-Method", "GET").statusCode())
                .isEqualTo(404);
    }

}
