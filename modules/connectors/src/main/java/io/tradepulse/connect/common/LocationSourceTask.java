package io.tradepulse.connect.common;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;

/**
 * Base for sources that are whole documents at known locations (local files or http(s) URLs): GACC
 * tables, Comext bulk files, generic CSV/JSON. One source partition per location; the offset remembers
 * the payload fingerprint and how many rows were emitted, so a restart resumes mid-file without
 * duplicates, and a replaced file (a revised table) is read again.
 */
public abstract class LocationSourceTask<C extends TradeSourceConfig> extends TradeSourceTask<C> {
  private final Map<String, FileOffset> state = new LinkedHashMap<>();
  private final Map<String, Instant> nextCheck = new LinkedHashMap<>();
  private RetryingFetcher fetcher;

  protected abstract List<String> locations();

  protected abstract String sourceName();

  protected abstract Parsed parse(byte[] payload, String location);

  protected Map<String, String> partition(String location) {
    return SourcePartitions.of("source", sourceName(), "location", location);
  }

  @Override
  protected void startTask(Map<String, String> props) {
    fetcher = retryingFetcher();
    for (String loc : locations()) {
      FileOffset off = FileOffset.fromMap(storedOffset(partition(loc)));
      state.put(loc, off);
      nextCheck.put(loc, Instant.MIN);
      log.info("{} location {} resumes at {}", sourceName(), loc, off);
    }
  }

  @Override
  protected boolean exhausted() {
    return state.values().stream().allMatch(FileOffset::complete);
  }

  @Override
  protected List<SourceRecord> nextRecords() throws InterruptedException {
    Instant now = clock.instant();
    for (Map.Entry<String, FileOffset> e : state.entrySet()) {
      String loc = e.getKey();
      if (now.isBefore(nextCheck.get(loc))) {
        continue;
      }
      nextCheck.put(loc, now.plus(config.pollInterval()));
      byte[] payload = read(loc);
      if (payload == null) {
        continue;
      }
      FileOffset off = e.getValue();
      String digest = Digests.of(payload);
      boolean same = digest.equals(off.digest());
      if (same && off.complete()) {
        continue;
      }
      Parsed parsed = parse(payload, loc);
      metrics.skipped(parsed.skipped());
      List<ParsedItem> items = parsed.items();
      long skip = same ? off.rowsDone() : 0;
      Map<String, String> partition = partition(loc);
      List<SourceRecord> out = new ArrayList<>();
      for (int i = (int) skip; i < items.size(); i++) {
        FileOffset o = new FileOffset(i + 1, digest, i == items.size() - 1);
        out.add(records.create(partition, o.toMap(), items.get(i), parsed.publishedAt()));
      }
      e.setValue(new FileOffset(items.size(), digest, true));
      if (!same && off.complete()) {
        log.info("{} changed (new digest {}): re-read {} rows", loc, digest, items.size());
      }
      if (!out.isEmpty()) {
        return out;
      }
    }
    return List.of();
  }

  private byte[] read(String loc) throws InterruptedException {
    if (loc.startsWith("http://") || loc.startsWith("https://")) {
      HttpPage page = fetcher.fetch(URI.create(loc), Map.of(), loc);
      if (page.isNoData()) {
        return null;
      }
      if (page.status() != 200) {
        throw new ConnectException("HTTP " + page.status() + " for " + loc);
      }
      return page.body();
    }
    try {
      return Files.readAllBytes(Path.of(loc));
    } catch (NoSuchFileException e) {
      log.warn("{} does not exist (yet); will look again in {}", loc, config.pollInterval());
      return null;
    } catch (IOException e) {
      throw new RetriableException("Cannot read " + loc, e);
    }
  }
}
