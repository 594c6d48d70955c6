package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.avro.state.AppliedCalendar;
import io.tradepulse.avro.state.HistoryYearKey;
import io.tradepulse.avro.state.Observation;
import io.tradepulse.avro.state.RollupContribution;
import io.tradepulse.avro.state.SeriesHistory;
import io.tradepulse.core.SignalType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.apache.kafka.common.errors.SerializationException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Upserts each published figure into its series' history (one store read and one write per input, see below for
 * figures of archived years) and
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
 * is kept in a changelogged store ({@code applied-tariff-calendar}), committed with the signals, under a key that
 * names the matching rules it was applied under ({@link #appliedKey}, {@link TariffCalendar#rules}): after a
 * restart the task starts from it, not from the current tariff.events, so an event added, changed or removed
 * while the processor was down is found different at the first refresh and re-evaluates every series of the task
 * that it concerns (not only those that receive new data). Calendars are compared by events and rules, so a
 * calendar saved by a release before the current rules is different too: after the upgrade to the member states'
 * rules the first refresh re-evaluates the member states' series of the EU events already applied.
 *
 * <p>A calendar change is applied in passes of at most {@code tradepulse.signals.tariff.refresh.batch.series}
 * series per punctuation, continued every {@value #PASS_STEP_MS} ms until done. Why: a punctuation is part of one
 * transaction (exactly_once_v2, {@code transaction.timeout.ms} 10 s), and an event set for many partners (the 2025
 * reciprocal tariffs name dozens) concerns every import series of the imposer: millions of series at HS10, far more
 * than one transaction can re-evaluate; an aborted transaction restarts the task, which tried the same pass again.
 * While a pass runs, figures are evaluated with the new calendar; a series the pass has not reached yet is brought
 * to the new calendar when a figure of it arrives, before the figure is applied, so every signal difference is
 * emitted against what its series last published. A further calendar change waits for the pass to end. The pass'
 * target is kept in the applied-tariff-calendar store until the pass ends: a task restarted in the middle repeats
 * the pass from its start (re-emitting the differences already sent, which a compacted topic absorbs), then applies
 * any later change. A series whose signals cannot be computed (its own fault: a sum in its history that overflows a
 * long, a bug met by its data) is skipped: the pass moves past it, and at the end of the step the series skipped are
 * thrown together ({@link PunctuationFailures}) for one dead letter each, keyed {@code series:<series>}. Its history
 * stays, and its signals stay those of the calendar before the change. Why: thrown at the series, the exception was
 * dead-lettered with no origin, the next step started from the same series, and the pass never ended (a dead letter
 * every {@value #PASS_STEP_MS} ms, every later calendar change waiting). A Kafka error is the task's: it propagates.
 *
 * <p>The signal parameters ({@code tradepulse.signals.*} thresholds and windows, {@link SignalConfig#parameters}) the
 * task's signals were published under are kept in the same store, in the key ({@link #parametersKey}). A task started
 * with other parameters brings every series to them in a pass like a calendar change's (all the series of the task,
 * every period; the calendar stays): signals that no longer hold are retracted ({@link Signals#RETRACTED_BY_PARAMETERS}),
 * new ones published, unchanged ones not re-sent. Why: the compacted trade.signals otherwise kept the old parameters'
 * signals for every period no figure re-evaluated. Its target is kept until it ends, so a restart repeats it; a
 * calendar change waits for it. A task that recorded none (new, or upgraded from a release that did not record them)
 * takes the current ones as those its signals were published under.
 *
 * <p>A series' entry holds its latest {@value #HEAD_YEARS} calendar years; the years before are in the
 * {@code series-history-archive} store, one entry per (series, year). Why: every input decodes, re-encodes and
 * writes to the changelog the whole entry, so with the whole history in one entry the cost per input grew with the
 * months a series holds and a backfill's total with their square (24.4 against 10.8 us of stream-thread CPU per
 * input at 240 months against 36: docs/benchmarks.md, "History length"). The outputs a figure changes read at most
 * two years back and lie at most two years after it ({@link SeriesHistories#dependsOn}), so a figure of one of
 * the latest years needs the entry alone; one of an earlier period (a late revision, a backfill running backwards)
 * also reads the archived years around it, and rewrites only its own year's entry. {@code archivedBefore} in the
 * entry says where the archive starts (0: nothing archived, no archive read), so an in-order backfill never reads
 * the archive, and writes one entry per series and year. An entry of an earlier release holding a longer history is
 * split at its series' next changed figure. A release before the archive refuses an entry with archived years by
 * its format byte (see {@link SeriesHistoryCodec}) instead of taking four years for the whole history.
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
    private static final Logger log = LoggerFactory.getLogger(SeriesStateProcessor.class);
    /** How often a pass in progress is continued (wall clock). */
    static final long PASS_STEP_MS = 100;
    /** Calendar years of a series kept in its series-history entry (the newest figure's year and the ones before). */
    static final int HEAD_YEARS = 4;
    /**
     * Years around a figure's own whose outputs it can change or read: a period reads down to
     * {@link SeriesHistories#MAX_LOOKBACK_MONTHS} (23) months back (YoY of the trend window's first month), so a
     * January figure reads into the second year before its own; and it is changed by figures up to that many months
     * after it, plus a figure covering several months (a combined Jan+Feb) reaching a year further. See
     * {@link SeriesHistories#dependsOn}.
     */
    static final int YEARS_BEFORE = (SeriesHistories.MAX_LOOKBACK_MONTHS + 11) / 12;
    static final int YEARS_AFTER = YEARS_BEFORE + 1;
    private final String storeName;
    private final String archiveStoreName;
    private final String tariffStoreName;
    private final String appliedCalendarStoreName;
    private final SignalConfig config;
    private final RollupConfig rollups;
    private final SourcePrecedence sources;
    private ProcessorContext<SeriesKey, Emission> context;
    private KeyValueStore<SeriesKey, SeriesHistory> store;
    private KeyValueStore<HistoryYearKey, SeriesHistory> archive;
    private KeyValueStore<String, Object> tariffs;
    private KeyValueStore<String, AppliedCalendar> appliedCalendar;
    /** The calendar figures are evaluated with: the target of a pass in progress. */
    private TariffCalendar calendar = TariffCalendar.EMPTY;
    /**
     * The signal parameters figures are evaluated with: those the task's signals were published under (recorded,
     * see {@link #parametersKey}), or the target of a parameter pass in progress. {@link #config}'s once a pass to
     * them has ended (or when none were recorded).
     */
    private SignalConfig params;
    /** Whether the applied calendar, the applied signal parameters, and both, are saved (see {@link #process}). */
    private boolean calendarSaved;
    private boolean paramsSaved;
    private boolean appliedSaved;
    /** The calendar or signal parameter change being applied, or null. */
    private Pass pass;
    /** Tells the roll-up tasks which task a contribution comes from (see {@link RollupProcessor}). */
    private Header upstream;
    private final GroupPrefix groupPrefix;
    /** The series store's key serializer: its bytes are the store's order. */
    private final Serializer<SeriesKey> keys;

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

    /**
     * The key of the applied-tariff-calendar store (each task has its own) holding the calendar the task's signals
     * reflect, when it was applied under the given matching rules ({@link TariffCalendar#rules}). The rules are in the
     * key, not in the value, so that the value's schema and format byte stay as they are: releases before the member
     * states' rules (2026-11-30) wrote the
     * events alone under {@code applied}, which therefore means {@link TariffCalendar#RULES_LITERAL}; later rules
     * get a key of their own. Why not a field of {@code AppliedCalendar}: a new state format, which an earlier release
     * would refuse at start ("Unknown state format version") after a downgrade, where it now finds no calendar under
     * its key and starts from tariff.events, as a task of a release without this store did.
     */
    static String appliedKey(int rules) {
        return rules == TariffCalendar.RULES_LITERAL ? "applied" : "applied-rules-" + rules;
    }

    /**
     * As {@link #appliedKey}, for the calendar a pass in progress brings the series to (absent otherwise): {@code target}
     * for the literal rules.
     */
    static String targetKey(int rules) {
        return rules == TariffCalendar.RULES_LITERAL ? "target" : "target-rules-" + rules;
    }

    /** Key prefixes of the signal parameters a task's signals were published under, and of a parameter pass' target. */
    static final String APPLIED_PARAMETERS = "signal-parameters:";
    static final String TARGET_PARAMETERS = "signal-parameters-target:";

    /**
     * The key of the applied-tariff-calendar store entry recording signal parameters ({@link SignalConfig#parameters},
     * after {@code prefix}); the value is an empty {@code AppliedCalendar}, unused. Why in the key: the store's value
     * schema and its format byte stay as they are (no state-format change), and the calendar entries keep their keys,
     * so an earlier release, which reads only those, still finds its calendar after a downgrade and ignores these.
     */
    static String parametersKey(String prefix, SignalConfig c) {
        return prefix + c.parameters();
    }

    SeriesStateProcessor(String storeName, String archiveStoreName, String tariffStoreName,
                         String appliedCalendarStoreName, SignalConfig config, RollupConfig rollups,
                         SourcePrecedence sources, Serializer<SeriesKey> storeKeySerializer) {
        this.groupPrefix = new GroupPrefix(storeKeySerializer);
        this.keys = storeKeySerializer;
        this.storeName = storeName;
        this.archiveStoreName = archiveStoreName;
        this.tariffStoreName = tariffStoreName;
        this.appliedCalendarStoreName = appliedCalendarStoreName;
        this.config = config;
        this.rollups = rollups;
        this.sources = sources;
    }

    @Override
    public void init(ProcessorContext<SeriesKey, Emission> context) {
        this.context = context;
        this.store = context.getStateStore(storeName);
        this.archive = context.getStateStore(archiveStoreName);
        this.tariffs = context.getStateStore(tariffStoreName);
        this.appliedCalendar = context.getStateStore(appliedCalendarStoreName);
        TariffCalendar applied = savedCalendar(SeriesStateProcessor::appliedKey);
        TariffCalendar target = savedCalendar(SeriesStateProcessor::targetKey);
        // What this task's signals were computed with, events and matching rules; the first refresh applies any
        // difference: events changed while down, or rules changed by an upgrade (a calendar saved by a release
        // before the member states' rules re-evaluates the member states' series of the EU events). A task that
        // never saved one (a new task, or state from a release without this store) starts from tariff.events under
        // the current rules: global stores are fully restored before stream threads start, so that is the whole
        // calendar. init() runs again when a task is revived after a dirty close: start from the (restored) store.
        this.calendar = applied != null ? applied : readCalendar();
        // The parameters this task's signals were published under. None recorded (a new task, or state from a
        // release that recorded none, which is what an upgrade meets): the current ones are assumed, as that
        // release did. Why not a pass: the parameters that release ran with are unknown, so a pass could publish
        // the signals the current ones raise but could not tell which published ones no longer hold, at the cost
        // of evaluating every period of every series; an upgrade normally keeps the configuration.
        SignalConfig appliedParams = savedParameters(APPLIED_PARAMETERS);
        SignalConfig targetParams = savedParameters(TARGET_PARAMETERS);
        this.params = appliedParams != null ? appliedParams : config;
        this.calendarSaved = applied != null;
        this.paramsSaved = appliedParams != null;
        this.appliedSaved = calendarSaved && paramsSaved;
        this.pass = null;
        if (target != null) {
            // Stopped in the middle of a pass: some series reflect the target, some not yet. The pass is repeated
            // under the rules it ran under (an earlier release's pass under its rules), so the series it reached and
            // those it did not end at the same calendar; a rules change is then a change like any other, applied by
            // the next refresh.
            startPass(calendar, target);
        } else if (targetParams != null && appliedParams != null) {
            // Likewise for a parameter change: the pass to the parameters it ran to is repeated, whatever the
            // configuration says now; a further change is applied by the next refresh, once that pass has ended.
            startParameterPass(appliedParams, targetParams);
        }
        this.upstream = RollupProcessor.upstreamHeader(context.taskId().partition());
        context.schedule(config.tariffRefresh(), PunctuationType.WALL_CLOCK_TIME, this::refreshCalendar);
        context.schedule(Duration.ofMillis(PASS_STEP_MS), PunctuationType.WALL_CLOCK_TIME, this::continuePass);
    }

    @Override
    public void process(Record<SeriesKey, TradeRecord> record) {
        if (!appliedSaved) {
            // A new task: record the calendar its first outputs are computed with, in their transaction. Left to
            // the first refresh, a restart before it would start from tariff.events as it is then, and an event
            // changed in between would never be applied to what this task had already emitted. Likewise the
            // signal parameters (also for a task upgraded from a release that recorded none).
            saveApplied();
        }
        SeriesKey series = record.key();
        TradeRecord value = record.value();
        SeriesHistory head = store.get(series);
        if (head == null) {
            head = new SeriesHistory(value.getCommodityLevel(), new ArrayList<>(), 0);
        }
        if (pass != null && !pass.passed(series) && !pass.early.contains(series)) {
            // Bring the series to the new calendar first, so the figure's signal differences below are taken
            // against what the series has published. Once only: the pass skips it when it gets there, and so does
            // its next figure. Evaluated again, the old calendar's signals of the new history (never published)
            // would go out as RETRACTED.
            bringToTarget(series, head, record.timestamp(), context::forward);
            pass.early.add(series);
        }
        Observation incoming = SeriesHistories.observation(value);
        // The series as far as this figure's outputs read it: the entry, plus the archived years around the figure
        // when it reaches back before the entry's first year.
        SeriesHistory history = withArchivedYears(series, head, incoming.getYear() - YEARS_BEFORE,
                incoming.getYear() + YEARS_AFTER);
        SeriesHistories.Upsert upsert = SeriesHistories.upsert(history, incoming, params.trendMonths(), sources);
        if (!upsert.changed()) {
            return;
        }
        if (history.getCommodityLevel() != value.getCommodityLevel()) {
            history = new SeriesHistory(value.getCommodityLevel(), history.getObservations(), history.getArchivedBefore());
        }
        // Every output is computed before the state is saved, and forwarded after. Why: an exception while
        // computing them (e.g. an overflowing sum) is dead-lettered by the processing handler, which lets the task go
        // on; with the state already saved, that transaction would commit the figure without its outputs, and
        // replaying the dead letter would change nothing (a duplicate). Computed first, the failed figure leaves
        // neither state nor outputs behind, and its dead letter can be replayed once the cause is fixed.
        List<Record<SeriesKey, Emission>> out = new ArrayList<>();
        // The winning figure of this period changed: it replaces this series' contribution to its parents.
        // A combined Jan+Feb (or a single January replacing one) also tells the parents' February cell, unless this
        // series has a February of its own, which is what it contributes there (Rollups.changesFebruaryCover).
        boolean februaryCover = Rollups.changesFebruaryCover(incoming, upsert.previous())
                && SeriesHistories.get(history, SeriesHistories.index(incoming) + 1) == null;
        for (Rollups.Parent parent : Rollups.parents(series, rollups)) {
            ChangeKey cell = SeriesHistories.changeKey(parent.series(), incoming);
            out.add(contribution(record, series, cell, Rollups.contribution(parent.child(), incoming)));
            if (februaryCover) {
                out.add(contribution(record, series, Rollups.februaryCell(cell),
                        Rollups.februaryCover(parent.child(), incoming)));
            }
        }
        List<TariffEvent> events = calendar.matching(series);
        int incomingPeriod = SeriesHistories.index(incoming);
        SeriesHistory before = null; // the pre-image, built only if some affected period existed before
        for (int period : upsert.affected()) {
            Observation q = SeriesHistories.get(history, period);
            out.add(record.withKey(series).withValue(
                    Emission.change(SeriesHistories.changeKey(series, q), SeriesHistories.change(series, history, q))));
            Map<SignalType, TradeSignal> was;
            if (period == incomingPeriod && upsert.previous() == null) {
                was = Map.of(); // a new period had no signals (the common case in a backfill: no pre-image needed)
            } else {
                if (before == null) {
                    before = SeriesHistories.before(history, incoming, upsert);
                }
                Observation old = SeriesHistories.get(before, period);
                was = old == null ? Map.of() : Signals.evaluate(series, before, old, events, params);
            }
            emitSignalDiff(series, q, was, Signals.evaluate(series, history, q, events, params),
                    Signals.RETRACTED_BY_DATA, record.timestamp(), out::add);
        }
        save(series, head, history, incoming.getYear());
        out.forEach(context::forward);
    }

    /**
     * A contribution to roll-up {@code cell}, sent by {@code input}'s series: it keeps the input's timestamp (how far
     * this task has read) and carries only the upstream header (the input's own headers mean nothing on the internal
     * topic).
     */
    private Record<SeriesKey, Emission> contribution(Record<SeriesKey, TradeRecord> input, SeriesKey series,
            ChangeKey cell, RollupContribution contribution) {
        return input.withKey(series).withHeaders(new RecordHeaders(new Header[] {upstream}))
                .withValue(Emission.contribution(cell, contribution));
    }

    /**
     * {@code head} with the observations of its archived years from {@code fromYear} to {@code toYear} in front (a new
     * list), or {@code head} itself when none of those years is archived. One store read per year.
     */
    private SeriesHistory withArchivedYears(SeriesKey series, SeriesHistory head, int fromYear, int toYear) {
        int archivedBefore = head.getArchivedBefore();
        int from = Math.max(fromYear, TradeRecordValidator.MIN_YEAR);
        int to = Math.min(toYear, archivedBefore - 1);
        if (archivedBefore == 0 || from > to) {
            return head;
        }
        List<Observation> obs = new ArrayList<>();
        for (int y = from; y <= to; y++) {
            SeriesHistory chunk = archive.get(new HistoryYearKey(series, y));
            if (chunk != null) {
                obs.addAll(chunk.getObservations());
            }
        }
        obs.addAll(head.getObservations());
        return new SeriesHistory(head.getCommodityLevel(), obs, archivedBefore);
    }

    /**
     * Writes the changed {@code history} back: its latest {@value #HEAD_YEARS} years to the series' entry, each
     * earlier year that changed to the archive. A year changed when the incoming figure is of it, or when it has
     * just left the entry; an archived year read only for the windows is not rewritten. The entry is not rewritten
     * either when the figure went to the archive and nothing left the entry.
     */
    private void save(SeriesKey series, SeriesHistory head, SeriesHistory history, int incomingYear) {
        List<Observation> obs = history.getObservations();
        int keepFrom = obs.get(obs.size() - 1).getYear() - (HEAD_YEARS - 1);
        int oldArchivedBefore = head.getArchivedBefore();
        int cut = 0;
        while (cut < obs.size() && obs.get(cut).getYear() < keepFrom) {
            cut++;
        }
        int archivedBefore = oldArchivedBefore != 0 || cut > 0 ? keepFrom : 0;
        // A year leaving the entry moves the boundary, so it is covered by the second condition.
        boolean headChanged = incomingYear >= keepFrom || archivedBefore != oldArchivedBefore
                || history.getCommodityLevel() != head.getCommodityLevel();
        for (int i = 0; i < cut; ) {
            int year = obs.get(i).getYear();
            int end = i;
            while (end < cut && obs.get(end).getYear() == year) {
                end++;
            }
            // In the entry before (years from the old boundary on, or any year when nothing was archived) or the
            // incoming figure's year: changed. Otherwise read from the archive for the windows only.
            if (year == incomingYear || oldArchivedBefore == 0 || year >= oldArchivedBefore) {
                archive.put(new HistoryYearKey(series, year),
                        new SeriesHistory(history.getCommodityLevel(), new ArrayList<>(obs.subList(i, end)), 0));
            }
            i = end;
        }
        if (headChanged) {
            store.put(series, cut == 0 && archivedBefore == history.getArchivedBefore() ? history
                    : new SeriesHistory(history.getCommodityLevel(), new ArrayList<>(obs.subList(cut, obs.size())),
                            archivedBefore));
        }
    }

    private void refreshCalendar(long timestamp) {
        if (pass != null) {
            return; // a further change waits until the pass in progress is done (continuePass)
        }
        if (!params.parameters().equals(config.parameters())) {
            // Restarted with other signal parameters: bring every series' signals to them, in a pass like a
            // calendar change's; a calendar change waits for it. Written in the same transaction as its first step.
            saveApplied();
            saveParameters(TARGET_PARAMETERS, config);
            startParameterPass(params, config);
            continuePass(timestamp);
            return;
        }
        TariffCalendar fresh = readCalendar();
        if (fresh.equals(calendar)) {
            if (!appliedSaved) {
                saveApplied();
            }
            return;
        }
        // Written in the same transaction as the pass' first signal differences (exactly_once_v2).
        saveApplied();
        saveCalendar(SeriesStateProcessor::targetKey, fresh);
        startPass(calendar, fresh);
        continuePass(timestamp);
    }

    private void startPass(TariffCalendar from, TariffCalendar to) {
        calendar = to;
        pass = new Pass(from, to, params, params, List.copyOf(TariffCalendar.affectedSeriesGroups(from, to)), keys);
        pass.startedNanos = System.nanoTime();
        log.info("Task {}: tariff calendar changed ({} -> {} events{}); re-evaluating the series of {} (reporter, "
                + "partner, flow) groups, {} per step", context.taskId(), from.events().size(), to.events().size(),
                from.rules() == to.rules() ? "" : ", matching rules " + from.rules() + " -> " + to.rules()
                        + (to.rules() == TariffCalendar.RULES_EU_MEMBERS ? ": EU events reach the member states" : ""),
                pass.groups.size(), config.refreshBatchSeries());
    }

    /**
     * Starts a pass over every series of the task, from the signal parameters they were published under to
     * {@code to}, under the applied calendar; figures are evaluated with {@code to} from now on.
     */
    private void startParameterPass(SignalConfig from, SignalConfig to) {
        params = to;
        pass = new Pass(calendar, calendar, from, to, null, keys);
        pass.startedNanos = System.nanoTime();
        log.info("Task {}: signal parameters changed ({} -> {}); re-evaluating the signals of every series, {} "
                + "history years per step", context.taskId(), from.parameters(), to.parameters(),
                config.refreshBatchSeries());
    }

    /**
     * Re-evaluates the next {@code refreshBatchSeries} series of the pass in progress, if any; ends the pass when
     * none is left. Only the series an event change can concern: those of the (reporter, partner, flow) groups of
     * the changed (imposer, target) pairs, read by key prefix (scanning the whole store decoded every history of
     * the task), and each group from where the previous step stopped.
     */
    private void continuePass(long timestamp) {
        if (!appliedSaved) {
            // Record what was taken as applied at the first step punctuation, not at the first figure or the first
            // refresh outside a pass. Why: a task with no parameters recorded (upgraded from a release that recorded
            // none) assumes the configured ones; left unrecorded (an idle task before its first refresh, or one
            // resuming the earlier release's calendar pass, during which the refresh does nothing), a restart with
            // changed parameters assumed the new ones too, and the old ones' signals stayed published for good.
            saveApplied();
        }
        if (pass == null) {
            return;
        }
        int budget = config.refreshBatchSeries();
        List<PunctuationFailures.Item> skipped = new ArrayList<>(0);
        while (budget > 0 && pass.group < pass.groupCount()) {
            SeriesKey group = pass.everySeries() ? null : pass.groups.get(pass.group);
            boolean groupDone = true;
            // From the group's first key (the store's, for every series), or from the last one re-evaluated (range()
            // includes it: skipped).
            try (KeyValueIterator<SeriesKey, SeriesHistory> it = pass.last != null ? store.range(pass.last, null)
                    : group == null ? store.all() : store.prefixScan(group, groupPrefix)) {
                while (it.hasNext()) {
                    KeyValue<SeriesKey, SeriesHistory> kv = it.next();
                    if (kv.key.equals(pass.last)) {
                        continue;
                    }
                    if (group != null && !Pass.sameGroup(kv.key, group)) {
                        break;
                    }
                    if (budget <= 0) {
                        groupDone = false;
                        break;
                    }
                    int cost = 1;
                    if (!pass.early.remove(kv.key)) {
                        cost = reevaluateOrSkip(kv.key, kv.value, timestamp, skipped);
                    }
                    pass.reached(kv.key);
                    pass.series++;
                    budget -= cost;
                }
            }
            if (groupDone) {
                pass.nextGroup();
            }
        }
        if (pass.group == pass.groupCount()) {
            if (pass.everySeries()) {
                saveParameters(APPLIED_PARAMETERS, pass.toParams);
                deleteParameters(TARGET_PARAMETERS, null);
            } else {
                saveCalendar(SeriesStateProcessor::appliedKey, pass.to);
                deleteSaved(SeriesStateProcessor::targetKey, -1);
            }
            log.info("Task {}: {} change applied to {} series in {} ms{}", context.taskId(),
                    pass.everySeries() ? "signal parameter" : "tariff calendar", pass.series,
                    (System.nanoTime() - pass.startedNanos) / 1_000_000,
                    pass.skipped == 0 ? "" : " (" + pass.skipped + " skipped, see their dead letters)");
            pass = null;
        }
        PunctuationFailures.throwIfAny(skipped);
    }

    /**
     * Re-evaluates one series for the pass and forwards its signal differences, or, when they cannot be computed
     * (the series' own fault, {@link PunctuationFailures#isItemFault}: a sum that overflows a long, a bug met by its
     * history), forwards none of them and adds the series to {@code skipped}, for one dead letter: the pass has moved
     * past it either way. Before, the exception left the step at the series, the next step started from it again, and
     * the pass never ended (a dead letter every {@value #PASS_STEP_MS} ms, and every later calendar change waiting).
     * What is kept: the series' history stays in the stores, and the signals it published under the calendar before
     * the change stay as they were, until its periods are evaluated again (a figure of theirs, an application reset);
     * the cause is in the history, which the series' own figures read too (one that fails is dead-lettered with its
     * input). Only the computation is guarded: an error of a store or of a send is the task's, and propagates.
     */
    private int reevaluateOrSkip(SeriesKey series, SeriesHistory head, long timestamp,
                                 List<PunctuationFailures.Item> skipped) {
        List<Record<SeriesKey, Emission>> out = new ArrayList<>();
        int cost;
        try {
            cost = bringToTarget(series, head, timestamp, out::add);
        } catch (RuntimeException e) {
            if (!PunctuationFailures.isItemFault(e)) {
                throw e;
            }
            skipped.add(new PunctuationFailures.Item(origin(series), pass.everySeries()
                    ? "series not re-evaluated for a signal parameter change, its signals stay those of the parameters"
                            + " before"
                    : "series not re-evaluated for a tariff calendar change, its signals stay those of the calendar"
                            + " before", keys.serialize(null, series), e));
            pass.skipped++;
            return 1;
        }
        out.forEach(context::forward);
        return cost;
    }

    /**
     * Brings one series from what it published to the pass' target and emits the differences; returns what it cost
     * against a step's budget: one for a calendar change (a few periods), and for a parameter change, which evaluates
     * every period, the calendar years its history spans. Why not one: a 20-year series costs some twenty times a
     * calendar pass' series, and a step of {@code refreshBatchSeries} of them would outlast a transaction.
     */
    private int bringToTarget(SeriesKey series, SeriesHistory head, long timestamp,
                              Consumer<Record<SeriesKey, Emission>> sink) {
        if (!pass.everySeries()) {
            reevaluate(series, head, pass.from, pass.to, timestamp, sink);
            return 1;
        }
        SeriesHistory history = withArchivedYears(series, head, TradeRecordValidator.MIN_YEAR, Integer.MAX_VALUE);
        List<Observation> obs = history.getObservations();
        if (obs.isEmpty()) {
            return 1;
        }
        List<TariffEvent> events = pass.to.matching(series);
        for (Observation q : obs) {
            emitSignalDiff(series, q, Signals.evaluate(series, history, q, events, pass.fromParams),
                    Signals.evaluate(series, history, q, events, pass.toParams), Signals.RETRACTED_BY_PARAMETERS,
                    timestamp, sink);
        }
        return obs.get(obs.size() - 1).getYear() - obs.get(0).getYear() + 1;
    }

    /** How a dead letter names a series: {@code series:<reporter>|<partner>|<flow>|<commodity>}. */
    static String origin(SeriesKey series) {
        return "series:" + series.getReporter() + '|' + series.getPartner() + '|' + series.getFlow() + '|'
                + series.getCommodity();
    }

    /**
     * Emits the signal differences of one series between two calendars, if the series' matching events differ. Only
     * the periods the changed events can concern, and only the archived years their windows read (a period's YoY
     * and trend reach 23 months back). Evaluating every period took ~0.4 ms per concerned 20-year series
     * (docs/benchmarks.md, "Tariff calendar changes").
     */
    private void reevaluate(SeriesKey series, SeriesHistory head, TariffCalendar from, TariffCalendar to, long timestamp,
                            Consumer<Record<SeriesKey, Emission>> sink) {
        List<TariffEvent> oldEvents = from.matching(series);
        List<TariffEvent> newEvents = to.matching(series);
        if (oldEvents.equals(newEvents)) {
            return; // the change does not concern this series (pair or HS scope)
        }
        int first = Signals.firstPeriodAffectedBy(symmetricDifference(oldEvents, newEvents), params);
        SeriesHistory history = withArchivedYears(series, head, first / 12 - YEARS_BEFORE, Integer.MAX_VALUE);
        for (Observation q : history.getObservations()) {
            if (SeriesHistories.index(q) + q.getMonths() - 1 >= first) {
                emitSignalDiff(series, q, Signals.evaluate(series, history, q, oldEvents, params),
                        Signals.evaluate(series, history, q, newEvents, params), Signals.RETRACTED_BY_CALENDAR,
                        timestamp, sink);
            }
        }
    }

    /** The events in one list and not in the other (a changed event is in both, as its old and its new version). */
    private static List<TariffEvent> symmetricDifference(List<TariffEvent> a, List<TariffEvent> b) {
        List<TariffEvent> out = new ArrayList<>();
        a.stream().filter(e -> !b.contains(e)).forEach(out::add);
        b.stream().filter(e -> !a.contains(e)).forEach(out::add);
        return out;
    }

    /**
     * New or changed ACTIVE signals, and RETRACTED for those that held and no longer do; nothing else.
     *
     * @param retractedBecause what changed between {@code was} and {@code now}, for a retraction's summary
     */
    private static void emitSignalDiff(SeriesKey series, Observation q, Map<SignalType, TradeSignal> was,
                                       Map<SignalType, TradeSignal> now, String retractedBecause, long timestamp,
                                       Consumer<Record<SeriesKey, Emission>> sink) {
        for (SignalType type : SignalType.values()) {
            TradeSignal before = was.get(type);
            TradeSignal after = now.get(type);
            TradeSignal out = after != null ? (after.equals(before) ? null : after)
                    : before != null ? Signals.retracted(before, retractedBecause) : null;
            if (out != null) {
                sink.accept(new Record<>(series, Emission.signal(Signals.key(series, q, type), out), timestamp));
            }
        }
    }

    /**
     * The calendar saved under one of {@code keyOf}'s keys (applied, or target), read under the rules its key names;
     * null if none. This release keeps one key of each kind (a save deletes the other rules' key), so two mean either
     * an earlier release wrote its key after this one wrote its own (a downgrade, then this release again: the earlier
     * release's is the newer), or this release stopped between a save's put and its delete without exactly-once
     * (the earlier rules' is the one it moved from). Either way the earlier rules' calendar is taken: at worst a pass
     * is repeated, whose differences a compacted topic absorbs.
     */
    private TariffCalendar savedCalendar(IntFunction<String> keyOf) {
        for (int rules = TariffCalendar.RULES_LITERAL; rules <= TariffCalendar.CURRENT_RULES; rules++) {
            AppliedCalendar saved = appliedCalendar.get(keyOf.apply(rules));
            if (saved != null) {
                return new TariffCalendar(saved.getEvents(), rules);
            }
        }
        return null;
    }

    /**
     * Saves the calendar under {@code keyOf}'s key of its rules, then deletes the key of any other rules (in that order,
     * see {@link #savedCalendar}): an upgraded task's calendar leaves the key of the rules it was applied under once
     * the new rules are applied.
     */
    private void saveCalendar(IntFunction<String> keyOf, TariffCalendar c) {
        appliedCalendar.put(keyOf.apply(c.rules()), new AppliedCalendar(new ArrayList<>(c.events())));
        deleteSaved(keyOf, c.rules());
    }

    /**
     * Saves the applied calendar and signal parameters where not saved yet (the first outputs, or a pass, are computed
     * with them). Each on its own: in a pass an upgraded task resumes (an earlier release's, which recorded no
     * parameters), {@link #calendar} is the pass' target, not the applied calendar saved already.
     */
    private void saveApplied() {
        if (!calendarSaved) {
            saveCalendar(SeriesStateProcessor::appliedKey, calendar);
            calendarSaved = true;
        }
        if (!paramsSaved) {
            saveParameters(APPLIED_PARAMETERS, params);
            paramsSaved = true;
        }
        appliedSaved = true;
    }

    /**
     * The signal parameters recorded under {@code prefix} (applied, or a pass' target), with this task's refresh
     * settings; null if none, or if the key is not in this release's form (a later release's, with parameters this
     * one does not know: taken as none, hence the current ones, with a warning).
     */
    private SignalConfig savedParameters(String prefix) {
        for (String key : parameterKeys(prefix)) {
            try {
                return config.withParameters(key.substring(prefix.length()));
            } catch (IllegalArgumentException e) {
                log.warn("Task {}: signal parameters recorded as '{}' cannot be read ({}); ignored", context.taskId(),
                        key, e.getMessage());
            }
        }
        return null;
    }

    /** Records {@code c}'s signal parameters under {@code prefix}, then deletes any other recorded there. */
    private void saveParameters(String prefix, SignalConfig c) {
        String key = parametersKey(prefix, c);
        appliedCalendar.put(key, new AppliedCalendar(new ArrayList<>()));
        deleteParameters(prefix, key);
    }

    /** Deletes the keys under {@code prefix} but {@code except} (null: all). */
    private void deleteParameters(String prefix, String except) {
        for (String key : parameterKeys(prefix)) {
            if (!key.equals(except)) {
                appliedCalendar.delete(key);
            }
        }
    }

    /**
     * The store's keys under {@code prefix}. Read from the whole store: it holds a handful of entries per task (the
     * calendar, a pass' target, the parameters), and is read when a task starts or a pass starts or ends.
     */
    private List<String> parameterKeys(String prefix) {
        List<String> out = new ArrayList<>(1);
        try (KeyValueIterator<String, AppliedCalendar> all = appliedCalendar.all()) {
            while (all.hasNext()) {
                String key = all.next().key;
                if (key.startsWith(prefix)) {
                    out.add(key);
                }
            }
        }
        return out;
    }

    /** Deletes {@code keyOf}'s keys of every rules version but {@code except} (-1: all), where present (no tombstones). */
    private void deleteSaved(IntFunction<String> keyOf, int except) {
        for (int rules = TariffCalendar.RULES_LITERAL; rules <= TariffCalendar.CURRENT_RULES; rules++) {
            String key = keyOf.apply(rules);
            if (rules != except && appliedCalendar.get(key) != null) {
                appliedCalendar.delete(key);
            }
        }
    }

    /**
     * A calendar change being applied: from what the series reflected to the new calendar, group by group in the
     * order of {@code groups}, and within a group in store key order up to {@code last}. Or a signal parameter
     * change ({@code groups} null): every series of the store, in key order, from {@code fromParams} to
     * {@code toParams} under one calendar.
     */
    private static final class Pass {
        final TariffCalendar from;
        final TariffCalendar to;
        final SignalConfig fromParams;
        final SignalConfig toParams;
        final List<SeriesKey> groups;
        final Map<SeriesKey, Integer> groupIndex = new HashMap<>();
        int group;
        /** Serializes keys as the store orders them (bytewise, unsigned: RocksDB's and the in-memory store's order). */
        final Serializer<SeriesKey> keys;
        /** Series re-evaluated (or skipped) so far, those skipped, and when the pass started: for the log. */
        int series;
        int skipped;
        long startedNanos;
        /**
         * Series brought to the new calendar ahead of the pass, because a figure of theirs arrived first: the pass
         * only moves past them. Forgotten on a restart, when the pass repeats from its start anyway.
         */
        final Set<SeriesKey> early = new HashSet<>();
        /** The last series re-evaluated in the current group; null before its first. */
        private SeriesKey last;
        private byte[] lastBytes;

        Pass(TariffCalendar from, TariffCalendar to, SignalConfig fromParams, SignalConfig toParams,
             List<SeriesKey> groups, Serializer<SeriesKey> keys) {
            this.from = from;
            this.to = to;
            this.fromParams = fromParams;
            this.toParams = toParams;
            this.groups = groups;
            this.keys = keys;
            for (int i = 0; groups != null && i < groups.size(); i++) {
                groupIndex.put(groups.get(i), i);
            }
        }

        /** A signal parameter change: every series, as one group (the whole store). */
        boolean everySeries() {
            return groups == null;
        }

        int groupCount() {
            return groups == null ? 1 : groups.size();
        }

        void reached(SeriesKey series) {
            last = series;
            lastBytes = null;
        }

        void nextGroup() {
            group++;
            last = null;
            lastBytes = null;
        }

        static boolean sameGroup(SeriesKey series, SeriesKey group) {
            return series.getReporter().equals(group.getReporter()) && series.getPartner().equals(group.getPartner())
                    && series.getFlow() == group.getFlow();
        }

        /**
         * Whether the pass has re-evaluated the series already, or never will (its group is not concerned). Within
         * the current group, by key: a series whose key sorts after the last one re-evaluated is still to come.
         */
        boolean passed(SeriesKey series) {
            Integer g = groups == null ? Integer.valueOf(0)
                    : groupIndex.get(new SeriesKey(series.getReporter(), series.getPartner(), series.getFlow(), ""));
            if (g == null || g < group) {
                return true;
            }
            if (g > group || last == null) {
                return false;
            }
            if (lastBytes == null) {
                lastBytes = keys.serialize(null, last);
            }
            return Arrays.compareUnsigned(keys.serialize(null, series), lastBytes) <= 0;
        }
    }

    /**
     * The events of the tariff-events global store. An entry that cannot be decoded is left out with a warning:
     * a global store is restored by copying tariff.events' bytes into it undecoded, so a bad record that the
     * deserialization handler skipped (and dead-lettered) while the instance ran is in the store after a restart,
     * and failing here would fail every task's start, at every restart. (The store's iterator has moved past an
     * entry before it decodes it, so the next one is read after a failure.) An event of the current calendar whose
     * entry is such a bad update keeps its current version, as it did while the instance ran
     * ({@link #keepVersionsOfUndecodableUpdates}).
     */
    private TariffCalendar readCalendar() {
        List<TariffEvent> events = new ArrayList<>();
        boolean undecodable = false;
        try (KeyValueIterator<String, Object> all = tariffs.all()) {
            while (all.hasNext()) {
                Object v;
                try {
                    v = all.next().value;
                } catch (SerializationException e) {
                    // The store holds tariff.events' bytes: decoding them needs the registry, for a schema this JVM
                    // has not fetched yet (a start during an outage restores every event undecoded). That is no bad
                    // record and has no dead letter: the entry is decoded again at the next refresh.
                    if (DeadLetterDeserializationHandler.isRegistryOutage(e)) {
                        log.warn("Task {}: a tariff event in the global store cannot be decoded now, the schema "
                                + "registry cannot serve its schema ({}); left out of the calendar until it can, "
                                + "read again at the next refresh", context.taskId(), e.getMessage());
                    } else {
                        log.warn("Task {}: a tariff event in the global store cannot be decoded ({}); left out of the "
                                + "calendar (its dead letter was written when it was read)", context.taskId(),
                                e.getMessage());
                    }
                    undecodable = true;
                    continue;
                }
                Object event = v instanceof ValueAndTimestamp<?> vt ? vt.value() : v;
                if (event instanceof TariffEvent e) {
                    events.add(e);
                }
            }
        }
        if (undecodable) {
            keepVersionsOfUndecodableUpdates(events);
        }
        return new TariffCalendar(events);
    }

    /**
     * Adds to {@code events} the current calendar's version of each event whose store entry cannot be decoded. Why: a
     * bad update of an event is skipped while the instance runs, so the store and the calendar keep the event as it
     * was; a restore copies tariff.events' bytes, the bad update's included, and leaving the event out then removed it
     * from the calendar after a restart only, retracting every signal that named it. The failing entry's key is lost
     * with the iterator's exception, so each event of the calendar missing from what was read is looked up by id:
     * absent means deleted (a tombstone), undecodable means the bad update.
     */
    private void keepVersionsOfUndecodableUpdates(List<TariffEvent> events) {
        Set<String> read = new HashSet<>();
        events.forEach(e -> read.add(e.getId()));
        for (TariffEvent e : calendar.events()) {
            if (!read.contains(e.getId())) {
                try {
                    tariffs.get(e.getId());
                } catch (SerializationException bad) {
                    events.add(e);
                }
            }
        }
    }
}
