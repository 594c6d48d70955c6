package io.tradepulse.registry.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.tradepulse.registry.SchemaRegistryClientConfig;

class ConfigDocsTest {

    private static final Path README = Path.of(System.getProperty("basedir", "."), "README.md");

    @Test
    void shouldHaveUpToDateConfigTableInReadme() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        assertThat(ConfigDocs.currentTable(readme))
                .as("README.md config table is stale; regenerate it as the README describes (ConfigDocs --update)")
                .isEqualTo(ConfigDocs.markdown());
    }

    @Test
    void shouldDocumentEveryClientAndSerdeKey() {
        String markdown = ConfigDocs.markdown();
        for (String key : AvroSerdeConfig.configDef().names()) {
            assertThat(markdown).contains("| `" + key + "` |");
        }
        assertThat(SchemaRegistryClientConfig.configDef().names()).isSubsetOf(AvroSerdeConfig.configDef().names());
    }

    @Test
    void shouldReplaceOnlyTheMarkedSection() {
        String readme = "# Title\n\n" + ConfigDocs.BEGIN + "\nold table\n" + ConfigDocs.END + "\n\nAfter.\n";
        String updated = ConfigDocs.replaceTable(readme);
        assertThat(updated).startsWith("# Title\n\n" + ConfigDocs.BEGIN + "\n").endsWith(ConfigDocs.END + "\n\nAfter.\n")
                .doesNotContain("old table");
        assertThat(ConfigDocs.currentTable(updated)).isEqualTo(ConfigDocs.markdown());
    }
}
