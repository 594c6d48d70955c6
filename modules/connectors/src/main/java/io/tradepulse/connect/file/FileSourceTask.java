package io.tradepulse.connect.file;

import io.tradepulse.connect.common.ItemStream;
import io.tradepulse.connect.common.LocationSourceTask;
import io.tradepulse.connect.common.Parsed;
import io.tradepulse.connect.common.Payload;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Reads mapped CSV/NDJSON files; finite: signals completion once every row was acknowledged. */
public class FileSourceTask extends LocationSourceTask<FileConfig> {
  private MappedRowParser parser;

  @Override
  protected FileConfig parseConfig(Map<String, String> props) {
    return new FileConfig(props);
  }

  @Override
  protected void startTask(Map<String, String> props) {
    parser = new MappedRowParser(config, clock);
    super.startTask(props);
  }

  @Override
  protected List<String> locations() {
    return config.paths();
  }

  /** Files are dropped into place by writers that often do not write-then-rename: see file.settle.ms. */
  @Override
  protected Duration settleTime() {
    return config.settle();
  }

  @Override
  protected String sourceName() {
    return "file";
  }

  @Override
  protected Parsed parse(byte[] payload, String location) {
    return parser.parse(payload, location);
  }

  @Override
  protected ItemStream open(Payload payload, String location) throws IOException {
    return parser.open(payload, location);
  }
}
