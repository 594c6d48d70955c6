package io.tradepulse.streams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says what the processor's state restoration is doing, under {@code io.tradepulse} (INFO in {@code tradepulse run},
 * where Kafka's own loggers are at WARN and its restoration lines do not show): a summary every {@link #SUMMARY_EVERY}
 * while any store restores (how far each changelog partition has to go), a line when one that took at least
 * {@link #LONG_RESTORE} ends, and a WARN when one has not moved for {@link #STALL_LIMIT}. Each partition's start and
 * every short restoration's end are DEBUG: every store of every task restores at each start, mostly in milliseconds.
 *
 * <p>Why the WARN: Kafka Streams 4.4 restores a changelog up to its high watermark (its end offsets are listed
 * read_uncommitted) with a read_committed consumer, so a transaction open on the changelog holds the task in
 * restoration until the transaction is decided. After a crash that is seconds: the restarted instance's producer
 * fences its predecessor's and the coordinator aborts the open transaction; with another instance's producer, up to its
 * {@code transaction.timeout.ms} (10 s by Streams' default). A hanging transaction (records whose transaction the
 * coordinator does not know) holds it for ever, while the instance reports RUNNING and only the input lag of that
 * task's partitions tells that something is wrong. docs/operations.md, "Failure modes and recovery".
 *
 * <p>Kafka Streams calls the listener from its restoring threads (and the global thread, for tariff.events);
 * {@link #check} runs on the caller's schedule ({@link ProcessorApp} every few seconds).
 */
final class RestoreProgress implements StateRestoreListener {
    private static final Logger log = LoggerFactory.getLogger(RestoreProgress.class);
    /** Six times Streams' default transaction timeout: longer than any transaction a live producer keeps open. */
    static final Duration STALL_LIMIT = Duration.ofSeconds(60);
    static final Duration SUMMARY_EVERY = Duration.ofSeconds(30);
    /** A restoration that took this long gets an INFO line when it ends (a shorter one a DEBUG line). */
    static final Duration LONG_RESTORE = Duration.ofSeconds(10);

    /** One store's changelog partition being restored. */
    private record Restoring(String store, TopicPartition partition, long end, long position, long startedNanos,
                             long movedNanos, boolean stalled) {
        Restoring movedTo(long newPosition, long now) {
            return new Restoring(store, partition, end, newPosition, startedNanos, now, false);
        }

        Restoring markedStalled() {
            return new Restoring(store, partition, end, position, startedNanos, movedNanos, true);
        }
    }

    private record Key(String store, TopicPartition partition) {
    }

    private final Map<Key, Restoring> restoring = new ConcurrentHashMap<>();
    private final LongSupplier nanoTime;
    private volatile long lastSummaryNanos;

    RestoreProgress() {
        this(System::nanoTime);
    }

    RestoreProgress(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.lastSummaryNanos = nanoTime.getAsLong();
    }

    @Override
    public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
        long now = nanoTime.getAsLong();
        restoring.put(new Key(store, partition),
                new Restoring(store, partition, endingOffset, startingOffset, now, now, false));
        log.debug("Restoring store {} from {}: offsets {} to {}", store, partition, startingOffset, endingOffset);
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long numRestored) {
        long now = nanoTime.getAsLong();
        boolean[] wasStalled = {false};
        restoring.computeIfPresent(new Key(store, partition), (k, old) -> {
            wasStalled[0] = old.stalled();
            return old.movedTo(batchEndOffset + 1, now);
        });
        if (wasStalled[0]) {
            log.info("Restoration of store {} from {} moves again, at offset {}", store, partition, batchEndOffset + 1);
        }
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
        Restoring r = restoring.remove(new Key(store, partition));
        long nanos = r == null ? 0 : nanoTime.getAsLong() - r.startedNanos();
        // Every store of every task restores at each start, mostly nothing or in milliseconds: only a long one is news.
        if (nanos >= LONG_RESTORE.toNanos()) {
            log.info("Restored store {} from {}: {} records in {} ms", store, partition, totalRestored,
                    TimeUnit.NANOSECONDS.toMillis(nanos));
        } else {
            log.debug("Restored store {} from {}: {} records in {} ms", store, partition, totalRestored,
                    TimeUnit.NANOSECONDS.toMillis(nanos));
        }
    }

    @Override
    public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
        // The task moved to another thread or instance before it finished: whoever gets it restores from there.
        restoring.remove(new Key(store, partition));
        log.debug("Restoration of store {} from {} suspended after {} records (task reassigned)", store, partition,
                totalRestored);
    }

    /**
     * Warns once for each restoring partition that has not moved for {@link #STALL_LIMIT} (again after it moved and
     * stopped again), and logs a summary every {@link #SUMMARY_EVERY} while anything restores.
     *
     * @return the partitions this call warned about, for tests
     */
    List<String> check() {
        long now = nanoTime.getAsLong();
        List<String> warned = new ArrayList<>();
        for (Map.Entry<Key, Restoring> e : restoring.entrySet()) {
            Restoring r = e.getValue();
            if (!r.stalled() && now - r.movedNanos() > STALL_LIMIT.toNanos()) {
                // Only if no batch came in between (then it is not stalled).
                if (restoring.replace(e.getKey(), r, r.markedStalled())) {
                    long seconds = TimeUnit.NANOSECONDS.toSeconds(now - r.movedNanos());
                    log.warn("Restoration of store {} from {} has not moved for {} s, at offset {} of {} (high watermark "
                            + "when it started): its task does not process until it ends. A transaction open on that "
                            + "changelog partition holds it (Kafka Streams restores to the high watermark reading "
                            + "read_committed); one that outlives the producers' transaction.timeout.ms may be a hanging "
                            + "transaction: `kafka-transactions describe-producers --topic {} --partition {}`, then "
                            + "`find-hanging` / `abort` (docs/operations.md, \"Failure modes and recovery\")",
                            r.store(), r.partition(), seconds, r.position(), r.end(), r.partition().topic(),
                            r.partition().partition());
                    warned.add(r.partition().toString());
                }
            }
        }
        if (!restoring.isEmpty() && now - lastSummaryNanos >= SUMMARY_EVERY.toNanos()) {
            lastSummaryNanos = now;
            List<Restoring> all = new ArrayList<>(restoring.values());
            all.sort(Comparator.comparing((Restoring r) -> r.partition().toString()).thenComparing(Restoring::store));
            long left = all.stream().mapToLong(r -> Math.max(0, r.end() - r.position())).sum();
            long stalled = all.stream().filter(Restoring::stalled).count();
            log.info("Restoring {} changelog partitions ({} not moving), about {} offsets left: {}", all.size(), stalled,
                    left, all.stream().map(r -> r.partition() + " " + r.position() + "/" + r.end()).toList());
        }
        return warned;
    }

    /** How many changelog partitions are restoring now. */
    int restoringCount() {
        return restoring.size();
    }
}
