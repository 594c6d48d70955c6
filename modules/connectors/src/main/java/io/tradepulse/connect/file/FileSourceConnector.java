package io.tradepulse.connect.file;

import io.tradepulse.connect.common.LocationSourceConnector;
import io.tradepulse.connect.common.OwnKeys;
import java.util.List;

/**
 * Any CSV or NDJSON file of trade figures, mapped column by column to TradeRecord fields. Its validate also checks
 * the mapping start requires ({@link FileConfig#RULES}), each missing part on its field.* key.
 */
public class FileSourceConnector extends LocationSourceConnector<FileConfig> {
  /** The prefixes of this connector's own keys: an unknown key under them is a typo ({@link OwnKeys}). */
  static final List<String> OWN_PREFIXES = List.of("file.", "field.", "default.", "http.");

  public FileSourceConnector() {
    super(FileConfig.CONFIG_DEF, FileConfig::new, OWN_PREFIXES, FileConfig.PATHS_CONFIG, FileSourceTask.class,
        FileConfig.RULES);
  }
}
