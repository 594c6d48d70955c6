package io.tradepulse.connect.comtrade;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.connect.common.BadRow;
import io.tradepulse.connect.common.CodeTable;
import io.tradepulse.connect.common.Digests;
import io.tradepulse.connect.common.Hs;
import io.tradepulse.connect.common.ItemStream;
import io.tradepulse.connect.common.JsonItems;
import io.tradepulse.connect.common.NumberCells;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.ParsedItem;
import io.tradepulse.connect.common.Payload;
import io.tradepulse.connect.common.PayloadParser;
import io.tradepulse.connect.common.TradeRow;
import io.tradepulse.connect.common.UnreadablePayloadException;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Parses a Comtrade v1 response {@code {"elapsedTime":..,"count":n,"data":[{...}],"error":""}}.
 * M49 codes map to ISO alpha-3 through the shipped table (unknown = dead letter); flow codes X, M, RX, RM
 * map to EXPORT, IMPORT, RE_EXPORT, RE_IMPORT (others, e.g. DX, are dead letters); primaryValue is rounded
 * half-even to whole USD, its valuation CIF or FOB as {@link #valuation} tells; isAggregate/isLeaf/aggrLevel are kept in {@code note} since TradeRecord has no
 * field for them. publishedAt is derived (the API gives no release date): the first day of the second month
 * after the period, UTC; vintage "COMTRADE yyyyMM". isReported and isAggregate give {@code quality} ({@link #quality}).
 */
public final class ComtradeParser implements PayloadParser<String> {
  private final CodeTable m49;

  public ComtradeParser(CodeTable m49) {
    this.m49 = m49;
  }

  @Override
  public Parsed parse(byte[] payload, String sourceRef) {
    return ItemStream.collectDocument(new Rows(Payload.of(payload), sourceRef, null, null, Set.of()), payload,
        sourceRef, "payload");
  }

  /**
   * A page read as a stream (a page is up to 100,000 records of some 900 bytes): first read through once, keeping
   * nothing, because a fault anywhere (an {@code error} after the data, a malformed body) makes the whole payload one
   * dead letter (a body that ends inside its document never comes here: cut in transit, it is fetched again, see
   * StreamingJson#requireComplete), and because the task decides on the page's {@link Page#count()},
   * {@link Page#newestPeriod()} and
   * {@link Page#periodDigests()} before emitting anything; then parsed lazily from a second read, one record at a time.
   *
   * @param asked the periods the call asked: a record of another is a dead letter, in no period, and no figure (see
   *     {@link #strayPeriod}); null: any period (a look-back page, read for the periods it re-emits only)
   * @throws IOException when the payload cannot be read (not when it is malformed: that is the dead letter)
   */
  Page open(Payload payload, String sourceRef, Set<YearMonth> asked) throws IOException {
    Rows first = new Rows(payload, sourceRef, null, asked, Set.of());
    first.fingerprint = Digests.incremental();
    first.periodPrints = new TreeMap<>();
    first.badPrints = new TreeMap<>();
    BadRow whole = ItemStream.checkDocument(first, payload, sourceRef, "payload");
    if (whole != null) {
      return new Page(first.count, null, null, Map.of(), Map.of(), ItemStream.of(Parsed.whollyBad(whole)),
          Digests.of(("whole " + whole.reason()).getBytes(StandardCharsets.UTF_8)));
    }
    Map<YearMonth, String> periods = new TreeMap<>();
    first.periodPrints.forEach((m, d) -> periods.put(m, d.finish()));
    Map<YearMonth, String> bad = new TreeMap<>();
    first.badPrints.forEach((m, d) -> bad.put(m, d.finish()));
    return new Page(first.count, first.newest, first.fingerprint.finish(), periods, bad,
        new Rows(payload, sourceRef, null, asked, Set.of()), null);
  }

  /**
   * The items of a page {@link #open} found readable, read lazily, but for the dead letters of {@code quiet}: what a
   * new-period call emits of it.
   *
   * @param asked the periods the call asked, as for {@link #open}
   * @param quiet periods whose dead letters are left out: an earlier page of the same cursor sent them all
   *     ({@link Page#badRowDigests}); they are not counted as skipped either
   */
  ItemStream items(Payload payload, String sourceRef, Set<YearMonth> asked, Set<YearMonth> quiet) {
    return new Rows(payload, sourceRef, null, asked, Set.copyOf(quiet));
  }

  /**
   * The items of the records of {@code periods} only, read lazily from a page {@link #open} found readable: what the
   * look-back re-emits of it. Records of other periods, and records without a readable period, are read past and not
   * counted as skipped.
   *
   * @param quiet periods whose dead letters are left out: they were all sent before, with the period's earlier
   *     emission ({@link Page#badRowDigests}); they are not counted as skipped either
   */
  ItemStream periodItems(Payload payload, String sourceRef, Set<YearMonth> periods, Set<YearMonth> quiet) {
    return new Rows(payload, sourceRef, Set.copyOf(periods), null, Set.copyOf(quiet));
  }

  /**
   * The items of a page, and what its first read found.
   *
   * @param count the {@code count} the page reports (0 if none), as read before any fault; equal to maxRecords
   *     means the page was cut
   * @param newestPeriod the newest period of its figures; null if it has none (or is one dead letter)
   * @param dataDigest fingerprint of the elements of {@code data[]} exactly as sent, and of nothing else: the rest of
   *     the body changes from call to call for the same data (the API reports its own {@code elapsedTime}), so a
   *     digest of the whole body would never match the page a restart asks again, and the page would be re-emitted
   *     in full. Null for a page that is one dead letter.
   * @param periodDigests per period, the fingerprint of its records that are totals ({@link #isTotal}), whatever their
   *     order in {@code data[]} ({@link Digests#unordered()}): the same period asked in another window, or again a day
   *     later, need not come in the same order, and a changed order is no revision. Records without a readable period
   *     are in no period. Empty for a page that is one dead letter.
   * @param badRowDigests per period, the fingerprint of the dead letters among those records (their reason and raw
   *     bytes, {@link BadRow#content()}), whatever their order; periods without any are absent. A period re-emitted
   *     with the same one sends none of them again.
   * @param wholeDigest for a page that is one dead letter, the fingerprint of its reason (an "error", a fault in the
   *     JSON), not of its raw bytes: those carry the API's elapsedTime, different at every call, and the same error
   *     answered again is the same dead letter. Null for a readable page.
   */
  record Page(int count, YearMonth newestPeriod, String dataDigest, Map<YearMonth, String> periodDigests,
      Map<YearMonth, String> badRowDigests, ItemStream items, String wholeDigest) implements ItemStream {
    @Override
    public ParsedItem next() throws IOException {
      return items.next();
    }

    @Override
    public int skipped() {
      return items.skipped();
    }

    @Override
    public long publishedAt() {
      return items.publishedAt();
    }

    @Override
    public void close() throws IOException {
      items.close();
    }
  }

  /** The records of one read of the page, parsed as they are asked for. */
  private final class Rows extends JsonItems {
    private final String sourceRef;
    private final Set<YearMonth> only; // periods whose items to give; null = all
    private final Set<YearMonth> asked; // periods the call asked: a record of another is a dead letter; null = any
    private final Set<YearMonth> quiet; // periods whose dead letters to leave out
    private boolean inData;
    private int index;
    int count;
    YearMonth newest;
    int breakdowns; // records that are not totals (isTotal), skipped
    Digests.Incremental fingerprint; // set on the first pass only: fed every data[] element's raw bytes
    Map<YearMonth, Digests.Unordered> periodPrints; // set on the first pass only: each period's totals, raw
    Map<YearMonth, Digests.Unordered> badPrints; // set on the first pass only: each period's dead letters

    Rows(Payload payload, String sourceRef, Set<YearMonth> only, Set<YearMonth> asked, Set<YearMonth> quiet) {
      super(payload, "Comtrade response");
      this.sourceRef = sourceRef;
      this.only = only;
      this.asked = asked == null ? null : Set.copyOf(asked);
      this.quiet = quiet;
    }

    @Override
    protected void begin() throws IOException {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new UnreadablePayloadException("Comtrade response is not a JSON object", null);
      }
    }

    @Override
    protected ParsedItem advance() throws IOException {
      while (true) {
        if (inData) {
          JsonToken e = p.nextToken();
          if (e != JsonToken.END_ARRAY) {
            if (e != JsonToken.START_OBJECT) {
              throw new IOException("data[] element is not an object");
            }
            long start = json.startValue();
            Map<String, String> rec = readFlat(p);
            byte[] raw = json.raw(start);
            if (fingerprint != null) {
              fingerprint.add(raw);
            }
            String position = "data[" + index++ + "]";
            YearMonth period = periodOf(rec);
            if (only != null && (period == null || !only.contains(period))) {
              continue; // not a period to re-emit: neither an item nor a skipped row
            }
            if (!isTotal(rec)) {
              breakdowns++;
              continue;
            }
            String stray = asked == null || period == null || asked.contains(period) ? null
                : strayPeriod(rec, asked);
            if (stray != null) {
              // In no period: neither its figures' fingerprint nor its dead letters' (it is sent with every page that
              // has it, as a record without a readable period is), and not the page's newest period.
              return BadRow.of(stray, sourceRef, position, raw);
            }
            if (periodPrints != null && period != null) {
              periodPrints.computeIfAbsent(period, m -> Digests.unordered()).add(raw);
            }
            ParsedItem item = toItem(rec, sourceRef, position, raw);
            if (item instanceof BadRow b && period != null) {
              if (badPrints != null) {
                badPrints.computeIfAbsent(period, m -> Digests.unordered()).add(b.content());
              }
              if (quiet.contains(period)) {
                continue; // sent with the period's earlier emission, and the same: not again
              }
            }
            if (item instanceof TradeRow t) {
              YearMonth ym = YearMonth.of(t.year(), t.month());
              newest = newest == null || ym.isAfter(newest) ? ym : newest;
            }
            return item;
          }
          inData = false;
        }
        if (p.nextToken() != JsonToken.FIELD_NAME) {
          return null;
        }
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if (field.equals("data") && v == JsonToken.START_ARRAY) {
          inData = true;
          index = 0;
        } else if (field.equals("count") && v == JsonToken.VALUE_NUMBER_INT) {
          count = p.getIntValue();
        } else if (field.equals("error") && v == JsonToken.VALUE_STRING && !p.getText().isBlank()) {
          throw new UnreadablePayloadException("Comtrade error: " + p.getText(), null);
        } else {
          p.skipChildren();
        }
      }
    }

    @Override
    public int skipped() {
      return breakdowns;
    }

    @Override
    public long publishedAt() {
      return 0;
    }
  }

  /**
   * Whether a record is the total over the breakdowns the v1 API can split a figure into: second partner
   * ({@code partner2Code}, 0 = World), customs procedure ({@code customsCode}, C00 = all) and mode of transport
   * ({@code motCode}, 0 = all). Asked without those filters the API returns every breakdown it holds next to the total
   * (dozens of records for one reporter, partner, flow, commodity and month); they share the total's series key, so
   * emitted as records they would overwrite it downstream. The task asks for the totals only; anything else that still
   * comes is skipped (counted). A record without the fields (older or preview answers) is a total.
   */
  static boolean isTotal(Map<String, String> r) {
    return isOrAbsent(r.get("partner2Code"), "0") && isOrAbsent(r.get("customsCode"), "C00")
        && isOrAbsent(r.get("motCode"), "0");
  }

  /**
   * Why a record of a period the call did not ask is a dead letter. The newest period of a page's figures moves the
   * cursor: one such record (202503 in the answer for 2024, or 209901) moved it past every period between, which were
   * never asked (nor, past the look-back window, read at all), and went out as a figure dated by its own period.
   */
  private static String strayPeriod(Map<String, String> r, Set<YearMonth> asked) {
    List<YearMonth> sorted = asked.stream().sorted().toList();
    return "period '" + r.get("period") + "' is not one of the periods asked (" + format(sorted.get(0))
        + (sorted.size() == 1 ? "" : ".." + format(sorted.get(sorted.size() - 1))) + ")";
  }

  private static String format(YearMonth m) {
    return m.format(ComtradeConfig.YYYYMM);
  }

  /** The record's {@code period}, null when it has none that reads as yyyyMM (the record is then a dead letter). */
  private static YearMonth periodOf(Map<String, String> r) {
    try {
      return YearMonth.parse(String.valueOf(r.get("period")), ComtradeConfig.YYYYMM);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * The valuation of {@code primaryValue}: the CIF-type value when the record has one, else the FOB-type value
   * (UN Comtrade, "Trade valuation": primaryValue prioritises cifvalue, then fobvalue). Told by which of
   * {@code cifvalue}/{@code fobvalue} equals it, since not every reporter compiles imports CIF (Mexico and Canada
   * compile them FOB): labelled by the flow alone, such imports were CIF. A record with neither (older or preview
   * answers) or whose primaryValue equals neither keeps the recommended basis of its flow: exports FOB, imports CIF; so
   * does one whose primaryValue equals both (a zero export has cifvalue 0 too), which tells nothing of the basis.
   */
  static String valuation(Map<String, String> r, BigDecimal primary, String flow) {
    boolean cif = sameAmount(r.get("cifvalue"), primary);
    boolean fob = sameAmount(r.get("fobvalue"), primary);
    if (cif != fob) {
      return cif ? "CIF" : "FOB";
    }
    return flow.endsWith("EXPORT") ? "FOB" : "CIF";
  }

  private static boolean sameAmount(String text, BigDecimal amount) {
    if (text == null || text.isBlank()) {
      return false;
    }
    try {
      return NumberCells.decimal(text.trim()).compareTo(amount) == 0;
    } catch (NumberFormatException notANumber) {
      return false;
    }
  }

  /**
   * The quality of a record's figure from {@code isReported} and {@code isAggregate}. {@code isReported} says whether
   * the country filed this very row, not whether the figure is an estimate: a row UNSD computes by adding up the rows
   * the country filed ({@code "isAggregate": true}) has it false. Live answers flag so every World row (partner 0, the
   * sum of the reported partner rows, to the decimal), every TOTAL and every chapter a country filed at a finer level:
   * read by {@code isReported} alone, the totals this connector asks for by default (partner 0, cmdCode TOTAL) all went
   * out ESTIMATED, for China and the USA too, and every signal resting on them was held back as resting on estimates.
   * So ESTIMATED is a row neither filed by the country nor added up from its rows ({@code isReported} false and
   * {@code isAggregate} not true); every other row, and a record without {@code isReported} or with null (older or
   * preview answers), is the country's own figure (PUBLISHED). A period's fingerprint is taken over its records' raw
   * bytes, both flags among them, so a period in the look-back window whose estimate the country's report replaces is
   * re-emitted as a revision.
   */
  static FigureQuality quality(Map<String, String> r) {
    return isFalse(r.get("isReported")) && !isTrue(r.get("isAggregate")) ? FigureQuality.ESTIMATED
        : FigureQuality.PUBLISHED;
  }

  private static boolean isFalse(String flag) {
    return flag != null && flag.trim().equalsIgnoreCase("false");
  }

  private static boolean isTrue(String flag) {
    return flag != null && flag.trim().equalsIgnoreCase("true");
  }

  private static boolean isOrAbsent(String value, String total) {
    return value == null || value.isBlank() || value.trim().equalsIgnoreCase(total);
  }

  private static Map<String, String> readFlat(JsonParser p) throws IOException {
    Map<String, String> m = new HashMap<>();
    for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
      if (t == null) {
        throw new IOException("unexpected end of input");
      }
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
        p.skipChildren();
      } else {
        m.put(name, v == JsonToken.VALUE_NULL ? null : p.getText());
      }
    }
    return m;
  }

  private ParsedItem toItem(Map<String, String> r, String sourceRef, String position, byte[] raw) {
    Optional<CodeTable.Entry> reporter = m49.lookup(r.get("reporterCode"));
    Optional<CodeTable.Entry> partner = m49.lookup(r.get("partnerCode"));
    if (reporter.isEmpty() || reporter.get().iso3().isEmpty()) {
      return BadRow.of("Unknown M49 reporterCode '" + r.get("reporterCode") + "'", sourceRef, position, raw);
    }
    if (partner.isEmpty() || partner.get().iso3().isEmpty()) {
      return BadRow.of("Unknown M49 partnerCode '" + r.get("partnerCode") + "'", sourceRef, position, raw);
    }
    String flowCode = String.valueOf(r.get("flowCode"));
    String flow = switch (flowCode) {
      case "X" -> "EXPORT";
      case "M" -> "IMPORT";
      case "RX" -> "RE_EXPORT";
      case "RM" -> "RE_IMPORT";
      default -> null;
    };
    if (flow == null) {
      return BadRow.of("Unsupported flowCode '" + flowCode + "'", sourceRef, position, raw);
    }
    String cmd = Hs.normalize(String.valueOf(r.get("cmdCode")));
    Optional<String> level = Hs.level(cmd);
    if (level.isEmpty()) {
      return BadRow.of("Not an HS code: cmdCode '" + cmd + "'", sourceRef, position, raw);
    }
    YearMonth period;
    Long value;
    String valuation;
    try {
      period = YearMonth.parse(String.valueOf(r.get("period")), ComtradeConfig.YYYYMM);
      String pv = r.get("primaryValue");
      BigDecimal primary = pv == null ? null : NumberCells.nonNegative(NumberCells.decimal(pv, "primaryValue"), pv);
      value = pv == null ? null : NumberCells.wholeUnits(primary, pv);
      valuation = pv == null ? null : valuation(r, primary, flow);
    } catch (NumberCells.OutOfBounds e) {
      return BadRow.of("primaryValue " + e.getMessage(), sourceRef, position, raw);
    } catch (RuntimeException e) {
      return BadRow.of(e, sourceRef, position, raw);
    }
    if (value == null) {
      return BadRow.of("Missing primaryValue", sourceRef, position, raw);
    }
    String note = "isAggregate=" + r.get("isAggregate") + ";isLeaf=" + r.get("isLeaf") + ";aggrLevel=" + r.get("aggrLevel");
    long publishedAt = period.plusMonths(2).atDay(1).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli();
    return new TradeRow(reporter.get().iso3(), partner.get().iso3(), flow, cmd, level.get(), period.getYear(),
        period.getMonthValue(), 1, value, "USD", valuation, null, "COMTRADE", sourceRef,
        "COMTRADE " + period.format(ComtradeConfig.YYYYMM), publishedAt, 0, note, quality(r));
  }
}
