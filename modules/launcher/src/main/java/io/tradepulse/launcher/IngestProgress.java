package io.tradepulse.launcher;

import io.tradepulse.connect.common.SourceCompletion;
import io.tradepulse.connect.runner.EmbeddedConnect;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorStateInfo;

/**
 * What a one-shot ingest was still waiting for when its --timeout ran out, for its message. It said "not done after
 * PT30M (raise --timeout, or check the log)", and the log of a one-shot run holds Kafka's errors and tradepulse's
 * warnings only: nothing of a task that is slow, waits on a server or cannot hand its records to the cluster.
 */
final class IngestProgress {
    private IngestProgress() {
    }

    /**
     * One task of the connector when the run gave up: its id, the worker's state of it, whether it signalled that it
     * delivered everything (or caught up), and its counters (the connectors' plugin metrics; null when unknown).
     * {@code droppedByTransform}: of its records and dead letters, those a transform of the connector (an SMT such as
     * Filter) dropped, which the worker acknowledged without writing them.
     */
    record Task(int id, String state, boolean finished, Long records, Long deadLetters, Long droppedByTransform,
                Long fetches, Long retries, Long waitUntilMillis) {
    }

    /** The connector's tasks as the worker and the connectors' own signals and metrics report them now. */
    static List<Task> tasks(EmbeddedConnect connect, String connector, boolean finite) {
        ConnectorStateInfo status;
        try {
            status = connect.status(connector);
        } catch (RuntimeException notRegistered) {
            return List.of();
        }
        List<Task> tasks = new ArrayList<>();
        for (ConnectorStateInfo.TaskState t : status.tasks()) {
            List<Integer> one = List.of(t.id());
            boolean finished = finite ? SourceCompletion.isDone(connector, one) : SourceCompletion.isCaughtUp(connector, one);
            ObjectName metrics = metricsOf(connector, t.id());
            tasks.add(new Task(t.id(), t.state(), finished, metric(metrics, "records-total"),
                    metric(metrics, "dead-letters-total"), metric(metrics, "dropped-by-transform-total"),
                    metric(metrics, "fetches-total"),
                    metric(metrics, "retries-total"), metric(metrics, "quota-wait-until")));
        }
        return tasks;
    }

    /**
     * The message of a run that was not done after {@code timeout}: each task still pending with what it read and
     * asked so far, what the cluster acknowledged of the run, and how to see more (the levels that show the
     * connector's progress and Kafka's retries, or a longer --timeout).
     */
    static String notDoneMessage(String connector, boolean finite, Duration timeout, List<Task> tasks,
            long deliveredRecords, String topic, long deliveredDeadLetters, String dlq) {
        return notDoneMessage(connector, finite, timeout, tasks, deliveredRecords, topic, deliveredDeadLetters, dlq, true);
    }

    /**
     * {@link #notDoneMessage(String, boolean, Duration, List, long, String, long, String)}; {@code quietLog}: the run
     * logs at the one-shot verbs' levels (errors only), else at a service's (ingest --follow on a cluster: the
     * connector's progress and Kafka's retries are in its log already).
     */
    static String notDoneMessage(String connector, boolean finite, Duration timeout, List<Task> tasks,
            long deliveredRecords, String topic, long deliveredDeadLetters, String dlq, boolean quietLog) {
        StringBuilder m = new StringBuilder("not done after " + timeout + ": connector " + connector);
        if (tasks.isEmpty()) {
            m.append(" had no task running (the worker had not started one)");
        } else {
            List<String> parts = new ArrayList<>();
            for (Task t : tasks) {
                parts.add(describe(t, finite));
            }
            m.append(": ").append(String.join("; ", parts));
        }
        m.append(". Acknowledged by the cluster in this run: ").append(TariffsCommand.count(deliveredRecords, "record"))
                .append(" to ").append(topic).append(", ").append(TariffsCommand.count(deliveredDeadLetters,
                        "dead letter")).append(" to ").append(dlq);
        // The tasks count what they built, a transform's drops included: those never reach the cluster by design, so
        // they are no sign of a producer that could not deliver (the run said so of every filtered-out row).
        long emitted = tasks.stream().mapToLong(t -> t.records() == null ? 0 : t.records()).sum()
                + tasks.stream().mapToLong(t -> t.deadLetters() == null ? 0 : t.deadLetters()).sum()
                - droppedByTransform(tasks);
        if (emitted > deliveredRecords + deliveredDeadLetters) {
            m.append(" (fewer than the tasks read: the worker's producers could not deliver the rest to the cluster)");
        }
        if (!quietLog) {
            return m.append(". The log (stderr) has the connector's progress and Kafka's retries above; or give it"
                    + " longer with --timeout").toString();
        }
        // tradepulse's own WARN lines (a source's HTTP retries among them) are printed in a one-shot ingest too.
        m.append(". A one-shot ingest logs tradepulse's warnings and Kafka's errors only: to see more, run it again with ")
                .append(LogLevels.LEVEL_ENV).append("=INFO (the connector's progress: each location it reads, where it"
                        + " resumes) and ").append(LogLevels.KAFKA_LEVEL_ENV)
                .append("=WARN (Kafka's retries: a cluster or registry the worker cannot reach), or give it longer"
                        + " with --timeout");
        return m.toString();
    }

