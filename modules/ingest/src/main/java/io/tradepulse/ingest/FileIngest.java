package io.tradepulse.ingest;

import io.tradepulse.avro.DeadLetter;
import io.tradepulse.avro.DeadLetterStage;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.core.TopicCatalog;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes parsed rows: each good row to its data topic, each rejected row to the dead-letter topic with
 * the raw text, the source, the line and the reason. Nothing is dropped. The report is returned only after
 * every row was acknowledged by the broker ({@link CatalogProducer#flush()} throws otherwise).
 */
public final class FileIngest {
    private static final Logger log = LoggerFactory.getLogger(FileIngest.class);

    private final CatalogProducer producer;
    private final TopicCatalog topics;

    public FileIngest(CatalogProducer producer, TopicCatalog topics) {
        this.producer = producer;
        this.topics = topics;
    }

    public IngestReport publishTradeRecords(String source, List<ParseResult<TradeRecord>> rows) {
        int ok = 0;
        int bad = 0;
        for (ParseResult<TradeRecord> row : rows) {
            if (row instanceof ParseResult.Parsed<TradeRecord> p) {
                producer.send(topics.records(), seriesKey(p.value()), p.value());
                ok++;
            } else {
                deadLetter(source, (ParseResult.Rejected<TradeRecord>) row);
                bad++;
            }
        }
        producer.flush();
        return report(source, ok, bad);
    }

    public IngestReport publishTariffEvents(String source, List<ParseResult<TariffEvent>> rows) {
        int ok = 0;
        int bad = 0;
        for (ParseResult<TariffEvent> row : rows) {
            if (row instanceof ParseResult.Parsed<TariffEvent> p) {
                producer.send(topics.tariffEvents(), p.value().getId(), p.value());
                ok++;
            } else {
                deadLetter(source, (ParseResult.Rejected<TariffEvent>) row);
                bad++;
            }
        }
        producer.flush();
        return report(source, ok, bad);
    }

    public static SeriesKey seriesKey(TradeRecord r) {
        return new SeriesKey(r.getReporter(), r.getPartner(), r.getFlow(), r.getCommodity());
    }

    private void deadLetter(String source, ParseResult.Rejected<?> rejected) {
        DeadLetter dl = DeadLetter.newBuilder()
                .setStage(DeadLetterStage.INGEST)
                .setReason(rejected.reason())
                .setSource(source)
                .setPosition("line " + rejected.line())
                .setRawValue(ByteBuffer.wrap(rejected.raw().getBytes(StandardCharsets.UTF_8)))
                .setOccurredAt(Instant.now())
                .build();
        producer.send(topics.deadLetters(), "file:" + source + ":" + rejected.line(), dl);
    }

    private static IngestReport report(String source, int ok, int bad) {
        if (bad > 0) {
            log.warn("{}: {} rows published, {} rows sent to the dead-letter topic", source, ok, bad);
        } else {
            log.info("{}: {} rows published", source, ok);
        }
        return new IngestReport(source, ok, bad);
    }
}
