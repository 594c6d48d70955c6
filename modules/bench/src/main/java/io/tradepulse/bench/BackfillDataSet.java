package io.tradepulse.bench;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;
import io.tradepulse.streams.TradeRecordValidator;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A seeded, realistic backfill: HS6 import series of a few reporters from ~230 partners over 36 months (by default), by
 * default in release order (every series' month t, then month t+1 ...), as a statistics office's monthly releases
 * arrive. Values are lognormal levels (median ~ US$ 0.4 mn, wide spread as real HS6 x partner cells) with a
 * seasonal wave, a per-series trend and 15 % lognormal noise; a small share of each release revises the
 * previous month (revision 1, value within +-3 % of that month's first value). The same seed gives the same records,
 * in either {@link Order}.
 *
 * @param reporters   reporting economies (ISO alpha-3)
 * @param partners    partner economies per reporter
 * @param hs6Codes    HS6 codes per (reporter, partner)
 * @param months      months per series, ending in December 2025 (36: from January 2023)
 * @param revisionPct share (percent) of series whose previous month is revised in each release
 * @param order       the order the releases are loaded in
 */
public record BackfillDataSet(List<String> reporters, List<String> partners, List<String> hs6Codes, int months,
                              double revisionPct, long seed, Order order) {
    /** The order a backfill loads the releases in. */
    public enum Order {
        /** Oldest release first, as they were published. */
        RELEASE,
        /**
         * The releases of the latest calendar year first (in release order), then those of the year before, and so
         * on: a backfill that loads recent data first. With histories longer than four years, the figures of the
         * earlier years then arrive after their series holds four later years, so the processors read and write
         * the archived years; and every figure re-emits the outputs of the later months that read it.
         */
        NEWEST_YEAR_FIRST
    }

    /**
     * The data set's last month. Fixed, not "last month", so a run measures the same records whatever the date;
     * and in the past, so the validator's "no month after the current one" lets every record through. The first
     * month is {@code months - 1} earlier: with longer histories (--months 240) the window grows backwards, where it
     * once grew from 2023-01 into the future and the processors dead-lettered every month after the current one.
     */
    static final YearMonth LAST_MONTH = YearMonth.of(2025, 12);
    /** The longest history the validator accepts: from January of its first year to {@link #LAST_MONTH}. */
    public static final int MAX_MONTHS = (LAST_MONTH.getYear() - TradeRecordValidator.MIN_YEAR + 1) * 12;

    /** Distinct HS6 codes the data set draws from: chapters 01-97 but 77, headings 01-30, subheadings 10-80. */
    static final int MAX_HS6_CODES = 96 * 30 * 8;

    /**
     * The partners, in the order a data set takes them (a small one takes the first few). Fixed here: until
     * 2026-11-30 they were the first 230 of the JDK's ISO 3166 alpha-3 codes ({@code Locale.getISOCountries}, sorted,
     * the reporters left out), and that list is the JDK's own data, which differs between JDK builds and releases,
     * so the same seed could give different records, hence figures not comparable between machines. These are the
     * codes Java 17.0.15 gave (the data sets measured so far); a code later removed from ISO 3166 stays.
     */
    static final List<String> PARTNERS = List.of(
            "ABW", "AFG", "AGO", "AIA", "ALA", "ALB", "AND", "ARE", "ARG", "ARM", "ASM", "ATA", "ATF", "ATG", "AUS",
            "AUT", "AZE", "BDI", "BEL", "BEN", "BES", "BFA", "BGD", "BGR", "BHR", "BHS", "BIH", "BLM", "BLR", "BLZ",
            "BMU", "BOL", "BRA", "BRB", "BRN", "BTN", "BVT", "BWA", "CAF", "CAN", "CCK", "CHE", "CHL", "CIV", "CMR",
            "COD", "COG", "COK", "COL", "COM", "CPV", "CRI", "CUB", "CUW", "CXR", "CYM", "CYP", "CZE", "DJI", "DMA",
            "DNK", "DOM", "DZA", "ECU", "EGY", "ERI", "ESH", "ESP", "EST", "ETH", "FIN", "FJI", "FLK", "FRA", "FRO",
            "FSM", "GAB", "GBR", "GEO", "GGY", "GHA", "GIB", "GIN", "GLP", "GMB", "GNB", "GNQ", "GRC", "GRD", "GRL",
            "GTM", "GUF", "GUM", "GUY", "HKG", "HMD", "HND", "HRV", "HTI", "HUN", "IDN", "IMN", "IND", "IOT", "IRL",
            "IRN", "IRQ", "ISL", "ISR", "ITA", "JAM", "JEY", "JOR", "JPN", "KAZ", "KEN", "KGZ", "KHM", "KIR", "KNA",
            "KOR", "KWT", "LAO", "LBN", "LBR", "LBY", "LCA", "LIE", "LKA", "LSO", "LTU", "LUX", "LVA", "MAC", "MAF",
            "MAR", "MCO", "MDA", "MDG", "MDV", "MEX", "MHL", "MKD", "MLI", "MLT", "MMR", "MNE", "MNG", "MNP", "MOZ",
            "MRT", "MSR", "MTQ", "MUS", "MWI", "MYS", "MYT", "NAM", "NCL", "NER", "NFK", "NGA", "NIC", "NIU", "NLD",
            "NOR", "NPL", "NRU", "NZL", "OMN", "PAK", "PAN", "PCN", "PER", "PHL", "PLW", "PNG", "POL", "PRI", "PRK",
            "PRT", "PRY", "PSE", "PYF", "QAT", "REU", "ROU", "RUS", "RWA", "SAU", "SDN", "SEN", "SGP", "SGS", "SHN",
            "SJM", "SLB", "SLE", "SLV", "SMR", "SOM", "SPM", "SRB", "SSD", "STP", "SUR", "SVK", "SVN", "SWE", "SWZ",
            "SXM", "SYC", "SYR", "TCA", "TCD", "TGO", "THA", "TJK", "TKL", "TKM", "TLS", "TON", "TTO", "TUN", "TUR",
            "TUV", "TWN", "TZA", "UGA", "UKR");

    /** Reporters, partners and HS6 codes per (reporter, partner) of a data set of some size. */
    private record Layout(List<String> reporters, List<String> partners, int perPair) {}

    /**
     * Refuses a size the data set cannot be drawn at (months out of range, more HS6 codes per pair than it draws
     * from), without drawing it: for the command line's checks before anything starts.
     *
     * @throws IllegalArgumentException naming the sizes and what is allowed
     */
    public static void checkSize(long records, int months, double revisionPct) {
        layout(records, months, revisionPct);
    }

    private static Layout layout(long records, int months, double revisionPct) {
        // Only the command line refused these: through the API or BackfillBenchmark#main, --records 0 or -5 drew a
        // data set of three series, and a share out of 0..100 (NaN included) skewed the series count silently.
        if (records < 1) {
            throw new IllegalArgumentException("records must be at least 1: " + records);
        }
        if (!(revisionPct >= 0 && revisionPct <= 100)) {
            throw new IllegalArgumentException("revision share must be 0..100 (percent): " + revisionPct);
        }
        if (months < 1 || months > MAX_MONTHS) {
            throw new IllegalArgumentException("months must be 1.." + MAX_MONTHS + " (" + TradeRecordValidator.MIN_YEAR
                    + "-01 to " + LAST_MONTH + "): " + months);
        }
        List<String> reporters = List.of("USA", "CHN", "DEU");
        List<String> partners = PARTNERS;
        long series = Math.max(1, Math.round(records / (months * (1 + revisionPct / 100.0))));
        int perPair = (int) Math.max(1, Math.ceil(series / (double) (reporters.size() * partners.size())));
        if (series < (long) reporters.size() * partners.size()) { // small runs: fewer partners, one HS6 each
            partners = partners.subList(0, (int) Math.max(1, series / reporters.size()));
            perPair = 1;
        }
        if (perPair > MAX_HS6_CODES) {
            // The draw in ofSize looks for distinct codes until it has perPair of them: with more than exist it never
            // ended, silently, before the run printed anything (--records 20000000 --months 1).
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%,d records over %d months need %,d HS6 codes "
                    + "per (reporter, partner), more than the %,d the data set draws from: fewer records or more months",
                    records, months, perPair, MAX_HS6_CODES));
        }
        return new Layout(reporters, partners, perPair);
    }

    /** A data set of about {@code records} records: series = records / (months x (1 + revisions)). */
    public static BackfillDataSet ofSize(long records, int months, double revisionPct, long seed) {
        Layout layout = layout(records, months, revisionPct);
        List<String> reporters = layout.reporters();
        List<String> partners = layout.partners();
        int perPair = layout.perPair();
        List<String> hs6 = new ArrayList<>(perPair);
        // Membership by hash of the code's number, order by the list, the string formatted only for a new code: the
        // same codes in the same order as before (so a seed gives the same records), but near the limit the draw no
        // longer scans the list for every candidate (all MAX_HS6_CODES codes took 17-24 s when it did: each of
        // ~180,000 headings drawn compared up to 8 codes with up to 23,040; now well under a second).
        Set<Integer> drawn = new HashSet<>(2 * perPair);
        Random r = new Random(seed);
        // Shaped like the nomenclature: HS 2022 has 5,613 subheadings in 1,228 headings (4.6 per heading) and
        // 97 chapters, so a heading is drawn with 1 to 8 of its subheadings (4.5 on average). That matters for
        // the roll-ups: how many parent cells the children share.
        while (hs6.size() < perPair) {
            int chapter = 1 + r.nextInt(96); // HS chapters 01-97 without the reserved 77 (the validator refuses it)
            chapter = chapter >= 77 ? chapter + 1 : chapter;
            int heading = 1 + r.nextInt(30);
            int subheadings = 1 + r.nextInt(8);
            for (int k = 0; k < subheadings && hs6.size() < perPair; k++) {
                int code = chapter * 10_000 + heading * 100 + 10 * (k + 1); // subheadings 10, 20 ... 80
                if (drawn.add(code)) {
                    hs6.add(String.format(Locale.ROOT, "%06d", code));
                }
            }
        }
        return new BackfillDataSet(reporters, List.copyOf(partners), List.copyOf(hs6), months, revisionPct, seed,
                Order.RELEASE);
    }

    public long series() {
        return (long) reporters.size() * partners.size() * hs6Codes.size();
    }

    /** The same records, loaded in {@code order}. */
    public BackfillDataSet inOrder(Order order) {
        return new BackfillDataSet(reporters, partners, hs6Codes, months, revisionPct, seed, order);
    }

    /** Emits every record, in {@link #order}. */
    public void forEach(BiConsumer<SeriesKey, TradeRecord> sink) {
        if (order == Order.RELEASE) {
            generate(Integer.MAX_VALUE, sink);
            return;
        }
        // The values come from one random sequence drawn in release order, so each year's releases are generated
        // again from the start and only that year's are emitted: the same records as RELEASE, at the cost of
        // drawing the earlier years' numbers once per later year (cheap next to loading them).
        for (int year = LAST_MONTH.getYear() + 1; year >= releaseOf(0).getYear(); year--) {
            generate(year, sink);
        }
    }

    /** The release date of the data set's month {@code t}. */
    private LocalDate releaseOf(int t) {
        return LAST_MONTH.minusMonths(months - 1L).plusMonths(t).atDay(1).plusMonths(1).withDayOfMonth(5);
    }

    /**
     * Draws the data set in release order and emits the records of the releases of {@code releaseYear}, or of every
     * release with {@link Integer#MAX_VALUE}.
     */
    private void generate(int releaseYear, BiConsumer<SeriesKey, TradeRecord> sink) {
        boolean all = releaseYear == Integer.MAX_VALUE;
        int n = (int) series();
        double[] level = new double[n];
        double[] trend = new double[n];
        double[] phase = new double[n];
        Random r = new Random(seed);
        for (int i = 0; i < n; i++) {
            level[i] = Math.exp(13.0 + 2.0 * r.nextGaussian());
            trend[i] = 0.05 * r.nextGaussian(); // yearly growth
            phase[i] = r.nextDouble() * 2 * Math.PI;
        }
        SeriesKey[] keys = new SeriesKey[n];
        int i = 0;
        for (String reporter : reporters) {
            for (String partner : partners) {
                for (String hs : hs6Codes) {
                    keys[i++] = new SeriesKey(reporter, partner, Flow.IMPORT, hs);
                }
            }
        }
        long[] previous = new long[n]; // each series' first value of the month before t
        for (int t = 0; t < months; t++) {
            LocalDate period = LAST_MONTH.minusMonths(months - 1L).plusMonths(t).atDay(1);
            LocalDate release = releaseOf(t);
            if (!all && release.getYear() > releaseYear) {
                return; // later releases are emitted by their own year's pass
            }
            boolean emit = all || release.getYear() == releaseYear;
            for (int s = 0; s < n; s++) {
                long value = value(level[s], trend[s], phase[s], t, r);
                if (emit) {
                    sink.accept(keys[s], record(keys[s], period, value, release, 0));
                }
                if (t > 0 && r.nextDouble() * 100 < revisionPct) {
                    // Within +-3 % of the value it revises (the month's first value, released a month ago). Until
                    // 2026-11-29 the revised value was drawn afresh, 15 % noise included, so most revisions moved far
                    // more than 3 % and flipped more signals than real ones. The noise that fresh draw took is still
                    // drawn (and dropped) so the random sequence, hence every first value and which cells are revised,
                    // stays what earlier runs measured: only the revised values changed.
                    r.nextGaussian();
                    long revised = revise(previous[s], r.nextDouble());
                    if (emit) {
                        sink.accept(keys[s], record(keys[s], period.minusMonths(1), revised, release, 1));
                    }
                }
                previous[s] = value;
            }
        }
    }

    private static long value(double level, double trend, double phase, int t, Random r) {
        double seasonal = 1 + 0.12 * Math.sin(2 * Math.PI * t / 12.0 + phase);
        return Math.round(level * seasonal * Math.pow(1 + trend, t / 12.0) * Math.exp(0.15 * r.nextGaussian()));
    }

    /**
     * A revision of {@code first}: {@code first x (0.97 + 0.06 u)} for a uniform {@code u} in [0, 1), rounded to the
     * dollar and kept within +-3 % of {@code first} (rounding alone could leave that band on small values).
     */
    static long revise(long first, double u) {
        long lowest = -Math.floorDiv(-97 * first, 100); // ceil(0.97 x first), exact
        long highest = Math.floorDiv(103 * first, 100);
        return Math.max(lowest, Math.min(highest, Math.round(first * (0.97 + 0.06 * u))));
    }

    private static TradeRecord record(SeriesKey k, LocalDate period, long value, LocalDate release, int revision) {
        return TradeRecord.newBuilder()
                .setReporter(k.getReporter()).setPartner(k.getPartner()).setFlow(k.getFlow()).setCommodity(k.getCommodity())
                .setCommodityLevel(CommodityLevel.HS6)
                .setYear(period.getYear()).setMonth(period.getMonthValue()).setMonths(1)
                .setValue(value).setCurrency("USD").setValuation("CUSTOMS")
                .setSource("BENCH").setVintage(release.toString())
                .setPublishedAt(release.atStartOfDay(ZoneOffset.UTC).toInstant())
                .setRevision(revision)
                .build();
    }
}
