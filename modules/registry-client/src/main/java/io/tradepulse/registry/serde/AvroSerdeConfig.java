package io.tradepulse.registry.serde;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

import io.tradepulse.registry.Redaction;
import io.tradepulse.registry.SchemaRegistryClientConfig;
import io.tradepulse.registry.UnsupportedConfluentKeys;
import io.tradepulse.registry.UnsupportedConfluentKeys.Key;
import io.tradepulse.registry.strategy.SubjectNameStrategies;
import io.tradepulse.registry.strategy.SubjectNameStrategy;
import io.tradepulse.registry.strategy.TopicNameStrategy;

/**
 * Configuration of {@link KafkaAvroSerializer}, {@link KafkaAvroDeserializer} and the serdes: the
 * registry client keys of {@link SchemaRegistryClientConfig} plus the serde keys below, all with
 * Confluent's names. {@code schema.registry.url} is optional here because a client may be injected
 * instead; without an injected client, creating the serde's client fails naming it.
 */
public final class AvroSerdeConfig extends AbstractConfig {

    public static final String AUTO_REGISTER_SCHEMAS_CONFIG = "auto.register.schemas";
    public static final boolean AUTO_REGISTER_SCHEMAS_DEFAULT = true;
    public static final String AUTO_REGISTER_SCHEMAS_DOC = "Serializer: register the record's schema under its subject "
            + "if needed. When false, the schema must already be registered (looked up, or see use.latest.version).";

    public static final String USE_LATEST_VERSION_CONFIG = "use.latest.version";
    public static final boolean USE_LATEST_VERSION_DEFAULT = false;
    public static final String USE_LATEST_VERSION_DOC = "Serializer, only with auto.register.schemas=false: write with the "
            + "subject's latest registered schema and its id instead of looking up the record's own schema. The record is "
            + "converted by Avro schema resolution, so the latest schema must be able to read the record's schema; otherwise "
            + "serialization fails. Deserializer: generic reads use the subject's latest schema (the subject named from "
            + "the writer schema by the strategy) as the reader schema, as Confluent's does; generated classes "
            + "(specific.avro.reader and the typed serdes) keep reading with their own schema.";

    public static final String LATEST_CACHE_TTL_SEC_CONFIG = "latest.cache.ttl.sec";
    public static final long LATEST_CACHE_TTL_SEC_DEFAULT = -1L;
    public static final String LATEST_CACHE_TTL_SEC_DOC = "Serializer and deserializer, with use.latest.version: "
            + "seconds the latest schema of a subject is cached before it is fetched again; -1 caches it for the "
            + "serde's lifetime.";

    public static final String KEY_SUBJECT_NAME_STRATEGY_CONFIG = "key.subject.name.strategy";
    public static final String KEY_SUBJECT_NAME_STRATEGY_DOC = "Subject name strategy for record keys. "
            + "Confluent's io.confluent.kafka.serializers.subject.* names are accepted and mapped to ours.";

    public static final String VALUE_SUBJECT_NAME_STRATEGY_CONFIG = "value.subject.name.strategy";
    public static final String VALUE_SUBJECT_NAME_STRATEGY_DOC = "Subject name strategy for record values. "
            + "Confluent's io.confluent.kafka.serializers.subject.* names are accepted and mapped to ours.";

    public static final String SUBJECT_NAME_STRATEGY_DEFAULT = TopicNameStrategy.class.getName();

    public static final String SPECIFIC_AVRO_READER_CONFIG = "specific.avro.reader";
    public static final boolean SPECIFIC_AVRO_READER_DEFAULT = false;
    public static final String SPECIFIC_AVRO_READER_DOC = "Deserializer: return generated SpecificRecord classes (found by "
            + "the writer schema's full name, read with that class's schema via schema resolution) instead of GenericRecord. "
            + "A union, array or map writer schema is read as itself, with the generated classes for the records inside "
            + "(as Confluent's deserializer).";

