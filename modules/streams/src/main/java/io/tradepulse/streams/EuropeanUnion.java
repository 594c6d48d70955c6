package io.tradepulse.streams;

import io.tradepulse.core.Economies;
import java.util.HashSet;
import java.util.Set;

/**
 * The European Union as the trade statistics name it (EUU: Comext's {@code EU27_2020} and Comtrade's {@code 97} map
 * to it), and its member states. The one list of them: {@link TradeRecordValidator#AGGREGATES} takes the code from
 * here, and {@link TariffCalendar} reads a tariff event imposed by or on the EU as one at every member state's border:
 * the EU is a customs union, its duties are levied by each member state's customs, and a duty on EU goods applies
 * to each member state's goods.
 */
final class EuropeanUnion {
    /** The EU-27 aggregate, as reporter or partner. */
    static final String CODE = Economies.EUROPEAN_UNION;

    /**
     * The 27 member states since the United Kingdom left on 2020-02-01, as ISO 3166-1 alpha-3 codes: the composition
     * Eurostat calls EU27_2020. Source: europa.eu, "EU countries"
     * (https://european-union.europa.eu/principles-countries-history/eu-countries_en). Earlier compositions are not
     * modelled (an EU event dated before 2020-02-01 does not reach GBR series); a new member is added here.
     */
    static final Set<String> MEMBERS = Set.of(
            "AUT", "BEL", "BGR", "HRV", "CYP", "CZE", "DNK", "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "IRL",
            "ITA", "LVA", "LTU", "LUX", "MLT", "NLD", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE");

    private static final Set<String> EU_AND_MEMBERS = withCode(MEMBERS);

    private EuropeanUnion() {
    }

    /** The economies whose borders a tariff event of {@code code} concerns: the EU and its members, or the economy alone. */
    static Set<String> economiesOf(String code) {
        return CODE.equals(code) ? EU_AND_MEMBERS : Set.of(code);
    }

    private static Set<String> withCode(Set<String> members) {
        Set<String> all = new HashSet<>(members);
        all.add(CODE);
        return Set.copyOf(all);
    }
}
