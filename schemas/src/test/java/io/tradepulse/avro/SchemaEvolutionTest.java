package io.tradepulse.avro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.tradepulse.avro.state.AppliedCalendar;
import io.tradepulse.avro.state.HistoryYearKey;
import io.tradepulse.avro.state.RollupCell;
import io.tradepulse.avro.state.RollupChildKey;
import io.tradepulse.avro.state.RollupContribution;
import io.tradepulse.avro.state.SeriesHistory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Objects;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every schema in {@code avro/} against the versions released before it ({@code history/<Name>/v<n>.avsc}, the
 * schema as the serializers register it). What each kind of schema may change, and why, is in
 * {@code history/README.md}; this test is its executable form:
 * <ul>
 *   <li>topic keys: frozen, text included (the registered text decides the schema id, and the id is part of the
 *       key bytes that the partitioner hashes and compaction compares);</li>
 *   <li>topic values: FULL_TRANSITIVE (readers and writers of a topic upgrade independently, and compacted topics
 *       keep records of every version);</li>
 *   <li>internal state read with the current schema as its writer schema: frozen in canonical form;</li>
 *   <li>{@code SeriesHistory} and {@code RollupContribution}: must read what format 1 wrote (v1); later formats are
 *       hand-written codecs with their own version bytes.</li>
 * </ul>
 * And the newest snapshot must be the current schema, so a change to {@code avro/} cannot land without its
 * snapshot: the review of a schema change is the review of a new file in {@code history/}.
 */
class SchemaEvolutionTest {
    private static final Path HISTORY = Path.of("history");

    enum Rule { FROZEN_TEXT, FROZEN_CANONICAL, FULL_TRANSITIVE, READS_V1 }

    /** Every record schema that is written somewhere, with its rule. A new one must be added here (checked). */
    private static final Map<Schema, Rule> RULES = Map.ofEntries(
            Map.entry(SeriesKey.getClassSchema(), Rule.FROZEN_TEXT),
            Map.entry(ChangeKey.getClassSchema(), Rule.FROZEN_TEXT),
            Map.entry(SignalKey.getClassSchema(), Rule.FROZEN_TEXT),
            Map.entry(TradeRecord.getClassSchema(), Rule.FULL_TRANSITIVE),
            Map.entry(TradeChange.getClassSchema(), Rule.FULL_TRANSITIVE),
            Map.entry(TradeSignal.getClassSchema(), Rule.FULL_TRANSITIVE),
            Map.entry(TariffEvent.getClassSchema(), Rule.FULL_TRANSITIVE),
            Map.entry(DeadLetter.getClassSchema(), Rule.FULL_TRANSITIVE),
            Map.entry(RollupCell.getClassSchema(), Rule.READS_V1),
            Map.entry(RollupContribution.getClassSchema(), Rule.READS_V1),
            Map.entry(RollupChildKey.getClassSchema(), Rule.FROZEN_CANONICAL),
            Map.entry(HistoryYearKey.getClassSchema(), Rule.FROZEN_CANONICAL),
            Map.entry(AppliedCalendar.getClassSchema(), Rule.FROZEN_CANONICAL),
            Map.entry(SeriesHistory.getClassSchema(), Rule.READS_V1));