    private static String describe(Task t, boolean finite) {
        if (t.finished()) {
            return "task " + t.id() + " " + (finite ? "delivered all its rows" : "caught up");
        }
        StringBuilder s = new StringBuilder("task " + t.id() + " (" + t.state() + ") "
                + (finite ? "had not delivered all its rows" : "had not caught up with the source"));
        if (t.records() != null) {
            s.append(": it read ").append(TariffsCommand.count(t.records(), "record")).append(" and ")
                    .append(TariffsCommand.count(t.deadLetters() == null ? 0 : t.deadLetters(), "dead letter"));
            if (t.droppedByTransform() != null && t.droppedByTransform() > 0) {
                s.append(" (").append(t.droppedByTransform()).append(" of them dropped by a transform, not written)");
            }
            if (t.fetches() != null && t.fetches() > 0) {
                s.append(", made ").append(TariffsCommand.count(t.fetches(), "HTTP request")).append(" (")
                        .append(t.retries() == null ? 0 : t.retries()).append(" retried)");
            }
        }
        if (t.waitUntilMillis() != null && t.waitUntilMillis() > 0) {
            s.append(", and waits until ").append(Instant.ofEpochMilli(t.waitUntilMillis()).truncatedTo(ChronoUnit.SECONDS))
                    .append(" (the source's call quota, or a server's Retry-After)");
        }
        return s.toString();
    }

    /**
     * For a followed run whose wait to catch up ran out: which tasks wait, and until when, because the source holds
     * them back (its call quota used up, a server's Retry-After beyond http.backoff.max.ms), when every task that had
     * not caught up does; empty otherwise (one is slow or stuck: the timeout stands). --follow waits for the source
     * (docs: "--follow waits for the quota instead"), yet a followed Comtrade backfill that used up its daily quota
     * ended at --timeout with exit 1, and a supervisor's restart only asked the refused call again.
     */
    static Optional<String> waitingForTheSource(List<Task> tasks) {
        List<String> waiting = new ArrayList<>();
        for (Task t : tasks) {
            if (t.finished()) {
                continue;
            }
            if (t.waitUntilMillis() == null || t.waitUntilMillis() <= 0) {
                return Optional.empty();
            }
            waiting.add("task " + t.id() + " waits until " + Instant.ofEpochMilli(t.waitUntilMillis())
                    .truncatedTo(ChronoUnit.SECONDS) + " (the source's call quota, or a server's Retry-After)");
        }
        return waiting.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", waiting));
    }

    /**
     * The records and dead letters the tasks built that a transform of the connector (an SMT such as Filter) dropped:
     * acknowledged by the worker without being written, so in neither topic nor in the run's delivered counts.
     */
    static long droppedByTransform(List<Task> tasks) {
        return tasks.stream().mapToLong(t -> t.droppedByTransform() == null ? 0 : t.droppedByTransform()).sum();
    }

    /** The MBean of the connectors' plugin metrics of one task (IngestMetrics), if the worker registered it. */
    private static ObjectName metricsOf(String connector, int task) {
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            Set<ObjectName> names = server.queryNames(new ObjectName(String.format(Locale.ROOT,
                    "kafka.connect:type=plugins,connector=%s,task=%d,*", jmxValue(connector), task)), null);
            return names.stream().filter(n -> hasAttribute(server, n, "records-total")).findFirst().orElse(null);
        } catch (Exception | LinkageError e) {
            return null; // no metrics: the message goes without the counts
        }
    }

    /** A tag's value as Kafka's JmxReporter writes it into the MBean's name: quoted unless plain. */
    private static String jmxValue(String value) {
        return value.matches("[\\w\\-%. \t]*") ? value : ObjectName.quote(value);
    }

    private static boolean hasAttribute(MBeanServer server, ObjectName name, String attribute) {
        try {
            server.getAttribute(name, attribute);
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private static Long metric(ObjectName name, String attribute) {
        if (name == null) {
            return null;
        }
        try {
            return ManagementFactory.getPlatformMBeanServer().getAttribute(name, attribute) instanceof Number n
                    ? n.longValue() : null;
        } catch (Exception e) {
            return null;
        }
    }
}
