package io.tradepulse.connect.comext;

import static org.assertj.core.api.Assertions.assertThat;

import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.JdkPageFetcher;
import io.tradepulse.testsupport.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.source.SourceRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bulk file read as a stream gives exactly the records (topic, key, value, headers, source partition and
 * offset) that the whole-file byte[] path gave. EXPECTED was produced by this test's rendering on the parent
 * commit (the byte[] path), so any difference in what is emitted shows here. Since 2026-11-30 the offsets also carry
 * the fingerprint of the dead letters sent ({@code dead_letters_sent}, {@code dead_letters}); nothing else changed.
 * Since 2026-12-03 the line of FLOW 3 is a dead letter (the flows filter counted it as skipped), and the offsets after
 * it count it.
 */
class ComextBulkStreamingTest {
  @TempDir Path dir;

  static final String BULK_HEADER = ComextSourceTaskTest.BULK_HEADER.replace("\n", "\r\n");

  /**
   * BOM, CRLF, a quoted comma, sums over procedures, rounding, and every kind of dead letter and skip. The last row's
   * negative VALUE_EUR (-5) went out as a figure until negative amounts became dead letters at the connector.
   */
  static final String FILE = "\uFEFF" + BULK_HEADER
      + "DE,CN,E,72042110,\"282,21\",241010,241010,22,21,XV,1,1,NO_SU,202505,1000.5,1000,20,0\r\n"
      + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,2,NO_SU,202505,234.5,234,5,0\r\n"
      + "FR,US,E,85011010,716.31,271110,271110,41,41,XVI,2,1,NO_SU,202505,13.5,13,1,0\r\n"
      + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202504,500,500,10,0\r\n"
      + "\r\n"
      + "DE,XX,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,7,7,1,0\r\n"
      + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,2,1,NO_SU,202505,n/a,,1,0\r\n"
      + "DE,EU27_2020_EXTRA,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,9999,9999,1,0\r\n"
      + "ZZ,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,1,1,1,0\r\n"
      + "DE,CN,E,7204XXXX,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,2,2,1,0\r\n"
      + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,3,1,NO_SU,202505,3,3,1,0\r\n"
      + "DE,US,E,72042110,282.21,241010,241010,22,21,XV,2,1,NO_SU,2025M5,4,4,1,0\r\n"
      + "FR,US,E,85011010,716.31,271110,271110,41,41,XVI,2,3,NO_SU,202505,12.5,12,1,0\r\n"
      + "DE,CN,E,TOTAL,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,42,42,1,0\r\n"
      + "FR,JP,E,85011010,716.31,271110,271110,41,41,XVI,1,1,NO_SU,202505,-5,-5,1,0";

