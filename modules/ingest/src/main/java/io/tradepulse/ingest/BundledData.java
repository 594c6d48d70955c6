package io.tradepulse.ingest;

import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The demo data set shipped in this jar ({@code demo-data/}): real published figures, each row with its
 * source (see demo-data/README.md). China's monthly exports to the United States as reported by China
 * customs, and the 2025 US-China tariff timeline.
 */
public final class BundledData {
    public static final String CHINA_EXPORTS_TO_US = "demo-data/china-exports-to-us-gacc.csv";
    public static final String TARIFF_EVENTS = "demo-data/tariff-events-us-china-2025.csv";
    /** The series of {@link #CHINA_EXPORTS_TO_US}: China's exports of all goods to the United States. */
    public static final SeriesKey CHINA_TO_US_EXPORTS = new SeriesKey("CHN", "USA", Flow.EXPORT, "TOTAL");

    private BundledData() {
    }

    public static List<ParseResult<TradeRecord>> chinaExportsToUs() {
        try (InputStream in = open(CHINA_EXPORTS_TO_US)) {
            return new GaccSeriesCsv(CHINA_TO_US_EXPORTS).parse(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static List<ParseResult<TariffEvent>> tariffEvents() {
        try (InputStream in = open(TARIFF_EVENTS)) {
            return new TariffEventsCsv().parse(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static InputStream open(String resource) throws IOException {
        InputStream in = BundledData.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("bundled resource missing: " + resource);
        }
        return in;
    }
}
