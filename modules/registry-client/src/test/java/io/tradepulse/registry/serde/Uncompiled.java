package io.tradepulse.registry.serde;

import io.tradepulse.registry.SchemaRegistryClient;
import java.util.function.Supplier;

/**
 * Our serdes with the precompiled writer/reader switched off ({@code tradepulse.serde.compiled.disabled}, read
 * when an instance is built): Avro's own SpecificDatumWriter/Reader, the reference the compiled path must
 * match byte for byte and the baseline it is measured against.
 */
final class Uncompiled {
    private static final String SWITCH = "tradepulse.serde.compiled.disabled";

    private Uncompiled() {
    }

    static KafkaAvroSerializer serializer(SchemaRegistryClient client) {
        return withSwitchOff(() -> new KafkaAvroSerializer(client));
    }

    static KafkaAvroDeserializer deserializer(SchemaRegistryClient client) {
        return withSwitchOff(() -> new KafkaAvroDeserializer(client));
    }

    static KafkaAvroDeserializer deserializer(SchemaRegistryClient client, boolean specificReader) {
        return withSwitchOff(() -> new KafkaAvroDeserializer(client, specificReader));
    }

    private static synchronized <T> T withSwitchOff(Supplier<T> factory) {
        String before = System.getProperty(SWITCH);
        System.setProperty(SWITCH, "true");
        try {
            return factory.get();
        } finally {
            if (before == null) {
                System.clearProperty(SWITCH);
            } else {
                System.setProperty(SWITCH, before);
            }
        }
    }
}
