package io.tradepulse.ingest;

import io.tradepulse.avro.TariffEvent;
import io.tradepulse.avro.TariffEventKind;
import io.tradepulse.core.CsvReader;
import io.tradepulse.core.Economies;
import io.tradepulse.core.InvisibleCharacters;
import io.tradepulse.core.RecordBounds;
import java.io.IOException;
import java.io.Reader;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the tariff timeline ({@code tariff-events-us-china-2025.csv}):
 * {@code id,imposer,target,scope,announced,effective,rate_before_pct,rate_after_pct,kind,note,source}.
 * {@code hsScope} is derived from the codes written after "HS", "HTS", "HSN" or "CN" in scope; "ALL" (or a scope
 * without HS codes) gives an empty list, and the original text stays in {@code scope}: the processor reads an empty list as all
 * goods only with the scope "ALL", and a scope described in words as matching no series (docs/signals.md). A scope
 * that names HS codes after "except", "excluding", "excl.", "other than" or "but not", or anywhere next to "exempt",
 * "exempted", "exemption(s)", "excluded" or "exclusion(s)", is rejected: hsScope can only list the codes an event
 * covers. So is a range of codes ("HS84-87", "HS84 to HS87"): hsScope would hold its ends; and a list that writes "HS"
 * once ("HS84/85", "HS8471, 8473", "HS8471; 8473", "HS 8471 8473"): hsScope would hold its first code alone. So is a
 * code of an odd number of digits ("HS870") or cut at a dot ("HS 8517.1"), and an "HS", "HTS" or "HSN" not followed by
 * a code read ("HS-8517", "HS code 8517", "HTS no. 8517.13"), a "CN" followed by a word for a code, a dash or a colon
 * and a number ("CN code 8703", "CN-8703"), and two digits after "CN " ("CN 25 cars": a chapter, or China and a count): the goods it names would
 * be matched wrongly or not at all. A
 * scope that starts with "all" but says more, without HS codes ("ALL goods"), is rejected too: it would match no
 * series, where its author meant all goods. A row with the id of an earlier row is rejected, naming that row's line:
 * the id is the key on the compacted tariff.events, where only one of the two would stay.
 */
public final class TariffEventsCsv {
    public static final String HEADER = "id,imposer,target,scope,announced,effective,rate_before_pct,rate_after_pct,kind,note,source";

