package io.tradepulse.streams;

import static io.tradepulse.streams.TopologyFixture.CHN_USA;
import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.SignalStatus;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.registry.SchemaRegistryException;
import io.tradepulse.registry.SchemaRegistryUnavailableException;
import io.tradepulse.testsupport.LogCapture;
import java.net.ConnectException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tariff calendar when the processor starts during a registry outage: the global store is restored from
 * tariff.events' bytes undecoded, and decoding them needs a schema this JVM has not fetched yet.
 */
class TariffCalendarRegistryOutageTest {
    private final AtomicBoolean registryDown = new AtomicBoolean(true);
    private final Serde<TariffEvent> avro = new VersionedAvroSerde<>(TariffEvent.getClassSchema());
    /** As the registry's deserializer fails while it cannot fetch the writer schema (KafkaAvroDeserializer). */
    private final Deserializer<TariffEvent> registryDeserializer = (topic, bytes) -> {
        if (registryDown.get()) {
            throw new SerializationException("Schema registry unavailable while fetching Avro schema id 7 for topic '"
                    + topic + "': Connection refused", new SchemaRegistryUnavailableException("Connection refused", 0,
                    SchemaRegistryException.NOT_FROM_REGISTRY, "GET /schemas/ids/7", new ConnectException()));
        }
        return avro.deserializer().deserialize(topic, bytes);
    };
    private final SurvivingStores stores =
            new SurvivingStores(Serdes.serdeFrom(avro.serializer(), registryDeserializer));
    private final LogCapture logs = LogCapture.warnings();

    @AfterEach
    void stopCapturing() {
        logs.close();
    }

    @Test
    void shouldSayTheRegistryIsDownAndApplyTheEventWithoutARestartWhenItAnswersAgain() {
        MockProcessorContext<SeriesKey, Emission> context = stores.start(SignalConfig.DEFAULTS);
        stores.tariffs.put(SignalsTest.AUGUST_RISE.getId(), SignalsTest.AUGUST_RISE); // as restored: bytes only
        SurvivingStores.frontLoadingInJune(CHN_USA).forEach(r -> stores.processor.process(new Record<>(CHN_USA, r, 0L)));
        punctuate(context);
        assertThat(frontLoading(context)).as("the event is unknown while the registry is down").isEmpty();
        List<String> warnings = logs.events();
        assertThat(warnings).anySatisfy(w -> assertThat(w)
                .contains("a tariff event in the global store cannot be decoded now, the schema registry cannot serve "
                        + "its schema (Schema registry unavailable while fetching Avro schema id 7")
                .contains("read again at the next refresh"));
        // No dead letter is written for an event the registry could not serve: saying so sent operators to look for one.
        assertThat(warnings).noneMatch(w -> w.contains("dead letter"));

        registryDown.set(false);
        punctuate(context);
        assertThat(frontLoading(context)).singleElement().satisfies(s -> {
            assertThat(s.getStatus()).isEqualTo(SignalStatus.ACTIVE);
            assertThat(s.getTariffEventId()).isEqualTo(SignalsTest.AUGUST_RISE.getId());
        });
    }

    private static void punctuate(MockProcessorContext<SeriesKey, Emission> context) {
        context.scheduledPunctuators().forEach(p -> p.getPunctuator().punctuate(0L));
    }

    private static List<TradeSignal> frontLoading(MockProcessorContext<SeriesKey, Emission> context) {
        return context.forwarded().stream().map(f -> f.record().value()).filter(Emission::isSignal)
                .map(Emission::signal).filter(s -> s.getType().equals("FRONT_LOADING")).toList();
    }
}
