package io.tradepulse.connect.census;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.tradepulse.connect.TaskHarness;
import io.tradepulse.connect.common.JdkPageFetcher;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/** What the Census task tests set up alike: the stub API, the settings they start from, a task on the test clock. */
final class CensusFixture {
  /** Where the stub answers: exports by HS code, as the settings below ask. */
  static final String PATH = "/data/timeseries/intltrade/exports/hs";

  private CensusFixture() {
  }

  /**
   * Exports at HS2 from {@code startMonth} on, one partition, from the stub {@code wm}; polls and retries at once, so
   * a test does not wait.
   */
  static Map<String, String> props(WireMockServer wm, String name, String startMonth) {
    Map<String, String> p = new HashMap<>();
    p.put("name", name);
    p.put(CensusConfig.BASE_URL_CONFIG, wm.baseUrl() + "/data/timeseries/intltrade");
    p.put(CensusConfig.FLOWS_CONFIG, "EXPORT");
    p.put(CensusConfig.COMM_LVL_CONFIG, "HS2");
    p.put(CensusConfig.START_MONTH_CONFIG, startMonth);
    p.put("poll.interval.ms", "10");
    p.put("http.backoff.initial.ms", "1");
    p.put("http.backoff.max.ms", "5");
    p.put(CensusSourceTask.PARTITIONS_CONFIG, "EXPORT|HS2|*");
    return p;
  }

  /** The stub's answer for {@code month} (a null body: an empty one). */
  static void stubMonth(WireMockServer wm, String month, int status, String body) {
    wm.stubFor(get(urlPathEqualTo(PATH)).withQueryParam("time", equalTo(month))
        .willReturn(aResponse().withStatus(status).withBody(body == null ? "" : body)));
  }

  /** A task on {@code clock} with a real HTTP client, started by {@code harness} (its offsets) with {@code props}. */
  static CensusSourceTask start(TaskHarness harness, Clock clock, Map<String, String> props) {
    CensusSourceTask task = new CensusSourceTask();
    task.useForTesting(clock, new JdkPageFetcher(Duration.ofSeconds(5)));
    return harness.start(task, props);
  }
}