  static final List<String> EXPECTED = List.of(
      "trade.dlq | DIR/full_v2_202505.csv#line 8 | {stage=INGEST;reason=Non-numeric VALUE_EUR 'n/a' on line 8: series REPORTER=DE PARTNER=CN PRODUCT_NC=72042110 FLOW=2 PERIOD=202505 not emitted (a sum without it would pass for the total);errorClass=null;source=DIR/full_v2_202505.csv;position=line 8;originTopic=null;originPartition=null;originOffset=null;rawKey=null;rawValue=b'DE,CN,E,72042110,282.21,241010,241010,22,21,XV,2,1,NO_SU,202505,n/a,,1,0';occurredAt=2025-07-16T09:00:00Z;} | | {location=DIR/full_v2_202505.csv, source=comext} | {complete=false, dead_letters_sent=1:22d68f7bd21d1d05, digest=0d475f0bdd7024c3, rows_done=1}",
      "trade.dlq | DIR/full_v2_202505.csv#line 16 | {stage=INGEST;reason=VALUE_EUR '-5' is negative (a trade value never is) on line 16: series REPORTER=FR PARTNER=JP PRODUCT_NC=85011010 FLOW=1 PERIOD=202505 not emitted (a sum without it would pass for the total);errorClass=null;source=DIR/full_v2_202505.csv;position=line 16;originTopic=null;originPartition=null;originOffset=null;rawKey=null;rawValue=b'FR,JP,E,85011010,716.31,271110,271110,41,41,XVI,1,1,NO_SU,202505,-5,-5,1,0';occurredAt=2025-07-16T09:00:00Z;} | | {location=DIR/full_v2_202505.csv, source=comext} | {complete=false, dead_letters_sent=2:ccf56c97224df60b, digest=0d475f0bdd7024c3, rows_done=2}",
      "trade.records | {reporter=DEU;partner=CHN;flow=IMPORT;commodity=72042110;} | {reporter=DEU;partner=CHN;flow=IMPORT;commodity=72042110;commodityLevel=HS8;year=2025;month=5;months=1;value=1234;currency=EUR;valuation=CIF;reportedYoyPct=null;source=COMEXT;sourceRef=DIR/full_v2_202505.csv;vintage=COMEXT bulk full_v2_202505.csv;publishedAt=2025-07-16T09:00:00Z;revision=0;note=null;derivedFrom=null;quality=PUBLISHED;} | | {location=DIR/full_v2_202505.csv, source=comext} | {complete=false, dead_letters_sent=2:ccf56c97224df60b, digest=0d475f0bdd7024c3, rows_done=3}",
      "trade.records | {reporter=FRA;partner=USA;flow=EXPORT;commodity=85011010;} | {reporter=FRA;partner=USA;flow=EXPORT;commodity=85011010;commodityLevel=HS8;year=2025;month=5;months=1;value=26;currency=EUR;valuation=FOB;reportedYoyPct=null;source=COMEXT;sourceRef=DIR/full_v2_202505.csv;vintage=COMEXT bulk full_v2_202505.csv;publishedAt=2025-07-16T09:00:00Z;revision=0;note=null;derivedFrom=null;quality=PUBLISHED;} | | {location=DIR/full_v2_202505.csv, source=comext} | {complete=false, dead_letters_sent=2:ccf56c97224df60b, digest=0d475f0bdd7024c3, rows_done=4}",
      "trade.records | {reporter=DEU;partner=CHN;flow=IMPORT;commodity=72042110;} | {reporter=DEU;partner=CHN;flow=IMPORT;commodity=72042110;commodityLevel=HS8;year=2025;month=4;months=1;value=500;currency=EUR;valuation=CIF;reportedYoyPct=null;source=COMEXT;sourceRef=DIR/full_v2_202505.csv;vintage=COMEXT bulk full_v2_202505.csv;publishedAt=2025-06-15T09:00:00Z;revision=0;note=null;derivedFrom=null;quality=PUBLISHED;} | | {location=DIR/full_v2_202505.csv, source=comext} | {complete=false, dead_letters_sent=2:ccf56c97224df60b, digest=0d475f0bdd7024c3, rows_done=5}",
      "trade.dlq | DIR/full_v2_202505.csv#line 7 | {stage=INGEST;reason=Unknown Comext partner 'XX';errorClass=null;source=DIR/full_v2_202505.csv;position=line 7;originTopic=null;originPartition=null;originOffset=null;rawKey=null;rawValue=b'DE,XX,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,7,7,1,0';occurredAt=2025-07-16T09:00:00Z;} | | {location=DIR/full_v2_202505.csv, source=comext} | {complete=false, dead_letters_sent=3:8ce2c8a7051a2e53, digest=0d475f0bdd7024c3, rows_done=6}",
      "trade.dlq | DIR/full_v2_202505.csv#line 10 | {stage=INGEST;reason=Unknown Comext reporter 'ZZ';errorClass=null;source=DIR/full_v2_202505.csv;position=line 10;originTopic=null;originPartition=null;originOffset=null;rawKey=null;rawValue=b'ZZ,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,1,1,1,0';occurredAt=2025-07-16T09:00:00Z;} | | {location=DIR/full_v2_202505.csv, source=comext} | {complete=false, dead_letters_sent=4:c5ad9b6d546da108, digest=0d475f0bdd7024c3, rows_done=7}",
      "trade.dlq | DIR/full_v2_202505.csv#line 11 | {stage=INGEST;reason=Confidential product line '7204XXXX': trade of CN8 codes kept confidential, published only as a total under 7204 (no code to emit it under), VALUE_EUR 2 summed over its lines; not an error to fix;errorClass=null;source=DIR/full_v2_202505.csv;position=line 11;originTopic=null;originPartition=null;originOffset=null;rawKey=null;rawValue=b'DE,CN,E,7204XXXX,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,2,2,1,0';occurredAt=2025-07-16T09:00:00Z;} | | {location=DIR/full_v2_202505.csv, source=comext} | {complete=false, dead_letters_sent=5:66c826067a3b0680, digest=0d475f0bdd7024c3, rows_done=8}",
      "trade.dlq | DIR/full_v2_202505.csv#line 12 | {stage=INGEST;reason=Unknown Comext flow '3' (1 import, 2 export);errorClass=null;source=DIR/full_v2_202505.csv;position=line 12;originTopic=null;originPartition=null;originOffset=null;rawKey=null;rawValue=b'DE,CN,E,72042110,282.21,241010,241010,22,21,XV,3,1,NO_SU,202505,3,3,1,0';occurredAt=2025-07-16T09:00:00Z;} | | {location=DIR/full_v2_202505.csv, source=comext} | {complete=false, dead_letters_sent=6:250aff1c15638189, digest=0d475f0bdd7024c3, rows_done=9}",
      "trade.dlq | DIR/full_v2_202505.csv#line 13 | {stage=INGEST;reason=Unreadable PERIOD '2025M5' (yyyyMM);errorClass=null;source=DIR/full_v2_202505.csv;position=line 13;originTopic=null;originPartition=null;originOffset=null;rawKey=null;rawValue=b'DE,US,E,72042110,282.21,241010,241010,22,21,XV,2,1,NO_SU,2025M5,4,4,1,0';occurredAt=2025-07-16T09:00:00Z;} | | {location=DIR/full_v2_202505.csv, source=comext} | {complete=false, dead_letters_sent=7:839424b0986ab89c, digest=0d475f0bdd7024c3, rows_done=10}",
      "trade.records | {reporter=DEU;partner=CHN;flow=IMPORT;commodity=TOTAL;} | {reporter=DEU;partner=CHN;flow=IMPORT;commodity=TOTAL;commodityLevel=TOTAL;year=2025;month=5;months=1;value=42;currency=EUR;valuation=CIF;reportedYoyPct=null;source=COMEXT;sourceRef=DIR/full_v2_202505.csv;vintage=COMEXT bulk full_v2_202505.csv;publishedAt=2025-07-16T09:00:00Z;revision=0;note=null;derivedFrom=null;quality=PUBLISHED;} | | {location=DIR/full_v2_202505.csv, source=comext} | {complete=true, dead_letters=41747fa3dbbd591c, digest=0d475f0bdd7024c3, rows_done=11}"
);

