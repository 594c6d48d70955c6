package io.tradepulse.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * The heap one phase of the benchmark used, broker included (it shares this JVM): the most heap in use at one
 * instant, and the most left in use after a collection.
 *
 * <p>Until 2026-11-29 the harness summed each heap pool's own peak ({@link MemoryPoolMXBean#getPeakUsage}). Those
 * peaks need not coincide: eden peaks just before a young collection, the old generation after the collections
 * that promoted into it, when eden is empty. The sum is an upper bound that the heap need never reach (a
 * standalone check: 410 MB reported against 356 MB reached at {@code -Xmx512m}). Here every figure is one
 * instant's total over all heap pools:
 * <ul>
 *   <li>{@link Reading#peakBytes}: the largest of the totals sampled every {@link #SAMPLE_INTERVAL} on a daemon
 *   thread (and once at the start and at the end), and of the totals just before each collection of the phase,
 *   from the collectors' notifications. The heap in use only drops in a collection, so with the stop-the-world
 *   collectors the bench runs with (parallel, serial, G1's pauses) the totals before the collections are its local
 *   maxima, and the sampling covers the time after the last one and collectors that free memory concurrently
 *   without a notification. Still a lower bound of the true peak where a notification comes after {@link #close}.
 *   </li>
 *   <li>{@link Reading#maxAfterGcBytes}: the largest total right after a collection of the phase, from the same
 *   notifications: what the collector could not free. After a full collection that is the live set; after a young
 *   one it also holds old-generation garbage not collected yet, so it is an upper bound of the live set.</li>
 * </ul>
 */
final class HeapUsage implements AutoCloseable {
    static final Duration SAMPLE_INTERVAL = Duration.ofMillis(50);

    /**
     * @param peakBytes       the most heap in use at one instant (all heap pools)
     * @param maxAfterGcBytes the most heap in use right after a collection; -1 when no collection started in the
     *                        phase (or none was reported before it ended)
     * @param collections     collections that started in the phase and were reported before it ended
     */
    record Reading(long peakBytes, long maxAfterGcBytes, int collections) {
    }

    private final Set<String> heapPools;
    private final long startedAtUptimeMillis;
    private final AtomicLong peak = new AtomicLong();
    private final AtomicLong afterGc = new AtomicLong(-1);
    private final AtomicInteger collections = new AtomicInteger();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<MemoryPoolMXBean> pools;
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onNotification;
    private Thread sampler;

    /**
     * Counts only the pools named in {@code heapPools} and the collections that started at or after
     * {@code startedAtUptimeMillis} (JVM uptime, the clock of {@link GcInfo#getStartTime}): a notification is
     * delivered after its collection, so one of the collection before the phase (the harness' own
     * {@code System.gc()}) may arrive once the phase has started, with the previous phase's heap in it.
     */
    HeapUsage(Set<String> heapPools, long startedAtUptimeMillis) {
        this(heapPools, startedAtUptimeMillis, List.of());
    }

    private HeapUsage(Set<String> heapPools, long startedAtUptimeMillis, List<MemoryPoolMXBean> pools) {
        this.heapPools = Set.copyOf(heapPools);
        this.startedAtUptimeMillis = startedAtUptimeMillis;
        this.pools = pools;
    }

    /** Starts measuring this JVM's heap: the sampling thread and the collectors' notifications. */
    static HeapUsage start() {
        List<MemoryPoolMXBean> pools = ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP).toList();
        HeapUsage h = new HeapUsage(pools.stream().map(MemoryPoolMXBean::getName).collect(Collectors.toSet()),
                ManagementFactory.getRuntimeMXBean().getUptime(), pools);
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener(h.listener, null, null);
                h.emitters.add(emitter);
            }
        }
        h.sampleNow();
        h.sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(SAMPLE_INTERVAL.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                h.sampleNow();
            }
        }, "bench-heap-sampler");
        h.sampler.setDaemon(true);
        h.sampler.start();
        return h;
    }

    /**
     * Starts measuring a phase from a collected heap ({@link System#gc}, then {@link #start}). Without the collection
     * the first samples are whatever the phase before left, its garbage included: the raw consumer's peak heap was
     * the load's (a 100 k run: 148 MB, the load's own peak, against 128 MB measured from a collected heap; up to the
     * whole young generation's garbage at full size). The Streams phases collected first already; now every phase
     * does.
     */
    static HeapUsage startCollected() {
        System.gc();
        return start();
    }

    /** One instant's usage of the pools (by name), as the sampler reads it: counts their total. */
    void sample(Map<String, MemoryUsage> usageByPool) {
        peak.accumulateAndGet(heapUsed(usageByPool), Math::max);
    }

    /** One collection, with every pool's usage just before and just after it (a {@link GcInfo}'s two maps). */
    void collected(long startUptimeMillis, Map<String, MemoryUsage> before, Map<String, MemoryUsage> after) {
        if (startUptimeMillis < startedAtUptimeMillis) {
            return; // a collection before the phase, reported late
        }
        collections.incrementAndGet();
        peak.accumulateAndGet(heapUsed(before), Math::max);
        long left = heapUsed(after);
        peak.accumulateAndGet(left, Math::max);
        afterGc.accumulateAndGet(left, Math::max);
    }

    /** What was measured so far. */
    Reading reading() {
        return new Reading(peak.get(), afterGc.get(), collections.get());
    }

    /** Stops measuring, with a last sample; {@link #reading} is then the phase's. Closing again does nothing. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (sampler != null) {
            sampler.interrupt();
            try {
                sampler.join(1_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (NotificationEmitter emitter : emitters) {
            try {
                emitter.removeNotificationListener(listener);
            } catch (ListenerNotFoundException e) {
                // not registered: nothing to remove
            }
        }
        emitters.clear();
        sampleNow();
    }

    private void sampleNow() {
        if (pools.isEmpty()) {
            return;
        }
        Map<String, MemoryUsage> usage = new HashMap<>();
        for (MemoryPoolMXBean pool : pools) {
            MemoryUsage u = pool.getUsage();
            if (u != null) { // null once the pool is no longer valid
                usage.put(pool.getName(), u);
            }
        }
        sample(usage);
    }

    private void onNotification(Notification n, Object handback) {
        if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())
                && n.getUserData() instanceof CompositeData data) {
            GcInfo info = GarbageCollectionNotificationInfo.from(data).getGcInfo();
            collected(info.getStartTime(), info.getMemoryUsageBeforeGc(), info.getMemoryUsageAfterGc());
        }
    }

    private long heapUsed(Map<String, MemoryUsage> usageByPool) {
        long used = 0;
        for (Map.Entry<String, MemoryUsage> e : usageByPool.entrySet()) {
            if (heapPools.contains(e.getKey()) && e.getValue() != null) {
                used += e.getValue().getUsed(); // non-heap pools (metaspace, code cache) are in a GcInfo too
            }
        }
        return used;
    }
}
