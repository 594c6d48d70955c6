package io.tradepulse.registry.serde;

import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;

import java.time.Instant;
import java.util.Map;
import java.util.function.Consumer;

import org.apache.avro.Schema;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;

import io.tradepulse.avro.CommodityLevel;
import io.tradepulse.avro.Flow;
import io.tradepulse.avro.SeriesKey;
import io.tradepulse.avro.TradeRecord;

/** Sample records and Confluent-shaped WireMock stubs for the serde tests. */
public final class SerdeFixtures {

    public static final String TOPIC = "trade.records";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SerdeFixtures() {
    }

    public static TradeRecord tradeRecord() {
        return TradeRecord.newBuilder()
                .setReporter("CHN").setPartner("USA").setFlow(Flow.EXPORT)
                .setCommodity("TOTAL").setCommodityLevel(CommodityLevel.TOTAL)
                .setYear(2025).setMonth(4).setMonths(1)
                .setValue(33_000_000_000L).setCurrency("USD").setValuation("FOB")
                .setReportedYoyPct(-21.0).setSource("GACC").setSourceRef("http://english.customs.gov.cn/")
                .setVintage("2025-05-09").setPublishedAt(Instant.parse("2025-05-09T03:00:00Z"))
                .setRevision(0).setNote(null)
                .build();
    }

    public static SeriesKey seriesKey() {
        return new SeriesKey("CHN", "USA", Flow.EXPORT, "TOTAL");
    }

    /** Stubs POST /subjects/{subject}/versions for exactly this schema text, answering {@code id}. */
    public static void stubRegister(WireMockExtension registry, String subject, Schema schema, int id) {
        registry.stubFor(post("/subjects/" + subject + "/versions").withRequestBody(equalToJson(body(schema)))
                .willReturn(okJson("{\"id\":" + id + "}")));
    }

    /** Stubs GET /schemas/ids/{id}. */
    public static void stubSchemaById(WireMockExtension registry, int id, Schema schema) {
        registry.stubFor(get("/schemas/ids/" + id).willReturn(okJson(body(schema))));
    }

    public static String body(Schema schema) {
        try {
            return MAPPER.writeValueAsString(Map.of("schema", schema.toString()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String metadata(String subject, int version, int id, Schema schema) {
        try {
            return MAPPER.writeValueAsString(Map.of("subject", subject, "version", version, "id", id, "schema", schema.toString()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** TradeRecord's schema with the named fields removed: an older version of the record. */
    public static Schema tradeRecordWithout(String... fieldNames) {
        return edit(TradeRecord.getClassSchema(), fields -> {
            for (String name : fieldNames) {
                for (int i = 0; i < fields.size(); i++) {
                    if (fields.get(i).path("name").asText().equals(name)) {
                        fields.remove(i);
                        break;
                    }
                }
            }
        });
    }

    /** TradeRecord's schema plus an optional string field: a newer version of the record. */
    public static Schema tradeRecordWithExtraField(String name) {
        return edit(TradeRecord.getClassSchema(), fields -> fields.addObject().put("name", name)
                .put("type", "string").put("default", "n/a"));
    }

    private static Schema edit(Schema schema, Consumer<ArrayNode> change) {
        try {
            ObjectNode json = (ObjectNode) MAPPER.readTree(schema.toString());
            change.accept((ArrayNode) json.get("fields"));
            return new Schema.Parser().parse(MAPPER.writeValueAsString(json));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Map<String, Object> config(WireMockExtension registry, Object... keyValues) {
        Map<String, Object> config = new java.util.HashMap<>();
        config.put("schema.registry.url", registry.baseUrl());
        config.put("retries.wait.ms", 10);
        config.put("retries.max.wait.ms", 20);
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }
}
