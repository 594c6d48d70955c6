package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.kafka.common.config.ConfigDef;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md is generated from {@link ProcessorConfig#configDef()}: this test fails when the file
 * is out of date. Regenerate with
 * {@code ./mvnw -B -pl modules/streams -am test -Dtest=ConfigurationDocTest -Dsurefire.failIfNoSpecifiedTests=false -Dtradepulse.docs.update=true}.
 */
class ConfigurationDocTest {
    private static final Path DOC = Path.of("../../docs/configuration.md");

    static String render() {
        StringBuilder out = new StringBuilder();
        out.append("# Processor configuration\n\n")
                .append("<!-- Generated from ProcessorConfig's ConfigDef by ConfigurationDocTest; do not edit by hand.\n")
                .append("     Regenerate: ./mvnw -B -pl modules/streams -am test -Dtest=ConfigurationDocTest -Dsurefire.failIfNoSpecifiedTests=false\n"
                        + "     -Dtradepulse.docs.update=true -->\n\n")
                .append("Keys of `tradepulse run --config app.properties` (and of `ProcessorConfig`). Besides these, the processor\n")
                .append("accepts every Kafka Streams key, every Kafka consumer/producer/admin client key, the keys under Kafka\n")
                .append("Streams' prefixes (`consumer.`, `producer.`, `admin.`, `main.consumer.`, `restore.consumer.`,\n")
                .append("`global.consumer.`, `topic.`, `client.tag.`), and the registry client and serde keys listed in\n")
                .append("[modules/registry-client/README.md](../modules/registry-client/README.md). Any other key fails at start-up,\n")
                .append("naming the key and the closest known key; an invalid value fails naming the key and the allowed values.\n\n")
                .append("| key | type | default | valid values | importance | description |\n")
                .append("|---|---|---|---|---|---|\n");
        for (ConfigDef.ConfigKey k : ProcessorConfig.configDef().configKeys().values()) {
            String dflt = k.hasDefault() ? (k.defaultValue == null ? "null" : ConfigDef.convertToString(k.defaultValue, k.type)) : "(required)";
            if (ProcessorConfig.STATE_DIR_CONFIG.equals(k.name)) {
                dflt = "<java.io.tmpdir>/tradepulse-streams"; // machine-specific default
            }
            out.append("| `").append(k.name).append("` | ").append(k.type.toString().toLowerCase())
                    .append(" | ").append(dflt.isEmpty() ? "\"\"" : "`" + dflt + "`")
                    .append(" | ").append(k.validator == null ? "" : k.validator.toString().replace("|", "\\|"))
                    .append(" | ").append(k.importance.toString().toLowerCase())
                    .append(" | ").append(k.documentation.replace("|", "\\|").replace("\n", " ")).append(" |\n");
        }
        return out.toString();
    }

    @Test
    void shouldHaveAnUpToDateConfigurationReference() throws IOException {
        String expected = render();
        if (Boolean.getBoolean("tradepulse.docs.update")) {
            Files.writeString(DOC, expected, StandardCharsets.UTF_8);
        }
        assertThat(DOC).as("docs/configuration.md is stale: regenerate it (see the class comment)").exists();
        assertThat(Files.readString(DOC, StandardCharsets.UTF_8)).isEqualTo(expected);
    }
}
