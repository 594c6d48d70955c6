package io.tradepulse.registry.strategy;

import java.util.Map;

import org.apache.avro.Schema;
import org.apache.kafka.common.Configurable;

/**
 * Chooses the registry subject a key or value schema is registered and looked up under. Same contract
 * as Confluent's {@code io.confluent.kafka.serializers.subject.strategy.SubjectNameStrategy}, with an
 * Avro {@link Schema} instead of Confluent's {@code ParsedSchema}. Implementations need a public no-arg
 * constructor; they are configured with the serde's configs.
 */
public interface SubjectNameStrategy extends Configurable {

    /**
     * @param topic  the topic being written
     * @param isKey  whether the schema is the record key's
     * @param schema the schema being written; never null (null data is never registered)
     * @return the subject name
     */
    String subjectName(String topic, boolean isKey, Schema schema);

    /** Strategies are usually stateless; override to read settings. */
    @Override
    default void configure(Map<String, ?> configs) {
    }
}
