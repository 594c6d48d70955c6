package io.tradepulse.connect.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConnectorDocsTest {
  @Test
  void shouldKeepDocsConnectorsMdInSyncWithTheConfigDefs() throws Exception {
    Path doc = Path.of(System.getProperty("tradepulse.docs.dir", "../../docs"), "connectors.md");
    if (Boolean.getBoolean("tradepulse.docs.update")) { // ConnectorDocGenerator.REGENERATE
      Files.writeString(doc, ConnectorDocGenerator.generate(), StandardCharsets.UTF_8);
    }
    assertThat(doc).as("docs/connectors.md is missing; run " + ConnectorDocGenerator.REGENERATE).exists();
    assertThat(Files.readString(doc, StandardCharsets.UTF_8))
        .as("docs/connectors.md is stale; regenerate with: " + ConnectorDocGenerator.REGENERATE)
        .isEqualTo(ConnectorDocGenerator.generate());
  }

  @Test
  void shouldDocumentEveryKeyOfEveryConnector() {
    String doc = ConnectorDocGenerator.generate();
    assertThat(doc).contains("| `census.comm.lvl` | string | `HS2` | [TOTAL, HS2, HS4, HS6, HS10]")
        .contains("`comtrade.subscription.key`").contains("`gacc.tables`").contains("`field.publishedAt`")
        .contains("`dlq.topic` | string | `trade.dlq`");
  }
}
