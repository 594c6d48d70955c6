package io.tradepulse.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.registry.CachedSchemaRegistryClient;
import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AvroSerdesTest {
    private static final Map<String, Object> CONFIG = Map.of("schema.registry.url", "http://registry.invalid:8081");

    @Test
    void shouldBuildOneRegistryClientForEveryTopicOfACatalog() {
        long before = CachedSchemaRegistryClient.created();
        AvroSerdes serdes = new AvroSerdes(CONFIG, null);
        TopicCatalog catalog = new TopicCatalog("", 6, (short) 1, serdes);

        assertThat(CachedSchemaRegistryClient.created() - before).as("registry clients created for the catalog's %d topics",
                catalog.all().size()).isEqualTo(1);
        assertThat(serdes.client()).isNotNull();
    }

    @Test
    void shouldUseTheGivenClientAndBuildNone() {
        SchemaRegistryClient given = new InMemorySchemaRegistryClient();
        long before = CachedSchemaRegistryClient.created();
        AvroSerdes serdes = new AvroSerdes(CONFIG, given);
        new TopicCatalog("", 6, (short) 1, serdes);

        assertThat(CachedSchemaRegistryClient.created() - before).as("registry clients created").isZero();
        assertThat(serdes.client()).isSameAs(given);
    }
}