    /**
     * Confluent serde keys these serdes do not implement: refused unless unset or at a value that changes nothing (see
     * {@link UnsupportedConfluentKeys}). Pure cache tuning (latest.cache.size, missing.*.cache.*) is accepted and has no
     * effect: it changes no id, byte or class.
     */
    public static final List<UnsupportedConfluentKeys.Key> UNSUPPORTED = List.of(
            Key.atMost("normalize.schemas", "Schemas are registered and looked up exactly as Schema.toString() writes them, "
                    + "Confluent's text without normalization, so both clients get the same ids.", "false"),
            Key.atMost("use.schema.id", "The id comes from registration, lookup or use.latest.version.", "-1"),
            Key.atMost("id.compatibility.strict", "Only meaningful with use.schema.id, which is not supported.", "true"),
            Key.atMost("latest.compatibility.strict", "With use.latest.version the serializer always checks that the latest "
                    + "schema can read the record's schema, and fails otherwise.", "true"),
            Key.atMost("use.latest.with.metadata", "Only use.latest.version (the subject's latest version) is supported."),
            Key.atMost("context.name.strategy", "Subjects are not placed in a schema registry context.",
                    "io.confluent.kafka.serializers.context.NullContextNameStrategy"),
            Key.atMost("schema.reflection", "Records are GenericRecord or generated SpecificRecord classes; no reflection.",
                    "false"),
            Key.atMost("avro.reflection.allow.null", "Only meaningful with schema.reflection, which is not supported.", "false"),
            Key.atMost("avro.use.logical.type.converters", "GenericRecords are read with the raw values of logical types "
                    + "(a long for timestamp-millis); generated classes apply their own conversions.", "false"),
            Key.atMost("avro.remove.java.properties", "Schemas are registered with their avro.java.string properties, as "
                    + "Confluent does by default.", "false"),
            Key.atMost("specific.avro.key.type", "With specific.avro.reader the class is found by the writer schema's full "
                    + "name."),
            Key.atMost("specific.avro.value.type", "With specific.avro.reader the class is found by the writer schema's full "
                    + "name."),
            Key.atMost("rule.executors", "Data contract rules are not supported."),
            Key.atMost("rule.actions", "Data contract rules are not supported."),
            Key.atMost("key.schema.id.serializer", "The schema id is always written as the 5-byte prefix.",
                    "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdSerializer"),
            Key.atMost("value.schema.id.serializer", "The schema id is always written as the 5-byte prefix.",
                    "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdSerializer"),
            Key.atMost("key.schema.id.deserializer", "The schema id is always read from the 5-byte prefix, never from headers.",
                    "io.confluent.kafka.serializers.schema.id.DualSchemaIdDeserializer",
                    "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdDeserializer"),
            Key.atMost("value.schema.id.deserializer", "The schema id is always read from the 5-byte prefix, never from headers.",
                    "io.confluent.kafka.serializers.schema.id.DualSchemaIdDeserializer",
                    "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdDeserializer"));

    private static final ConfigDef SERDE_ONLY = defineSerdeKeys(new ConfigDef());
    private static final ConfigDef CONFIG = defineSerdeKeys(SchemaRegistryClientConfig.addClientConfigs(new ConfigDef(), false));

    public AvroSerdeConfig(Map<?, ?> props) {
        // doLog=false: AbstractConfig would log schema.registry.url verbatim, credentials included.
        super(CONFIG, normalize(props), false);
        UnsupportedConfluentKeys.check(originals(), UNSUPPORTED);
        SchemaRegistryClientConfig.checkUnsupportedKeys(originals());
    }

    /**
     * Parses {@code props} as the serdes and their registry client will when they are built, so that a configuration
     * is refused when it is read, before anything starts (a process that builds its serdes only after contacting Kafka
     * refused an invalid value only then).
     *
     * @param stringKeys whether string keys are written under this configuration: a key subject name strategy that
     *     names subjects after records is then refused too ({@link StringAvroSerde#checkSubjectNameStrategy})
     * @param buildsClient whether the serdes build their own registry client (none injected): its keys are checked too
     * @throws org.apache.kafka.common.config.ConfigException naming the key, as the serdes would
     */
    public static void check(Map<?, ?> props, boolean stringKeys, boolean buildsClient) {
        AvroSerdeConfig config = new AvroSerdeConfig(props);
        if (stringKeys) {
            StringAvroSerde.checkSubjectNameStrategy(config, true);
        }
        if (buildsClient) {
            new SchemaRegistryClientConfig(props);
        }
    }

