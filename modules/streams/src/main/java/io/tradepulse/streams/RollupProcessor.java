package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.state.RollupCell;
import io.tradepulse.avro.state.RollupChildKey;
import io.tradepulse.avro.state.RollupContribution;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
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
 * <p>The pending cells are decided and emitted by a walk over them in cell order (parent, then period), a bounded
 * number per punctuation: at most {@value #MAX_EMIT_PER_STEP} cells emitted and ten times as many examined, the walk
 * continued by a punctuation every {@value #STEP_MS} ms until it reaches the last pending cell; the next walk starts
 * at the next emit interval. Why: a punctuation is part of one transaction (exactly_once_v2,
 * {@code transaction.timeout.ms} 10 s), and once a large release has been read every one of its parent cells goes
 * quiet at the same time: 200,000 cells took 2.7 s in one punctuation of one task before their records were even
 * sent, and deciding them (a sort of every pending cell) still took ~0.4 s when only the emission was split
 * (docs/benchmarks.md, "Roll-up emission per punctuation"); the tasks of a thread punctuate in the same transaction,
 * and a transaction that times out restarts the task, which would try the same punctuation again. Readiness is
 * decided when the walk reaches a cell, so a cell that changed meanwhile simply waits; a cell that changes behind
 * the walk in the parent it is in (an earlier period) holds that parent's later periods back until the next walk
 * (oldest first still holds). The pending cells are kept sorted, which is what makes the walk resumable: a cell is
 * added to that order when it becomes pending and removed when emitted, not touched by the contributions between.
 *
 * <p>A cell whose figure cannot be derived (its own fault: children whose sum overflows a long, a bug met by its data)
 * is skipped by the walk: it leaves the pending cells like an emitted one, the walk goes on with the next, and at the
 * end of the punctuation the cells skipped are thrown together ({@link PunctuationFailures}) for one dead letter each,
 * keyed {@code rollup-cell:<parent series>/<yyyy-mm>}. Nothing is lost: its children stay in {@code rollup-children},
 * and its next contribution makes it pending again. Why: thrown at the cell, the exception was dead-lettered with no
 * origin and the cell stayed pending, so every walk met it again, a dead letter each time, for ever. A Kafka error
 * (a store, a send, a state entry that cannot be decoded) is the task's, not the cell's: it propagates.
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
    /** Cells emitted per punctuation at most (see the class comment); ten times as many are examined at most. */
    static final int MAX_EMIT_PER_STEP = 10_000;
    /** How often a walk over the pending cells is continued (wall clock). */
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
    /** Cell order: a parent's cells together, oldest period first. Field by field: no key is built to compare. */
    static final Comparator<ChangeKey> CELL_ORDER = (a, b) -> {
        int c = a.getReporter().compareTo(b.getReporter());
        if (c == 0) {
            c = a.getPartner().compareTo(b.getPartner());
        }
        if (c == 0) {
            c = a.getFlow().compareTo(b.getFlow());
        }
        if (c == 0) {
            c = a.getCommodity().compareTo(b.getCommodity());
        }
        if (c == 0) {
            c = Integer.compare(a.getYear(), b.getYear());
        }
        return c != 0 ? c : Integer.compare(a.getMonth(), b.getMonth());
    };

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
     * The pending cells in cell order, for the walk. Apart from {@link #pendingTimes} so that a contribution to a
     * cell already pending (most of them) costs a hash lookup, not a walk down a tree; a cell enters and leaves this
     * set once per emission.
     */
    private final TreeSet<ChangeKey> pendingOrder = new TreeSet<>(CELL_ORDER);
    /** A walk over the pending cells is in progress (see the class comment). Memory only, like its cursor. */
    private boolean walking;
    /** The last cell the walk examined (it may have been emitted since); null before the first. */
    private ChangeKey cursor;
    /** The cursor's parent has a cell the walk did not emit: its later periods wait for the next walk. */
    private boolean parentBlocked;
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
        walking = false;
        cursor = null;
        try (KeyValueIterator<ChangeKey, byte[]> it = pending.all()) {
            it.forEachRemaining(kv -> pendingTimes.put(kv.key, decode(kv.value)));
        }
        pendingOrder.clear();
        pendingOrder.addAll(pendingTimes.keySet());
        context.schedule(config.emitInterval(), PunctuationType.WALL_CLOCK_TIME, this::startWalk);
        context.schedule(Duration.ofMillis(STEP_MS), PunctuationType.WALL_CLOCK_TIME, this::walk);
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
            pendingOrder.add(record.key());
            pending.put(record.key(), ByteBuffer.allocate(PENDING_BYTES)
                    .putLong(times[0]).putLong(times[1]).putLong(times[2]).array());
        } else {
            times[1] = now;
            times[2] = Math.max(times[2], record.timestamp());
        }
        if (walking && cursor != null && sameParent(record.key(), cursor) && CELL_ORDER.compare(record.key(), cursor) <= 0) {
            parentBlocked = true; // an earlier period changed behind the walk: the later ones wait for the next walk
        }
    }

    private static boolean sameParent(ChangeKey a, ChangeKey b) {
        return a.getReporter().equals(b.getReporter()) && a.getPartner().equals(b.getPartner())
                && a.getFlow() == b.getFlow() && a.getCommodity().equals(b.getCommodity());
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

    /** Every emit interval: starts a walk over the pending cells unless one is still in progress. */
    private void startWalk(long timestamp) {
        moveSomeLegacyCells();
        if (!walking) {
            walking = true;
            cursor = null;
            parentBlocked = false;
        }
        walk(timestamp);
    }

    /**
     * Continues the walk: examines pending cells from the cursor on, in cell order, and emits those that are ready
     * (quiet for an interval, not waiting for a laggard, no earlier period of the parent waiting) or overdue, until
     * {@link #maxEmitPerStep} are emitted, ten times as many examined, or the last pending cell is reached.
     */
    private void walk(long timestamp) {
        if (!walking) {
            return;
        }
        long interval = config.emitInterval().toMillis();
        Map<Integer, Long> laggards = laggards(timestamp, interval);
        Iterator<ChangeKey> it = (cursor == null ? pendingOrder : pendingOrder.tailSet(cursor, false)).iterator();
        List<PunctuationFailures.Item> skipped = new ArrayList<>(0);
        int emitted = 0;
        for (int examined = 0; emitted < maxEmitPerStep && examined < 10 * maxEmitPerStep && it.hasNext(); examined++) {
            ChangeKey cell = it.next();
            long[] times = pendingTimes.get(cell);
            if (cursor == null || !sameParent(cell, cursor)) {
                parentBlocked = false;
            }
            cursor = cell;
            Long behind = laggards.get(level(cell));
            boolean waitsForLaggard = behind != null && times[2] > behind;
            boolean ready = timestamp - times[1] >= interval && !waitsForLaggard;
            boolean overdue = timestamp - times[0]
                    >= (waitsForLaggard ? MAX_LAGGARD_WAIT_INTERVALS : MAX_DELAY_INTERVALS) * interval;
            if (overdue || (ready && !parentBlocked)) {
                // A cell that cannot be derived leaves the pending cells like an emitted one (no parentBlocked: it
                // will not be emitted before its next contribution, so the parent's later periods need not wait).
                if (emit(cell, timestamp, skipped)) {
                    emitted++;
                }
                it.remove();
                pendingTimes.remove(cell);
            } else {
                parentBlocked = true;
            }
        }
        if (!it.hasNext()) {
            walking = false;
        }
        PunctuationFailures.throwIfAny(skipped);
    }

    /**
     * Derives and forwards a cell's figure and clears its pending mark. A cell whose figure cannot be computed (its
     * own fault, {@link PunctuationFailures#isItemFault}: a sum of children that overflows a long, a bug met by its
     * data) is added to {@code skipped} instead, for one dead letter, and its mark cleared all the same: left pending,
     * the walk met it again at every walk and dead-lettered it again each time. Nothing is lost: its children stay in
     * {@code rollup-children}, and its next contribution makes it pending again and derives it from all of them. Only
     * the derivation is guarded: an error of the forward (a send) or of a store is the task's, and propagates.
     *
     * @return whether the figure was derived (forwarded, or none to forward)
     */
    private boolean emit(ChangeKey cell, long timestamp, List<PunctuationFailures.Item> skipped) {
        moveLegacyCell(cell); // pending since before an upgrade, not touched since
        TradeRecord derived;
        try {
            derived = Rollups.derive(cell, childrenOf(cell));
        } catch (RuntimeException e) {
            if (!PunctuationFailures.isItemFault(e)) {
                throw e;
            }
            skipped.add(new PunctuationFailures.Item(origin(cell), "roll-up cell not derived, left until its next"
                    + " contribution", cellPrefix.serialize(null, cell), e));
            pending.delete(cell);
            return false;
        }
        if (derived != null) {
            context.forward(new Record<>(Rollups.series(cell), derived, timestamp));
        }
        pending.delete(cell);
        return true;
    }

    /** How a dead letter names a cell: {@code rollup-cell:<parent series>/<yyyy-mm>}. */
    static String origin(ChangeKey cell) {
        return "rollup-cell:" + Rollups.seriesId(cell) + "/" + cell.getYear() + "-" + (cell.getMonth() < 10 ? "0" : "")
                + cell.getMonth();
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

    /** A series-state task (by partition) sending at one roll-up level. */
    private record Upstream(int partition, int level) {
    }
}
