package io.tradepulse.connect.gacc;

import io.tradepulse.connect.common.TradeSourceConfig;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Configuration of {@link GaccSourceConnector}. */
public final class GaccConfig extends TradeSourceConfig {
  public static final String GROUP = "China customs";

  public static final String LOCATIONS_CONFIG = "gacc.tables";
  public static final String LOCATIONS_DOC = "Country tables to read (CSV exports of the published English tables): local "
      + "paths or http(s) URLs. Each one is a source partition.";

  public static final String COUNTRY_TABLE_CONFIG = "gacc.country.table";
  public static final String COUNTRY_TABLE_DOC = "Optional CSV (code,iso3,kind,name) replacing the shipped English "
      + "country/region name -> ISO alpha-3 table (code = the name as the tables print it; names are also matched "
      + "ignoring case, accents, spacing, punctuation, 'the' and a leading 'of which:').";

  public static final String RELEASE_DAY_CONFIG = "gacc.release.day";
  public static final String RELEASE_DAY_DOC = "Day of the following month used as the release date when a table has no "
      + "'Release:' line (10:00 Asia/Shanghai). Keeps publishedAt deterministic.";
  public static final int RELEASE_DAY_DEFAULT = 10;

  public static final String SETTLE_CONFIG = "gacc.settle.ms";
  public static final String SETTLE_DOC = "How long a local table whose last line has no line break must have gone "
      + "unmodified before it is read. A table saved over its old copy in place is, while it is written, cut in a row, "
      + "and its cut last figure (28,8 of 28,800,000) would go out as one: such a table, and one that changes while it "
      + "is checked, is left for a later check (after this time, or poll.interval.ms if sooner), with one INFO log; "
      + "nothing is lost. 0 = read whatever a table holds when it is checked. Not used for http(s) URLs.";
  public static final long SETTLE_DEFAULT = 10_000L;

  public static final ConfigDef CONFIG_DEF = commonDef(new ConfigDef())
      .define(LOCATIONS_CONFIG, Type.LIST, ConfigDef.NO_DEFAULT_VALUE, distinctList(),
          Importance.HIGH, LOCATIONS_DOC, GROUP, 1, ConfigDef.Width.LONG, LOCATIONS_CONFIG)
      .define(COUNTRY_TABLE_CONFIG, Type.STRING, "", GaccNames.overrideValidator(), Importance.LOW, COUNTRY_TABLE_DOC,
          GROUP, 2, ConfigDef.Width.LONG, COUNTRY_TABLE_CONFIG)
      .define(RELEASE_DAY_CONFIG, Type.INT, RELEASE_DAY_DEFAULT, ConfigDef.Range.between(1, 28), Importance.LOW,
          RELEASE_DAY_DOC, GROUP, 3, ConfigDef.Width.SHORT, RELEASE_DAY_CONFIG)
      .define(SETTLE_CONFIG, Type.LONG, SETTLE_DEFAULT, ConfigDef.Range.between(0, 86_400_000L), Importance.LOW,
          SETTLE_DOC, GROUP, 4, ConfigDef.Width.SHORT, SETTLE_CONFIG);

  public GaccConfig(Map<?, ?> props) {
    super(CONFIG_DEF, props);
  }

  public List<String> locations() { return getList(LOCATIONS_CONFIG); }
  public String countryTable() { return getString(COUNTRY_TABLE_CONFIG); }
  public int releaseDay() { return getInt(RELEASE_DAY_CONFIG); }
  public java.time.Duration settle() { return java.time.Duration.ofMillis(getLong(SETTLE_CONFIG)); }
}
