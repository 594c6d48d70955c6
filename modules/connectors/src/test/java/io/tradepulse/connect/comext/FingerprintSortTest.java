package io.tradepulse.connect.comext;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.StreamingCsvReader;
import io.tradepulse.core.CsvReader;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SortedMap;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The on-disk sort gives the fingerprints and the order of the whole-response code (each month's items sorted by
 * content, stable, and digested as one string), whatever the size of its runs, and deletes its files.
 */
class FingerprintSortTest {
  /** An item as the test adds it. */
  record Item(YearMonth month, String content, long index, CsvReader.Row row) {}

  static final String[] PIECES = {"T\u001fEUU\u001fCHN", "B\u001fEmpty OBS_VALUE", "Ünïcödé ✓", "中国", "\uD83D\uDE00",
      "\uD800", "z", "", "a,b"};

  /**
   * Items with few distinct contents (many ties), months out of order, text that UTF-8 would not round-trip, and rows
   * as a response has them: quoted fields, a line break inside one, a byte order mark starting a row (part of its first
   * field there, not a mark to skip).
   */
  static List<Item> items(int n, long seed) throws Exception {
    SplittableRandom rnd = new SplittableRandom(seed);
    StringBuilder csv = new StringBuilder("DATAFLOW,content,i\n");
    List<YearMonth> months = new ArrayList<>();
    List<String> contents = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      months.add(YearMonth.of(2024, 1).plusMonths(rnd.nextInt(14)));
      contents.add(PIECES[rnd.nextInt(PIECES.length)] + "\u001f" + rnd.nextInt(20));
      String dataflow = i % 7 == 0 ? "\uFEFFESTAT" : i % 11 == 0 ? "\"ESTAT\r\n(1.0)\"" : "ESTAT";
      csv.append(dataflow).append(",\"").append(contents.get(i).replace("\"", "\"\"")).append("\",").append(i)
          .append('\n');
    }
    List<Item> out = new ArrayList<>();
    try (StreamingCsvReader rows = new StreamingCsvReader(
        new ByteArrayInputStream(csv.toString().getBytes(StandardCharsets.UTF_8)))) {
      rows.next(); // the header
      for (int i = 0; i < n; i++) {
        out.add(new Item(months.get(i), contents.get(i), i, rows.next()));
      }
    }
    assertThat(out.get(7).row().fields().get(0)).startsWith("\uFEFF");
    return out;
  }

  /** What the whole-response code computed: per month, a stable sort by content, digested as one string. */
  static SortedMap<YearMonth, List<Item>> inMemory(List<Item> items) {
    SortedMap<YearMonth, List<Item>> byMonth = new TreeMap<>();
    for (Item i : items) {
      byMonth.computeIfAbsent(i.month(), m -> new ArrayList<>()).add(i);
    }
    byMonth.values().forEach(l -> l.sort(Comparator.comparing(Item::content)));
    return byMonth;
  }

  static String digest(List<Item> month) {
    StringBuilder all = new StringBuilder();
    month.forEach(i -> all.append(i.content()).append('\u001e'));
    return Digests.of(all.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Whatever the size of its runs, the sort gives the in-memory result and deletes every file it made. */
  void shouldMatchTheInMemorySort(long runBytes) throws Exception {
    List<Path> before = TaskHarness.tempFilesNamed("tradepulse-comext-");
    List<Item> items = items(3_000, runBytes);
    SortedMap<YearMonth, List<Item>> expected = inMemory(items);
    try (FingerprintSort sort = new FingerprintSort(true, runBytes)) {
      for (Item i : items) {
        sort.add(i.month(), i.content(), i.index(), i.row());
      }
      SortedMap<YearMonth, FingerprintSort.MonthPrint> prints = sort.finish();

      assertThat(prints.keySet()).containsExactlyElementsOf(expected.keySet());
      for (YearMonth m : expected.keySet()) {
        assertThat(prints.get(m)).isEqualTo(new FingerprintSort.MonthPrint(digest(expected.get(m)),
            expected.get(m).size()));
        List<String> got = new ArrayList<>();
        try (FingerprintSort.Rows rows = sort.rows(m)) {
          for (CsvReader.Row r = rows.next(); r != null; r = rows.next()) {
            got.add(r.line() + " " + r.fields() + " " + r.text());
            assertThat(r.fields()).isUnmodifiable();
          }
        }
        assertThat(got).as("rows of " + m + " in fingerprint order, as read").containsExactlyElementsOf(
            expected.get(m).stream().map(i -> i.row().line() + " " + i.row().fields() + " " + i.row().text()).toList());
      }
      try (FingerprintSort.Rows none = sort.rows(YearMonth.of(2030, 1))) {
        assertThat(none.next()).isNull();
      }
    }
    assertThat(TaskHarness.tempFilesNamed("tradepulse-comext-")).as("close() deletes every file")
        .containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void shouldSortAndFingerprintLikeTheWholeResponseCodeInOneRun() throws Exception {
    shouldMatchTheInMemorySort(FingerprintSort.RUN_BYTES);
  }

  @Test
  void shouldSortAndFingerprintLikeTheWholeResponseCodeOverSpilledRuns() throws Exception {
    shouldMatchTheInMemorySort(40_000); // some 30 runs: one merge
  }

  @Test
  void shouldSortAndFingerprintLikeTheWholeResponseCodeOverSeveralMergeRounds() throws Exception {
    shouldMatchTheInMemorySort(1); // one entry a run: 3,000 runs, merged 64 at a time in rounds
  }

  @Test
  void shouldLeaveNoFileWhenAMergeRoundFails() throws Exception {
    List<Path> before = TaskHarness.tempFilesNamed("tradepulse-comext-");
    List<Item> items = items(200, 2);
    FingerprintSort sort = new FingerprintSort(true, 1); // 200 runs: three merge rounds of 64 before the last merge
    for (Item i : items) {
      sort.add(i.month(), i.content(), i.index(), i.row());
    }
    // The oldest run is in the first round: without it that round fails (as on a full or failing disk).
    List<Path> made = TaskHarness.tempFilesMadeSince("tradepulse-comext-", before);
    made.sort(Comparator.comparing((Path f) -> {
      try {
        return java.nio.file.Files.getLastModifiedTime(f);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }));
    java.nio.file.Files.delete(made.get(0));

    org.assertj.core.api.Assertions.assertThatThrownBy(sort::finish).isInstanceOf(java.io.IOException.class);
    sort.close(); // what the source task does with a scan that failed
    assertThat(TaskHarness.tempFilesNamed("tradepulse-comext-")).as("the failed round's other runs too")
        .containsExactlyInAnyOrderElementsOf(before);
  }

  @Test
  void shouldFingerprintWithoutAnyFileWhenRowsAreNotKeptAndTheItemsFitInOneRun() throws Exception {
    List<Path> before = TaskHarness.tempFilesNamed("tradepulse-comext-");
    List<Item> items = items(500, 1);
    try (FingerprintSort sort = new FingerprintSort(false)) {
      for (Item i : items) {
        sort.add(i.month(), i.content(), i.index(), i.row());
      }
      SortedMap<YearMonth, FingerprintSort.MonthPrint> prints = sort.finish();
      assertThat(TaskHarness.tempFilesNamed("tradepulse-comext-")).containsExactlyInAnyOrderElementsOf(before);
      inMemory(items).forEach((m, l) -> assertThat(prints.get(m).digest()).isEqualTo(digest(l)));
    }
  }
}
