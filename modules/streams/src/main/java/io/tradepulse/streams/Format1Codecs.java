package io.tradepulse.streams;

import io.tradepulse.avro.ChangeKey;
import io.tradepulse.avro.FigureQuality;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.state.HistoryYearKey;
import io.tradepulse.avro.state.RollupChildKey;
import io.tradepulse.avro.state.RollupContribution;
import io.tradepulse.core.FigureQualities;

/**
 * The hot state serdes of format 1, hand-written ({@link Format1Codec}: same bytes as {@link VersionedAvroSerde}).
 * Each writes and reads its schema's fields in the schema's order, with the schema's types; a schema change needs a
 * change here (and a new format version if the bytes change), which {@code Format1CodecsTest} enforces by pinning
 * every field list.
 */
final class Format1Codecs {
    /** Avro writes a specific enum as its ordinal, which the generated enum keeps equal to the symbol's index. */
    private static final Flow[] FLOWS = Flow.values();

    private Format1Codecs() {
    }

    // SeriesKey: reporter string, partner string, flow Flow, commodity string
    static void writeSeriesKey(Format1Codec.Out out, SeriesKey k) {
        out.writeString(k.getReporter());
        out.writeString(k.getPartner());
        out.writeInt(k.getFlow().ordinal());
        out.writeString(k.getCommodity());
    }

    static SeriesKey readSeriesKey(Format1Codec.In in) {
        String reporter = in.readString();
        String partner = in.readString();
        Flow flow = FLOWS[in.readIndex(FLOWS.length)];
        return new SeriesKey(reporter, partner, flow, in.readString());
    }

    // ChangeKey: reporter string, partner string, flow Flow, commodity string, year int, month int
    static void writeChangeKey(Format1Codec.Out out, ChangeKey k) {
        out.writeString(k.getReporter());
        out.writeString(k.getPartner());
        out.writeInt(k.getFlow().ordinal());
        out.writeString(k.getCommodity());
        out.writeInt(k.getYear());
        out.writeInt(k.getMonth());
    }

    static ChangeKey readChangeKey(Format1Codec.In in) {
        String reporter = in.readString();
        String partner = in.readString();
        Flow flow = FLOWS[in.readIndex(FLOWS.length)];
        String commodity = in.readString();
        int year = in.readInt();
        return new ChangeKey(reporter, partner, flow, commodity, year, in.readInt());
    }

    /** Key of the series-history store. */
    static final class SeriesKeyCodec extends Format1Codec<SeriesKey> {
        SeriesKeyCodec() {
            super(SeriesKey.getClassSchema());
        }

        @Override
        void write(Out out, SeriesKey k) {
            writeSeriesKey(out, k);
        }

        @Override
        SeriesKey read(In in) {
            return readSeriesKey(in);
        }
    }

    /** Key of the series-history-archive store: series SeriesKey, year int. */
    static final class HistoryYearKeyCodec extends Format1Codec<HistoryYearKey> {
        HistoryYearKeyCodec() {
            super(HistoryYearKey.getClassSchema());
        }

        @Override
        void write(Out out, HistoryYearKey k) {
            writeSeriesKey(out, k.getSeries());
            out.writeInt(k.getYear());
        }

        @Override
        HistoryYearKey read(In in) {
            SeriesKey series = readSeriesKey(in);
            return new HistoryYearKey(series, in.readInt());
        }
    }

    /**
     * Key of the rollup-by-parent repartition topic and the rollup-pending store, and the prefix of a cell's
     * {@link RollupChildKeyCodec} keys.
     */
    static final class ChangeKeyCodec extends Format1Codec<ChangeKey> {
        ChangeKeyCodec() {
            super(ChangeKey.getClassSchema());
        }

        @Override
        void write(Out out, ChangeKey k) {
            writeChangeKey(out, k);
        }

        @Override
        ChangeKey read(In in) {
            return readChangeKey(in);
        }
    }

    /**
     * Key of the rollup-children store: cell ChangeKey, child string. The cell first, so a cell's
     * {@link ChangeKeyCodec} bytes are a prefix of exactly its children's keys (the emission's prefix scan).
     */
    static final class RollupChildKeyCodec extends Format1Codec<RollupChildKey> {
        RollupChildKeyCodec() {
            super(RollupChildKey.getClassSchema());
        }

        @Override
        void write(Out out, RollupChildKey k) {
            writeChangeKey(out, k.getCell());
            out.writeString(k.getChild());
        }

        @Override
        RollupChildKey read(In in) {
            ChangeKey cell = readChangeKey(in);
            return new RollupChildKey(cell, in.readString());
        }
    }

    /**
     * Value of the rollup-by-parent repartition topic and the rollup-children store: child string, months int,
     * value ["null","long"], currency, source, vintage string, publishedAt long, derivedFrom ["null","int"] (format 1,
     * the Avro binary of {@code history/RollupContribution/v1.avsc}), then in format 2 only, quality (the
     * FigureQuality enum index: the Avro binary of v2). Format 2 is written only for a quality other than PUBLISHED,
     * so the contributions of published figures keep their format-1 bytes, and a release that does not know
     * qualities refuses a format-2 contribution by name instead of deriving a parent as published from it.
     */
    static final class RollupContributionCodec extends Format1Codec<RollupContribution> {
        static final byte FORMAT_V2 = 2;

        RollupContributionCodec() {
            super(RollupContribution.getClassSchema());
        }

        @Override
        byte formatOf(RollupContribution c) {
            return c.getQuality() == FigureQuality.PUBLISHED ? VersionedAvroSerde.FORMAT_V1 : FORMAT_V2;
        }

        @Override
        boolean reads(byte format) {
            return format == VersionedAvroSerde.FORMAT_V1 || format == FORMAT_V2;
        }

        @Override
        RollupContribution read(In in, byte format) {
            String child = in.readString();
            int months = in.readInt();
            Long value = in.readNullableLong();
            String currency = in.readString();
            String source = in.readString();
            String vintage = in.readString();
            long publishedAt = in.readLong();
            Integer derivedFrom = in.readNullableInt();
            FigureQuality quality = format == FORMAT_V2
                    ? FigureQualities.ofOrdinal(in.readIndex(FigureQualities.count())) : FigureQuality.PUBLISHED;
            return new RollupContribution(child, months, value, currency, source, vintage, publishedAt, derivedFrom,
                    quality);
        }

        @Override
        void write(Out out, RollupContribution c) {
            out.writeString(c.getChild());
            out.writeInt(c.getMonths());
            out.writeNullableLong(c.getValue());
            out.writeString(c.getCurrency());
            out.writeString(c.getSource());
            out.writeString(c.getVintage());
            out.writeLong(c.getPublishedAt());
            out.writeNullableInt(c.getDerivedFrom());
            if (c.getQuality() != FigureQuality.PUBLISHED) {
                out.writeInt(c.getQuality().ordinal());
            }
        }

        @Override
        RollupContribution read(In in) {
            return read(in, VersionedAvroSerde.FORMAT_V1);
        }
    }
}