    @TestFactory
    Stream<DynamicTest> everySchemaKeepsItsCompatibilityRule() {
        return RULES.entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.comparing(Schema::getName)))
                .map(e -> DynamicTest.dynamicTest(e.getKey().getName() + " " + e.getValue(),
                        () -> check(e.getKey(), e.getValue(), released(e.getKey().getName()))));
    }

    @TestFactory
    Stream<DynamicTest> theNewestSnapshotIsTheCurrentSchema() {
        return RULES.keySet().stream()
                .sorted(Comparator.comparing(Schema::getName))
                .map(current -> DynamicTest.dynamicTest(current.getName(), () -> {
                    List<Schema> versions = released(current.getName());
                    Schema newest = versions.get(versions.size() - 1);
                    if (!newest.toString().equals(current.toString())) {
                        fail("%s changed without a snapshot: add %s with the schema as registered, "
                                + "Schema.toString(true) of %s.getClassSchema() (history/README.md)",
                                current.getName(), snapshot(current.getName(), versions.size() + 1), current.getFullName());
                    }
                }));
    }

    @Test
    void everyHistoryDirectoryBelongsToARuledSchema() throws IOException {
        Set<String> ruled = RULES.keySet().stream().map(Schema::getName).collect(Collectors.toCollection(TreeSet::new));
        try (Stream<Path> dirs = Files.list(HISTORY)) {
            Set<String> present = dirs.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(present).isEqualTo(ruled);
        }
    }

    // The rules must be able to fail: each of the changes below is one a reviewer could wave through.

    @Test
    void shouldRefuseAFieldWithoutDefaultInATopicValue() {
        Schema changed = withField(TradeChange.getClassSchema(),
                new Schema.Field("unitCode", Schema.create(Schema.Type.STRING), "a new required field"));
        assertThat(violations(changed, Rule.FULL_TRANSITIVE, released("TradeChange")))
                .anyMatch(v -> v.contains("BACKWARD") && v.contains("v1"));
    }

    @Test
    void shouldRefuseRemovingAFieldWithoutDefaultFromATopicValue() {
        Schema changed = withoutField(TradeRecord.getClassSchema(), "vintage");
        assertThat(violations(changed, Rule.FULL_TRANSITIVE, released("TradeRecord")))
                .anyMatch(v -> v.contains("FORWARD"));
    }

    @Test
    void shouldRefuseANewEnumSymbolThatOldReadersCannotRead() {
        // Flow has no enum default, so a reader of the released schema cannot read a record with a new flow.
        Schema changed = new Schema.Parser().parse(TradeRecord.getClassSchema().toString()
                .replace("\"RE_IMPORT\"]", "\"RE_IMPORT\",\"TRANSIT\"]"));
        assertThat(changed.toString()).contains("TRANSIT");
        assertThat(violations(changed, Rule.FULL_TRANSITIVE, released("TradeRecord")))
                .anyMatch(v -> v.contains("FORWARD"));
    }

    @Test
    void shouldAcceptAnOptionalFieldWithDefaultInATopicValue() {
        Schema changed = withField(TradeSignal.getClassSchema(), new Schema.Field("note",
                Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)), "optional",
                Schema.Field.NULL_DEFAULT_VALUE));
        assertThat(violations(changed, Rule.FULL_TRANSITIVE, released("TradeSignal"))).isEmpty();
    }

    @Test
    void shouldRefuseEvenADocumentationChangeToAKeySchema() {
        Schema changed = new Schema.Parser().parse(SeriesKey.getClassSchema().toString()
                .replace("Key of trade.records", "Key of the trade.records topic"));
        assertThat(violations(changed, Rule.FROZEN_TEXT, released("SeriesKey"))).singleElement()
                .asString().contains("schema id");
        // the same change is fine for internal state, whose bytes carry no registered text
        assertThat(violations(changed, Rule.FROZEN_CANONICAL, released("SeriesKey"))).isEmpty();
    }

    @Test
    void shouldRefuseAnyStructuralChangeToInternalState() {
        Schema changed = withField(HistoryYearKey.getClassSchema(), new Schema.Field("note",
                Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)), "optional",
                Schema.Field.NULL_DEFAULT_VALUE));
        assertThat(violations(changed, Rule.FROZEN_CANONICAL, released("HistoryYearKey"))).singleElement()
                .asString().contains("format byte");
    }

    @Test
    void shouldRefuseATimestampThatChangesItsPrecisionInATopicValue() {
        Schema current = TradeRecord.getClassSchema();
        assertThat(current.getField("publishedAt").schema().toString()).contains("timestamp-millis");
        Schema changed = parse(current.toString().replace(
                "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}",
                "{\"type\":\"long\",\"logicalType\":\"timestamp-micros\"}"));
        assertThat(changed.getField("publishedAt").schema().toString()).contains("timestamp-micros");
        assertThat(violations(changed, Rule.FULL_TRANSITIVE, released("TradeRecord")))
                .anyMatch(v -> v.contains("publishedAt") && v.contains("timestamp-millis to timestamp-micros"));
    }

    @Test
    void shouldRefuseADateThatBecomesATimeInInternalState() {
        Schema current = AppliedCalendar.getClassSchema();
        String date = "{\"type\":\"int\",\"logicalType\":\"date\"}";
        assertThat(current.toString()).contains(date);
        Schema changed = parse(current.toString().replace(date, "{\"type\":\"int\",\"logicalType\":\"time-millis\"}"));
        // the canonical form is the same: only the logical type check sees the change
        assertThat(SchemaNormalization.toParsingForm(changed)).isEqualTo(SchemaNormalization.toParsingForm(current));
        assertThat(violations(changed, Rule.FROZEN_CANONICAL, released("AppliedCalendar")))
                .isNotEmpty()
                .allMatch(v -> v.contains("from date to time-millis"));
    }

    @Test
    void shouldRefuseADecimalThatChangesItsScale() {
        Schema decimal = LogicalTypes.decimal(12, 2).addToSchema(Schema.create(Schema.Type.BYTES));
        Schema rescaled = LogicalTypes.decimal(12, 4).addToSchema(Schema.create(Schema.Type.BYTES));
        Schema old = withField(TradeSignal.getClassSchema(), new Schema.Field("amount",
                Schema.createUnion(Schema.create(Schema.Type.NULL), decimal), "optional", Schema.Field.NULL_DEFAULT_VALUE));
        Schema changed = withField(TradeSignal.getClassSchema(), new Schema.Field("amount",
                Schema.createUnion(Schema.create(Schema.Type.NULL), rescaled), "optional", Schema.Field.NULL_DEFAULT_VALUE));
        assertThat(violations(changed, Rule.FULL_TRANSITIVE, List.of(old)))
                .anyMatch(v -> v.contains("amount") && v.contains("decimal(12,2) to decimal(12,4)"));
    }

    @Test
    void shouldRefuseAChangedDefaultOfAFieldThatOlderVersionsLack() {
        List<Schema> released = released("TradeSignal");
        assertThat(released.get(0).getField("months")).as("v1 has no months").isNull();
        String text = TradeSignal.getClassSchema().toString();
        int at = text.indexOf("\"name\":\"months\"");
        assertThat(at).isPositive();
        Schema changed = parse(text.substring(0, at) + text.substring(at).replaceFirst("\"default\":1", "\"default\":0"));
        assertThat(changed.getField("months").defaultVal()).isEqualTo(0);
        // the registry's compatibility check sees nothing wrong
        assertThat(incompatibility(changed, released.get(0))).isNull();
        assertThat(violations(changed, Rule.FULL_TRANSITIVE, released))
                .anyMatch(v -> v.contains("TradeSignal.months") && v.contains("from 1 to 0") && v.contains("v1"));
    }

    @Test
    void shouldAcceptTheReleasedDefaultOfAFieldThatOlderVersionsLack() {
        assertThat(violations(TradeSignal.getClassSchema(), Rule.FULL_TRANSITIVE, released("TradeSignal"))).isEmpty();
    }

    private static Schema parse(String text) {
        return new Schema.Parser().parse(text);
    }

    private static void check(Schema current, Rule rule, List<Schema> released) {
        List<String> violations = violations(current, rule, released);
        assertThat(violations).as("%s (%s) against %s", current.getName(), rule, snapshot(current.getName(), 0).getParent())
                .isEmpty();
    }

    static List<String> violations(Schema current, Rule rule, List<Schema> released) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < released.size(); i++) {
            Schema old = released.get(i);
            String v = "v" + (i + 1);
            switch (rule) {
                case FROZEN_TEXT -> {
                    if (!old.toString().equals(current.toString())) {
                        out.add(v + ": a key schema's registered text changed. The registry gives it a new schema id, "
                                + "the id is in every key's bytes, so the same series would hash to another partition and "
                                + "compacted topics would keep both keys. Keep key schemas as they are.");
                    }
                }
                case FROZEN_CANONICAL -> {
                    if (!SchemaNormalization.toParsingForm(old).equals(SchemaNormalization.toParsingForm(current))) {
                        out.add(v + ": internal state is read with the current schema as its writer schema (format byte 1); "
                                + "a new layout needs a new format byte and the old schema kept as the writer schema of byte 1");
                    }
                    logicalTypeChanges(current, old, v, out);
                }
                case FULL_TRANSITIVE -> {
                    String backward = incompatibility(current, old);
                    if (backward != null) {
                        out.add(v + ": BACKWARD (the new schema cannot read data written with " + v + "): " + backward);
                    }
                    String forward = incompatibility(old, current);
                    if (forward != null) {
                        out.add(v + ": FORWARD (readers on " + v + " cannot read data written with the new schema): " + forward);
                    }
                    logicalTypeChanges(current, old, v, out);
                }
                case READS_V1 -> {
                    String backward = i == 0 ? incompatibility(current, old) : null;
                    if (backward != null) {
                        out.add(v + ": format-1 state entries were written with v1 and must stay readable: " + backward);
                    }
                    if (i == 0) {
                        logicalTypeChanges(current, old, v, out);
                    }
                }
            }
        }
        if (rule == Rule.FULL_TRANSITIVE) {
            changedDefaultsOfAddedFields(current, released, out);
        }
        return out;
    }

    // SchemaCompatibility and the parsing canonical form ignore logical types (timestamp-millis and
    // timestamp-micros are both a long) and default values, so these two checks come on top of them.

    /** Each field's logical type (and a decimal's precision and scale) must be the one {@code old} gave it. */
    static void logicalTypeChanges(Schema current, Schema old, String v, List<String> out) {
        compareLogicalTypes(current, old, current.getName(), v, out, new HashSet<>());
    }

    private static void compareLogicalTypes(Schema current, Schema old, String path, String v, List<String> out,
            Set<String> visited) {
        String now = logicalType(current);
        String then = logicalType(old);
        if (!Objects.equals(now, then)) {
            out.add(v + ": the logical type of " + path + " changed from " + (then == null ? "none" : then) + " to "
                    + (now == null ? "none" : now) + ". The bytes stay the same, so every reader of the other "
                    + "version would misread the value (a timestamp-millis read as timestamp-micros, for example, is off by 1000x). "
                    + "Add a new field instead.");
        }
        if (current.getType() == Schema.Type.UNION || old.getType() == Schema.Type.UNION) {
            for (Schema branch : branches(current)) {
                for (Schema oldBranch : branches(old)) {
                    if (branchKey(branch).equals(branchKey(oldBranch))) {
                        compareLogicalTypes(branch, oldBranch, path, v, out, visited);
                    }
                }
            }
            return;
        }
        if (current.getType() != old.getType()) {
            return; // a type change is for SchemaCompatibility to judge
        }
        switch (current.getType()) {
            case RECORD -> {
                if (!visited.add(current.getFullName() + "|" + old.getFullName())) {
                    return;
                }
                for (Schema.Field f : current.getFields()) {
                    Schema.Field o = oldField(old, f);
                    if (o != null) {
                        compareLogicalTypes(f.schema(), o.schema(), path + "." + f.name(), v, out, visited);
                    }
                }
            }
            case ARRAY -> compareLogicalTypes(current.getElementType(), old.getElementType(), path + "[]", v, out,
                    visited);
            case MAP -> compareLogicalTypes(current.getValueType(), old.getValueType(), path + "{}", v, out, visited);
            default -> { }
        }
    }

    private static String logicalType(Schema s) {
        if (s.getType() == Schema.Type.UNION) {
            return null;
        }
        LogicalType lt = s.getLogicalType();
        if (lt instanceof LogicalTypes.Decimal d) {
            return "decimal(" + d.getPrecision() + "," + d.getScale() + ")";
        }
        if (lt != null) {
            return lt.getName();
        }
        // a logical type Avro does not know (or an invalid one) is still a property its readers may act on
        return s.getProp(LogicalType.LOGICAL_TYPE_PROP);
    }

    private static List<Schema> branches(Schema s) {
        return s.getType() == Schema.Type.UNION ? s.getTypes() : List.of(s);
    }

    private static String branchKey(Schema s) {
        return switch (s.getType()) {
            case RECORD, ENUM, FIXED -> s.getType() + ":" + s.getFullName();
            default -> s.getType().getName();
        };
    }

    private static Schema.Field oldField(Schema oldRecord, Schema.Field field) {
        Schema.Field o = oldRecord.getField(field.name());
        if (o != null) {
            return o;
        }
        for (String alias : field.aliases()) {
            o = oldRecord.getField(alias);
            if (o != null) {
                return o;
            }
        }
        return null;
    }

    /**
     * A field that some released version lacks is read from that version's data with its default, so its default
     * must be the one of every released version that has the field: another default changes how old records read.
     */
    static void changedDefaultsOfAddedFields(Schema current, List<Schema> released, List<String> out) {
        Map<String, Schema.Field> now = fields(current);
        List<Map<String, Schema.Field>> then = released.stream().map(SchemaEvolutionTest::fields).toList();
        for (Map.Entry<String, Schema.Field> e : now.entrySet()) {
            String path = e.getKey();
            List<String> lacking = new ArrayList<>();
            for (int i = 0; i < then.size(); i++) {
                if (!then.get(i).containsKey(path)) {
                    lacking.add("v" + (i + 1));
                }
            }
            if (lacking.isEmpty()) {
                continue;
            }
            for (int i = 0; i < then.size(); i++) {
                Schema.Field o = then.get(i).get(path);
                if (o != null && !sameDefault(e.getValue(), o)) {
                    out.add("v" + (i + 1) + ": the default of " + current.getName() + "." + path + " changed from "
                            + describeDefault(o) + " to " + describeDefault(e.getValue()) + ". Data written with "
                            + String.join(", ", lacking) + " has no " + path + " and is read with the default, "
                            + "so the same old records would read differently. Keep the released default.");
                }
            }
        }
    }

    private static boolean sameDefault(Schema.Field a, Schema.Field b) {
        return a.hasDefaultValue() == b.hasDefaultValue() && Objects.equals(a.defaultVal(), b.defaultVal());
    }

    private static String describeDefault(Schema.Field f) {
        return f.hasDefaultValue() ? String.valueOf(f.defaultVal()) : "none";
    }

    /** Every field of the record and of the records inside it, by path of field names. */
    private static Map<String, Schema.Field> fields(Schema record) {
        Map<String, Schema.Field> out = new LinkedHashMap<>();
        collectFields(record, "", out, new HashSet<>());
        return out;
    }

    private static void collectFields(Schema s, String prefix, Map<String, Schema.Field> out, Set<String> visited) {
        switch (s.getType()) {
            case RECORD -> {
                if (!visited.add(s.getFullName())) {
                    return;
                }
                for (Schema.Field f : s.getFields()) {
                    String path = prefix + f.name();
                    out.putIfAbsent(path, f);
                    collectFields(f.schema(), path + ".", out, visited);
                }
                visited.remove(s.getFullName());
            }
            case ARRAY -> collectFields(s.getElementType(), prefix, out, visited);
            case MAP -> collectFields(s.getValueType(), prefix, out, visited);
            case UNION -> s.getTypes().forEach(b -> collectFields(b, prefix, out, visited));
            default -> { }
        }
    }

    private static String incompatibility(Schema reader, Schema writer) {
        SchemaCompatibility.SchemaPairCompatibility result =
                SchemaCompatibility.checkReaderWriterCompatibility(reader, writer);
        if (result.getType() == SchemaCompatibilityType.COMPATIBLE) {
            return null;
        }
        return result.getResult().getIncompatibilities().stream()
                .map(i -> i.getType() + " at " + i.getLocation() + " (" + i.getMessage() + ")")
                .collect(Collectors.joining("; "));
    }

    static List<Schema> released(String name) {
        List<Schema> out = new ArrayList<>();
        for (int v = 1; Files.exists(snapshot(name, v)); v++) {
            try {
                out.add(new Schema.Parser().parse(Files.readString(snapshot(name, v))));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        assertThat(out).as("snapshots of %s in %s", name, HISTORY.resolve(name).toAbsolutePath()).isNotEmpty();
        return out;
    }

    private static Path snapshot(String name, int version) {
        return HISTORY.resolve(name).resolve("v" + version + ".avsc");
    }

    private static Schema withField(Schema record, Schema.Field added) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : record.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(added);
        return Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false, fields);
    }

    private static Schema withoutField(Schema record, String removed) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : record.getFields()) {
            if (!f.name().equals(removed)) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return Schema.createRecord(record.getName(), record.getDoc(), record.getNamespace(), false, fields);
    }
}
