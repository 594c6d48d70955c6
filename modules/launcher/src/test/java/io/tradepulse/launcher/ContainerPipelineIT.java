package io.tradepulse.launcher;

import org.junit.jupiter.api.Test;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The end-to-end scenario of {@link EndToEndPipelineIT} against container images: the apache/kafka broker and
 * the genuine Confluent Schema Registry, so our registry client and serdes are exercised against Confluent's
 * own server, not only Apicurio's compatible API. Runs where a Docker engine exists; on machines without one
 * (as in this project's CI) JUnit reports it skipped, with no failure.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerPipelineIT {
    private static final Network NETWORK = Network.newNetwork();

    @Container
    static final KafkaContainer KAFKA = new KafkaContainer(DockerImageName.parse("apache/kafka:4.0.0"))
            .withNetwork(NETWORK)
            .withListener("kafka:19092"); // what the registry container uses to reach the broker

    @Container
    @SuppressWarnings("resource")
    static final GenericContainer<?> REGISTRY = new GenericContainer<>(
            DockerImageName.parse("confluentinc/cp-schema-registry:7.8.0"))
            .withNetwork(NETWORK)
            .withExposedPorts(8081)
            .withEnv("SCHEMA_REGISTRY_HOST_NAME", "schema-registry")
            .withEnv("SCHEMA_REGISTRY_LISTENERS", "http://0.0.0.0:8081")
            .withEnv("SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS", "PLAINTEXT://kafka:19092")
            .dependsOn(KAFKA)
            .waitingFor(Wait.forHttp("/subjects").forStatusCode(200));

    @Test
    void shouldPublishChinaExportsToUsMay2025OnConfluentRegistryAndApacheKafkaImages() throws Exception {
        String registryUrl = "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8081);
        EndToEndPipelineIT.runPipelineAndCheckResults(KAFKA.getBootstrapServers(), registryUrl);
    }
}