    /** An announcement before it is a mistyped year ("0025-02-04"), not an event of trade statistics' history. */
    static final int EARLIEST_ANNOUNCED_YEAR = 1900;
    /** The digits of a code as written: groups after a dot have two digits, or four in the last (8471.30.0100). */
    private static final String CODE = "\\d{2,10}(?:\\.\\d{2})*(?:\\.\\d{4})?";
    /**
     * After a number: it is no rate, i.e. not followed by %, "percent", "per cent", "pct", "pp" or "percentage points",
     * alone or as the start of a range of rates ({@code 10.5%}, {@code 10-15%}, {@code 10 to 15 percent}).
     */
    private static final String NOT_A_RATE = "(?!\\.?\\d*\\s*(?:(?:[-\u2013\u2014]|to\\b)\\s*\\d+(?:\\.\\d+)?\\s*)?"
            + "(?:%|percent\\b|per\\s?cent\\b|pct\\b|pp\\b|percentage points?\\b))";
    /**
     * An HS code named in a scope: {@code HS27}, also as people write it in a calendar, {@code HS 27} or {@code hs27}
     * (read as no code at all before, so the event matched no series, silently), and as customs schedules write
     * headings and subheadings, with dots: {@code HS 8517.13}, {@code HS8471.30.01}, {@code HS85.17}; the last group
     * may have four digits, as the US writes its 10-digit statistical numbers ({@code HS 8471.30.0100}) and China its
     * 8-digit lines ({@code HS 8517.1300}). National schedules extend the HS code with their own digits, and a code
     * is read the same written after their names: the EU's Combined Nomenclature ({@code CN 8703}), the US
     * Harmonized Tariff Schedule ({@code HTS 8703.23.01}), India's HSN ({@code HSN 8517}); they were refused (HTS, HSN)
     * or not read at all (CN), although {@code HS 8703.23.01} with the same digits was read.
     */
    private static final Pattern HS = Pattern.compile("\\b(HTS|HSN|HS|CN) ?(" + CODE + ")\\b", Pattern.CASE_INSENSITIVE);
    /**
     * The rest of a heading written as the EU writes its Combined Nomenclature and TARIC codes: two or three pairs of
     * digits after spaces ({@code HS 8517 13 00}, {@code HS 8703 23 19 00}), none of them a rate. A single pair is not
     * read so: in {@code HS8703 25 cars} the 25 is a number of cars. A fourth pair or more is taken in too, so that the
     * code is refused for its digits as {@code HS 8703.23.19.00.11} is: "HS 8703 23 19 00 11" was read as 8703231900,
     * its last pair dropped silently.
     */
    private static final Pattern SPACED_PAIRS = Pattern.compile("(?: \\d{2}\\b" + NOT_A_RATE + "){2,}",
            Pattern.CASE_INSENSITIVE);
    /**
     * What follows an HS code when the scope gives a range ({@code HS84-87}, {@code HS84-HS87}, {@code HS84 to 87}):
     * the end, with or without "HS". Not a rate ({@code HS27 - 10%}, {@code HS27 - 15 percent}), as in {@link #LIST_NEXT}.
     */
    private static final Pattern RANGE_END = Pattern.compile(
            "(?:\\s*[-\u2013\u2014]\\s*|\\s+(?:to|through|thru)\\s+)(HS ?)?(" + CODE + ")\\b" + NOT_A_RATE,
            Pattern.CASE_INSENSITIVE);
    /**
     * What follows an HS code when the scope lists more codes after it without "HS" ({@code HS84/85}, {@code HS8471,
     * 8473}, {@code HS84 and 85}, {@code HS8471; 8473}, {@code HS 8471 8473}): the next code. Not a rate
     * ({@code HS27, 10%}, {@code HS27 15 percent}, {@code HS02 10-15%}); a code written with "HS" is read.
     */
    private static final Pattern LIST_NEXT = Pattern.compile(
            "(?:\\s*[/,&+;]\\s*|\\s+(?:and|or)\\s+|\\s+)(" + CODE + ")\\b" + NOT_A_RATE,
            Pattern.CASE_INSENSITIVE);
    /**
     * Where a scope says "HS" (or the US "HTS", India's "HSN"): each must be a code {@link #HS}
     * reads, or the goods it names were dropped from hsScope without a word.
     */
    private static final Pattern HS_MENTION = Pattern.compile("\\b(?:HTS|HSN|HS)(?![a-z])", Pattern.CASE_INSENSITIVE);
    /**
     * "CN" followed by a word for a code and a number ("CN code 8703", "CN no. 8703", "CN subheading 8517.13"): a code of
     * the EU's Combined Nomenclature that is not read. "CN" alone is also China ("CN 10% on US coal", "CN 2025 list",
     * "CN retaliation"), so a number after it is no mention of a code unless such a word comes between.
     */
    private static final Pattern CN_MENTION = Pattern.compile(
            "\\bCN\\s*(?:(?:codes?|numbers?|(?:sub)?headings?|chapters?)\\b|nos?\\.|nos?\\b)\\s*[:#]?\\s*\\d+(?:\\.\\d+)*",
            Pattern.CASE_INSENSITIVE);
    /**
     * "CN" and a code of four digits or more after a dash, a colon or more than one space ("CN-8703", "CN: 8703",
     * "CN  8703"): not read, as "HS-8517" is not, but "CN: 10% on US coal" and "CN - 2025 list" are China's.
     */
    private static final Pattern CN_SEPARATED = Pattern.compile(
            "\\bCN(?:\\s*[-:\u2013\u2014]\\s*|\\s{2,})(\\d{4,10}(?:\\.\\d+)*)\\b(?!\\.\\d)", Pattern.CASE_INSENSITIVE);
    /**
     * How codes are written to be read, for the messages of the refusals of codes that are not: they said "only codes
     * written HSnn are read", though codes after HTS, HSN and CN, and spaced as the EU writes them, are read too.
     */
    private static final String READ_ONLY = "only codes written after HS, HTS, HSN or CN are read";
    /** {@link #READ_ONLY}, with examples. */
    private static final String READ_AS = READ_ONLY + " (HS8517, HS 8517.13, hs27, HTS 8703.23.01, CN 8517 13 00)";
    /** A mention and up to two more words: the number it may name, and the text for the message. */
    private static final Pattern MENTION_TEXT = Pattern.compile("[^\\s,;]*(?:\\s+[^\\s,;]+){0,2}");
    /** A scope that starts with the word "all" but says more ("ALL goods", "All (IEEPA)"), with no HS code in it. */
    private static final Pattern ALL_AND_WORDS = Pattern.compile("all\\b.+", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    /** No-break, narrow no-break and figure spaces. */
    private static final Pattern NO_BREAK_SPACE = Pattern.compile("[\\u00A0\\u202F\\u2007]");
    /** A number standing alone: not part of a word ("1500cc", "Q3"), a decimal's tail, or an amount ("$2500"). */
    private static final Pattern BARE_NUMBER = Pattern.compile("(?<![\\w.$\u20ac\u00a3\u00a5])\\d+(?:\\.\\d+)*(?!\\w)");
    /** A date as calendars write it: 2025-04-05, 2025-04, 05/04/2025, 4/2025; its numbers are no codes. */
    private static final Pattern DATE = Pattern.compile(
            "\\b(?:\\d{4}-\\d{1,2}(?:-\\d{1,2})?|\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})|\\d{1,2}/\\d{4})\\b");
    /** Matches (empty) where no rate follows. */
    private static final Pattern NO_RATE = Pattern.compile(NOT_A_RATE, Pattern.CASE_INSENSITIVE);
    private static final Pattern ISO3 = Pattern.compile("[A-Z]{3}");
    /** Words that start a list of goods a scope leaves out ("ALL except HS8517"): the codes after them are no scope. */
    private static final Pattern EXCLUSION = Pattern.compile("\\b(except|excluding|excl\\.?|other than|but not)\\b",
            Pattern.CASE_INSENSITIVE);
    /**
     * Words that say goods are spared, and may come after the codes they spare as well as before ("ALL; HS8517 exempt",
     * "HS8471 HS8517 excluded", "product exclusions: HS8517"): a scope naming HS codes next to them cannot tell the
     * codes it covers from those it spares.
     */
    private static final Pattern EXEMPTION = Pattern.compile("\\b(exempt(?:s|ed|ing|ions?)?|exclu(?:ded|sions?))\\b",
            Pattern.CASE_INSENSITIVE);

    public List<ParseResult<TariffEvent>> parse(Reader reader) throws IOException {
        Map<String, Long> lineOfId = new HashMap<>();
        return CsvRows.parse(reader, HEADER, row -> unlessDuplicate(row, parseRow(row), lineOfId));
    }

    /**
     * {@code parsed}, or a rejection when an earlier row of the file has the same id. The id is the event's key on the
     * compacted tariff.events: the bundled ingest (FileIngest) published both rows and counted both as published, and
     * compaction kept the later one alone, so the earlier event left the calendar without a dead letter. Only
     * {@code tradepulse tariffs} refused such a file, by a check of its own; now every reader of the file does.
     *
     * @param lineOfId the line of each id parsed so far
     */
    private static ParseResult<TariffEvent> unlessDuplicate(CsvReader.Row row, ParseResult<TariffEvent> parsed,
                                                            Map<String, Long> lineOfId) {
        if (!(parsed instanceof ParseResult.Parsed<TariffEvent> p)) {
            return parsed;
        }
        String id = p.value().getId();
        Long earlier = lineOfId.putIfAbsent(id, p.line());
        if (earlier == null) {
            return parsed;
        }
        return new ParseResult.Rejected<>(p.line(), row.text(), "duplicate id '" + id + "' (also on line " + earlier
                + "); only one of them would survive compaction, as the id is the event's key on tariff.events: "
                + "remove one, or give each event an id of its own");
    }

    /**
     * Whether {@code row} is the rejection of the file's header: then no row of the file was read, and the file is not a
     * tariff events file. Its line is not always 1: blank lines before the header are skipped.
     */
    public static boolean isHeaderRejection(ParseResult<TariffEvent> row) {
        return CsvRows.isHeaderRejection(row);
    }

    ParseResult<TariffEvent> parseRow(CsvReader.Row row) {
        long lineNo = row.line();
        String raw = row.text();
        List<String> f = row.fields();
        if (f.size() != 11) {
            return new ParseResult.Rejected<>(lineNo, raw, "expected 11 fields, found " + f.size());
        }
        String imposer = f.get(1).trim();
        String target = f.get(2).trim();
        if (!ISO3.matcher(imposer).matches() || !ISO3.matcher(target).matches()) {
            return new ParseResult.Rejected<>(lineNo, raw, "imposer and target must be ISO 3166-1 alpha-3 codes");
        }
        // A well-formed code of no economy ("CHA" for CHN) matches no series ever: the processor keeps series of these
        // economies only (its TradeRecordValidator checks the same list), so the event would be published and would
        // silently never apply.
        for (String code : List.of(imposer, target)) {
            if (!Economies.isEconomy(code)) {
                return new ParseResult.Rejected<>(lineNo, raw, "unknown economy '" + code + "' (as "
                        + (code.equals(imposer) ? "imposer" : "target")
                        + "): not an ISO 3166-1 alpha-3 code, nor WLD, EUU or XKX; it would match no series");
            }
        }
        if (imposer.equals(target)) {
            return new ParseResult.Rejected<>(lineNo, raw, "imposer and target are the same economy: " + imposer);
        }
        // The id is the record key on the compacted tariff.events: rows with a blank id would replace each other.
        if (f.get(0).isBlank()) {
            return new ParseResult.Rejected<>(lineNo, raw, "id is empty (it is the event's key on tariff.events)");
        }
        // An id with an invisible character (a zero-width space or a no-break space pasted from a web page) looks like
        // another event's id but is another key: both events stayed on tariff.events and the calendar held the event
        // twice, unnoticed.
        String invisible = invisibleCharacter(f.get(0).trim());
        if (invisible != null) {
            return new ParseResult.Rejected<>(lineNo, raw, "id '" + f.get(0).trim() + "' contains the invisible character "
                    + invisible + " (it is the event's key on tariff.events, where it would differ from the id it looks "
                    + "like): retype the id");
        }
        // Every event names where it comes from, as every trade figure does (signals quote it).
        if (f.get(10).isBlank()) {
            return new ParseResult.Rejected<>(lineNo, raw, "source is empty: name the publication the event comes from");
        }
        // The processor reads an event without HS codes as all goods only with the scope ALL, and otherwise as a scope in
        // words that matches no series: a blank scope cell (left out, or meant as "all goods") was published as an event
        // that never applied to any series, silently.
        if (NO_BREAK_SPACE.matcher(f.get(3)).replaceAll(" ").isBlank()) {
            return new ParseResult.Rejected<>(lineNo, raw, "scope is empty: write ALL for all goods, or the HS codes "
                    + "the event covers (HS01 HS02 ...); an event with an empty scope would match no series");
        }
        TariffEventKind kind;
        try {
            kind = TariffEventKind.valueOf(f.get(8).trim());
        } catch (IllegalArgumentException e) {
            return new ParseResult.Rejected<>(lineNo, raw, "unknown kind '" + f.get(8).trim()
                    + "'; allowed: " + List.of(TariffEventKind.values()));
        }
        Double rateBefore;
        Double rateAfter;
        try {
            rateBefore = optionalDouble(f.get(6));
            rateAfter = optionalDouble(f.get(7));
        } catch (NumberFormatException e) {
            return new ParseResult.Rejected<>(lineNo, raw, "rate is not a number: " + e.getMessage());
        }
        // A duty rate is a percentage of the goods' value, 0 for none: a negative one is a typo (a sign, a dash
        // for "none"), and the calendar would compare it as a real rate (an OTHER event rising from -5 to 0).
        if ((rateBefore != null && rateBefore < 0) || (rateAfter != null && rateAfter < 0)) {
            return new ParseResult.Rejected<>(lineNo, raw, "rate is negative: rate_before_pct=" + f.get(6).trim()
                    + ", rate_after_pct=" + f.get(7).trim() + " (a tariff rate is 0 or more)");
        }
        // The processor takes the kind for the direction (docs/signals.md: INCREASE and SCHEDULED_EXPIRY are duty
        // rises, whatever the rates): an INCREASE from 145 to 30 (rates or kind swapped by mistake) put the months
        // before a duty cut in a FRONT_LOADING window. Equal rates stay allowed (the same rate on more goods).
        String contradiction = contradiction(kind, rateBefore, rateAfter);
        if (contradiction != null) {
            return new ParseResult.Rejected<>(lineNo, raw, "kind " + kind + " contradicts the rates: rate_before_pct="
                    + f.get(6).trim() + ", rate_after_pct=" + f.get(7).trim() + " " + contradiction);
        }
        try {
            // Text copied from a web page or a PDF (a tariff notice) often has no-break spaces: "HS\u00A08517" was no code
            // read, and "ALL\u00A0" no ALL (trim() keeps them), so the event matched no series. They are spaces here.
            String scope = NO_BREAK_SPACE.matcher(f.get(3)).replaceAll(" ").strip();
            Set<String> hs = new LinkedHashSet<>();
            Set<Integer> read = new HashSet<>(); // where each code read starts
            TreeMap<Integer, Integer> spans = new TreeMap<>(); // where each code read starts, and where it ends
            Matcher m = HS.matcher(scope);
            Matcher exclusion = EXCLUSION.matcher(scope);
            int excludedFrom = exclusion.find() ? exclusion.start() : Integer.MAX_VALUE;
            Matcher exemption = EXEMPTION.matcher(scope);
            boolean exempts = exemption.find();
            while (m.find()) {
                // "CN" also stands for China, and "CN 10% on US goods" names no chapter 10, nor "CN 2025 list" a heading:
                // after CN, a rate or a year is no code. The first six digits of a CN code are its HS code.
                if (m.group(1).equalsIgnoreCase("CN") && (isYear(m.group(2))
                        || !NO_RATE.matcher(scope).region(m.end(), scope.length()).lookingAt())) {
                    continue;
                }
                // "CN 25 cars" was read as chapter 25 (salt, stone, cement), where CN may be China and 25 a number of
                // cars: two digits after "CN " are a chapter or a count. "CN25" is written as "HS25" is, and is read.
                if (m.group(1).equalsIgnoreCase("CN") && m.group(2).matches("\\d{2}") && m.start(2) > m.end(1)) {
                    return new ParseResult.Rejected<>(lineNo, raw, "scope names '" + scope.substring(m.start(), m.end())
                            + "', a chapter or a count (CN is also China): write a chapter as HS" + m.group(2) + " or CN"
                            + m.group(2) + ", and move a count to the note column");
                }
                // "ALL; HS8471 HS8517 exempt" (the April 2025 electronics exemption) was an event on HS8471 and HS8517
                // alone, the very goods it spared, as "ALL except HS8517" was: these words also follow the codes.
                if (exempts) {
                    return new ParseResult.Rejected<>(lineNo, raw, "scope names HS" + m.group(2) + " next to '"
                            + exemption.group() + "': hsScope can only list the HS codes the event covers, and the codes "
                            + "of a scope that exempts or excludes goods may be the spared ones; list the codes covered "
                            + "(HS01 HS02 ...), or write ALL for all goods (the exemption is then not modelled), and move the "
                            + "words of the exemption to the note column");
                }
                // hsScope lists the goods an event covers: an excluded code read as one turned "ALL except HS8517"
                // into an event on HS8517 alone, the very goods it spared.
                if (m.start() > excludedFrom) {
                    return new ParseResult.Rejected<>(lineNo, raw, "scope excludes HS" + m.group(2) + " ('"
                            + exclusion.group() + "'): hsScope can only list the HS codes the event covers; list those "
                            + "(HS01 HS02 ...), or write ALL for all goods (the exclusion is then not modelled), and move the "
                            + "words of the exclusion to the note column");
                }
                // "HS 8517 13 00" (the EU's spaced CN code) was read as heading 8517, all of it, silently: its pairs are
                // read as the dots of "HS 8517.13.00" are.
                String written = m.group(2);
                int end = m.end();
                Matcher pairs = SPACED_PAIRS.matcher(scope).region(end, scope.length());
                if (written.matches("\\d{4}") && pairs.lookingAt()) {
                    written += pairs.group();
                    end = pairs.end();
                }
                // hsScope holds codes, and a range in it is read as its ends: "HS84-87" was an event on HS84 alone, and
                // "HS84-HS87" one on 84 and 87, missing 85 and 86 silently. A bare number of another length after the
                // code ("HS27 to 2030") is no range end, nor is a year ("HS 8703 to 2026"); one written as a code with a
                // dot is ("HS 8703 - 8704.10").
                String code = written.replace(".", "").replace(" ", "");
                Matcher range = RANGE_END.matcher(scope).region(end, scope.length());
                if (range.lookingAt() && (range.group(1) != null || isDottedCode(range.group(2))
                        || (range.group(2).replace(".", "").length() == code.length() && !isYear(range.group(2))))) {
                    return new ParseResult.Rejected<>(lineNo, raw, "scope gives a range of HS codes ('"
                            + scope.substring(m.start(), range.end()) + "'): hsScope can only list codes, and would hold "
                            + "the range's ends alone; list every code it covers ("
                            + rangeExample(code, range.group(2).replace(".", "")) + ")");
                }
                // Only codes written with "HS" are read: "HS84/85" was an event on HS84 alone, and the series of 85
                // were silently never matched. A bare number of another length after the code ("HS8703, 25 cars") is
                // no code, nor is a year ("HS 8703 2025 quota"); one written as a code with a dot is ("HS 8471, 8473.30").
                Matcher next = LIST_NEXT.matcher(scope).region(end, scope.length());
                if (next.lookingAt() && (isDottedCode(next.group(1))
                        || (next.group(1).replace(".", "").length() == code.length() && !isYear(next.group(1))))) {
                    // The number may be a quantity ("HS 8703 1500 units"), not a code: the message says where it
                    // goes then, and its example is built from the scope's own codes, not a fixed "HS84 HS85".
                    String listed = next.group(1);
                    // A spaced code ("HS 8517, 8518 14 00") is given whole: "HS8518" would be all of the heading.
                    Matcher listedPairs = SPACED_PAIRS.matcher(scope).region(next.end(), scope.length());
                    if (listed.matches("\\d{4}") && listedPairs.lookingAt()) {
                        listed += listedPairs.group();
                    }
                    Set<String> example = new LinkedHashSet<>(hs);
                    example.add(code);
                    example.add(listed.replaceAll("\\D", ""));
                    return new ParseResult.Rejected<>(lineNo, raw, "scope lists HS codes without 'HS' ('"
                            + scope.substring(m.start(), next.end()) + "'): " + READ_ONLY + ", and hsScope would hold "
                            + "HS" + written + " alone; write HS before every code (" + hsList(example, " ")
                            + "), and if '" + listed + "' is not a code (a quantity, a count), move it to the note column");
                }
                // The digits without the dots: "8517.13" is subheading 851713. Only the digits before the first dot made
                // an event on smartphones one on all of heading 8517.
                if (code.length() > 10) {
                    return new ParseResult.Rejected<>(lineNo, raw, "scope names HS" + written + ", which has "
                            + code.length() + " digits: an HS code has at most 10");
                }
                // hsScope entries are prefixes of the series' commodity codes, which have 2, 4, 6, 8 or 10 digits (the
                // processor refuses any other): "HS870" (8703 cut short) covered all of 8701-8709, silently, and so did
                // "HS 8517.1" and "HS8517.130", read as 8517 because only pairs of digits after a dot are read.
                if (end + 1 < scope.length() && scope.charAt(end) == '.'
                        && Character.isDigit(scope.charAt(end + 1))) {
                    int cut = end + 1;
                    while (cut < scope.length() && (Character.isDigit(scope.charAt(cut)) || scope.charAt(cut) == '.')) {
                        cut++;
                    }
                    return new ParseResult.Rejected<>(lineNo, raw, "scope names '" + scope.substring(m.start(), cut)
                            + "', which is no HS code read whole: after a dot come pairs of digits (HS 8517.13, "
                            + "HS 8471.30.0100); it would be read as HS" + written + " alone");
                }
                if (code.length() % 2 != 0) {
                    return new ParseResult.Rejected<>(lineNo, raw, "scope names HS" + written + ", which has "
                            + code.length() + " digits: an HS code has 2, 4, 6, 8 or 10, and as a prefix this one "
                            + "would cover every code that starts with " + code);
                }
                hs.add(code);
                read.add(m.start());
                spans.put(m.start(), end);
            }
            // "HS-8517", "HS code 8517", "HTS no. 8517.13", "HS  8517" were read as no code at all, so the event matched no
            // series, silently, as "HS 27" and "hs27" did before they were read.
            Matcher mention = HS_MENTION.matcher(scope);
            while (mention.find()) {
                Matcher text = MENTION_TEXT.matcher(scope).region(mention.start(), scope.length());
                // A mention with no number after it ("HS84 HS85 (HS codes)") names no goods of its own.
                if (!read.contains(mention.start()) && text.lookingAt() && text.group().matches("(?s).*\\d.*")) {
                    return new ParseResult.Rejected<>(lineNo, raw, "scope mentions '" + text.group() + "' but no HS "
                            + "code is read there: " + READ_AS + ", so the event would match no series for it; write "
                            + "the code so");
                }
            }
            // "CN code 8703" was no code read, silently, where "HS code 8517" and "HTS no. 8517" were refused.
            Matcher cnMention = CN_MENTION.matcher(scope);
            if (cnMention.find()) {
                return new ParseResult.Rejected<>(lineNo, raw, "scope mentions '" + cnMention.group() + "' but no code "
                        + "is read there: " + READ_AS + ", so the event would match no series for it; write the code so");
            }
            // "CN-8703", "CN: 8703" and "CN  8703" were no code read, silently, as "HS-8517" and "HS:8517" were before they
            // were refused. A year or a rate after CN is China's ("CN: 2025 list", "CN - 10% on US coal").
            Matcher cnSeparated = CN_SEPARATED.matcher(scope);
            while (cnSeparated.find()) {
                if (!isYear(cnSeparated.group(1))
                        && NO_RATE.matcher(scope).region(cnSeparated.end(), scope.length()).lookingAt()) {
                    return new ParseResult.Rejected<>(lineNo, raw, "scope mentions '" + cnSeparated.group() + "' but no "
                            + "code is read there: " + READ_AS + ", so the event would match no series for it; write "
                            + "the code so");
                }
            }
            // A code written without HS further on ("HS 8704 trucks 25%, 8703 cars 25%", "HS 8517.13, 8471") was dropped
            // silently, as in "HS8471, 8473" (refused above when it comes right after the code): hsScope held the codes
            // written with HS alone. Reading the bare number as a code would turn quantities into goods, so it is
            // refused unless it is a rate or a year.
            MatchResult unread = unreadCode(scope, spans, hs, excludedFrom);
            if (unread != null) {
                Map.Entry<Integer, Integer> before = spans.floorEntry(unread.start());
                String where = before == null
                        ? "before '" + scope.substring(spans.firstKey(), spans.firstEntry().getValue()) + "'"
                        : "after '" + scope.substring(before.getKey(), before.getValue()) + "'";
                // A code spaced as the EU writes it ("HS 8517 13 00, 8517 14 00") is named and given whole: its first
                // four digits alone made the example "HS8517", all of the heading, where 85171400 was meant.
                String named = unread.group();
                Matcher pairs = SPACED_PAIRS.matcher(scope).region(unread.end(), scope.length());
                if (named.matches("\\d{4}") && pairs.lookingAt()) {
                    named += pairs.group();
                }
                // A code after "except" is one the event spares: writing HS before it, as the example says, would have
                // it refused as excluded, so the way out of an exclusion is given instead.
                if (unread.start() > excludedFrom) {
                    return new ParseResult.Rejected<>(lineNo, raw, "scope names '" + named + "' without 'HS' and excludes it ('"
                            + exclusion.group() + "'): hsScope can only list the HS codes the event covers; "
                            + "list those (HS01 HS02 ...), or write ALL for all goods (the exclusion is then not modelled), "
                            + "and move the words of the exclusion to the note column");
                }
                // The example is built from the scope's own codes, in the order written: a fixed "HS8704 trucks 25%,
                // HS8703 cars 25%" was shown for "HS 8517.13, 8471" too.
                TreeMap<Integer, String> inOrder = new TreeMap<>();
                spans.forEach((start, stop) -> inOrder.put(start, scope.substring(start, stop).replaceAll("\\D", "")));
                inOrder.put(unread.start(), named.replaceAll("\\D", ""));
                return new ParseResult.Rejected<>(lineNo, raw, "scope names '" + named + "' without 'HS' ("
                        + where + "): " + READ_ONLY + ", so hsScope would hold only " + hsList(hs, ", ")
                        + "; write HS before every code (" + hsList(new LinkedHashSet<>(inOrder.values()), " ")
                        + "), and move a number that is no code to the note column");
            }
            // The processor takes an event without HS codes for all goods only when its scope is ALL itself, and one in
            // words for a partial scope that matches no series: "ALL goods" or "ALL (IEEPA fentanyl)" never applied to
            // any series, silently, where its author meant every one.
            if (hs.isEmpty() && ALL_AND_WORDS.matcher(scope).matches()) {
                return new ParseResult.Rejected<>(lineNo, raw, "scope '" + scope + "' is neither ALL nor a list of HS "
                        + "codes: only the scope ALL itself means all goods, and a scope in words matches no series; "
                        + "write ALL and move the words to the note column, or list the HS codes covered (HS01 HS02 ...)");
            }
            LocalDate announced = LocalDate.parse(f.get(4).trim());
            LocalDate effective = LocalDate.parse(f.get(5).trim());
            // ISO dates take any four-digit year, so a typed "0025-02-10" or "1025-02-10" was published as an event
            // that no series can ever reach (the processor keeps no month before RecordBounds.MIN_YEAR): silently
            // without signals. The announcement is only shown, but a year before 1900 there is a typo too.
            if (effective.getYear() < RecordBounds.MIN_YEAR) {
                return new ParseResult.Rejected<>(lineNo, raw, "effective date " + effective + " is before "
                        + RecordBounds.MIN_YEAR + ": no series has months before then (modern, HS-based trade "
                        + "statistics start in " + RecordBounds.MIN_YEAR + "), so the event could never match one");
            }
            if (announced.getYear() < EARLIEST_ANNOUNCED_YEAR) {
                return new ParseResult.Rejected<>(lineNo, raw, "announced date " + announced + " is before "
                        + EARLIEST_ANNOUNCED_YEAR + ": write the year in full (yyyy-MM-dd)");
            }
            return new ParseResult.Parsed<>(lineNo, TariffEvent.newBuilder()
                    .setId(f.get(0).trim())
                    .setImposer(imposer)
                    .setTarget(target)
                    .setScope(scope)
                    .setHsScope(List.copyOf(hs))
                    .setAnnounced(announced)
                    .setEffective(effective)
                    .setRateBeforePct(rateBefore)
                    .setRateAfterPct(rateAfter)
                    .setKind(kind)
                    .setNote(f.get(9).isBlank() ? null : f.get(9).trim())
                    .setSource(f.get(10).trim())
                    .build());
        } catch (DateTimeParseException e) {
            return new ParseResult.Rejected<>(lineNo, raw, "date is not yyyy-MM-dd: " + e.getParsedString());
        }
    }

    /**
     * The codes of the range from {@code from} to {@code to} as a scope lists them, for the range's refusal: a fixed
     * "HS84 HS85 HS86 HS87" was shown for "HS 8471-8473" too, other chapters than the user's. A long range, or one whose
     * ends have different lengths, is shown by its ends ("HS01 ... HS97").
     */
    private static String rangeExample(String from, String to) {
        if (from.length() == to.length() && from.length() <= 10) {
            long first = Long.parseLong(from);
            long last = Long.parseLong(to);
            if (last == first) {
                return "HS" + from; // "HS 8703 - 8703": the one code
            }
            if (last > first && last - first < 10) {
                List<String> codes = new ArrayList<>();
                for (long c = first; c <= last; c++) {
                    codes.add("HS" + String.format("%0" + from.length() + "d", c));
                }
                return String.join(" ", codes);
            }
        }
        return "HS" + from + " ... HS" + to;
    }

    /**
     * The first character of {@code id} that shows as nothing or as a plain space but is none
     * ({@link InvisibleCharacters}: a control or format character, a no-break or other Unicode space, ...), written
     * {@code U+} and its hex digits; null if none.
     */
    static String invisibleCharacter(String id) {
        return id.codePoints().filter(c -> c != ' ' && InvisibleCharacters.invisible(c))
                .mapToObj(c -> String.format("U+%04X", c)).findFirst().orElse(null);
    }

    /** {@code codes} as hsScope entries are written in a scope ("HS8471 HS8473"), joined by {@code separator}. */
    private static String hsList(Set<String> codes, String separator) {
        return String.join(separator, codes.stream().map(c -> "HS" + c).toList());
    }

    /**
     * The first number in {@code scope}, outside the codes read ({@code spans}), that is written like an HS code: with a
     * dot after its first four digits ("8473.30"), or an even number of digits (up to 10) that is four or more, or as
     * many as the code read before it has ("HS27 coal, 28 fuels"). A rate (25%, 10-15 percent) or a year is no code, and
     * neither is a decimal ("2.5 litres"), an amount ("$2500"), a number run into a word ("1500cc"), a part of a date
     * ("from 2025-04-05"), or a code the codes read cover ("HS 87 vehicles (chapter 87)", unless it is excluded); null
     * if none.
     */
    private static MatchResult unreadCode(String scope, TreeMap<Integer, Integer> spans, Set<String> codes,
            int excludedFrom) {
        if (spans.isEmpty()) {
            return null;
        }
        TreeMap<Integer, Integer> dates = new TreeMap<>();
        Matcher date = DATE.matcher(scope);
        while (date.find()) {
            dates.put(date.start(), date.end());
        }
        Matcher number = BARE_NUMBER.matcher(scope);
        while (number.find()) {
            Map.Entry<Integer, Integer> before = spans.floorEntry(number.start());
            if (before != null && number.start() < before.getValue()) {
                continue; // part of a code read
            }
            Map.Entry<Integer, Integer> inDate = dates.floorEntry(number.start());
            if (inDate != null && number.start() < inDate.getValue()) {
                continue;
            }
            if (!NO_RATE.matcher(scope).region(number.end(), scope.length()).lookingAt()) {
                continue;
            }
            String n = number.group();
            String digits = n.replace(".", "");
            if (number.start() < excludedFrom && codes.stream().anyMatch(digits::startsWith)) {
                continue;
            }
            if (isDottedCode(n) && !isYear(n.substring(0, 4))) {
                return number.toMatchResult();
            }
            if (n.indexOf('.') >= 0 || n.length() % 2 != 0 || n.length() > 10 || isYear(n)) {
                continue;
            }
            Map.Entry<Integer, Integer> code = before != null ? before : spans.firstEntry();
            int codeDigits = scope.substring(code.getKey(), code.getValue()).replaceAll("\\D", "").length();
            if (n.length() >= 4 || n.length() == codeDigits) {
                return number.toMatchResult();
            }
        }
        return null;
    }

    /**
     * Whether a bare number after a code is a year (2010 to 2099) rather than a heading: no HS heading has these numbers
     * (chapter 20 ends at 2009, chapter 21 starts at 2101), and calendars write years after codes ("HS 8703 2025 quota").
     */
    private static boolean isYear(String number) {
        return number.matches("20[1-9]\\d");
    }

    /**
     * Whether a bare number is written as a code of a heading or finer, with a dot after its first four digits
     * ("8473.30"): a rate or an amount is never written so, whatever the code before it.
     */
    private static boolean isDottedCode(String number) {
        return number.indexOf('.') >= 4;
    }

    /** Why the rates go the other way than the kind says, or null when they do not (or one of them is not given). */
    private static String contradiction(TariffEventKind kind, Double before, Double after) {
        if (before == null || after == null) {
            return null;
        }
        return switch (kind) {
            case INCREASE -> after < before ? "(an increase lowers no rate: DECREASE?)" : null;
            case SCHEDULED_EXPIRY -> after < before ? "(a truce that lapses raises the rate back: DECREASE?)" : null;
            case DECREASE -> after > before ? "(a decrease raises no rate: INCREASE?)" : null;
            default -> null; // OTHER: the processor reads the direction from the rates themselves
        };
    }

    private static Double optionalDouble(String s) {
        return s.isBlank() ? null : decimal(s.trim());
    }

    /**
     * A plain decimal number ("25", "-7.5", "1e2"). Not Double.valueOf: it also takes "NaN", "Infinity", hex floats
     * and a type suffix ("10d"), and a "NaN" rate was published (and made `tariffs --dry-run` fail with a stack trace).
     * Shared with {@link GaccSeriesCsv}'s reported YoY %.
     *
     * @throws NumberFormatException naming the text, for anything else or a number beyond a double
     */
    static double decimal(String text) {
        double d;
        try {
            d = new java.math.BigDecimal(text).doubleValue();
        } catch (NumberFormatException e) {
            throw new NumberFormatException("'" + text + "' is not a decimal number");
        }
        if (!Double.isFinite(d)) {
            throw new NumberFormatException("'" + text + "' is out of range");
        }
        return d;
    }
}
