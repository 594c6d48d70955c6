package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.state.RollupContribution;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class VersionedAvroSerdeTest {

    @Test
    void shouldWriteTheNextEntryCleanlyWhenTheThreadsPreviousEntryWasRefusedHalfWay() {
        VersionedAvroSerde<SeriesKey> serde = new VersionedAvroSerde<>(SeriesKey.getClassSchema());
        SeriesKey key = new SeriesKey("DEU", "FRA", Flow.IMPORT, "8703");
        byte[] clean = new VersionedAvroSerde<SeriesKey>(SeriesKey.getClassSchema()).serialize("t", key);

        // reporter and partner are encoded before the null flow is refused
        assertThatThrownBy(() -> serde.serialize("t", new SeriesKey("USA", "CHN", null, "8501")))
                .isInstanceOf(SerializationException.class);

        assertThat(serde.serialize("t", key)).isEqualTo(clean);
        assertThat(serde.deserialize("t", serde.serialize("t", key))).isEqualTo(key);
    }

    @Test
    void shouldWriteTheNextEntryCleanlyAfterARefusedEntryOfAnotherRecordType() {
        VersionedAvroSerde<RollupContribution> serde = new VersionedAvroSerde<>(RollupContribution.getClassSchema());
        RollupContribution ok = new RollupContribution("C:870321", 1, 5L, "EUR", "EUROSTAT", "2026-01", 1L, null,
                FigureQuality.PUBLISHED);
        byte[] clean = new VersionedAvroSerde<RollupContribution>(RollupContribution.getClassSchema()).serialize("t", ok);

        assertThatThrownBy(() -> serde.serialize("t",
                new RollupContribution("C:870322", 2, 7L, "EUR", null, "2026-01", 1L, null, FigureQuality.PUBLISHED)))
                .isInstanceOf(SerializationException.class);

        assertThat(serde.serialize("t", ok)).isEqualTo(clean);
    }
}
