package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeChange;
import io.tradepulse.avro.TradeRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * Roll-ups under arrival order, duplicates and revisions, with both dimensions on: the derived cells end up
 * exactly as if only the final figures had been fed in order, and every derived TOTAL/WLD equals the plain sum
 * of the final HS6 figures (an oracle independent of the topology).
 */
class RollupPropertiesTest {
    private static final String[] CODES = {"851713", "851762", "852852", "847130", "720851"};
    private static final String[] PARTNERS = {"CHN", "MEX", "VNM"};

    @Property(tries = 25)
    void shouldDeriveTheSumOfTheFinalFiguresWhateverTheArrivalOrderRevisionsAndDuplicates(@ForAll long seed) {
        Random random = new Random(seed);
        List<TradeRecord> all = new ArrayList<>();
        Map<String, TradeRecord> finals = new HashMap<>();
        for (String partner : PARTNERS) {
            for (String code : CODES) {
                if (random.nextInt(4) == 0) {
                    continue; // not every partner trades every code
                }
                SeriesKey s = new SeriesKey("USA", partner, Flow.IMPORT, code);
                for (int month = 1; month <= 3; month++) {
                    int revisions = 1 + random.nextInt(3);
                    for (int r = 0; r < revisions; r++) {
                        TradeRecord rec = RollupsTest.hs(s, 2025, month, (long) random.nextInt(1_000_000),
                                "2025-0" + (month + 1 + r) + "-05");
                        all.add(rec);
                        finals.put(partner + code + month, rec); // later publication wins
                    }
                }
            }
        }
        List<TradeRecord> shuffled = new ArrayList<>(all);
        for (int i = 0; i < 10; i++) {
            shuffled.add(all.get(random.nextInt(all.size())));
        }
        Collections.shuffle(shuffled, random);

        Map<ChangeKey, TradeChange> reference = run(new ArrayList<>(finals.values()));
        Map<ChangeKey, TradeChange> outcome = run(shuffled);
        assertThat(outcome).isEqualTo(reference);

        for (int month = 1; month <= 3; month++) {
            long sum = 0;
            for (TradeRecord r : finals.values()) {
                sum += r.getMonth() == month ? r.getValue() : 0;
            }
            SeriesKey world = new SeriesKey("USA", "WLD", Flow.IMPORT, "TOTAL");
            TradeChange total = outcome.get(TopologyFixture.cell(world, 2025, month));
            if (sum > 0 || total != null) {
                assertThat(total.getValue()).as("TOTAL/WLD 2025-%d", month).isEqualTo(sum);
                assertThat(total.getDerivedFrom()).isNotNull();
            }
        }
    }

    private static Map<ChangeKey, TradeChange> run(List<TradeRecord> records) {
        try (TopologyFixture f = new TopologyFixture(new RollupConfig(true, true))) {
            records.forEach(f::pipe);
            return f.table();
        }
    }
}
