package io.tradepulse.streams;

import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.state.AppliedCalendar;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.SeriesHistory;
import io.tradepulse.core.SignalType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Upserts each published figure into its series' history (one store read and one write per input) and
 * re-emits, recomputed from the history, the change metrics of every period whose windows read the changed
 * months ({@link SeriesHistories#dependsOn}), plus the signals of those periods: ACTIVE when new or changed,
 * RETRACTED when a signal that held before the input no longer holds. Duplicates and late older revisions
 * emit nothing.
 *
 * <p>The tariff calendar comes from the tariff.events GlobalKTable store. It is re-read on a wall-clock
 * punctuation (reading a global store per record would cost a scan per input at backfill rates); when it
 * changed, every series of this task that a changed event concerns is re-evaluated (read by key prefix, see
 * {@link GroupPrefix}) and the signal differences emitted, so a tariff
 * event arriving after the data still yields the same final signals. The calendar the task's signals reflect
 * is kept in a changelogged store ({@code applied-tariff-calendar}), committed with the signals: after a
 * restart the task starts from it, not from the current tariff.events, so an event added, changed or removed
 * while the processor was down is found different at the first refresh and re-evaluates every series of the task
 * that it concerns (not only those that receive new data).
 *
 * <p>When roll-ups are on, a changed figure also becomes a contribution to each parent cell (next HS level
 * up, WLD partner): see {@link Rollups}. The figures derived from them come back as input through
 * trade.records.derived.
 *
 * <p>Input: {@code SeriesKey -> TradeRecord} (already validated; published or derived). Output:
 * {@code SeriesKey -> Emission} (a ChangeKey/TradeChange, a SignalKey/TradeSignal or a parent
 * ChangeKey/RollupContribution pair).
 */
final class SeriesStateProcessor implements Processor<SeriesKey, TradeRecord, SeriesKey, Emission> {
    /** The one key of the applied-tariff-calendar store (each task has its own store instance). */
    static final String APPLIED = "applied";
    private final String storeName;
    private final String tariffStoreName;
    private final String appliedCalendarStoreName;
    private final SignalConfig config;
    private final RollupConfig rollups;
    private ProcessorContext<SeriesKey, Emission> context;
    private KeyValueStore<SeriesKey, SeriesHistory> store;
    private KeyValueStore<String, Object> tariffs;
    private KeyValueStore<String, AppliedCalendar> appliedCalendar;
    private TariffCalendar calendar = TariffCalendar.EMPTY;
    private boolean calendarSaved;
    /** Tells the roll-up tasks which task a contribution comes from (see {@link RollupProcessor}). */
    private Header upstream;
    private final GroupPrefix groupPrefix;

    /**
     * The store-key bytes that every series of one (reporter, partner, flow) group starts with, for a prefix scan: the
     * key of that group with an empty commodity, less the commodity's encoding. The key's Avro binary has the
     * commodity last and an empty string is the single byte 0, so what remains is a prefix of exactly the keys of
     * the group (each field is length-prefixed, so "US" is no prefix of "USA"). The key schema is frozen
     * (SchemaEvolutionTest), so its layout cannot move under this.
     */
    static final class GroupPrefix implements Serializer<SeriesKey> {
        private final Serializer<SeriesKey> keys;

        GroupPrefix(Serializer<SeriesKey> keys) {
            this.keys = keys;
        }

        @Override
        public byte[] serialize(String topic, SeriesKey group) {
            if (!group.getCommodity().isEmpty()) {
                throw new IllegalArgumentException("a group key has an empty commodity: " + group);
            }
            byte[] key = keys.serialize(topic, group);
            if (key.length == 0 || key[key.length - 1] != 0) {
                throw new IllegalStateException("series key bytes do not end with an empty commodity: " + group);
            }
            return Arrays.copyOf(key, key.length - 1);
        }
    }

    SeriesStateProcessor(String storeName, String tariffStoreName, String appliedCalendarStoreName,
                         SignalConfig config, RollupConfig rollups, Serializer<SeriesKey> storeKeySerializer) {
        this.groupPrefix = new GroupPrefix(storeKeySerializer);
        this.storeName = storeName;
        this.tariffStoreName = tariffStoreName;
        this.appliedCalendarStoreName = appliedCalendarStoreName;
        this.config = config;
        this.rollups = rollups;
    }

    @Override
    public void init(ProcessorContext<SeriesKey, Emission> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        this.tariffs = context.getStateStore(tariffStoreName);
        this.appliedCalendar = context.getStateStore(appliedCalendarStoreName);
        AppliedCalendar applied = appliedCalendar.get(APPLIED);
        // What this task's signals were computed with; the first refresh applies any difference. A task that
        // never saved one (a new task, or state from a release without this store) starts from tariff.events:
        // global stores are fully restored before stream threads start, so that is the whole calendar.
        this.calendar = applied != null ? new TariffCalendar(applied.getEvents()) : readCalendar();
        this.calendarSaved = applied != null;
        this.upstream = RollupProcessor.upstreamHeader(context.taskId().partition());
        context.schedule(config.tariffRefresh(), PunctuationType.WALL_CLOCK_TIME, this::refreshCalendar);
    }

    @Override
    public void process(Record<SeriesKey, TradeRecord> record) {
        SeriesKey series = record.key();
        TradeRecord value = record.value();
        SeriesHistory history = store.get(series);
        if (history == null) {
            history = new SeriesHistory(value.getCommodityLevel(), new ArrayList<>());
        }
        Observation incoming = SeriesHistories.observation(value);
        SeriesHistories.Upsert upsert = SeriesHistories.upsert(history, incoming, config.trendMonths());
        if (!upsert.changed()) {
            return;
        }
        if (history.getCommodityLevel() != value.getCommodityLevel()) {
            history = new SeriesHistory(value.getCommodityLevel(), history.getObservations());
        }
        store.put(series, history);
        // The winning figure of this period changed: it replaces this series' contribution to its parents. It
        // keeps the input's timestamp (how far this task has read) and carries only the upstream header: the
        // input's own headers mean nothing on the internal topic.
        for (Rollups.Parent parent : Rollups.parents(series, rollups)) {
            context.forward(record.withKey(series).withHeaders(new RecordHeaders(new Header[] {upstream}))
                    .withValue(Emission.contribution(SeriesHistories.changeKey(parent.series(), incoming),
                            Rollups.contribution(parent.child(), incoming))));
        }
        List<TariffEvent> events = calendar.matching(series);
        int incomingPeriod = SeriesHistories.index(incoming);
        SeriesHistory before = null; // the pre-image, built only if some affected period existed before
        for (int period : upsert.affected()) {
            Observation q = SeriesHistories.get(history, period);
            context.forward(record.withKey(series).withValue(
                    Emission.change(SeriesHistories.changeKey(series, q), SeriesHistories.change(series, history, q))));
            Map<SignalType, TradeSignal> was;
            if (period == incomingPeriod && upsert.previous() == null) {
                was = Map.of(); // a new period had no signals (the common case in a backfill: no pre-image needed)
            } else {
                if (before == null) {
                    before = SeriesHistories.before(history, incoming, upsert);
                }
                Observation old = SeriesHistories.get(before, period);
                was = old == null ? Map.of() : Signals.evaluate(series, before, old, events, config);
            }
            emitSignalDiff(series, q, was, Signals.evaluate(series, history, q, events, config), record.timestamp());
        }
    }

    private void refreshCalendar(long timestamp) {
        TariffCalendar fresh = readCalendar();
        if (fresh.equals(calendar)) {
            if (!calendarSaved) {
                saveCalendar();
            }
            return;
        }
        TariffCalendar old = calendar;
        calendar = fresh;
        // Written in the same transaction as the signal differences below (exactly_once_v2).
        saveCalendar();
        // Only the series an event change can concern: those of the (reporter, partner, flow) groups of the changed
        // (imposer, target) pairs, read by key prefix. Scanning the whole store decoded every history of the task
        // inside one punctuation, which is one transaction under exactly_once_v2: with millions of series that
        // outlasts Streams' transaction.timeout.ms (10 s), the producer is fenced, and the task, restarted, scans
        // again.
        for (SeriesKey group : TariffCalendar.affectedSeriesGroups(old, fresh)) {
            try (KeyValueIterator<SeriesKey, SeriesHistory> series = store.prefixScan(group, groupPrefix)) {
                while (series.hasNext()) {
                    KeyValue<SeriesKey, SeriesHistory> kv = series.next();
                    List<TariffEvent> oldEvents = old.matching(kv.key);
                    List<TariffEvent> newEvents = fresh.matching(kv.key);
                    if (oldEvents.equals(newEvents)) {
                        continue; // the change does not concern this series (HS scope)
                    }
                    for (Observation q : kv.value.getObservations()) {
                        emitSignalDiff(kv.key, q, Signals.evaluate(kv.key, kv.value, q, oldEvents, config),
                                Signals.evaluate(kv.key, kv.value, q, newEvents, config), timestamp);
                    }
                }
            }
        }
    }

    /** New or changed ACTIVE signals, and RETRACTED for those that held and no longer do; nothing else. */
    private void emitSignalDiff(SeriesKey series, Observation q, Map<SignalType, TradeSignal> was,
                                Map<SignalType, TradeSignal> now, long timestamp) {
        for (SignalType type : SignalType.values()) {
            TradeSignal before = was.get(type);
            TradeSignal after = now.get(type);
            TradeSignal out = after != null ? (after.equals(before) ? null : after)
                    : before != null ? Signals.retracted(before) : null;
            if (out != null) {
                context.forward(new Record<>(series, Emission.signal(Signals.key(series, q, type), out), timestamp));
            }
        }
    }

    private void saveCalendar() {
        appliedCalendar.put(APPLIED, new AppliedCalendar(new ArrayList<>(calendar.events())));
        calendarSaved = true;
    }

    private TariffCalendar readCalendar() {
        List<TariffEvent> events = new ArrayList<>();
        try (KeyValueIterator<String, Object> all = tariffs.all()) {
            while (all.hasNext()) {
                Object v = all.next().value;
                Object event = v instanceof ValueAndTimestamp<?> vt ? vt.value() : v;
                if (event instanceof TariffEvent e) {
                    events.add(e);
                }
            }
        }
        return new TariffCalendar(events);
    }
}
