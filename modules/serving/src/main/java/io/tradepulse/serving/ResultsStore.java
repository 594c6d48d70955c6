package io.tradepulse.serving;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.SignalKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeSignal;
import io.tradepulse.serving.Results.Cursor;
import io.tradepulse.serving.Results.InvalidCursorException;
import io.tradepulse.serving.Results.Page;
import io.tradepulse.serving.Results.SeriesFilter;
import io.tradepulse.serving.Results.SeriesSummary;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.RandomAccess;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The latest TradeChange and TradeSignal per key, in a local RocksDB database, ordered for the API's queries.
 *
 * <p>Why on disk: the view used to keep every record in a heap map, about 1 KB per change (measured:
 * docs/benchmarks.md, "REST view at backfill size"), so a production-size trade.changes (millions of cells) ran
 * the processor's JVM out of memory. Here the heap holds nothing per record (RocksDB's caches are small and
 * off-heap); the disk holds about the size of the compacted topics. Nothing here must survive a restart: {@link #open} empties the directory and the view
 * is rebuilt from the topics, so writes skip RocksDB's write-ahead log.
 *
 * <p>Keys, all byte-ordered:
 * <pre>
 * 'c' series 0x00 period(4 bytes, big-endian)            -> TradeChange (Avro binary)
 * 'G' time 0x00 skey                                     -> TradeSignal (Avro binary): the time index
 * 'P' reporter 0x00 partner 0x00 gkey                    -> empty: the time index of one reporter and partner
 * 'C' commodity 0x00 gkey                                -> empty: ... of one commodity
 * 'Q' partner 0x00 gkey                                  -> empty: ... of one partner
 * 'R' reporter 0x00 gkey                                 -> empty: ... of one reporter
 * series = reporter 0x00 partner 0x00 flow 0x00 commodity   (period: Results.period)
 * time   = period(4) type 0x00 reporter 0x00 partner 0x00 commodity
 * skey   = 'g' series 0x00 period(4) type   (a signal's key; stored only inside the index keys)
 * gkey   = the signal's whole 'G' key
 * </pre>
 * so one series' months are one range, and a reporter's (and reporter + partner's) series are one prefix. Signals
 * are read in time order, so they are kept in it ('G', then the signal key for ties), and a signals page reads on
 * from its cursor and stops at its limit instead of reading every matching signal to sort them; the signals of one
 * reporter and partner, one commodity, one partner and one reporter are kept in it once more each ({@link
 * SignalPlan}), so a page of a filter on such a field does not skip the others' entries either; a type, second in
 * the time order, is sought within each period of any of them ({@link #walk}). The value is stored
 * once, in the 'G' entry: a walk of 'G' tests the status on every entry it reads, sequentially, while a walk of a
 * field index looks up the value of each entry whose series matches. Every record is one write (a put or delete; for
 * a signal, a batch of five, derived from the key), with no read-modify-write: the view must catch up with millions
 * of records at start; the series list counts months from the keys when asked. The layout may change between
 * releases without a migration: {@link #open} empties the directory and the view is rebuilt from the topics at every
 * start (cursors keep their meaning: see {@link #signals(SeriesFilter, Predicate, Cursor, int)}).
 *
 * <p>Thread-safety: one writer (the view's consumer thread), any number of readers (the HTTP threads). The lock
 * only keeps {@link #close} from freeing the database under a running call (a use after close would crash the
 * JVM in native code); RocksDB itself is thread-safe.
 */
final class ResultsStore implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    private static final byte CHANGE = 'c';
    /** The kind byte of a signal's key, which is only stored inside the index keys. */
    private static final byte SIGNAL = 'g';
    private static final byte INDEX = 'G';
    private static final byte SEP = 0;
    /** The value of a signal's entry in the field indexes ({@link SignalPlan}): its value is in its time index entry. */
    private static final byte[] EMPTY = new byte[0];
    /**
     * Entries one query reads at most (about a second's work; a seek counts as one more): a page whose rows are
     * spread thin (a filter without a reporter on series or changes skips between them, {@link #scan}; a rare
     * signal type or status alone) could otherwise read millions of entries; such a query stops here, marked
     * truncated, with a cursor where it can go on.
     */
    static final long MAX_SCANNED = 1_000_000;
    /**
     * Entries of a series outside a changes query's from..to read one by one before the scan seeks past them: see
     * {@link Range#outsidePeriods}.
     */
    static final int SEQUENTIAL_SKIPS = 8;
    /** Size at which RocksDB's info log (LOG) is rolled, and how many rolled ones it keeps: see the constructor. */
    static final long MAX_INFO_LOG_FILE_BYTES = 1024L * 1024;
    static final long INFO_LOG_FILES_KEPT = 2;

    private final long maxScanned;

    private final Path dir;
    private final Options options;
    private final LRUCache cache;
    private final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);
    /** A signal's entries, written together; reused (cleared per record) by the one writer thread. */
    private final WriteBatch signalBatch = new WriteBatch();
    private final RocksDB db;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    private final Codec<TradeChange> changes = new Codec<>(TradeChange.class);
    private final Codec<TradeSignal> signals = new Codec<>(TradeSignal.class);

    private ResultsStore(Path dir, long maxScanned) throws RocksDBException {
        this.dir = dir;
        this.maxScanned = maxScanned;
        // Small caches: the view serves a few queries per second; the processor sharing the JVM needs the memory.
        this.cache = new LRUCache(16L * 1024 * 1024);
        this.options = new Options().setCreateIfMissing(true)
                .setCompressionType(CompressionType.LZ4_COMPRESSION)
                .setWriteBufferSize(16L * 1024 * 1024).setMaxWriteBufferNumber(2)
                .setTableFormatConfig(new BlockBasedTableConfig().setBlockCache(cache))
                // RocksDB's info log (LOG in the store's directory) is one file that never rolls by default, and
                // it gets a statistics dump every 10 minutes plus a few lines per flush and compaction: on a view
                // that runs for months it grew without limit on the state volume. Rolled at 1 MB with 2 old files
                // kept, it takes at most about 3 MB and still holds the recent flushes and compactions.
                .setMaxLogFileSize(MAX_INFO_LOG_FILE_BYTES).setKeepLogFileNum(INFO_LOG_FILES_KEPT);
        try {
            this.db = RocksDB.open(options, dir.toString());
        } catch (RocksDBException | RuntimeException e) {
            options.close();
            cache.close();
            writeOptions.close();
            signalBatch.close();
            throw e;
        }
    }

    /** Opens an empty store in {@code dir}, deleting whatever an earlier run left there. */
    static ResultsStore open(Path dir) {
        return open(dir, MAX_SCANNED);
    }

    /** For tests: a smaller bound on the entries one query reads. */
    static ResultsStore open(Path dir, long maxScanned) {
        try {
            deleteRecursively(dir);
            Files.createDirectories(dir);
            return new ResultsStore(dir, maxScanned);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the results view's directory " + dir, e);
        } catch (RocksDBException e) {
            throw new IllegalStateException("Cannot open the results view's database in " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * For tests: writes what RocksDB holds in memory to a table file, as it does itself once its write buffer is
     * full, so that queries read the file.
     */
    void flush() {
        guarded(() -> {
            try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
                db.flush(flush);
            }
            return null;
        });
    }

    // ---- writes (one thread) ----

    /** Upserts a change, or deletes it when {@code value} is null (a tombstone). One write, no read. */
    void putChange(ChangeKey key, TradeChange value) {
        write(key(CHANGE, key.getReporter(), key.getPartner(), key.getFlow().toString(), key.getCommodity(),
                Results.period(key.getYear(), key.getMonth()), ""), value == null ? null : changes.encode(value));
    }

    /**
     * Upserts a signal, or deletes it when {@code value} is null (a tombstone): its entry in the time index (with the
     * value) and one in each field index ({@link SignalPlan}), all derived from the key, in one write batch (no read,
     * and a reader sees all of them or none).
     */
    void putSignal(SignalKey key, TradeSignal value) {
        byte[] signalKey = key(SIGNAL, key.getReporter(), key.getPartner(), key.getFlow().toString(), key.getCommodity(),
                Results.period(key.getYear(), key.getMonth()), key.getType());
        byte[] byTime = indexKey(signalKey);
        byte[] encoded = value == null ? null : signals.encode(value);
        guarded(() -> {
            signalBatch.clear();
            for (SignalPlan plan : SignalPlan.FIELD_INDEXES) {
                byte[] entry = plan.entryKey(signalKey, byTime);
                if (encoded == null) {
                    signalBatch.delete(entry);
                } else {
                    signalBatch.put(entry, EMPTY);
                }
            }
            if (encoded == null) {
                signalBatch.delete(byTime);
            } else {
                signalBatch.put(byTime, encoded);
            }
            db.write(writeOptions, signalBatch);
            return null;
        });
    }

    private void write(byte[] key, byte[] value) {
        guarded(() -> {
            if (value == null) {
                db.delete(writeOptions, key);
            } else {
                db.put(writeOptions, key, value);
            }
            return null;
        });
    }

    // ---- queries (any thread) ----

    /**
     * The series of the matching changes with the months their figures cover and the last of them: one pass over
     * their change keys (only January values are decoded, see {@link #lastMonth}), so a page of L series reads about
     * L x months keys.
     */
    Page<SeriesSummary> series(SeriesFilter filter, int limit) {
        return series(filter, null, limit);
    }

    /**
     * The series after {@code after}: its position is where the next page starts reading (the first key at or after
     * it), past the last series listed, or at the series the scan cap cut short (which the page leaves out).
     */
    Page<SeriesSummary> series(SeriesFilter filter, Cursor after, int limit) {
        Range range = Range.of(CHANGE, filter);
        byte[] from = pastSeriesInside(seekPosition(after, range));
        List<SeriesSummary> out = new ArrayList<>();
        byte[][] current = {null};
        int[] months = {0};
        int[] latest = {0};
        boolean[] atLimit = {false};
        ScanEnd end = scan(range, from, (key, value, full) -> {
            int seriesEnd = key.length - 4;
            int period = ByteBuffer.wrap(key).getInt(seriesEnd);
            int last = lastMonth(period, value);
            if (current[0] != null && Arrays.equals(current[0], 0, current[0].length, key, 0, seriesEnd)) {
                // Keys come in period order; a month already covered (a single February next to a combined
                // January+February) is counted once.
                months[0] += Math.max(0, last - Math.max(period, latest[0] + 1) + 1);
                latest[0] = Math.max(latest[0], last);
                return Step.SKIPPED;
            }
            if (full) {
                atLimit[0] = true;
                return Step.STOP;
            }
            if (current[0] != null) {
                out.add(summary(current[0], months[0], latest[0]));
            }
            current[0] = Arrays.copyOf(key, seriesEnd);
            months[0] = last - period + 1;
            latest[0] = last;
            return Step.TAKEN;
        }, limit);
        // Stopped by the scan cap in the middle of the last series (the last entry read was one of its months), it
        // may have more months past the entries read: left out (the page is truncated) rather than listed with a
        // wrong month count and latest period, and the next page starts at it. At the limit or the end of the range,
        // or when the cap struck after entries of other series, the last one is whole.
        byte[] resume = null;
        if (current[0] != null) {
            boolean cutShort = end.stoppedEarly() && !atLimit[0] && end.lastKey() != null
                    && startsWith(end.lastKey(), current[0]);
            if (cutShort) {
                resume = current[0];
            } else {
                out.add(summary(current[0], months[0], latest[0]));
            }
        }
        if (resume == null && atLimit[0]) {
            // Past every month of the last series listed, not after the last one read: a month the processor adds to
            // it before the next page is asked for would otherwise start that page, and the series be listed again
            // with that month alone.
            resume = pastSeries(current[0], current[0].length);
        }
        if (resume == null) {
            resume = end.resume();
        }
        return new Page<>(out, end.stoppedEarly(), next(end, resume));
    }

    /**
     * A series page's start for a cursor position: a position inside a series (after one of its months) is taken as
     * past the whole series. This release's series cursors are never inside one (they stand past the last series
     * listed, at the series the scan cap cut short, or between series), but those of releases before 2026-11-30 with
     * the same token version stood after the last month read of the page's last series, which was listed whole (or
     * did not match): continued from there, a month the processor added to that series since listed it again, with
     * that month alone. Null (no cursor) and other positions are returned as they are.
     */
    private static byte[] pastSeriesInside(byte[] position) {
        if (position == null) {
            return null;
        }
        int pos = 1;
        for (int i = 0; i < 4; i++) {
            while (pos < position.length && position[pos] != SEP) {
                pos++;
            }
            if (pos == position.length) {
                return position;
            }
            pos++;
        }
        return pos < position.length ? pastSeries(position, pos) : position;
    }

    /**
     * The last month a change covers. Only a January can start a multi-month figure (China's combined January and
     * February), so only those are decoded: counted by key, such a series listed one month too few per year and
     * ended at January while its figures reached February.
     */
    private int lastMonth(int period, byte[] value) {
        return period % 12 == 0 ? period + Math.max(1, changes.decode(value).getMonths()) - 1 : period;
    }

    private static SeriesSummary summary(byte[] seriesKey, int months, int latest) {
        String[] s = seriesOf(seriesKey);
        return new SeriesSummary(s[0], s[1], s[2], s[3], months, latest / 12, latest % 12 + 1);
    }

    /**
     * The page keeps the changes as the store holds them (Avro binary, ~200 bytes each) and decodes each one when it
     * is read ({@link Encoded}): a page of 100,000 decoded changes is ~70 MB of objects, held at once by every
     * request of that size, in the processor's JVM.
     */
    Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, int limit) {
        return changes(filter, fromPeriod, toPeriod, null, limit);
    }

    /**
     * The changes after {@code after}: its position is the key after the last entry the page read (the last row, or
     * entries after it that did not match), so the next page reads on from there.
     */
    Page<TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, Cursor after, int limit) {
        Range range = Range.of(CHANGE, filter).within(fromPeriod, toPeriod);
        byte[] from = seekPosition(after, range);
        List<byte[]> out = new ArrayList<>();
        // The scan passes over the months outside from..to (Range#outsidePeriods): every entry visited is a row.
        ScanEnd end = scan(range, from, (key, value, full) -> {
            if (full) {
                return Step.STOP;
            }
            out.add(value);
            return Step.TAKEN;
        }, limit);
        return new Page<>(new Encoded<>(out, changes), end.stoppedEarly(), next(end, end.resume()));
    }

    /** Rows kept encoded; {@link #get} decodes a new object each time, so iterate once. */
    private static final class Encoded<T extends SpecificRecord> extends AbstractList<T> implements RandomAccess {
        private final List<byte[]> values;
        private final Codec<T> codec;

        Encoded(List<byte[]> values, Codec<T> codec) {
            this.values = values;
            this.codec = codec;
        }

        @Override
        public T get(int index) {
            return codec.decode(values.get(index));
        }

        @Override
        public int size() {
            return values.size();
        }
    }

    /**
     * Signals are decoded to filter them, then kept encoded as the changes are ({@link Encoded}). Callers read them in
     * time order ({@link #timeOrder}, then key order), which is the order of the time index ({@link #indexKey}).
     */
    Page<TradeSignal> signals(SeriesFilter filter, Predicate<TradeSignal> where, int limit) {
        return signals(filter, where, null, limit);
    }

    /**
     * The first {@code limit} signals after {@code after} in time order; its position is a key of the time index
     * ({@link #indexKey}): the last entry the previous page was done with. Every plan walks one index in time order
     * from the cursor and stops at the first match past the limit, so a page reads its rows plus the entries of that
     * index between them that the other filters leave out, at most the scan cap, and a page the cap stopped carries a
     * cursor like any other. The time index holds every signal; each field index ({@link SignalPlan}) holds the
     * signals of one reporter and partner, one commodity, one partner or one reporter, so a filter on that field
     * skips nobody else's. The plan is chosen by the filter's series fields alone ({@link #plan}), so every page of
     * one query uses the same one (measured at 1.38 M signals of the backfill's shape: docs/benchmarks.md, "REST view
     * at backfill size"). Every plan's cursor is a position of the time index, and any such position is a valid start
     * for every plan (the rows strictly after it in time order): cursors of earlier releases, whose pages walked the
     * time index and may have stopped at any signal, continue their query here.
     */
    Page<TradeSignal> signals(SeriesFilter filter, Predicate<TradeSignal> where, Cursor after, int limit) {
        return signals(filter, null, where, after, limit);
    }

    /**
     * As {@link #signals(SeriesFilter, Predicate, Cursor, int)}, only signals of {@code type} (their key's; null: any).
     * Every index is in time order, period then type, so within each period the signals of one type are one run: a
     * walk seeks from a run of another type to the wanted one's, or past the period to the next one's ({@link
     * #typeSeek}), instead of reading every entry in between. A type few signals have (PAYBACK, FRONT_LOADING in a
     * view of mostly YOY_MOVE) costs its rows plus about two seeks per period the page spans, with no index of its
     * own (docs/benchmarks.md, "REST view at backfill size").
     */
    Page<TradeSignal> signals(SeriesFilter filter, String type, Predicate<TradeSignal> where, Cursor after, int limit) {
        return signalsBy(plan(filter), filter, type, where, after, limit);
    }

    /**
     * The index a signals query walks: the field index of the filter's most selective field(s), ranked by how many
     * values the field takes (so how few signals one value has) in trade data: a reporter and partner (thousands of
     * pairs; 1/690 of the signals of the backfill's shape), else a commodity (thousands of HS codes; TOTAL and an HS2
     * chapter, in every pair, still only one series per pair and flow), else a partner (~230), else a reporter (the
     * reporting countries: tens, of very unequal size), else the time index: flow, type and status alone take 2 or 3
     * values each, so their matches are a large share of the signals and the time index finds them a few entries
     * apart (and any plan seeks a type's run within each period: {@link #walk}). A plan by the data's counts
     * (RocksDB's estimates of each range's size) could pick better for an unusual view, but these ranks already bound
     * every filter with a series field to one value's signals.
     */
    static SignalPlan plan(SeriesFilter filter) {
        return SignalPlan.FIELD_INDEXES.stream().filter(p -> p.canServe(filter)).findFirst().orElse(SignalPlan.TIME);
    }

    /**
     * The time-index plan: walks the {@code 'G'} entries from the cursor (see {@link #walk}). For tests and the scale
     * harness, as {@link #signalsBy} with any plan.
     */
    Page<TradeSignal> signalsByTime(SeriesFilter filter, Predicate<TradeSignal> where, Cursor after, int limit) {
        return signalsBy(SignalPlan.TIME, filter, null, where, after, limit);
    }

    /**
     * A signals page by the given plan, which must be one the filter can use (the time index, or a field index of
     * fields the filter names): walks that index's entries for the filter's values from the cursor (see {@link
     * #walk}); a field index's entries hold the time index keys in their order, and the value of each whose series
     * matches is looked up in the time index.
     */
    Page<TradeSignal> signalsBy(SignalPlan plan, SeriesFilter filter, Predicate<TradeSignal> where, Cursor after,
            int limit) {
        return signalsBy(plan, filter, null, where, after, limit);
    }

    /**
     * As {@link #signalsBy(SignalPlan, SeriesFilter, Predicate, Cursor, int)}, only signals of {@code type} (their
     * key's; null: any), sought within each period ({@link #walk}).
     */
    Page<TradeSignal> signalsBy(SignalPlan plan, SeriesFilter filter, String type, Predicate<TradeSignal> where,
            Cursor after, int limit) {
        if (!plan.canServe(filter)) {
            throw new IllegalArgumentException(plan + " cannot serve " + filter);
        }
        Range range = Range.of(SIGNAL, filter);
        byte[] wantType = type == null || type.isEmpty() ? null : type.getBytes(StandardCharsets.UTF_8);
        if (wantType != null && indexOf(wantType, SEP) >= 0) {
            return new Page<>(List.of(), false); // no stored type has a NUL (key() refuses one)
        }
        if (plan == SignalPlan.TIME) {
            byte[] whole = {INDEX};
            return walk(range, wantType, whole, 0, after == null ? whole : after(indexPosition(after)), where, limit);
        }
        byte[] prefix = plan.prefix(range.want());
        byte[] start = after == null ? prefix : concat(prefix, after(indexPosition(after)));
        return walk(range, wantType, prefix, prefix.length, start, where, limit);
    }

    /**
     * Walks the entries under {@code prefix} in order from {@code start}; each holds a time index key from offset
     * {@code indexAt} (0: it is one, with the value; else the value is looked up). Tests the type and the series
     * fields on the key and {@code where} on the value, and stops at the first match past the limit, or when the scan
     * cap is reached. From an entry of another type than {@code type} (null: any) it steps over up to {@link
     * #SEQUENTIAL_SKIPS} more, then seeks to where the wanted type can follow ({@link #typeSeek}); a seek counts
     * against the cap as one more entry read. Its cursor is the index key of the last entry it was done with: the
     * last row, or a non-matching entry after it; continuing in index order after it skips nothing (a seek only
     * passes over entries of other types), so a page the cap stopped can be continued too.
     */
    private Page<TradeSignal> walk(Range range, byte[] type, byte[] prefix, int indexAt, byte[] start,
            Predicate<TradeSignal> where, int limit) {
        if (range.none()) {
            return new Page<>(List.of(), false);
        }
        return guarded(() -> {
            List<byte[]> out = new ArrayList<>();
            long scanned = 0;
            int otherType = 0; // entries of another type read in a row
            byte[] last = null;
            Snapshot snapshot = db.getSnapshot();
            try (ReadOptions read = new ReadOptions().setSnapshot(snapshot); RocksIterator it = db.newIterator(read);
                    RocksIterator values = indexAt == 0 ? null : db.newIterator(read)) {
                it.seek(start);
                while (it.isValid()) {
                    byte[] key = it.key();
                    if (!startsWith(key, prefix)) {
                        break;
                    }
                    if (++scanned > maxScanned) {
                        return new Page<>(new Encoded<>(out, signals), true, last == null ? null : new Cursor(last));
                    }
                    byte[] index = indexAt == 0 ? key : Arrays.copyOfRange(key, indexAt, key.length);
                    int typeOrder = type == null ? 0 : compareType(index, type);
                    if (typeOrder != 0) {
                        last = index;
                        if (++otherType <= SEQUENTIAL_SKIPS) {
                            it.next();
                            continue;
                        }
                        byte[] to = typeSeek(key, indexAt, type, typeOrder);
                        if (to == null) {
                            break; // past the last period there can be
                        }
                        if (++scanned > maxScanned) {
                            return new Page<>(new Encoded<>(out, signals), true, new Cursor(last));
                        }
                        otherType = 0;
                        it.seek(to);
                        continue;
                    }
                    otherType = 0;
                    if (matches(index, indexedKeyStart(index), range.want())) {
                        byte[] value = indexAt == 0 ? it.value() : valueAt(values, index);
                        if (value != null && where.test(signals.decode(value))) {
                            if (out.size() >= limit) {
                                return new Page<>(new Encoded<>(out, signals), true, last == null ? null : new Cursor(last));
                            }
                            out.add(value);
                        }
                    }
                    last = index;
                    it.next();
                }
                it.status(); // the end, or a block that could not be read: see scan()
            } finally {
                db.releaseSnapshot(snapshot);
            }
            return new Page<>(new Encoded<>(out, signals), false);
        });
    }

    /**
     * The time index's value at {@code index}, by the page's second iterator: the keys a field index walk looks up
     * ascend, so each seek lands after the last one, often in the block the iterator already holds, where a get
     * per key located and read that block again. Null if absent (never, within the page's snapshot, which both
     * iterators read: the entries are written in one batch). Throws when the block cannot be read: taken for an
     * absent value, it left the signal out of the page without a word (see {@link #scan}).
     */
    private static byte[] valueAt(RocksIterator values, byte[] index) throws RocksDBException {
        values.seek(index);
        if (!values.isValid()) {
            values.status();
            return null;
        }
        return Arrays.equals(values.key(), index) ? values.value() : null;
    }

    /**
     * How the type of the time index key {@code index} compares with {@code type}: the field after the period (4
     * bytes) up to its separator, compared as bytes, as the key order compares it (no type holds a NUL, so a type
     * that is a prefix of another comes first, as its separator does).
     */
    private static int compareType(byte[] index, byte[] type) {
        int end = 5;
        while (index[end] != SEP) {
            end++;
        }
        return Arrays.compareUnsigned(index, 5, end, type, 0, type.length);
    }

    /**
     * Where a walk of an index in time order goes on from {@code key}, an entry whose time index key (from {@code
     * indexAt}) has another type than the wanted one ({@code order}: how it compares with it): an earlier type, to
     * the wanted type in the same period; a later one, to the wanted type in the next period (entries of other types
     * in between cannot match). The index's prefix, {@code 'G'}, the period and the type and its separator: no entry
     * key is that short, so the seek lands on the first entry at or after it. Null past the last period an int holds.
     */
    private static byte[] typeSeek(byte[] key, int indexAt, byte[] type, int order) {
        int periodAt = indexAt + 1;
        byte[] out = Arrays.copyOf(key, periodAt + 4 + type.length + 1);
        if (order > 0) {
            int period = ByteBuffer.wrap(key, periodAt, 4).getInt();
            if (period == Integer.MAX_VALUE) {
                return null;
            }
            ByteBuffer.wrap(out).putInt(periodAt, period + 1);
        }
        System.arraycopy(type, 0, out, periodAt + 4, type.length);
        out[out.length - 1] = SEP;
        return out;
    }

    /** The index key a cursor names: exactly the index key of some signal key (nothing else is a position). */
    private static byte[] indexPosition(Cursor after) {
        byte[] position = after.position();
        if (position.length < 5 || position[0] != INDEX) {
            throw new InvalidCursorException("not a signal position");
        }
        int start = indexedKeyStart(position);
        if (start < 0 || !isKey(Arrays.copyOfRange(position, start, position.length), SIGNAL)
                || !Arrays.equals(position, indexKey(Arrays.copyOfRange(position, start, position.length)))) {
            throw new InvalidCursorException("not a signal position");
        }
        return position;
    }

    /**
     * The time index's key of a signal key: {@code 'G'}, its {@link #timeOrder}, a separator, then the signal key. It
     * compares as (time order, signal key) does: the time order ends with the commodity, which has no NUL, so where
     * one time order is a prefix of another the shorter one's separator (0x00) comes first, as the shorter string
     * does. Derived from the key alone, so a record is written or deleted without reading anything.
     */
    private static byte[] indexKey(byte[] signalKey) {
        byte[] order = timeOrder(signalKey);
        byte[] out = new byte[1 + order.length + 1 + signalKey.length];
        out[0] = INDEX;
        System.arraycopy(order, 0, out, 1, order.length);
        out[1 + order.length] = SEP;
        System.arraycopy(signalKey, 0, out, order.length + 2, signalKey.length);
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * Where the signal key starts in an index key: after the kind, the period (4 bytes: it may hold a 0x00) and the
     * four separators after type, reporter, partner and commodity (none of which holds one); -1 if it has not four.
     */
    private static int indexedKeyStart(byte[] index) {
        int pos = 5;
        for (int i = 0; i < 4; i++) {
            while (pos < index.length && index[pos] != SEP) {
                pos++;
            }
            if (pos == index.length) {
                return -1;
            }
            pos++;
        }
        return pos;
    }

    /**
     * A signal key's fields in the order callers read signals: period, type, reporter, partner, commodity; as bytes
     * that compare (unsigned) as those fields do (periods are positive, codes ASCII), so sorting needs no decoding.
     */
    private static byte[] timeOrder(byte[] key) {
        int[] ends = new int[4];
        int pos = 1;
        for (int i = 0; i < 4; i++) {
            while (key[pos] != SEP) {
                pos++;
            }
            ends[i] = pos++;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(key.length + 1);
        out.write(key, pos, 4); // the period
        out.write(key, pos + 4, key.length - pos - 4); // the type
        for (int field : new int[] {0, 1, 3}) { // reporter, partner, commodity
            out.write(SEP);
            int start = field == 0 ? 1 : ends[field - 1] + 1;
            out.write(key, start, ends[field] - start);
        }
        return out.toByteArray();
    }

    /**
     * The indexes of the signals, each in time order. Only the time index holds the value (~150 bytes, once); a field
     * index entry is its field values and the time index key (about twice the signal key: ~70 bytes for a 3-letter
     * reporter and partner and an HS6 code, before RocksDB's prefix and LZ4 compression), with an empty value. So each
     * field index costs one key-only entry, one more put in the signal's write batch, per signal: at 1.38 M signals
     * of the backfill's shape, the three added with the commodity, partner and reporter indexes took writes from
     * 3.6-5.9 us to 7.7-21 us a signal on a busy box, and about doubled the store's disk (docs/benchmarks.md, "REST
     * view at backfill size").
     *
     * <p>Not indexed: flow (2 values), type (3) and status (2). A type needs no index: every index is in time order,
     * period then type, so a walk seeks over the other types' runs in each period ({@link #typeSeek}); a rare type
     * alone reads its rows and about two seeks per period. Flow is in no such position, but each of its values is a
     * large share of the signals, so the time index finds their matches a few entries apart. Status is in the value,
     * so an index by it would need a read of the old value at each write, or a delete under every other status, two
     * more entries in each signal's batch, for a status that is rare alone (RETRACTED, or ACTIVE in a view of
     * mostly retracted ones): measured against that cost, it was left out (docs/benchmarks.md, "REST view at
     * backfill size"); such a query reads the time index up to the scan cap per page, with a cursor.
     */
    enum SignalPlan {
        /** {@code 'G'} time order 0x00 signal key: every signal, with its value. */
        TIME(INDEX),
        /** {@code 'P'} reporter 0x00 partner 0x00 time index key: one reporter and partner's signals. */
        PAIR((byte) 'P', 0, 1),
        /** {@code 'C'} commodity 0x00 time index key: one commodity's signals, every reporter and partner. */
        COMMODITY((byte) 'C', 3),
        /** {@code 'Q'} partner 0x00 time index key: one partner's signals, every reporter. */
        PARTNER((byte) 'Q', 1),
        /** {@code 'R'} reporter 0x00 time index key: one reporter's signals. */
        REPORTER((byte) 'R', 0);

        /** The field indexes, in the order {@link ResultsStore#plan} prefers them. */
        static final List<SignalPlan> FIELD_INDEXES = List.of(PAIR, COMMODITY, PARTNER, REPORTER);

        private final byte kind;
        /** The series fields (0 reporter, 1 partner, 2 flow, 3 commodity) the index is keyed by, in key order. */
        private final int[] fields;

        SignalPlan(byte kind, int... fields) {
            this.kind = kind;
            this.fields = fields;
        }

        /** Whether the filter names every field the index is keyed by (the time index: any filter). */
        boolean canServe(SeriesFilter filter) {
            byte[][] want = Range.of(SIGNAL, filter).want();
            return Arrays.stream(fields).allMatch(f -> want[f] != null);
        }

        /** The range of one value of the fields: the kind, then each wanted field followed by the separator. */
        byte[] prefix(byte[][] want) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(kind);
            for (int f : fields) {
                out.writeBytes(want[f]);
                out.write(SEP); // so that a partner "US" is not a prefix of "USA"
            }
            return out.toByteArray();
        }

        /** A signal's entry: the kind, its fields each followed by the separator, then its time index key. */
        byte[] entryKey(byte[] signalKey, byte[] index) {
            int[] starts = new int[5]; // where each series field starts in the signal key, and where the period does
            starts[0] = 1;
            for (int i = 1, pos = 1; i < 5; i++, pos++) {
                while (signalKey[pos] != SEP) {
                    pos++;
                }
                starts[i] = pos + 1;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream(64 + index.length);
            out.write(kind);
            for (int f : fields) {
                out.write(signalKey, starts[f], starts[f + 1] - starts[f]); // the field and its separator
            }
            out.writeBytes(index);
            return out.toByteArray();
        }
    }

    private enum Step { TAKEN, SKIPPED, STOP }

    private interface Visitor {
        /** @param full whether the limit is reached: the visitor must not take another row, only STOP or skip */
        Step visit(byte[] key, byte[] value, boolean full);
    }

    /**
     * The keys of one kind whose series match a filter: the filter's leading fields (reporter, then partner, flow,
     * commodity) make a key prefix; fields after a gap are compared per entry ({@code compare}), and a scan skips
     * from an entry that does not match to the next that can ({@link #nextCandidate}). A change range may also bound
     * the periods ({@link #within}): a scan then seeks (or steps, over a few entries) from a matching series' first
     * entry to its {@code fromPeriod}, and from its entries past {@code toPeriod} to the next series ({@link
     * #outsidePeriods}).
     */
    private record Range(byte[][] want, byte[] prefix, boolean compare, boolean none, int fromPeriod, int toPeriod) {
        static Range of(byte kind, SeriesFilter filter) {
            String[] fields = {filter.reporter(), filter.partner(), filter.flow(), filter.commodity()};
            byte[][] want = new byte[4][];
            for (int i = 0; i < 4; i++) {
                want[i] = fields[i] == null || fields[i].isEmpty() ? null
                        : AsciiCase.upper(fields[i]).getBytes(StandardCharsets.UTF_8);
            }
            // No stored field has a NUL (key() refuses one), and NUL separates the fields in the keys: a wanted
            // "CHN\0USA" made the prefix of reporter CHN and partner USA, and was answered with that series' rows.
            boolean none = Arrays.stream(want).anyMatch(w -> w != null && indexOf(w, SEP) >= 0);
            int lead = 0;
            while (lead < 4 && want[lead] != null) {
                lead++;
            }
            boolean compare = lead < 4 && Arrays.stream(want, lead, 4).anyMatch(w -> w != null);
            return new Range(want, ResultsStore.prefix(kind, want, lead), compare, none, Integer.MIN_VALUE,
                    Integer.MAX_VALUE);
        }

        /** {@link #outsidePeriods}: not wanted, read on (compared by identity). */
        static final byte[] STEP = new byte[0];

        /** The same series, only the periods from {@code from} to {@code to} (both included). */
        Range within(int from, int to) {
            return new Range(want, prefix, compare, none, from, to);
        }

        /** Whether the prefix is one whole series (every field wanted): its keys are the prefix and a period. */
        boolean wholeSeries() {
            return Arrays.stream(want).allMatch(w -> w != null);
        }

        /**
         * Where a scan of a whole series starts: at {@code fromPeriod}'s key, not at the series' first month, unless
         * {@code start} (a cursor) is past it. Other ranges start where asked: which series come first is only
         * known once their first key is read ({@link #outsidePeriods}).
         */
        byte[] periodStart(byte[] start) {
            if (fromPeriod == Integer.MIN_VALUE || !wholeSeries()) {
                return start;
            }
            byte[] first = periodKey(prefix, prefix.length, fromPeriod);
            return Arrays.compareUnsigned(start, first) >= 0 ? start : first;
        }

        /**
         * For a change key whose series matches, null if its period is within the bounds; else {@link #STEP} to read
         * on to the next entry, or the first position from which a key in them can follow: the series' {@code
         * fromPeriod} key for an earlier period, the position past the series for a later one (the series up to its
         * commodity, then 0x01 in place of the commodity's separator, as in {@link #nextCandidate}). So a query for a
         * few months of long series reads those months and a few entries and about two seeks per series, not every
         * month of each (periods are big-endian ints, positive, so byte order is period order).
         *
         * <p>Why step at all: a seek cost several times a step in the view (measured: docs/benchmarks.md, "REST view
         * at backfill size"), so a range that leaves out one or two months at either end of each series got slower
         * by seeking over them. As RocksDB's own iterator does ({@code max_sequential_skip_in_iterations}, 8), up
         * to {@link #SEQUENTIAL_SKIPS} entries are stepped over before seeking: before {@code fromPeriod}, when at
         * most that many months lie between the key and it (one entry per month, so at most that many entries);
         * after {@code toPeriod}, while fewer than that many were stepped over in a row ({@code stepped}), not
         * knowing how many months the series has left.
         */
        byte[] outsidePeriods(byte[] key, int stepped) {
            if (fromPeriod == Integer.MIN_VALUE && toPeriod == Integer.MAX_VALUE) {
                return null;
            }
            int seriesEnd = key.length - 4;
            int period = ByteBuffer.wrap(key).getInt(seriesEnd);
            if (period < fromPeriod) {
                return (long) fromPeriod - period <= SEQUENTIAL_SKIPS ? STEP : periodKey(key, seriesEnd, fromPeriod);
            }
            if (period > toPeriod) {
                if (stepped < SEQUENTIAL_SKIPS) {
                    return STEP;
                }
                return pastSeries(key, seriesEnd);
            }
            return null;
        }

        /** The first {@code seriesEnd} bytes of {@code key} (a series and its separator), then the period. */
        private static byte[] periodKey(byte[] key, int seriesEnd, int period) {
            byte[] out = Arrays.copyOf(key, seriesEnd + 4);
            ByteBuffer.wrap(out).putInt(seriesEnd, period);
            return out;
        }

        /** Whether a whole key (see {@link #isKey}) is in the range. */
        boolean holds(byte[] key) {
            return startsWith(key, prefix) && (!compare || matches(key, want));
        }

        /**
         * For a key of the range's kind, null if its series matches; else the first position from which a matching
         * key can follow it (a skip-scan): every key between the two has a wanted field that differs. Take the first
         * wanted field that differs, i. If the key's value is before the wanted one, the next candidates have the
         * key's fields before i and the wanted value at i: the key up to field i, then the wanted value and the
         * separator. If it is after, no key left with the key's fields up to the last unwanted one before i, j, can
         * match (the wanted fields between j and i can only grow): the position after all of them is the key up to
         * the end of field j followed by 0x01, which sorts after that field's 0x00 separator and before any longer
         * value (no field holds a 0x00, so a field compares as its bytes do). Field order in the keys is reporter,
         * partner, flow, commodity: a partner filter costs about two seeks per reporter (to the wanted partner, then
         * from the partner after it past the reporter, landing on the next one's first), a commodity filter about two
         * per reporter, partner and flow.
         */
        byte[] nextCandidate(byte[] key) {
            int start = 1;
            int lastFree = -1; // where the last unwanted field before the current one ends (its separator)
            for (int i = 0; i < 4; i++) {
                int end = start;
                while (key[end] != SEP) {
                    end++;
                }
                if (want[i] == null) {
                    lastFree = end;
                } else {
                    int order = Arrays.compareUnsigned(key, start, end, want[i], 0, want[i].length);
                    if (order < 0) {
                        byte[] out = Arrays.copyOf(key, start + want[i].length + 1);
                        System.arraycopy(want[i], 0, out, start, want[i].length);
                        out[out.length - 1] = SEP;
                        return out;
                    }
                    if (order > 0) {
                        if (lastFree < 0) {
                            // Every field up to i wanted: they make the range's prefix, which a key of the range
                            // matches, so not reached; past every key of the kind, should it be.
                            return new byte[] {(byte) (key[0] + 1)};
                        }
                        byte[] out = Arrays.copyOf(key, lastFree + 1);
                        out[lastFree] = 1;
                        return out;
                    }
                }
                start = end + 1;
            }
            return null;
        }
    }

    /**
     * The position a series or changes cursor names: where the next page starts reading (the first key at or after
     * it). Any byte string in the query's prefix is a valid position; one outside it belongs to another query.
     */
    private static byte[] seekPosition(Cursor after, Range range) {
        if (after == null) {
            return null;
        }
        byte[] position = after.position();
        if (!startsWith(position, range.prefix())) {
            throw new InvalidCursorException("not a position of this query");
        }
        return position;
    }

    /** Whether {@code key} has the layout of a stored key of {@code kind}: four fields, each ended by SEP, a period. */
    private static boolean isKey(byte[] key, byte kind) {
        if (key.length == 0 || key[0] != kind) {
            return false;
        }
        int pos = 1;
        for (int i = 0; i < 4; i++) {
            while (pos < key.length && key[pos] != SEP) {
                pos++;
            }
            if (pos == key.length) {
                return false;
            }
            pos++;
        }
        return key.length - pos >= 4;
    }

    /**
     * The position after every key of a series, from the key of one of its entries (or the series alone) and where
     * the series ends in it (after the commodity's separator): 0x01 in place of that separator, as in {@link
     * Range#nextCandidate}.
     */
    private static byte[] pastSeries(byte[] key, int seriesEnd) {
        byte[] out = Arrays.copyOf(key, seriesEnd);
        out[seriesEnd - 1] = 1;
        return out;
    }

    /** The smallest byte string after {@code key}: a position from which the next page reads on past it. */
    private static byte[] after(byte[] key) {
        return Arrays.copyOf(key, key.length + 1); // key followed by 0x00
    }

    /**
     * A next cursor at {@code resume} for a page that stopped early, if the next page would start past the first
     * entry this one read: a position that does not advance (a single series with more months than the scan cap)
     * would have a client read the same page forever.
     */
    private static Cursor next(ScanEnd end, byte[] resume) {
        return end.stoppedEarly() && resume != null && end.firstKey() != null
                && Arrays.compareUnsigned(resume, end.firstKey()) > 0 ? new Cursor(resume) : null;
    }

    /**
     * How a scan ended: whether it stopped before the end of the matching entries (more rows may match), the first
     * entry it read and the last one it was done with (visited, or passed over as not matching), null if none; and
     * where a scan that goes on should start ({@code resume}, null if nothing was read): after the last entry visited,
     * or the position a skip past non-matching entries was heading for (see {@link Range#nextCandidate}).
     */
    private record ScanEnd(boolean stoppedEarly, byte[] firstKey, byte[] lastKey, byte[] resume) {
    }

    /**
     * Visits the entries in the range, from the first at or after {@code from} (null: the range's first), in key
     * order, until {@code limit} rows were taken or {@code maxScanned} entries read. Fields the range's prefix does
     * not hold (a filter without a reporter, or with a gap) are compared on each entry read, and from an entry that
     * does not match the scan seeks to the next key that can ({@link Range#nextCandidate}) instead of reading every
     * entry in between: a partner filter reads its rows plus about two entries and two seeks per reporter, not the
     * whole view. Periods outside a change range's bounds are skipped the same way, or stepped over when only a few
     * ({@link Range#outsidePeriods}), and a whole series' scan starts at its first wanted period ({@link
     * Range#periodStart}). A seek counts against
     * the cap as one more entry read, so a query whose matches are spread thin still ends within about the cap's
     * work, with a cursor.
     */
    private ScanEnd scan(Range range, byte[] from, Visitor visitor, int limit) {
        byte[] prefix = range.prefix();
        byte[] start = range.periodStart(from != null && Arrays.compareUnsigned(from, prefix) > 0 ? from : prefix);
        if (range.none()) {
            return new ScanEnd(false, null, null, null);
        }
        return guarded(() -> {
            int taken = 0;
            long scanned = 0;
            byte[] first = null;
            byte[] last = null;
            byte[] resume = null;
            int stepped = 0; // entries outside the periods read over in a row (Range#outsidePeriods)
            try (RocksIterator it = db.newIterator()) {
                it.seek(start);
                while (it.isValid()) {
                    byte[] key = it.key();
                    if (!startsWith(key, prefix)) {
                        return new ScanEnd(false, first, last, resume);
                    }
                    if (++scanned > maxScanned) {
                        return new ScanEnd(true, first, last, resume);
                    }
                    if (first == null) {
                        first = key;
                    }
                    byte[] skipTo = range.compare() ? range.nextCandidate(key) : null;
                    if (skipTo == null) {
                        skipTo = range.outsidePeriods(key, stepped);
                    }
                    if (skipTo == Range.STEP) {
                        stepped++;
                        last = key;
                        resume = after(key);
                        it.next();
                        continue;
                    }
                    stepped = 0;
                    if (skipTo != null) {
                        // No key before skipTo matches: a next page may start there.
                        last = key;
                        resume = skipTo;
                        if (!startsWith(skipTo, prefix)) {
                            return new ScanEnd(false, first, last, resume);
                        }
                        if (++scanned > maxScanned) {
                            return new ScanEnd(true, first, last, resume);
                        }
                        it.seek(skipTo);
                        continue;
                    }
                    Step step = visitor.visit(key, it.value(), taken == limit);
                    if (step == Step.STOP) {
                        return new ScanEnd(true, first, last, resume);
                    }
                    if (step == Step.TAKEN) {
                        taken++;
                    }
                    last = key;
                    resume = after(key);
                    it.next();
                }
                // The iterator also stops being valid when RocksDB cannot read a block (an I/O error, a corrupt table
                // file): taken for the end, the query answered 200 with the rows before it, or none, as if that were
                // all the view held. status() throws then, and the API answers 500 with the reason.
                it.status();
            }
            return new ScanEnd(false, first, last, resume);
        });
    }

    /** Whether the key's series fields equal every wanted field (null: any), without decoding the key. */
    private static boolean matches(byte[] key, byte[][] want) {
        return matches(key, 0, want);
    }

    /** As {@link #matches(byte[], byte[][])} for the key that starts at {@code from} (its kind byte) in {@code key}. */
    private static boolean matches(byte[] key, int from, byte[][] want) {
        int start = from + 1;
        for (int i = 0; i < 4; i++) {
            int end = start;
            while (key[end] != SEP) {
                end++;
            }
            if (want[i] != null && !Arrays.equals(key, start, end, want[i], 0, want[i].length)) {
                return false;
            }
            start = end + 1;
        }
        return true;
    }

    private static byte[] prefix(byte kind, byte[][] want, int leading) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(kind);
        for (int i = 0; i < leading; i++) {
            out.writeBytes(want[i]);
            out.write(SEP); // so that a partner "US" is not a prefix of "USA"
        }
        return out.toByteArray();
    }

    /** The four series fields of a key (after the kind byte, up to the separator that ends the series). */
    private static String[] seriesOf(byte[] key) {
        String[] out = new String[4];
        int start = 1;
        for (int i = 0; i < 4; i++) {
            int end = start;
            while (key[end] != SEP) {
                end++;
            }
            out[i] = new String(key, start, end - start, StandardCharsets.UTF_8);
            start = end + 1;
        }
        return out;
    }

    /** kind, the series fields each followed by the separator, the period (4 bytes), then the suffix. */
    private static byte[] key(byte kind, String reporter, String partner, String flow, String commodity, int period,
            String suffix) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(48);
        out.write(kind);
        for (String s : new String[] {reporter, partner, flow, commodity}) {
            if (s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("series field with a NUL character: " + s);
            }
            out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            out.write(SEP);
        }
        out.writeBytes(ByteBuffer.allocate(4).putInt(period).array());
        if (suffix.indexOf('\0') >= 0) {
            // The time index finds the signal key inside its key by counting separators after the type.
            throw new IllegalArgumentException("signal type with a NUL character: " + suffix);
        }
        out.writeBytes(suffix.getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static int indexOf(byte[] bytes, byte b) {
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static boolean startsWith(byte[] key, byte[] prefix) {
        return key.length >= prefix.length && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
    }

    private interface Call<T> {
        T run() throws RocksDBException;
    }

    private <T> T guarded(Call<T> call) {
        lock.readLock().lock();
        try {
            if (closed) {
                throw new IllegalStateException("the results view is closed");
            }
            return call.run();
        } catch (RocksDBException e) {
            throw new IllegalStateException("results view database: " + e.getMessage(), e);
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            db.close();
            writeOptions.close();
            signalBatch.close();
            options.close();
            cache.close();
        } finally {
            lock.writeLock().unlock();
        }
        deleteRecursively(dir);
    }

    static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete " + dir, e);
        }
    }

    /** Avro binary of the current schema, no registry: the store is rebuilt from the topics on every start. */
    private static final class Codec<T extends SpecificRecord> {
        private final ThreadLocal<SpecificDatumWriter<T>> writer;
        private final ThreadLocal<SpecificDatumReader<T>> reader;
        private BinaryEncoder encoder;
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(512);

        Codec(Class<T> type) {
            this.writer = ThreadLocal.withInitial(() -> new SpecificDatumWriter<>(type));
            this.reader = ThreadLocal.withInitial(() -> new SpecificDatumReader<>(type));
        }

        /** Only called by the writer thread, hence the shared buffer. */
        byte[] encode(T value) {
            try {
                out.reset();
                encoder = EncoderFactory.get().binaryEncoder(out, encoder);
                writer.get().write(value, encoder);
                encoder.flush();
                return out.toByteArray();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        T decode(byte[] bytes) {
            try {
                return reader.get().read(null, DecoderFactory.get().binaryDecoder(bytes, null));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
