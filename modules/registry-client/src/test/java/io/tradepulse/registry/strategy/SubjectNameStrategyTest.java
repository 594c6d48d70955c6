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
        assertThat(strategy.subjectName("other", true, STRING)).isEqualTo("string");
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
