package io.tradepulse.registry.strategy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

import io.tradepulse.registry.TestSchemas;

class SubjectNameStrategyTest {

    private static final Schema STRING = Schema.create(Schema.Type.STRING);

    @Test
    void shouldNameTopicSubjectsByKeyOrValue() {
        TopicNameStrategy strategy = new TopicNameStrategy();
        assertThat(strategy.subjectName("prices", true, TestSchemas.PRICE_V1)).isEqualTo("prices-key");
        assertThat(strategy.subjectName("prices", false, TestSchemas.PRICE_V1)).isEqualTo("prices-value");
    }

    @Test
    void shouldNameRecordSubjectsByFullNameIgnoringTopic() {
        RecordNameStrategy strategy = new RecordNameStrategy();
        assertThat(strategy.subjectName("prices", false, TestSchemas.PRICE_V1)).isEqualTo("test.registry.Price");
        assertThat(strategy.subjectName("other", true, TestSchemas.PRICE_V1)).isEqualTo("test.registry.Price");
    }

    @Test
    void shouldRefuseNonRecordSchemasUnderRecordNameStrategiesAsConfluentDoes() {
        // Confluent's RecordNameStrategy/TopicRecordNameStrategy throw for anything but a record (AvroSchema.name() is
        // null then); naming the subject "string" or "union" put unrelated types of every topic under one subject.
        Schema union = Schema.createUnion(TestSchemas.PRICE_V1, STRING);
        Schema enumSchema = Schema.createEnum("Side", null, "test.registry", java.util.List.of("BUY", "SELL"));
        for (SubjectNameStrategy strategy : new SubjectNameStrategy[] {new RecordNameStrategy(), new TopicRecordNameStrategy()}) {
            for (Schema schema : new Schema[] {STRING, union, enumSchema}) {
                assertThatThrownBy(() -> strategy.subjectName("prices", false, schema))
                        .as("%s with %s", strategy.getClass().getSimpleName(), schema)
                        .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class)
                        .hasMessageContaining("value.subject.name.strategy").hasMessageContaining("must only be a record schema");
            }
            assertThatThrownBy(() -> strategy.subjectName("prices", true, STRING))
                    .isInstanceOf(org.apache.kafka.common.errors.SerializationException.class)
                    .hasMessageContaining("key.subject.name.strategy");
        }
    }

    @Test
    void shouldNameTopicRecordSubjectsByTopicAndFullName() {
        TopicRecordNameStrategy strategy = new TopicRecordNameStrategy();
        assertThat(strategy.subjectName("prices", false, TestSchemas.PRICE_V1)).isEqualTo("prices-test.registry.Price");
    }

    @Test
    void shouldCreateStrategiesFromOurAndConfluentClassNames() {
        assertThat(SubjectNameStrategies.create("k", TopicRecordNameStrategy.class.getName())).isInstanceOf(TopicRecordNameStrategy.class);
        assertThat(SubjectNameStrategies.create("k", "io.confluent.kafka.serializers.subject.TopicNameStrategy"))
                .isInstanceOf(TopicNameStrategy.class);
        assertThat(SubjectNameStrategies.create("k", " io.confluent.kafka.serializers.subject.RecordNameStrategy "))
                .isInstanceOf(RecordNameStrategy.class);
    }

    @Test
    void shouldRejectClassesThatAreNotStrategies() {
        assertThatThrownBy(() -> SubjectNameStrategies.create("value.subject.name.strategy", "java.util.ArrayList"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("value.subject.name.strategy")
                .hasMessageContaining("does not implement");
    }
}