  Map<String, String> props(Path csv, String batch) {
    Map<String, String> p = new HashMap<>();
    p.put("name", "comext-stream-" + System.nanoTime());
    p.put(ComextConfig.MODE_CONFIG, "BULK");
    p.put(ComextConfig.FILES_CONFIG, csv.toString());
    p.put(ComextConfig.REPORTERS_CONFIG, "");
    p.put(ComextConfig.PRODUCTS_CONFIG, "");
    p.put("poll.interval.ms", "10");
    p.put("batch.max.records", batch);
    // FILE ends without a line break and is written just before it is read: read at once, as the tests expect.
    p.put(ComextConfig.BULK_SETTLE_CONFIG, "0");
    return p;
  }

  static ComextBulkSourceTask start(TaskHarness harness, Map<String, String> props) {
    return harness.start(new ComextBulkSourceTask(), props);
  }

  /** The one record a bulk file with this content gives (a whole-file dead letter in the tests using it). */
  Struct onlyRecordOf(CharSequence body) throws Exception {
    Path csv = Files.writeString(dir.resolve("full_v2_202505.csv"), body);
    TaskHarness harness = new TaskHarness();
    ComextBulkSourceTask task = start(harness, props(csv, "2000"));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();
    assertThat(rs).singleElement().satisfies(r -> assertThat(r.topic()).isEqualTo("trade.dlq"));
    return (Struct) rs.get(0).value();
  }

  @Test
  void shouldEmitExactlyTheRecordsOfTheWholeFilePathWhenStreamingABulkFile() throws Exception {
    Path csv = Files.write(dir.resolve("full_v2_202505.csv"), FILE.getBytes(StandardCharsets.UTF_8));
    TaskHarness harness = new TaskHarness();
    ComextBulkSourceTask task = start(harness, props(csv, "2000"));
    List<String> got = harness.drain(task).stream().map(this::show).toList();
    task.stop();
    if (System.getenv("PRINT_EXPECTED") != null) {
      got.forEach(g -> System.out.println("EXPECTED>" + g));
    }
    assertThat(got).containsExactlyElementsOf(EXPECTED);
  }

  @Test
  void shouldResumeAStreamedBulkFileAfterTheLastCommittedRecordWithOneRecordPerPoll() throws Exception {
    Path csv = Files.write(dir.resolve("full_v2_202505.csv"), FILE.getBytes(StandardCharsets.UTF_8));
    TaskHarness harness = new TaskHarness();
    Map<String, String> props = props(csv, "1");
    ComextBulkSourceTask first = start(harness, props);
    List<String> got = new ArrayList<>(harness.take(first, 4).stream().map(this::show).toList());
    // no stop(): a crash after four committed records
    ComextBulkSourceTask second = start(harness, props);
    got.addAll(harness.drain(second).stream().map(this::show).toList());
    second.stop();
    assertThat(got).containsExactlyElementsOf(EXPECTED);
  }

  @Test
  void shouldDeadLetterAWrongHeaderWithTheWholeFileAsRawValue() throws Exception {
    String body = "REPORTER,PARTNER,PRODUCT,FLOW\nDE,CN,72042110,1\n";
    Struct v = onlyRecordOf(body);
    assertThat(v.getString("reason")).startsWith("Unexpected Comext bulk header");
    assertThat(new String(v.getBytes("rawValue"), StandardCharsets.UTF_8)).isEqualTo(body);
  }

