package io.tradepulse.connect.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tradepulse.connect.census.CensusPartition;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.storage.MemoryOffsetBackingStore;
import org.apache.kafka.connect.storage.OffsetStorageReaderImpl;
import org.apache.kafka.connect.storage.OffsetStorageWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Source offsets must be found again by a task in another JVM: Connect stores and looks them up under the serialized
 * bytes of {@code [connector, partition]}, so the partition must serialize the same everywhere. The offsets here go
 * through Connect's own offset storage classes and JSON converter, as in a worker.
 */
class SourcePartitionsTest {
  private static final String CONNECTOR = "tradepulse-census";

  private final JsonConverter keys = converter(true);
  private final JsonConverter values = converter(false);
  private final MemoryOffsetBackingStore store = new MemoryOffsetBackingStore() {
    @Override
    public Set<Map<String, Object>> connectorPartitions(String connectorName) {
      return Set.of();
    }
  };

  private static JsonConverter converter(boolean isKey) {
    JsonConverter c = new JsonConverter();
    c.configure(Map.of("schemas.enable", "false"), isKey);
    return c;
  }

  @BeforeEach
  void start() {
    store.start();
  }

  @AfterEach
  void stop() {
    store.stop();
  }

  private void write(Map<String, ?> partition, Map<String, ?> offset) throws Exception {
    OffsetStorageWriter writer = new OffsetStorageWriter(store, CONNECTOR, keys, values);
    writer.offset(partition, offset);
    assertThat(writer.beginFlush()).isTrue();
    writer.doFlush((error, result) -> { }).get();
  }

  private Map<String, Object> read(Map<String, String> partition) {
    return SourcePartitions.storedOffset(new OffsetStorageReaderImpl(store, CONNECTOR, keys, values), partition);
  }

  @Test
  void shouldSerializeAPartitionWithItsKeysInSortedOrder() {
    Map<String, String> census = new CensusPartition("EXPORT", "HS6", "*").toMap();

    byte[] key = keys.fromConnectData(CONNECTOR, null, List.of(CONNECTOR, census));
    assertThat(new String(key, StandardCharsets.UTF_8)).isEqualTo("[\"tradepulse-census\",{\"comm_lvl\":\"HS6\","
        + "\"commodity\":\"*\",\"dataset\":\"exports/hs\",\"source\":\"census\"}]");
    assertThat(SourcePartitions.of("source", "gacc", "location", "/data/a.csv").keySet())
        .containsExactly("location", "source");
  }

  @Test
  void shouldFindAnOffsetStoredUnderTheSameKeysInAnyInsertionOrder() throws Exception {
    Map<String, String> partition = SourcePartitions.of("source", "census", "dataset", "exports/hs", "comm_lvl", "HS6",
        "commodity", "*");
    write(partition, Map.of("latest", "2025-05"));

    assertThat(read(partition)).containsEntry("latest", "2025-05");
  }

  @Test
  void shouldFindAnOffsetAnEarlierReleaseStoredUnderAnotherKeyOrder() throws Exception {
    Map<String, String> earlier = new LinkedHashMap<>(); // what Map.of iterated like in some earlier JVM
    earlier.put("source", "census");
    earlier.put("commodity", "*");
    earlier.put("dataset", "exports/hs");
    earlier.put("comm_lvl", "HS6");
    write(earlier, Map.of("latest", "2025-04"));
    Map<String, String> partition = new CensusPartition("EXPORT", "HS6", "*").toMap();
    assertThat(keys.fromConnectData(CONNECTOR, null, List.of(CONNECTOR, partition)))
        .isNotEqualTo(keys.fromConnectData(CONNECTOR, null, List.of(CONNECTOR, earlier)));

    assertThat(read(partition)).containsEntry("latest", "2025-04");
  }

  @Test
  void shouldPreferTheOffsetUnderTheSortedOrderOverOneAnEarlierReleaseLeft() throws Exception {
    Map<String, String> partition = SourcePartitions.of("source", "gacc", "location", "/data/a.csv");
    Map<String, String> earlier = new LinkedHashMap<>();
    earlier.put("source", "gacc");
    earlier.put("location", "/data/a.csv");
    write(earlier, Map.of("rows_done", 3));
    write(partition, Map.of("rows_done", 7));

    assertThat(read(partition)).containsEntry("rows_done", 7L);
  }

  @Test
  void shouldFindNoOffsetForANewPartition() {
    assertThat(read(SourcePartitions.of("source", "gacc", "location", "/data/new.csv"))).isNull();
  }

  @Test
  void shouldRefuseOddArgumentsAndDuplicateKeys() {
    assertThatThrownBy(() -> SourcePartitions.of("source")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SourcePartitions.of("a", "1", "a", "2")).hasMessageContaining("duplicate key a");
  }
}
