package io.tradepulse.connect.common;

import java.io.IOException;
import java.net.URI;
import java.util.Map;

/** Fetches one page (one HTTP request). Kept tiny so tests and retries can wrap it. */
@FunctionalInterface
public interface PageFetcher {
  HttpPage fetch(URI uri, Map<String, String> headers) throws IOException, InterruptedException;
}