  @Test
  void shouldCutTheRawValueOfALargeWrongFileToWhatOneRecordCanCarryAndSaySo() throws Exception {
    StringBuilder body = new StringBuilder("REPORTER,PARTNER,PRODUCT,FLOW\n");
    while (body.length() <= BadRow.MAX_WHOLE_RAW_BYTES) {
      body.append("DE,CN,72042110,1\n");
    }
    Struct v = onlyRecordOf(body);
    assertThat(v.getString("reason")).contains("raw value cut to 524288 of " + body.length() + " bytes");
    assertThat(v.getBytes("rawValue")).hasSize(BadRow.MAX_WHOLE_RAW_BYTES)
        .isEqualTo(body.substring(0, BadRow.MAX_WHOLE_RAW_BYTES).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void shouldNotReadAnUnchangedBulkFileAgainAtTheNextCheck() throws Exception {
    Path csv = Files.write(dir.resolve("full_v2_202505.csv"), FILE.getBytes(StandardCharsets.UTF_8));
    Files.setLastModifiedTime(csv, FileTime.from(Instant.now().minus(1, ChronoUnit.HOURS))); // extracted earlier
    TaskHarness harness = new TaskHarness();
    MutableClock clock = new MutableClock(Instant.parse("2025-07-20T00:00:00Z"));
    ComextBulkSourceTask task = new ComextBulkSourceTask();
    task.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    harness.start(task, props(csv, "2000"));
    assertThat(harness.drain(task)).hasSize(EXPECTED.size());
    long read = task.metrics().payloadBytesRead();
    assertThat(read).as("its digest, then its parse").isEqualTo(2 * Files.size(csv));

    clock.advance(Duration.ofHours(1)); // poll.interval.ms later: every file is checked again
    assertThat(harness.drain(task)).isEmpty();
    assertThat(task.metrics().payloadBytesRead()).as("not read: same size, mtime, inode and ctime").isEqualTo(read);
    task.stop();
  }

  /** Everything a record carries, maps sorted (Map.of iterates in a per-JVM order), the temp dir as "DIR". */
  String show(SourceRecord r) {
    return TaskHarness.renderAll(r).replace(dir.toString(), "DIR");
  }

  @Test
  void shouldDeadLetterALineLongerThanTheLimitWithItsSeriesMonthWhenItsKeyCanBeReadElseOnItsOwn() throws Exception {
    // Its key cut off (a long PRODUCT_SITC): the line alone is a dead letter, its series cannot be known.
    String unattributable = "DE,CN,E,72042110," + "9".repeat(1_200_000) + ",241010,241010,22,21,XV,1,1,NO_SU,202505,7,7,1,0";
    // Its key whole in its first bytes (a long QUANTITY_KG): its series and month is not emitted, as for a bad value.
    String attributable = "DE,US,E,72042110,282.21,241010,241010,22,21,XV,2,1,NO_SU,202505,50,50," + "9".repeat(1_200_000)
        + ",0";
    Path csv = Files.writeString(dir.resolve("full_v2_202505.csv"), BULK_HEADER
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,1,NO_SU,202505,1000,1000,20,0\r\n"
        + unattributable + "\r\n"
        + "DE,US,E,72042110,282.21,241010,241010,22,21,XV,2,1,NO_SU,202505,60,60,1,0\r\n"
        + attributable + "\r\n"
        + "DE,CN,E,72042110,282.21,241010,241010,22,21,XV,1,2,NO_SU,202505,234,234,5,0\r\n");
    TaskHarness harness = new TaskHarness();
    ComextBulkSourceTask task = start(harness, props(csv, "2000"));
    List<SourceRecord> rs = harness.drain(task);
    task.stop();

    assertThat(rs).extracting(SourceRecord::topic).containsExactly("trade.dlq", "trade.dlq", "trade.records");
    Struct alone = (Struct) rs.get(0).value();
    assertThat(alone.getString("reason")).startsWith("Record longer than 1048576 bytes: not read");
    assertThat(alone.getString("position")).isEqualTo("line 3");
    assertThat(alone.getBytes("rawValue")).hasSize(524_288);
    Struct series = (Struct) rs.get(1).value();
    assertThat(series.getString("reason")).isEqualTo("Record longer than 1048576 bytes on line 5: series REPORTER=DE "
        + "PARTNER=US PRODUCT_NC=72042110 FLOW=2 PERIOD=202505 not emitted (a sum without it would pass for the total)");
    assertThat(series.getBytes("rawValue")).hasSize(524_288);
    assertThat(((Struct) rs.get(2).value()).getInt64("value")).isEqualTo(1234L);
  }
}
