package io.tradepulse.serving;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.core.Topic;
import io.tradepulse.core.TopicCatalog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live, read-only view of the output topics for the REST API and the dashboard: a background consumer tails
 * {@code trade.changes} (ChangeKey -> TradeChange) and {@code trade.signals} (SignalKey -> TradeSignal) from the
 * beginning with {@code isolation.level=read_committed} and keeps the latest value per key in a {@link
 * ResultsStore} on disk, exactly what a BI consumer of the compacted topics sees. No consumer group: every
 * instance reads everything, and nothing is committed (the view is rebuilt from the topics on start).
 *
 * <p>A record it cannot read (the registry unreachable, a partition leader moving) does not stop it: it reports
 * the failure ({@link #failure()}, which the readiness endpoint shows), waits, and reads the same records again;
 * applying a record twice is harmless, as every write is an upsert by key. A failure that is no record's (the
 * consumer refused Read on a topic, a poll or an offset lookup that fails) is retried within seconds once its
 * cause is gone: see {@link #MAX_POLL_ERROR_BACKOFF}.
 *
 * <p>Partitions added to the topics while it runs are read too, from their beginning: it looks for them in its
 * consumer's metadata every {@code metadata.max.age.ms} (its default here: {@link #DEFAULT_METADATA_MAX_AGE}).
 */
public final class ResultsView implements Results, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ResultsView.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    /**
     * The longest wait after a failure that is no record's. It mostly comes from the cluster (Read refused, say),
     * whose fix an operator makes while the view waits: a retry every few seconds finds it promptly, and costs
     * the cluster one metadata and one fetch request per attempt. A record that cannot be read (its schema's
     * registry unreachable) keeps {@link #MAX_BACKOFF}.
     */
    static final Duration MAX_POLL_ERROR_BACKOFF = Duration.ofSeconds(5);
    /**
     * How old the consumer's metadata may get unless the client settings say otherwise, and so how often the view
     * looks for partitions added to the topics. The view assigns its partitions itself (no group, no rebalance), so
     * its metadata is the only place it learns of new ones, and Kafka's default (5 minutes) left what the processor
     * writes there unread that long after its own producer had found them. Refreshing the two topics' metadata
     * twice a minute costs the cluster next to nothing.
     */
    static final Duration DEFAULT_METADATA_MAX_AGE = Duration.ofSeconds(30);
    /**
     * How often the view looks for a topic it has found no partition of yet. Started right after the topics were
     * created, it may ask a broker that does not list them yet: it used to call itself caught up without them and
     * find them at the next partition check ({@code metadata.max.age.ms} later), serving as current what had none of
     * their rows. A missing topic is looked up with a metadata request each time (the consumer caches only the
     * topics assigned), a second apart until it is found.
     */
    static final Duration MISSING_TOPIC_CHECK_INTERVAL = Duration.ofSeconds(1);

    private final Consumer<byte[], byte[]> consumer;
    private final Topic<ChangeKey, TradeChange> changesTopic;
    private final Topic<SignalKey, TradeSignal> signalsTopic;
    private final ResultsStore store;
    private final FileChannel lockFile;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;
    /** How often the loop looks for new partitions in the consumer's (cached) metadata. */
    private final Duration partitionCheckInterval;
    private volatile boolean caughtUp;
    private volatile String failure;
    /** Set when the loop died of an Error: see {@link #stopped()}. */
    private volatile boolean stopped;
    /**
     * Guards {@link #closingConsumer}: close() interrupts the thread (to cut a back-off or a registry request short)
     * only while it holds this lock and the thread has not started closing its consumer.
     */
    private final Object interruptLock = new Object();
    /** Set by the thread, under {@link #interruptLock}, before it closes the consumer: see {@link #closeConsumer}. */
    private boolean closingConsumer;

    /**
     * @param clientConfig consumer settings (bootstrap servers, security); isolation and auto-commit are set here
     * @param topics       the catalog whose changes and signals topics (and serdes) are read
     * @param dir          the view's own directory, emptied on start and deleted on close; one instance at a time
     *                     (locked), since a second one would delete the first one's files
     */
    public ResultsView(Map<String, Object> clientConfig, TopicCatalog topics, Path dir) {
        this(consumer(clientConfig), topics, dir, metadataMaxAge(clientConfig));
    }

    ResultsView(Consumer<byte[], byte[]> consumer, TopicCatalog topics, Path dir) {
        this(consumer, topics, dir, DEFAULT_METADATA_MAX_AGE);
    }

    ResultsView(Consumer<byte[], byte[]> consumer, TopicCatalog topics, Path dir, Duration partitionCheckInterval) {
        FileChannel locked;
        try {
            locked = lock(dir);
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
        this.lockFile = locked;
        ResultsStore opened;
        try {
            opened = ResultsStore.open(dir);
        } catch (RuntimeException e) {
            unlock();
            consumer.close(Duration.ZERO);
            throw e;
        }
        this.store = opened;
        this.consumer = consumer;
        this.changesTopic = topics.changes();
        this.signalsTopic = topics.signals();
        this.partitionCheckInterval = partitionCheckInterval;
        this.thread = new Thread(this::run, "tradepulse-results-view");
        this.thread.setDaemon(true);
    }

    private static KafkaConsumer<byte[], byte[]> consumer(Map<String, Object> clientConfig) {
        return new KafkaConsumer<>(consumerConfig(clientConfig), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The client settings with what the view needs on top. */
    static Map<String, Object> consumerConfig(Map<String, Object> clientConfig) {
        Map<String, Object> props = new HashMap<>(clientConfig);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, IsolationLevel.READ_COMMITTED.toString());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // The view reads from the start and seeks itself; a position that falls out of range (records deleted under
        // it) must go back to the earliest record, not jump to the end and leave the rows before it unread.
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // Reading must never create the topics: with the brokers' auto.create.topics.enable (Kafka's default) the
        // consumer's metadata requests (its lookup of a topic not found yet, every second, and those of the topics it
        // reads) created a topic that did not exist, with the broker's defaults (one partition, not compacted): one
        // deleted to be re-created with more partitions was back at once, and the operator's create then failed.
        props.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        props.putIfAbsent(ConsumerConfig.METADATA_MAX_AGE_CONFIG, DEFAULT_METADATA_MAX_AGE.toMillis());
        return props;
    }

    /** The consumer's {@code metadata.max.age.ms} (already checked by the consumer, which is created first). */
    static Duration metadataMaxAge(Map<String, Object> clientConfig) {
        Object value = clientConfig.get(ConsumerConfig.METADATA_MAX_AGE_CONFIG);
        return value == null ? DEFAULT_METADATA_MAX_AGE
                : Duration.ofMillis((Long) ConfigDef.parseType(ConsumerConfig.METADATA_MAX_AGE_CONFIG, value, ConfigDef.Type.LONG));
    }

    /**
     * The view's directory is another running view's: a second instance given the same state.dir. Its own type, so a
     * command can refuse it as the configuration error it is (running it again cannot help while the other runs),
     * without a stack trace.
     */
    public static final class DirectoryInUseException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        DirectoryInUseException(String message) {
            super(message);
        }
    }

    private static FileChannel lock(Path dir) {
        Path lockPath = dir.resolveSibling(dir.getFileName() + ".lock");
        try {
            Files.createDirectories(dir.toAbsolutePath().getParent());
            FileChannel channel = FileChannel.open(lockPath, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                channel.close();
                throw new DirectoryInUseException("Another results view (in this or another process) uses the directory "
                        + dir + " (lock " + lockPath + "): give each instance its own state.dir");
            }
            return channel;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot lock " + lockPath, e);
        }
    }

    private void unlock() {
        try {
            lockFile.close(); // releases the lock
        } catch (IOException e) {
            log.warn("Cannot release the results view's lock: {}", e.toString());
        }
    }

    public ResultsView start() {
        thread.start();
        return this;
    }

    /**
     * The loop retries every Exception; an Error (out of memory, a native library's) ends the thread. It used to end
     * it silently: the view stopped at that record, failure() stayed empty and caughtUp() true, so /health/ready
     * answered 200 while the API served ever older results until the process was restarted. Now the failure stands
     * for good (readiness 503, naming it), and the consumer is closed.
     */
    private void run() {
        try {
            loop();
        } catch (Error e) {
            failure = "results view stopped (restart the process): " + e;
            stopped = true;
            log.error("Results view stopped; it no longer reads the topics until the process is restarted", e);
            closeConsumer(); // the thread ends here: logged above, not rethrown to stderr again
        }
    }

    /**
     * Closes the consumer on the view's thread, out of close()'s reach: an interrupt that lands in KafkaConsumer.close
     * aborts it (ERROR "Failed to close fetcher") and throws an InterruptException out of the thread, a stack trace
     * on stderr at every Ctrl-C that lost the race. Once {@link #closingConsumer} is set, close() no longer
     * interrupts; an interrupt it sent before is cleared here.
     */
    private void closeConsumer() {
        synchronized (interruptLock) {
            closingConsumer = true;
        }
        Thread.interrupted();
        consumer.close(Duration.ofSeconds(5));
    }

    private void loop() {
        Duration backoff = FIRST_BACKOFF;
        Map<TopicPartition, Long> initialEnds = null;
        List<TopicPartition> parts = new ArrayList<>();
        // Where a record could not be applied: the failure stands until the view has read past it.
        Map<TopicPartition, Long> failedAt = new HashMap<>();
        // The offset after the last record applied, per partition: where to read on after reassigning.
        Map<TopicPartition, Long> next = new HashMap<>();
        // A failure that was no record's (a refused or failed fetch) stands until the view has read again: a poll
        // returning nothing proves nothing (the fetch may simply not be answered yet), so it is cleared by records,
        // or by positions at the end offsets (nothing left to read).
        boolean pollFailed = false;
        long nextPartitionCheck = 0;
        while (running.get()) {
            ConsumerRecords<byte[], byte[]> batch = ConsumerRecords.empty();
            Map<TopicPartition, Long> applied = new HashMap<>();
            ConsumerRecord<byte[], byte[]> current = null;
            try {
                if (initialEnds == null) {
                    parts.clear();
                    for (String t : List.of(changesTopic.name(), signalsTopic.name())) {
                        consumer.partitionsFor(t).forEach(p -> parts.add(new TopicPartition(t, p.partition())));
                    }
                    consumer.assign(parts);
                    consumer.seekToBeginning(parts);
                    initialEnds = new HashMap<>(consumer.endOffsets(parts));
                    if (!missingTopics(parts).isEmpty()) {
                        // Said once: readiness says only "catching up" while it waits, and a misspelt topic waits forever.
                        log.warn("Results view finds no partition of {} in the cluster's metadata yet; not caught up"
                                + " until it has found and read them", missingTopics(parts));
                    }
                    nextPartitionCheck = System.nanoTime() + partitionCheckInterval(parts).toNanos();
                } else if (System.nanoTime() - nextPartitionCheck >= 0) {
                    assignNewPartitions(parts, initialEnds);
                    nextPartitionCheck = System.nanoTime() + partitionCheckInterval(parts).toNanos();
                }
                if (parts.isEmpty()) {
                    // Neither topic found yet: the consumer refuses to poll with nothing assigned (which read as the
                    // view's failure), so wait as a poll would.
                    sleep(Duration.ofMillis(500));
                } else {
                    batch = consumer.poll(Duration.ofMillis(500));
                }
                for (TopicPartition tp : batch.partitions()) {
                    for (ConsumerRecord<byte[], byte[]> r : batch.records(tp)) {
                        current = r;
                        apply(r);
                        applied.put(tp, r.offset() + 1);
                        next.put(tp, r.offset() + 1);
                    }
                }
                // The whole batch is applied: a failure from here on (a position or end offset the broker does not
                // answer in time) is no record's, and must not be pinned on the last one applied, which is never
                // read again.
                current = null;
                // Read past a failed offset: its record was applied now, or is gone (compacted away, or part of an
                // aborted transaction that read_committed skips), so no later record clears it by offset.
                failedAt.entrySet().removeIf(e -> consumer.position(e.getKey()) > e.getValue());
                if (pollFailed && (!batch.isEmpty() || allAt(parts, consumer.endOffsets(parts)))) {
                    pollFailed = false;
                }
                if (failure != null && failedAt.isEmpty() && !pollFailed) {
                    log.info("Results view reads again");
                    failure = null;
                }
                backoff = FIRST_BACKOFF;
                // Both topics found, and read to where they ended when found: with a topic not found yet, the view
                // holds none of its rows, however far it has read the other.
                if (!caughtUp && missingTopics(parts).isEmpty() && allAt(parts, initialEnds)) {
                    caughtUp = true;
                }
            } catch (WakeupException | org.apache.kafka.common.errors.InterruptException e) {
                // close() asked us to stop
            } catch (RuntimeException e) {
                if (!running.get()) {
                    // close() cut a call short (a registry request, by its interrupt): a stop, not a failure to
                    // report and log with a stack trace at every Ctrl-C.
                    break;
                }
                String previous = failure;
                failure = e.toString();
                boolean recordFailed = current != null;
                Duration wait = retryDelay(backoff, recordFailed);
                if (failure.equals(previous)) {
                    // The same failure again: its stack trace was logged when it began.
                    log.warn("Results view cannot advance, retrying in {} ms: {}", wait.toMillis(), failure);
                } else {
                    log.warn("Results view cannot advance, retrying in {} ms: {}", wait.toMillis(), failure, e);
                }
                if (recordFailed) {
                    failedAt.put(new TopicPartition(current.topic(), current.partition()), current.offset());
                    // Read the records not applied yet again (the failed one included).
                    for (TopicPartition tp : batch.partitions()) {
                        consumer.seek(tp, applied.getOrDefault(tp, batch.records(tp).get(0).offset()));
                    }
                } else {
                    pollFailed = true;
                    if (initialEnds != null) {
                        reassign(parts, next);
                    }
                }
                sleep(wait);
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
        closeConsumer(); // close() may have interrupted a poll or a back-off; close the consumer anyway
    }

    /** The topics of which no partition is assigned yet: not in the metadata when the view last looked. */
    private List<String> missingTopics(List<TopicPartition> parts) {
        List<String> missing = new ArrayList<>();
        for (String t : List.of(changesTopic.name(), signalsTopic.name())) {
            if (parts.stream().noneMatch(tp -> tp.topic().equals(t))) {
                missing.add(t);
            }
        }
        return missing;
    }

    /**
     * How long until the view looks for partitions again: soon while a topic is missing ({@link
     * #MISSING_TOPIC_CHECK_INTERVAL}).
     */
    private Duration partitionCheckInterval(List<TopicPartition> parts) {
        return missingTopics(parts).isEmpty() || partitionCheckInterval.compareTo(MISSING_TOPIC_CHECK_INTERVAL) <= 0
                ? partitionCheckInterval : MISSING_TOPIC_CHECK_INTERVAL;
    }

    /**
     * Assigns the partitions added to the topics since the view last looked, from their beginning: the view assigns
     * partitions itself, so without this it never read a partition added after its start (and a key the
     * partitioner moved there kept its last value from before). {@code partitionsFor} answers from the consumer's
     * metadata, refreshed every {@code metadata.max.age.ms}, so this costs no request while the topics exist.
     * Partitions are only ever added to a topic; one that is missing from the metadata (a topic being re-created)
     * stays assigned, and the consumer reports it.
     */
    private void assignNewPartitions(List<TopicPartition> parts, Map<TopicPartition, Long> initialEnds) {
        List<TopicPartition> added = new ArrayList<>();
        for (String t : List.of(changesTopic.name(), signalsTopic.name())) {
            for (PartitionInfo p : consumer.partitionsFor(t)) {
                TopicPartition tp = new TopicPartition(t, p.partition());
                if (!parts.contains(tp)) {
                    added.add(tp);
                }
            }
        }
        if (added.isEmpty()) {
            return;
        }
        // Before anything changes, so that a failure leaves the view as it was (the next check tries again): while
        // catching up, what a new partition held when found is part of what the view must read to be caught up.
        Map<TopicPartition, Long> addedEnds = caughtUp ? Map.of() : consumer.endOffsets(added);
        parts.addAll(added);
        consumer.assign(parts); // the partitions assigned before keep their positions
        consumer.seekToBeginning(added);
        initialEnds.putAll(addedEnds);
        log.info("Results view reads partitions added since it started, from their beginning: {}", added);
    }

    /**
     * How long to wait after a failure, {@code backoff} being the wait that has doubled with each failure in a row
     * (up to {@link #MAX_BACKOFF}). A record's failure waits all of it; any other failure at most {@link
     * #MAX_POLL_ERROR_BACKOFF}, so the view finds its cause fixed within seconds.
     */
    static Duration retryDelay(Duration backoff, boolean recordFailed) {
        return recordFailed || backoff.compareTo(MAX_POLL_ERROR_BACKOFF) <= 0 ? backoff : MAX_POLL_ERROR_BACKOFF;
    }

    /**
     * Drops what the consumer holds from fetches already answered, and reads on where the view stands. A fetch the
     * broker refuses (no Read on the topic) leaves the consumer an error for each of its partitions, and each poll
     * throws one of them: without this, an operator's fix is seen only once the view has waited through every
     * error left, a back-off each. Unassigning drops them (seeking does not), so the next poll fetches afresh.
     */
    private void reassign(List<TopicPartition> parts, Map<TopicPartition, Long> next) {
        consumer.unsubscribe();
        consumer.assign(parts);
        List<TopicPartition> unread = new ArrayList<>();
        for (TopicPartition tp : parts) {
            Long offset = next.get(tp);
            if (offset == null) {
                unread.add(tp);
            } else {
                // Records skipped after it (aborted, or transaction markers) are skipped again.
                consumer.seek(tp, offset);
            }
        }
        if (!unread.isEmpty()) { // no partitions would mean all of them
            consumer.seekToBeginning(unread);
        }
    }

    private boolean allAt(List<TopicPartition> parts, Map<TopicPartition, Long> ends) {
        for (TopicPartition tp : parts) {
            // A partition added after the view caught up has no initial end: nothing of it was committed at start.
            Long end = ends.get(tp);
            if (end != null && consumer.position(tp) < end) {
                return false;
            }
        }
        return true;
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            running.set(false); // close() ends a back-off early
        }
    }

    private void apply(ConsumerRecord<byte[], byte[]> r) {
        try {
            if (r.topic().equals(changesTopic.name())) {
                store.putChange(changesTopic.keySerde().deserializer().deserialize(r.topic(), r.key()),
                        changesTopic.valueSerde().deserializer().deserialize(r.topic(), r.value()));
            } else {
                store.putSignal(signalsTopic.keySerde().deserializer().deserialize(r.topic(), r.key()),
                        signalsTopic.valueSerde().deserializer().deserialize(r.topic(), r.value()));
            }
        } catch (RuntimeException e) {
            throw new IllegalStateException("cannot read " + r.topic() + "-" + r.partition() + "@" + r.offset() + ": " + e, e);
        }
    }

    @Override
    public Page<SeriesSummary> series(SeriesFilter filter, int limit) {
        return store.series(filter, limit);
    }

    @Override
    public Page<SeriesSummary> series(SeriesFilter filter, Cursor after, int limit) {
        return store.series(filter, after, limit);
    }

    @Override
    public Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, int limit) {
        return store.changes(filter, fromPeriod, toPeriod, limit);
    }

    @Override
    public Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, Cursor after, int limit) {
        return store.changes(filter, fromPeriod, toPeriod, after, limit);
    }

    @Override
    public Page<TradeSignal> signals(SeriesFilter filter, Predicate<TradeSignal> where, int limit) {
        return store.signals(filter, where, limit);
    }

    @Override
    public Page<TradeSignal> signals(SeriesFilter filter, Predicate<TradeSignal> where, Cursor after, int limit) {
        return store.signals(filter, where, after, limit);
    }

    @Override
    public Page<TradeSignal> signals(SeriesFilter filter, String type, Predicate<TradeSignal> where, Cursor after,
            int limit) {
        return store.signals(filter, type, where, after, limit);
    }

    @Override
    public boolean caughtUp() {
        return caughtUp;
    }

    @Override
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    @Override
    public boolean stopped() {
        return stopped;
    }

    @Override
    public void close() {
        running.set(false);
        consumer.wakeup();
        synchronized (interruptLock) {
            if (!closingConsumer) {
                thread.interrupt(); // ends a back-off sleep or a registry request; never the consumer's close
            }
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.getState() == Thread.State.NEW) {
            consumer.close(Duration.ZERO); // never started
        }
        try {
            store.close();
        } finally {
            // Whatever closing or deleting the store's directory did (a file that cannot be deleted): a lock left
            // held refused every later view on this state.dir in this JVM ("Another results view ... uses the
            // directory") and kept the lock file's descriptor open.
            unlock();
        }
    }
}