    private static ConfigDef defineSerdeKeys(ConfigDef def) {
        return def
                .define(AUTO_REGISTER_SCHEMAS_CONFIG, Type.BOOLEAN, AUTO_REGISTER_SCHEMAS_DEFAULT, Importance.MEDIUM,
                        AUTO_REGISTER_SCHEMAS_DOC)
                .define(USE_LATEST_VERSION_CONFIG, Type.BOOLEAN, USE_LATEST_VERSION_DEFAULT, Importance.LOW, USE_LATEST_VERSION_DOC)
                .define(LATEST_CACHE_TTL_SEC_CONFIG, Type.LONG, LATEST_CACHE_TTL_SEC_DEFAULT, ConfigDef.Range.atLeast(-1),
                        Importance.LOW, LATEST_CACHE_TTL_SEC_DOC)
                .define(KEY_SUBJECT_NAME_STRATEGY_CONFIG, Type.STRING, SUBJECT_NAME_STRATEGY_DEFAULT, SubjectNameStrategies.VALIDATOR,
                        Importance.MEDIUM, KEY_SUBJECT_NAME_STRATEGY_DOC)
                .define(VALUE_SUBJECT_NAME_STRATEGY_CONFIG, Type.STRING, SUBJECT_NAME_STRATEGY_DEFAULT,
                        SubjectNameStrategies.VALIDATOR, Importance.MEDIUM, VALUE_SUBJECT_NAME_STRATEGY_DOC)
                .define(SPECIFIC_AVRO_READER_CONFIG, Type.BOOLEAN, SPECIFIC_AVRO_READER_DEFAULT, Importance.LOW,
                        SPECIFIC_AVRO_READER_DOC);
    }

    /**
     * Strategy keys may be given as {@link Class} objects (Confluent users write
     * {@code props.put(VALUE_SUBJECT_NAME_STRATEGY, RecordNameStrategy.class)}); the STRING type needs
     * the name. They are STRING rather than CLASS because Confluent's class names must be accepted
     * without Confluent's classes on the class path.
     */
    private static Map<?, ?> normalize(Map<?, ?> props) {
        Map<Object, Object> copy = new HashMap<>(props);
        for (String key : new String[] {KEY_SUBJECT_NAME_STRATEGY_CONFIG, VALUE_SUBJECT_NAME_STRATEGY_CONFIG}) {
            if (copy.get(key) instanceof Class<?> type) {
                copy.put(key, type.getName());
            }
        }
        return copy;
    }

    /** A copy of the full definition (client and serde keys). */
    public static ConfigDef configDef() {
        return new ConfigDef(CONFIG);
    }

    /** A copy of the serde-only keys, for documentation. */
    static ConfigDef serdeOnlyConfigDef() {
        return new ConfigDef(SERDE_ONLY);
    }

    public boolean autoRegisterSchemas() {
        return getBoolean(AUTO_REGISTER_SCHEMAS_CONFIG);
    }

    public boolean useLatestVersion() {
        return getBoolean(USE_LATEST_VERSION_CONFIG);
    }

    public long latestCacheTtlSec() {
        return getLong(LATEST_CACHE_TTL_SEC_CONFIG);
    }

    public boolean specificAvroReader() {
        return getBoolean(SPECIFIC_AVRO_READER_CONFIG);
    }

    /** A new, configured instance of the key or value subject name strategy. */
    public SubjectNameStrategy subjectNameStrategy(boolean isKey) {
        String key = isKey ? KEY_SUBJECT_NAME_STRATEGY_CONFIG : VALUE_SUBJECT_NAME_STRATEGY_CONFIG;
        SubjectNameStrategy strategy = SubjectNameStrategies.create(key, getString(key));
        strategy.configure(originals());
        return strategy;
    }

    /** The registry client configuration; fails naming schema.registry.url when no URL is configured. */
    public SchemaRegistryClientConfig clientConfig() {
        return new SchemaRegistryClientConfig(originals());
    }

    @Override
    public String toString() {
        return Redaction.describe(this, CONFIG);
    }
}
