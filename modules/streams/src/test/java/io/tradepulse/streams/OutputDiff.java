package io.tradepulse.streams;

import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;

/**
 * Compares two final outputs (key to last value) as {@code assertThat(actual).isEqualTo(expected)} does, but fails
 * naming only the keys that differ and, for each, the fields: a failing property run printed both whole tables (5 MB
 * of log) and left the reader to find the difference.
 */
final class OutputDiff {
    private static final int SHOWN = 5;

    private OutputDiff() {
    }

    static <K, V extends SpecificRecord> void assertSameOutputs(Map<K, V> actual, Map<K, V> expected, String what) {
        TreeSet<K> keys = new TreeSet<>(Comparator.comparing(Object::toString));
        keys.addAll(expected.keySet());
        keys.addAll(actual.keySet());
        List<String> differences = new ArrayList<>();
        for (K key : keys) {
            V want = expected.get(key);
            V got = actual.get(key);
            if (!Objects.equals(got, want)) { // the records' own equality, as Map.equals uses it
                differences.add(key + ": " + describe(got, want));
            }
        }
        if (!differences.isEmpty()) {
            fail(differences.size() + " of " + keys.size() + " " + what + " differ"
                    + (differences.size() > SHOWN ? " (the first " + SHOWN + ")" : "") + ":\n  "
                    + String.join("\n  ", differences.subList(0, Math.min(SHOWN, differences.size()))));
        }
    }

    private static String describe(SpecificRecord got, SpecificRecord want) {
        if (want == null) {
            return "not expected, got " + got;
        }
        if (got == null) {
            return "missing, expected " + want;
        }
        List<String> fields = new ArrayList<>();
        for (Schema.Field f : want.getSchema().getFields()) {
            Object w = want.get(f.pos());
            Object g = got.get(f.pos());
            if (!Objects.equals(g, w)) {
                fields.add(f.name() + " expected " + w + " but was " + g);
            }
        }
        return fields.isEmpty() ? "expected " + want + " but was " + got : String.join("; ", fields);
    }
}
