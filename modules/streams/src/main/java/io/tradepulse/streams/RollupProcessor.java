package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.state.RollupCell;
import io.tradepulse.avro.state.RollupChildKey;
import io.tradepulse.avro.state.RollupContribution;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The roll-up cells: keeps the latest contribution of every child per (parent series, period) and emits the derived
 * figure of a changed cell once its children have been quiet for {@code tradepulse.rollup.emit.interval.ms} (wall
 * clock) and no upstream task is known to be behind it (below), or at the latest ten intervals after its first
 * pending change (sixty while waiting for such a task).
 *
 * <p>Why not emit per contribution (or per commit, as a cached DSL aggregate would): in a backfill the children of
 * a parent arrive spread over many commits, and every partial sum travels to the parent series and re-emits its
 * outputs, and those of the months after it (a derived May that changes after June exists re-emits June's MoM, YTD
 * ... up to May a year later). A measured 300k-record backfill wrote 16 trade.changes offsets per input when cells
 * were emitted per commit, 5.4 when emitted every second (docs/benchmarks.md). Waiting for the cell to go quiet
 * emits a release's parent figures about once, in period order; the ten-interval cap keeps a parent whose children
 * never stop changing from never being emitted.
 *
 * <p>Waiting for upstream tasks that lag. In a backfill the series-state tasks need not advance through their
 * partitions in step (threads and instances run independently; within a thread, tasks drifted whole releases apart
 * until the processor's fetches per partition were made small), so a cell can go quiet while its children in a
 * lagging partition are still to come, and it is derived again when they arrive. So each contribution carries, in
 * the {@value #UPSTREAM_HEADER} header, the partition of the series-state task that sent it, and this task keeps,
 * per upstream task and roll-up level, the newest record timestamp it has received (the ingest time of the figure
 * behind it: tasks read their partitions in timestamp order) and when it last heard from it. A quiet cell also
 * waits while an upstream task that is still sending at the cell's level (heard from within the last interval) has
 * not reached the cell's newest contribution. An upstream task that stops sending (caught up, idle, gone) stops
 * holding anything back after one interval, and a cell waits for a laggard at most sixty intervals
 * ({@link #MAX_LAGGARD_WAIT_INTERVALS}): a laggard delays a cell, it never blocks it. A task starved of input
 * looks like an idle one, so this cannot replace in-step reading ({@link ProcessorConfig#streamsConfig}); with
 * both, the 1 M benchmark derives each parent once (docs/benchmarks.md, "Tasks in step"). This progress is kept in
 * memory only: after a restart the rule starts from the quiet interval alone, which is where it was before the
 * first contributions were heard. Levels are tracked apart because their timestamps are different clocks: a derived
 * figure is stamped with its emission time, a published one with its ingest time.
 *
 * <p>One store entry per child, not per cell ({@code rollup-children}: (parent series, period, child) ->
 * contribution). A contribution reads and writes only its own child's entry, and the emission reads the cell's
 * children once, by key prefix. Why: with one entry per cell (the {@code rollup-contributions} store of earlier
 * releases) every contribution decoded and re-encoded every child the cell already had, and wrote all of them
 * to the changelog, so a cell of n children cost O(n^2): a WLD cell sums ~230 partners, and with world roll-ups
 * on, that re-encoding was two thirds of the stream threads' time in the 1 M backfill (docs/benchmarks.md,
 * "Roll-up cells: one entry per child"). The old store stays in the topology, read-only: a cell it still holds
 * (written by an earlier release) is moved into {@code rollup-children} the first time the cell is touched, so an
 * upgrade keeps every child's share, and the others are moved in the background, a bounded number per punctuation,
 * until the old store is empty. A task whose old store is empty (every new deployment, and an upgraded one once
 * moved) no longer reads it.
 *
 * <p>At most {@value #MAX_EMIT_PER_STEP} cells are emitted per punctuation; the rest of the cells found ready wait
 * in memory and are emitted by a punctuation every {@value #STEP_MS} ms, the same number at a time, in the same
 * order. Why: a punctuation is part of one transaction (exactly_once_v2, {@code transaction.timeout.ms} 10 s), and
 * once a large release has been read every one of its parent cells goes quiet at the same time: 200,000 cells took
 * 2.7 s in one punctuation of one task before their records were even sent (docs/benchmarks.md, "Roll-up emission
 * per punctuation"), and the tasks of a thread punctuate in the same transaction; a transaction that times out
 * restarts the task, which would try the same emission again. A waiting cell that changes again is left for the
 * next full punctuation, and so are the later periods of its parent (oldest first still holds).
 *
 * <p>Crash safety: the cells still to be emitted are kept in their own changelogged store ({@code rollup-pending}),
 * written in the same transaction as the contribution that makes a cell pending and deleted in the same transaction
 * as the emission. A restart emits what was pending; only the timing of the emission depends on memory (the change
 * times and the upstream progress).
 *
 * <p>Input: {@code ChangeKey (parent series, period) -> RollupContribution} from the rollup-by-parent repartition
 * topic. Output: {@code SeriesKey -> TradeRecord} (derived, for trade.records.derived).
 */
final class RollupProcessor implements Processor<ChangeKey, RollupContribution, SeriesKey, TradeRecord> {
    /** A cell is emitted at the latest this many intervals after its first pending change. */
    static final int MAX_DELAY_INTERVALS = 10;
    /**
     * A cell waiting for a lagging upstream task is emitted at the latest this many intervals after its first
     * pending change. Longer than the cap above: a task that is behind but still reading will deliver the
     * missing children, and emitting before re-derives the cell. Still a cap: a task whose record timestamps
     * never reach the cell's (records produced with old explicit timestamps) must not hold it forever.
     */
    static final int MAX_LAGGARD_WAIT_INTERVALS = 60;
    /** Cells emitted per punctuation at most (see the class comment). */
    static final int MAX_EMIT_PER_STEP = 10_000;
    /** How often the cells found ready but not yet emitted are continued (wall clock). */
    static final long STEP_MS = 100;
    /** Cells of the legacy store moved in the background per punctuation (see {@link #moveSomeLegacyCells}). */
    static final int LEGACY_CELLS_PER_PUNCTUATION = 1_000;
    private static final Logger log = LoggerFactory.getLogger(RollupProcessor.class);
    /** Header of a contribution: the partition (4 bytes, big-endian) of the series-state task that sent it. */
    static final String UPSTREAM_HEADER = "tradepulse.rollup.upstream";

    /** The header a series-state task puts on its contributions: its partition. */
    static Header upstreamHeader(int partition) {
        return new RecordHeader(UPSTREAM_HEADER, ByteBuffer.allocate(4).putInt(partition).array());
    }

    /** The partition of the task that sent a contribution, or -1 without a (well-formed) header. */
    private static int upstreamPartition(Headers headers) {
        Header h = headers.lastHeader(UPSTREAM_HEADER);
        return h == null || h.value() == null || h.value().length != 4 ? -1 : ByteBuffer.wrap(h.value()).getInt();
    }
    /** A pending value: first change, last change (wall clock), newest contribution's record timestamp. */
    private static final int PENDING_BYTES = 24;
    private static final Comparator<Pending> BY_PARENT_THEN_PERIOD = Comparator
            .comparing(Pending::series)
            .thenComparingInt(p -> p.cell().getYear())
            .thenComparingInt(p -> p.cell().getMonth());

    private final String childStoreName;
    private final String legacyCellStoreName;
    private final String pendingStoreName;
    private final RollupConfig config;
    /** The bytes every child key of a cell starts with: see {@link StateSerdes#childKey()}. */
    private final Serializer<ChangeKey> cellPrefix;
    private ProcessorContext<SeriesKey, TradeRecord> context;
    private KeyValueStore<RollupChildKey, RollupContribution> children;
    private KeyValueStore<ChangeKey, RollupCell> legacyCells;
    /** The legacy store was empty at start-up: nothing to move, so it is never read (nothing writes it). */
    private boolean legacyEmpty;
    private KeyValueStore<ChangeKey, byte[]> pending;
    /** Per (upstream task, level): newest record timestamp received and when (wall clock). Memory only. */
    private final Map<Upstream, long[]> upstreams = new HashMap<>();
    /**
     * The pending cells with {first change, last change, newest record timestamp}. The store is written only
     * when a cell becomes pending and when it is emitted, not at every contribution: a restart needs to know
     * which cells are pending, not when each last changed (it treats them as changed at their first change,
     * which only makes them quiet sooner). That saves a store read and write, and a changelog record, for most
     * contributions (in a backfill a cell receives ~4 before it is emitted).
     */
    private final Map<ChangeKey, long[]> pendingTimes = new HashMap<>();
    /**
     * Cells found ready by the last full punctuation but not emitted yet (over {@link #maxEmitPerStep}), in emission
     * order, each with its last-change time then. Memory only: they are still in the pending store.
     */
    private final ArrayDeque<Ready> backlog = new ArrayDeque<>();
    private final int maxEmitPerStep;

    /**
     * @param childStoreName      rollup-children: (parent series, period, child) -> latest contribution
     * @param legacyCellStoreName rollup-contributions of earlier releases: (parent series, period) -> every child
     * @param cellPrefix          serializes a cell to the prefix its children's keys start with
     */
    RollupProcessor(String childStoreName, String legacyCellStoreName, String pendingStoreName, RollupConfig config,
                    Serializer<ChangeKey> cellPrefix) {
        this(childStoreName, legacyCellStoreName, pendingStoreName, config, cellPrefix, MAX_EMIT_PER_STEP);
    }

    /** @param maxEmitPerStep cells emitted per punctuation at most ({@link #MAX_EMIT_PER_STEP}; smaller in tests) */
    RollupProcessor(String childStoreName, String legacyCellStoreName, String pendingStoreName, RollupConfig config,
                    Serializer<ChangeKey> cellPrefix, int maxEmitPerStep) {
        this.maxEmitPerStep = maxEmitPerStep;
        this.childStoreName = childStoreName;
        this.legacyCellStoreName = legacyCellStoreName;
        this.pendingStoreName = pendingStoreName;
        this.config = config;
        this.cellPrefix = cellPrefix;
    }

    @Override
    public void init(ProcessorContext<SeriesKey, TradeRecord> context) {
        this.context = context;
        this.children = context.getStateStore(childStoreName);
        this.legacyCells = context.getStateStore(legacyCellStoreName);
        this.pending = context.getStateStore(pendingStoreName);
        try (KeyValueIterator<ChangeKey, RollupCell> it = legacyCells.all()) {
            legacyEmpty = !it.hasNext();
        }
        // init() runs again when a task is revived after a dirty close: start from the (restored) store.
        pendingTimes.clear();
        upstreams.clear();
        backlog.clear();
        try (KeyValueIterator<ChangeKey, byte[]> it = pending.all()) {
            it.forEachRemaining(kv -> pendingTimes.put(kv.key, decode(kv.value)));
        }
        context.schedule(config.emitInterval(), PunctuationType.WALL_CLOCK_TIME, this::emitPending);
        context.schedule(Duration.ofMillis(STEP_MS), PunctuationType.WALL_CLOCK_TIME, this::emitBacklog);
    }

    @Override
    public void process(Record<ChangeKey, RollupContribution> record) {
        long now = context.currentSystemTimeMs();
        // Progress first: a replayed contribution still tells how far its task has read.
        int upstream = upstreamPartition(record.headers());
        if (upstream >= 0) {
            long[] progress = upstreams.computeIfAbsent(new Upstream(upstream, level(record.key())),
                    u -> new long[] {Long.MIN_VALUE, now});
            progress[0] = Math.max(progress[0], record.timestamp());
            progress[1] = now;
        }
        moveLegacyCell(record.key());
        RollupChildKey child = new RollupChildKey(record.key(), record.value().getChild());
        if (record.value().equals(children.get(child))) {
            return; // a replayed or unchanged contribution: the cell and its derived figure stay as they are
        }
        children.put(child, record.value()); // replaces the child's share, never adds to it
        long[] times = pendingTimes.get(record.key());
        if (times == null) {
            times = new long[] {now, now, record.timestamp()};
            pendingTimes.put(record.key(), times);
            pending.put(record.key(), ByteBuffer.allocate(PENDING_BYTES)
                    .putLong(times[0]).putLong(times[1]).putLong(times[2]).array());
        } else {
            times[1] = now;
            times[2] = Math.max(times[2], record.timestamp());
        }
    }

    /** A value written before the newest timestamp was kept (16 bytes) holds nothing back. */
    private static long[] decode(byte[] pendingValue) {
        ByteBuffer b = ByteBuffer.wrap(pendingValue);
        return new long[] {b.getLong(0), b.getLong(8), pendingValue.length < PENDING_BYTES ? Long.MIN_VALUE : b.getLong(16)};
    }

    /** Roll-up level of a cell: its parent's commodity level, apart for WLD parents. */
    private static int level(ChangeKey cell) {
        return cell.getCommodity().length() + (Rollups.WORLD.equals(cell.getPartner()) ? 100 : 0);
    }

    /**
     * Per level, the lowest newest-timestamp among the upstream tasks still sending at that level: a cell whose
     * newest contribution is later than that may still get children from the task that is behind.
     */
    private Map<Integer, Long> laggards(long now, long interval) {
        Map<Integer, Long> lowest = new HashMap<>();
        upstreams.entrySet().removeIf(e -> now - e.getValue()[1] > MAX_DELAY_INTERVALS * interval);
        upstreams.forEach((u, progress) -> {
            if (now - progress[1] < interval) {
                lowest.merge(u.level(), progress[0], Math::min);
            }
        });
        return lowest;
    }

    private void emitPending(long timestamp) {
        moveSomeLegacyCells();
        long interval = config.emitInterval().toMillis();
        Map<Integer, Long> laggards = laggards(timestamp, interval);
        List<Pending> all = new ArrayList<>();
        pendingTimes.forEach((cell, times) -> {
            Long behind = laggards.get(level(cell));
            boolean waitsForLaggard = behind != null && times[2] > behind;
            all.add(new Pending(cell, Rollups.seriesId(cell), timestamp - times[1] >= interval && !waitsForLaggard,
                    timestamp - times[0] >= (waitsForLaggard ? MAX_LAGGARD_WAIT_INTERVALS : MAX_DELAY_INTERVALS)
                            * interval));
        });
        // Per parent, oldest period first, and a quiet cell waits while an earlier period of the same parent is
        // still changing (children of May arriving late from a lagging partition would otherwise re-derive May
        // after June, and re-emit June's MoM and YTD).
        all.sort(BY_PARENT_THEN_PERIOD);
        // Decided afresh: the cells left over from the last punctuation are pending still, so they are among these.
        backlog.clear();
        String parent = null;
        boolean blocked = false;
        for (Pending p : all) {
            if (!p.series().equals(parent)) {
                parent = p.series();
                blocked = false;
            }
            if (p.overdue() || (p.ready() && !blocked)) {
                backlog.add(new Ready(p.cell(), p.series(), pendingTimes.get(p.cell())[1]));
            } else {
                blocked = true;
            }
        }
        emitBacklog(timestamp);
    }

    /**
     * Emits the next {@link #maxEmitPerStep} cells found ready. A cell changed since (a contribution after the
     * decision) is not emitted now, nor are the later periods of its parent: the next full punctuation decides them.
     */
    private void emitBacklog(long timestamp) {
        String skipped = null;
        for (int n = 0; n < maxEmitPerStep && !backlog.isEmpty(); ) {
            Ready r = backlog.poll();
            long[] times = pendingTimes.get(r.cell());
            if (times == null) {
                continue; // emitted meanwhile (a replayed decision) or never pending again
            }
            if (r.series().equals(skipped) || times[1] != r.lastChange()) {
                skipped = r.series();
                continue;
            }
            moveLegacyCell(r.cell()); // pending since before an upgrade, not touched since
            TradeRecord derived = Rollups.derive(r.cell(), childrenOf(r.cell()));
            if (derived != null) {
                context.forward(new Record<>(Rollups.series(r.cell()), derived, timestamp));
            }
            pending.delete(r.cell());
            pendingTimes.remove(r.cell());
            n++;
        }
    }

    /** The latest contribution of each child of a cell, by child id. */
    private Map<String, RollupContribution> childrenOf(ChangeKey cell) {
        Map<String, RollupContribution> of = new HashMap<>();
        try (KeyValueIterator<RollupChildKey, RollupContribution> it = children.prefixScan(cell, cellPrefix)) {
            it.forEachRemaining(kv -> of.put(kv.key.getChild(), kv.value));
        }
        return of;
    }

    /**
     * Moves a cell written by an earlier release (all children in one entry of the legacy store) into one entry
     * per child, in the transaction of the input that touches it.
     */
    private void moveLegacyCell(ChangeKey cell) {
        if (!legacyEmpty) {
            move(cell, legacyCells.get(cell));
        }
    }

    /**
     * Moves the next {@value #LEGACY_CELLS_PER_PUNCTUATION} cells of the legacy store, whether touched or not, so
     * that it empties after an upgrade: then no contribution reads it any more, and a later release can drop it
     * without losing the children of a cell nobody touched. Bounded per punctuation because the punctuation is one
     * transaction (exactly_once_v2). A moved cell is not made pending: its content, so its derived figure, is
     * unchanged.
     */
    private void moveSomeLegacyCells() {
        if (legacyEmpty) {
            return;
        }
        List<KeyValue<ChangeKey, RollupCell>> next = new ArrayList<>();
        try (KeyValueIterator<ChangeKey, RollupCell> it = legacyCells.all()) {
            while (it.hasNext() && next.size() < LEGACY_CELLS_PER_PUNCTUATION) {
                next.add(it.next());
            }
        }
        if (next.isEmpty()) {
            legacyEmpty = true;
            log.info("Every roll-up cell of the {} store (written by an earlier release) is now in {}",
                    legacyCellStoreName, childStoreName);
            return;
        }
        next.forEach(kv -> move(kv.key, kv.value));
    }

    private void move(ChangeKey cell, RollupCell old) {
        if (old != null) {
            old.getChildren().forEach((child, c) -> children.put(new RollupChildKey(cell, child), c));
            legacyCells.delete(cell);
        }
    }

    /**
     * A pending cell, with its parent's id computed once (the sort compares it many times). Ready: quiet for an
     * interval and not waiting for a lagging upstream task. Overdue: first changed ten intervals ago.
     */
    private record Pending(ChangeKey cell, String series, boolean ready, boolean overdue) {
    }

    /** A cell decided to be emitted, with its parent's id and its last change (wall clock) at the decision. */
    private record Ready(ChangeKey cell, String series, long lastChange) {
    }

    /** A series-state task (by partition) sending at one roll-up level. */
    private record Upstream(int partition, int level) {
    }
}
