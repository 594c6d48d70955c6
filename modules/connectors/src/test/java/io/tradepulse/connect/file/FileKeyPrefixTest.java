package io.tradepulse.connect.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A key whose prefix is one of the file source's own, misspelt, was ignored: its setting silently left unset. */
class FileKeyPrefixTest {
  @ParameterizedTest
  @CsvSource({
      "defualt.valuation, default.valuation",
      "defautl.currency, default.currency",
      "feild.value, field.value",
      "fields.note, field.note",
      "fiel.settle.ms, file.settle.ms",
      "htpp.timeout.ms, http.timeout.ms"})
  void shouldFailStartAndValidateNamingTheKeyWhenItsPrefixIsAMisspeltOwnPrefix(String typo, String meant) {
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps("x.csv");
    props.put(typo, "1");

    assertThatThrownBy(() -> new FileSourceConnector().start(props)).isInstanceOf(ConfigException.class)
        .hasMessageContaining(typo).hasMessageContaining("did you mean '" + meant + "'");
    assertThat(new FileSourceConnector().validate(props).configValues()).filteredOn(v -> v.name().equals(typo))
        .singleElement().satisfies(v -> assertThat(v.errorMessages()).singleElement().asString().contains(meant));
  }

  @Test
  void shouldLeaveKafkaConnectsOwnKeysAloneWhenCheckingForMisspeltPrefixes() {
    Map<String, String> props = FileSourceTaskTest.gaccSeedProps("x.csv");
    Map<String, String> connects = new HashMap<>(Map.of("connector.class", "x", "tasks.max", "1", "transforms", "t",
        "transforms.t.type", "x", "errors.tolerance", "none", "errors.deadletterqueue.topic.name", "d",
        "key.converter", "x", "key.converter.schemas.enable", "false", "value.converter", "x",
        "header.converter", "x"));
    connects.putAll(Map.of("predicates", "p", "predicates.p.type", "x", "topic.creation.default.partitions", "1",
        "exactly.once.support", "requested", "offsets.storage.topic", "o", "config.action.reload", "none",
        "producer.override.acks", "all", "consumer.override.max.poll.records", "1",
        "admin.override.request.timeout.ms", "1", "transaction.boundary", "poll"));
    connects.putAll(Map.of("value.converter.schemas.enable", "false", "other.key", "1", "fileformat", "x"));
    props.putAll(connects);

    new FileSourceConnector().start(props);
    assertThat(new FileSourceConnector().validate(props).configValues())
        .allSatisfy(v -> assertThat(v.errorMessages()).as(v.name()).isEmpty());
  }
}
