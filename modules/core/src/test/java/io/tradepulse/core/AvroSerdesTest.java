package io.tradepulse.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.registry.SchemaRegistryClient;
import io.tradepulse.testsupport.registry.InMemorySchemaRegistryClient;
import java.net.http.HttpClient;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class AvroSerdesTest {
    private static final Map<String, Object> CONFIG = Map.of("schema.registry.url", "http://registry.invalid:8081");

    /**
     * The JDK numbers its HTTP clients from one counter and shows the number in {@code toString()}, so two fresh
     * clients' numbers count the clients created in between.
     */
    private static long newHttpClientId() {
        String name = HttpClient.newHttpClient().toString();
        Matcher m = Pattern.compile("\\((\\d+)\\)$").matcher(name);
        assertThat(m.find()).as("JDK HTTP client id in %s", name).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    void shouldBuildOneRegistryClientForEveryTopicOfACatalog() {
        long before = newHttpClientId();
        AvroSerdes serdes = new AvroSerdes(CONFIG, null);
        TopicCatalog catalog = new TopicCatalog("", 6, (short) 1, serdes);

        assertThat(newHttpClientId() - before - 1).as("HTTP clients created for the catalog's %d topics",
                catalog.all().size()).isEqualTo(1);
        assertThat(serdes.client()).isNotNull();
    }

    @Test
    void shouldUseTheGivenClientAndBuildNone() {
        SchemaRegistryClient given = new InMemorySchemaRegistryClient();
        long before = newHttpClientId();
        AvroSerdes serdes = new AvroSerdes(CONFIG, given);
        new TopicCatalog("", 6, (short) 1, serdes);

        assertThat(newHttpClientId() - before - 1).as("HTTP clients created").isZero();
        assertThat(serdes.client()).isSameAs(given);
    }
}
