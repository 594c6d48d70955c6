package io.tradepulse.launcher;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.sink.SinkConnector;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * The connectors ingest's worker finds, and how it resolves a connector.class to one of them. Ingest runs the worker
 * in-process with the launcher's class path and plugin.discovery=service_load: without a plugin.path, its connectors
 * are the classes listed in META-INF/services/org.apache.kafka.connect.source.SourceConnector (and .sink.SinkConnector)
 * on that class path, read here the same way (ServiceLoader). The rules are Kafka 4.4's: an alias is a connector's
 * simple class name, or that name cut at its last "Connector" (PluginUtils.computeAliases: FileSourceConnector,
 * FileSource), and one that names two classes is no alias; the worker looks the alias up first, then loads the class
 * by its name, from its plugins or else from the class path (a Connector there needs no service entry), and otherwise
 * takes the one connector whose simple name is the value or the value followed by "Connector"
 * (Plugins.connectorClass).
 */
final class ConnectorClasses {
    private static final String CONNECTOR_SUFFIX = "Connector";

    private final ClassLoader loader;
    /** The connectors found, by class name, in the order found. */
    private final Map<String, Class<?>> found = new LinkedHashMap<>();
    /** Each alias that names one class only. */
    private final Map<String, String> aliases = new HashMap<>();

    ConnectorClasses(ClassLoader loader, Collection<Class<?>> connectors) {
        this.loader = loader;
        Map<String, Set<String>> candidates = new HashMap<>();
        for (Class<?> c : connectors) {
            found.putIfAbsent(c.getName(), c);
            candidates.computeIfAbsent(c.getSimpleName(), k -> new TreeSet<>()).add(c.getName());
            candidates.computeIfAbsent(prunedName(c), k -> new TreeSet<>()).add(c.getName());
        }
        candidates.forEach((alias, classes) -> {
            if (classes.size() == 1) {
                aliases.put(alias, classes.iterator().next());
            }
        });
    }

    /** The connectors the service files of {@code loader}'s class path list, as the worker finds them. */
    static ConnectorClasses onClassPath(ClassLoader loader) {
        List<Class<?>> connectors = new ArrayList<>();
        addProviders(SourceConnector.class, loader, connectors);
        addProviders(SinkConnector.class, loader, connectors);
        return new ConnectorClasses(loader, connectors);
    }

    private static <S> void addProviders(Class<S> service, ClassLoader loader, List<Class<?>> into) {
        Iterator<ServiceLoader.Provider<S>> providers = ServiceLoader.load(service, loader).stream().iterator();
        // Bounded: each failure moves on to the next entry, but a broken class path must not loop for ever.
        for (int entries = 0; entries < 10_000; entries++) {
            try {
                if (!providers.hasNext()) {
                    return;
                }
                into.add(providers.next().type());
            } catch (ServiceConfigurationError e) {
                // A listed class that cannot be loaded: the worker logs it and goes on without it, and so does this.
            }
        }
    }

    /** Kafka's PluginUtils.prunedName of a connector: its simple name up to its last "Connector", if not first. */
    private static String prunedName(Class<?> connector) {
        String simple = connector.getSimpleName();
        int suffix = simple.lastIndexOf(CONNECTOR_SUFFIX);
        return suffix > 0 ? simple.substring(0, suffix) : simple;
    }

    /**
     * The class name of the connector found that {@code value} names (its class name or an alias); empty when it names
     * none of them (another class on the class path, or nothing the worker has).
     */
    Optional<String> resolve(String value) {
        String name = aliases.getOrDefault(value, value);
        if (found.containsKey(name)) {
            return Optional.of(name);
        }
        if (loadsAsConnector(name)) {
            return Optional.empty();
        }
        List<String> matches = found.values().stream().filter(c -> c.getSimpleName().equals(value)
                || c.getSimpleName().equals(value + CONNECTOR_SUFFIX)).map(Class::getName).toList();
        return matches.size() == 1 ? Optional.of(matches.get(0)) : Optional.empty();
    }

    /** Whether the worker would load a connector for {@code value}: one found, or a Connector class on the class path. */
    boolean workerLoads(String value) {
        return resolve(value).isPresent() || loadsAsConnector(aliases.getOrDefault(value, value));
    }

    /**
     * Whether the connector the worker loads for {@code value} is a sink connector. The worker loads one as it loads a
     * source, but ingest runs a source: a sink started there reads topics ingest never names and never completes.
     */
    boolean isSink(String value) {
        String className = resolve(value).orElse(aliases.getOrDefault(value, value));
        try {
            return SinkConnector.class.isAssignableFrom(Class.forName(className, false, loader));
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private boolean loadsAsConnector(String className) {
        try {
            return Connector.class.isAssignableFrom(Class.forName(className, false, loader));
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * The source connectors found, each with its aliases: "io.x.FileSourceConnector (FileSourceConnector, FileSource)".
     * Sink connectors are not listed: ingest runs a source, and refuses a sink ({@link #isSink}).
     */
    String allowedValues() {
        List<String> each = new ArrayList<>();
        found.values().stream().filter(SourceConnector.class::isAssignableFrom).forEach(c -> {
            List<String> names = aliases.entrySet().stream().filter(a -> a.getValue().equals(c.getName()))
                    .map(Map.Entry::getKey)
                    .sorted((a, b) -> b.length() != a.length() ? b.length() - a.length() : a.compareTo(b)).toList();
            each.add(names.isEmpty() ? c.getName() : c.getName() + " (" + String.join(", ", names) + ")");
        });
        return String.join(", ", each);
    }
}
