package io.tradepulse.core;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * The economies a series' reporter and partner may name: ISO 3166-1 alpha-3 codes (the JDK's table), the aggregates
 * the connectors emit and the user-assigned code for Kosovo. The one list of them: the processor's validator refuses
 * a record naming anything else, and the tariff calendar's ingest refuses an event that could then match no series.
 */
public final class Economies {
    /** The world: a reporter's trade with every partner (and the partner of world roll-ups). */
    public static final String WORLD = "WLD";
    /** The European Union as one economy (Comext's EU27_2020, Comtrade's 97). */
    public static final String EUROPEAN_UNION = "EUU";
    /** Kosovo: no ISO 3166-1 code; XKX is the user-assigned code Comtrade, Eurostat and the World Bank use. */
    public static final String KOSOVO = "XKX";
    /** The economies that are groups of other economies: a world roll-up must not count their members twice. */
    public static final Set<String> AGGREGATES = Set.of(WORLD, EUROPEAN_UNION);
    /** Every code a series may name. */
    public static final Set<String> ALL = all();

    private Economies() {
    }

    /** Whether {@code code} names an economy a series may have (case-sensitive: codes are upper case). */
    public static boolean isEconomy(String code) {
        return ALL.contains(code);
    }

    private static Set<String> all() {
        Set<String> codes = new HashSet<>(Locale.getISOCountries(Locale.IsoCountryCode.PART1_ALPHA3));
        codes.addAll(AGGREGATES);
        codes.add(KOSOVO);
        return Set.copyOf(codes);
    }
}
