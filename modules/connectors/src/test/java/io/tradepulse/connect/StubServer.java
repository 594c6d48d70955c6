package io.tradepulse.connect;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A WireMock server (any free port) that a test class's tests share, registered as a static {@code @RegisterExtension}
 * field: started before the first test, its stubs and requests reset before each (a test sees only its own), stopped
 * after the last. One server per class instead of per test saves starting Jetty for every test.
 */
public final class StubServer extends WireMockServer implements BeforeAllCallback, BeforeEachCallback,
    AfterAllCallback {

  public StubServer() {
    super(WireMockConfiguration.options().dynamicPort());
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    start();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    resetAll();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stop();
  }
}
