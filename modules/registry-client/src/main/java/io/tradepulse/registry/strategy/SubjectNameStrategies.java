package io.tradepulse.registry.strategy;

import java.util.Map;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;

/**
 * Resolves a configured strategy name to an instance. Accepts our class names, Confluent's class names
 * (so a configuration written for Confluent's serializers works unchanged, mapped to our equivalents),
 * or the name of any class implementing {@link SubjectNameStrategy}.
 */
public final class SubjectNameStrategies {

    private static final String CONFLUENT_PACKAGE = "io.confluent.kafka.serializers.subject.";

    /** Confluent class name to ours. */
    private static final Map<String, Class<? extends SubjectNameStrategy>> CONFLUENT_ALIASES = Map.of(
            CONFLUENT_PACKAGE + "TopicNameStrategy", TopicNameStrategy.class,
            CONFLUENT_PACKAGE + "RecordNameStrategy", RecordNameStrategy.class,
            CONFLUENT_PACKAGE + "TopicRecordNameStrategy", TopicRecordNameStrategy.class);

    /** Validator for the key/value strategy config keys; fails naming the key and the accepted values. */
    public static final ConfigDef.Validator VALIDATOR = new ConfigDef.Validator() {
        @Override
        public void ensureValid(String name, Object value) {
            if (value == null) {
                throw new ConfigException(name, null, "expected " + this);
            }
            resolveClass(name, value.toString());
        }

        @Override
        public String toString() {
            return "one of " + TopicNameStrategy.class.getName() + ", " + RecordNameStrategy.class.getName() + ", "
                    + TopicRecordNameStrategy.class.getName() + ", their io.confluent.kafka.serializers.subject.* "
                    + "equivalents, or a class implementing " + SubjectNameStrategy.class.getName();
        }
    };

    private SubjectNameStrategies() {
    }

    /**
     * A new, unconfigured instance of the strategy named {@code className}.
     *
     * @param configKey named in the exception when the class is unusable
     * @throws ConfigException when the class is unknown or not a {@link SubjectNameStrategy}
     */
    public static SubjectNameStrategy create(String configKey, String className) {
        Class<? extends SubjectNameStrategy> type = resolveClass(configKey, className);
        try {
            return type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new ConfigException(configKey, className, "cannot instantiate (a public no-arg constructor is required): " + e);
        }
    }

    static Class<? extends SubjectNameStrategy> resolveClass(String configKey, String className) {
        String name = className.trim();
        Class<? extends SubjectNameStrategy> alias = CONFLUENT_ALIASES.get(name);
        if (alias != null) {
            return alias;
        }
        Class<?> loaded;
        try {
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            loaded = Class.forName(name, true, loader != null ? loader : SubjectNameStrategies.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new ConfigException(configKey, className, "class not found; expected " + VALIDATOR);
        }
        if (!SubjectNameStrategy.class.isAssignableFrom(loaded)) {
            throw new ConfigException(configKey, className, "does not implement " + SubjectNameStrategy.class.getName()
                    + "; expected " + VALIDATOR);
        }
        return loaded.asSubclass(SubjectNameStrategy.class);
    }
}
