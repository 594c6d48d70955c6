package io.tradepulse.testsupport.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import io.tradepulse.registry.SchemaMetadata;
import io.tradepulse.registry.SchemaRegistryException;

class InMemorySchemaRegistryClientTest {

    private static final Schema V1 = new Schema.Parser().parse("""
            {"type":"record","name":"Price","namespace":"t","fields":[{"name":"s","type":"string"}]}""");
    private static final Schema V2 = new Schema.Parser().parse("""
            {"type":"record","name":"Price","namespace":"t","fields":[{"name":"s","type":"string"},
             {"name":"c","type":"string","default":"USD"}]}""");
    private static final Schema V3_BREAKING = new Schema.Parser().parse("""
            {"type":"record","name":"Price","namespace":"t","fields":[{"name":"s","type":"string"},
             {"name":"v","type":"string"}]}""");

    private final InMemorySchemaRegistryClient client = new InMemorySchemaRegistryClient();

    @Test
    void shouldGiveOneGlobalIdPerSchemaTextAndVersionsPerSubject() {
        int id = client.register("a-value", V1);
        assertThat(client.register("a-value", V1)).isEqualTo(id);
        assertThat(client.register("b-value", V1)).isEqualTo(id);
        int id2 = client.register("a-value", V2);
        assertThat(id2).isNotEqualTo(id);
        assertThat(client.getAllVersions("a-value")).containsExactly(1, 2);
        assertThat(client.getAllVersions("b-value")).containsExactly(1);
        assertThat(client.getLatestSchemaMetadata("a-value")).isEqualTo(new SchemaMetadata(id2, 2, "a-value", V2));
        assertThat(client.getSchemaMetadata("a-value", 1)).isEqualTo(new SchemaMetadata(id, 1, "a-value", V1));
        assertThat(client.getId("a-value", V2)).isEqualTo(id2);
        assertThat(client.getVersion("a-value", V2)).isEqualTo(2);
        assertThat(client.getById(id)).isEqualTo(V1);
        assertThat(client.getAllSubjects()).containsExactly("a-value", "b-value");
    }

    @Test
    void shouldRejectBackwardIncompatibleSchemaWith409ByDefault() {
        client.register("a-value", V1);
        assertThat(client.getCompatibility(null)).isEqualTo("BACKWARD");
        assertThat(client.testCompatibility("a-value", V2)).isTrue();
        assertThat(client.testCompatibility("a-value", V3_BREAKING)).isFalse();
        assertThat(client.testCompatibility("new-value", V3_BREAKING)).isTrue();
        assertThatThrownBy(() -> client.register("a-value", V3_BREAKING))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
                    assertThat(e.errorCode()).isEqualTo(409);
                    assertThat(e.httpStatus()).isEqualTo(409);
                });
        assertThat(client.getAllVersions("a-value")).containsExactly(1);
    }

    @Test
    void shouldHonourSubjectLevelCompatibility() {
        client.register("a-value", V1);
        client.updateCompatibility("a-value", "none");
        assertThat(client.getCompatibility("a-value")).isEqualTo("NONE");
        assertThat(client.getCompatibility("other")).isEqualTo("BACKWARD");
        assertThat(client.register("a-value", V3_BREAKING)).isPositive();
        client.updateCompatibility("b-value", "FORWARD");
        client.register("b-value", V2);
        // FORWARD: the registered V2 must read data written with V1; its extra field has a default.
        assertThat(client.testCompatibility("b-value", V1)).isTrue();
        assertThatThrownBy(() -> client.updateCompatibility(null, "SIDEWAYS")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldCheckEveryVersionForTransitiveLevels() {
        client.updateCompatibility("a-value", "BACKWARD_TRANSITIVE");
        Schema v1 = new Schema.Parser().parse("""
                {"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}""");
        Schema v2 = new Schema.Parser().parse("""
                {"type":"record","name":"R","fields":[{"name":"a","type":"int","default":0}]}""");
        Schema v3 = new Schema.Parser().parse("""
                {"type":"record","name":"R","fields":[{"name":"b","type":"int","default":0}]}""");
        client.register("a-value", v1);
        client.register("a-value", v2);
        // v3 reads v2 data? yes (a dropped, b defaulted); v1 data too. Backward holds transitively here:
        assertThat(client.testCompatibility("a-value", v3)).isTrue();
        Schema v4 = new Schema.Parser().parse("""
                {"type":"record","name":"R","fields":[{"name":"a","type":"long"}]}""");
        // int -> long promotion is readable from both earlier versions.
        assertThat(client.testCompatibility("a-value", v4)).isTrue();
        Schema v5 = new Schema.Parser().parse("""
                {"type":"record","name":"R","fields":[{"name":"c","type":"string"}]}""");
        assertThat(client.testCompatibility("a-value", v5)).isFalse();
    }

    @Test
    void shouldUseConfluentErrorCodes() {
        assertThatThrownBy(() -> client.getLatestSchemaMetadata("nope"))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40401));
        assertThatThrownBy(() -> client.getById(42))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40403));
        client.register("a-value", V1);
        assertThatThrownBy(() -> client.getSchemaMetadata("a-value", 9))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40402));
        assertThatThrownBy(() -> client.getId("a-value", V2))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40403));
    }

    @Test
    void shouldKeepIdsAndNotReuseVersionsAfterDelete() {
        int id = client.register("a-value", V1);
        assertThat(client.deleteSubject("a-value")).containsExactly(1);
        assertThat(client.getAllSubjects()).isEmpty();
        assertThat(client.getById(id)).isEqualTo(V1);
        assertThat(client.register("a-value", V1)).isEqualTo(id);
        assertThat(client.getAllVersions("a-value")).containsExactly(2);
    }

    @Test
    void shouldBeSafeUnderConcurrentRegistration() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Integer>> ids = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String subject = "s" + (i % 10) + "-value";
                ids.add(pool.submit(() -> client.register(subject, V1)));
            }
            for (Future<Integer> id : ids) {
                assertThat(id.get()).isEqualTo(1);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(client.getAllSubjects()).hasSize(10);
        for (String subject : client.getAllSubjects()) {
            assertThat(client.getAllVersions(subject)).containsExactly(1);
        }
    }
}
