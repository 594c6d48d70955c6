package io.tradepulse.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU time of this JVM and of its threads, so that a phase's CPU can be attributed to the app under test.
 * Wall-clock rates on a shared box move with whatever else the host runs; the stream threads' CPU time per input
 * moves much less, so it compares the apps (and builds) more fairly. The process total also counts the broker
 * (it shares this JVM), the collector and the JIT compiler; the registry runs in its own process and is not
 * counted.
 */
public final class CpuUsage {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** CPU nanoseconds of the process and of each live thread (by id), at one instant. */
    record Snapshot(long processNanos, Map<Long, ThreadCpu> threads) {
    }

    record ThreadCpu(String name, long nanos) {
    }

    /**
     * CPU seconds spent between two snapshots.
     *
     * @param processSeconds the whole JVM: every thread, the collector and the JIT compiler included
     * @param appSeconds     the threads of the app under test (see {@link #between})
     */
    public record Split(double processSeconds, double appSeconds) {
    }

    private CpuUsage() {
    }

    /** Whether this JVM measures per-thread CPU time (HotSpot on Linux, macOS and Windows does). */
    static boolean supported() {
        return THREADS.isThreadCpuTimeSupported() && processCpuNanos() >= 0;
    }

    static Snapshot take() {
        if (THREADS.isThreadCpuTimeSupported() && !THREADS.isThreadCpuTimeEnabled()) {
            THREADS.setThreadCpuTimeEnabled(true);
        }
        Map<Long, ThreadCpu> threads = new HashMap<>();
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info == null) {
                continue; // ended between the two calls
            }
            long nanos = THREADS.getThreadCpuTime(info.getThreadId());
            if (nanos >= 0) {
                threads.put(info.getThreadId(), new ThreadCpu(info.getThreadName(), nanos));
            }
        }
        return new Snapshot(processCpuNanos(), threads);
    }

    /**
     * The CPU between {@code before} and {@code after}. App threads are the Kafka Streams threads of the app whose
     * client id starts with {@code appId}: {@code <appId>-<uuid>-StreamThread-n} and its GlobalStreamThread. Their
     * producers' and consumers' I/O threads are named after the client ("kafka-producer-network-thread | ...") and
     * count in the process total only, like the broker. A thread that started after {@code before} counts from
     * zero; one that ended before {@code after} is missing, so take {@code after} before closing the app.
     */
    static Split between(Snapshot before, Snapshot after, String appId) {
        long app = 0;
        for (Map.Entry<Long, ThreadCpu> e : after.threads().entrySet()) {
            ThreadCpu t = e.getValue();
            if (isStreamThreadOf(t.name(), appId)) {
                ThreadCpu earlier = before.threads().get(e.getKey());
                app += t.nanos() - (earlier == null ? 0 : earlier.nanos());
            }
        }
        return new Split((after.processNanos() - before.processNanos()) / 1e9, app / 1e9);
    }

    static boolean isStreamThreadOf(String threadName, String appId) {
        return threadName.startsWith(appId + "-") && threadName.contains("StreamThread");
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : -1;
    }
}
