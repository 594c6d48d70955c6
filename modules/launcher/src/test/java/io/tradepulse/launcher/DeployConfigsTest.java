package io.tradepulse.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tradepulse.connect.avro.AvroConverter;
import io.tradepulse.connect.runner.EmbeddedConnect;
import io.tradepulse.core.TopicCatalog;
import io.tradepulse.registry.serde.AvroSerdeConfig;
import io.tradepulse.serving.DashboardServer;
import io.tradepulse.serving.Results;
import io.tradepulse.streams.ProcessorConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigTransformer;
import org.apache.kafka.common.config.ConfigValue;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.config.provider.FileConfigProvider;
import org.apache.kafka.common.security.JaasContext;
import org.apache.kafka.connect.connector.Connector;
import org.apache.kafka.connect.runtime.SourceConnectorConfig;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.source.SourceConnector;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * Contract test of {@code deploy/}: fails when the deployment artifacts drift from the code they configure.
 * No broker, no registry, no Kubernetes: the processor properties go through {@link ProcessorConfig} (and the
 * Streams, serde and SASL parsers behind it), the connector configs through the connectors' own
 * {@code validate}/{@code start}, the worker snippet through Connect's {@link DistributedConfig}, the StatefulSet's
 * arguments through the launcher's picocli model, and its probe paths against a real {@link DashboardServer}.
 */
class DeployConfigsTest {
    /** Where deploy/connect says every Connect worker keeps the secrets file (worker.properties, connector configs). */
    private static final String CONNECT_SECRETS_FILE = "/opt/kafka/secrets/tradepulse-connect.properties";
    private static final Pattern FILE_REFERENCE = Pattern.compile("\\$\\{file:([^:}]+):([^}]+)}");
    /** ProcessorApp.close() gives Kafka Streams this long to commit, close the stores and leave the group. */
    private static final int STREAMS_CLOSE_TIMEOUT_SECONDS = 30;
    private static final String PLACEHOLDER = "CHANGE_ME";
    /** ProcessorConfig's setter sharing one cache between the stores, and its bound (ROCKSDB_MEMORY_BYTES_CONFIG). */
    private static final String BOUNDED_ROCKSDB_SETTER = "io.tradepulse.streams.BoundedRocksDBMemory";
    private static final String ROCKSDB_MEMORY_BYTES_CONFIG = "tradepulse.rocksdb.memory.bytes";
    /** The REST view's RocksDB beside the processor's (serving's ResultsStore): 16 MiB cache, 2 x 16 MiB buffers. */
    private static final long RESULTS_VIEW_ROCKSDB_BYTES = 48L * 1024 * 1024;

    private static Path deploy;

    @BeforeAll
    static void findDeployDirectory() {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("deploy"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("a deploy/ directory above " + System.getProperty("user.dir")).isNotNull();
        deploy = dir.resolve("deploy");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Processor configuration

    @Test
    void shouldValidateTheProcessorPropertiesAgainstProcessorConfig() {
        Map<String, String> props = loadProperties(deploy.resolve("processor/processor.properties"));

        ProcessorConfig config = validateProcessorConfig(props);

        assertThat(config.getString(ProcessorConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(config.getShort(ProcessorConfig.TOPIC_REPLICATION_CONFIG)).isEqualTo((short) 3);
        assertThat(props).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("basic.auth.credentials.source", "USER_INFO");
    }

    @Test
    void shouldKeepEverySecretOfTheProcessorPropertiesAPlaceholder() {
        Map<String, String> props = loadProperties(deploy.resolve("processor/processor.properties"));

        Set<String> secrets = props.keySet().stream().filter(DeployConfigsTest::isProcessorPassword)
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(secrets).contains(SaslConfigs.SASL_JAAS_CONFIG, "basic.auth.user.info");
        assertThat(secrets).allSatisfy(key -> assertThat(props.get(key)).as(key).contains(PLACEHOLDER));
    }

    @Test
    void shouldReplaceEveryPlaceholderWithTheSecretsCredentialsAsTheInitContainerWritesThem() throws IOException {
        Map<String, String> props = loadProperties(deploy.resolve("processor/processor.properties"));
        Path credentialsFile = deploy.resolve("kubernetes/credentials.example.properties");
        Map<String, String> credentials = loadProperties(credentialsFile);
        Set<String> placeholders = props.entrySet().stream().filter(e -> e.getValue().contains(PLACEHOLDER))
                .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));

        assertThat(new TreeSet<>(credentials.keySet())).as("the Secret replaces exactly the CHANGE_ME keys").isEqualTo(placeholders);

        // The init container: the ConfigMap's file, a newline, the Secret's file; a repeated key takes its last value.
        String rendered = configMapProcessorProperties() + "\n" + Files.readString(credentialsFile);
        Properties merged = new Properties();
        merged.load(new StringReader(rendered));
        Map<String, String> mergedMap = toMap(merged);

        assertThat(mergedMap.values()).noneMatch(v -> v.contains(PLACEHOLDER));
        assertThat(mergedMap.keySet()).isEqualTo(props.keySet());
        validateProcessorConfig(mergedMap);
    }

    @Test
    void shouldCarryTheProcessorPropertiesUnchangedInTheKubernetesConfigMap() throws IOException {
        Map<String, Object> configMap = yaml("kubernetes/configmap.yaml");
        assertThat(configMap.get("kind")).isEqualTo("ConfigMap");

        Properties fromConfigMap = new Properties();
        fromConfigMap.load(new StringReader(configMapProcessorProperties()));

        assertThat(new TreeMap<>(toMap(fromConfigMap)))
                .isEqualTo(new TreeMap<>(loadProperties(deploy.resolve("processor/processor.properties"))));
        // ... and it is the ConfigMap the StatefulSet mounts, with that key.
        Map<String, Object> volume = volume(podSpec(), "config-template");
        assertThat(map(volume, "configMap").get("name")).isEqualTo(map(configMap, "metadata").get("name"));
        assertThat(list(map(volume, "configMap"), "items").stream().map(i -> asMap(i).get("key")).toList())
                .containsExactly("processor.properties");
    }

    /**
     * Kafka Streams' defaults give each RocksDB store instance a 50 MB block cache and up to 3 x 16 MB of write
     * buffers: ~36 instances in a pod came to ~3.4 GB beside the heap, and a backfill was OOMKilled.
     */
    @Test
    void shouldBoundTheProcessorsRocksDBMemoryWithTheSharedCacheSetter() {
        Map<String, String> props = loadProperties(deploy.resolve("processor/processor.properties"));

        assertThat(props).containsEntry(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BOUNDED_ROCKSDB_SETTER);
        Class<?> setter = new StreamsConfig(validateProcessorConfig(props).streamsConfig())
                .getClass(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG);
        assertThat(RocksDBConfigSetter.class.isAssignableFrom(setter)).as(setter.getName()).isTrue();
    }

    @Test
    void shouldFitTheHeapTheRocksDBBoundAndTheJvmsOwnMemoryUnderTheContainerMemoryLimit() {
        Map<String, Object> resources = map(processorContainer(), "resources");
        long limit = quantityBytes(map(resources, "limits").get("memory"));
        String javaOptions = list(processorContainer(), "env").stream().map(DeployConfigsTest::asMap)
                .filter(e -> "JAVA_TOOL_OPTIONS".equals(e.get("name"))).map(e -> (String) e.get("value")).findFirst()
                .orElseThrow(() -> new AssertionError("no JAVA_TOOL_OPTIONS"));
        Matcher percentage = Pattern.compile("-XX:MaxRAMPercentage=([0-9.]+)").matcher(javaOptions);
        assertThat(percentage.find()).as("the heap as a share of the limit: " + javaOptions).isTrue();
        assertThat(javaOptions).doesNotContain("-Xmx", "-XX:MaxHeapSize");
        long heap = (long) (limit * Double.parseDouble(percentage.group(1)) / 100);
        Map<String, String> props = loadProperties(deploy.resolve("processor/processor.properties"));
        assertThat(props.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).as("without the bounded setter "
                + "RocksDB takes ~100 MB per store instance, beyond any budget").isEqualTo(BOUNDED_ROCKSDB_SETTER);
        long rocksdb = validateProcessorConfig(props).getLong(ROCKSDB_MEMORY_BYTES_CONFIG);
        // Metaspace, code cache, thread stacks, direct buffers and the allocator's own overhead.
        long jvmOwn = limit / 4;

        assertThat(heap + rocksdb + RESULTS_VIEW_ROCKSDB_BYTES + jvmOwn)
                .as("heap %d + RocksDB %d + REST view %d + JVM %d <= limit %d", heap, rocksdb,
                        RESULTS_VIEW_ROCKSDB_BYTES, jvmOwn, limit)
                .isLessThanOrEqualTo(limit);
        // Heap and cache grow to their bounds: a pod scheduled on less than its limit is the first to go.
        assertThat(quantityBytes(map(resources, "requests").get("memory"))).isEqualTo(limit);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Kubernetes StatefulSet, Service, image

    @Test
    void shouldStartTheContainerWithTheRunVerbAndOptionsTheLauncherAccepts() {
        Map<String, Object> container = processorContainer();
        assertThat(container).as("the image's ENTRYPOINT is the launcher; only args are given").doesNotContainKey("command");
        List<String> args = strings(list(container, "args"));

        // Parsed exactly as Main does (same command tree), without executing anything.
        CommandLine.ParseResult parsed = new CommandLine(new Main()).parseArgs(args.toArray(String[]::new));

        assertThat(parsed.subcommand()).as("a verb").isNotNull();
        assertThat(parsed.subcommand().commandSpec().userObject()).isInstanceOf(RunCommand.class);
        assertThat(parsed.subcommand().unmatched()).isEmpty();
        RunCommand run = (RunCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(run.httpPort).isEqualTo(containerPort(container, "http"));
        assertThat(run.httpHost).as("probes come from the kubelet, not from loopback").isEqualTo("0.0.0.0");
        // --config names the file the init container writes, on the volume both containers share.
        assertThat(run.config.getParent().toString()).isEqualTo(mountPath(container, "config"));
        Map<String, Object> init = initContainer("render-config");
        String script = String.join(" ", strings(list(init, "command")));
        assertThat(script).contains("> " + run.config)
                .contains(mountPath(init, "config-template") + "/processor.properties")
                .contains(mountPath(init, "credentials") + "/credentials.properties");
        assertThat(mountPath(init, "config")).isEqualTo(mountPath(container, "config"));
        assertThat(map(volume(podSpec(), "credentials"), "secret").get("secretName")).isEqualTo("tradepulse-credentials");
    }

    @Test
    void shouldSetOnlyLogLevelsTheLauncherAccepts() {
        Map<String, String> env = new TreeMap<>();
        list(processorContainer(), "env").stream().map(DeployConfigsTest::asMap)
                .forEach(e -> env.put((String) e.get("name"), (String) e.get("value")));

        // A level the launcher refuses would stop every pod at start (exit 2); a misspelt name would be ignored.
        assertThat(env.keySet().stream().filter(name -> name.startsWith("TRADEPULSE_")))
                .isSubsetOf(LogLevels.LEVEL_ENV, LogLevels.KAFKA_LEVEL_ENV);
        for (String variable : List.of(LogLevels.LEVEL_ENV, LogLevels.KAFKA_LEVEL_ENV)) {
            assertThat(env).as("the example sets %s", variable).containsKey(variable);
            assertThat(LogLevels.level(env, variable, null)).as(variable).isNotNull();
        }
    }

    @Test
    void shouldBuildAnImageWhoseEntrypointIsTheLauncherMainClass() throws IOException {
        String dockerfile = Files.readString(deploy.resolve("docker/Dockerfile"));

        assertThat(dockerfile).containsPattern("(?m)^ENTRYPOINT \\[.*\"" + Pattern.quote(Main.class.getName()) + "\"\\]")
                .contains("tradepulse-launcher.jar").contains("lib/*");
        assertThat(strings(list(processorContainer(), "args"))).first().isEqualTo("run");
    }

    @Test
    void shouldProbeTheHealthEndpointsTheRunCommandServes() throws Exception {
        Map<String, Object> container = processorContainer();
        String live = probePath(container, "livenessProbe");
        String ready = probePath(container, "readinessProbe");
        assertThat(live).isEqualTo("/health/live");
        assertThat(ready).isEqualTo("/health/ready");
        assertThat(probePath(container, "startupProbe")).isEqualTo(live);
        for (String probe : List.of("livenessProbe", "readinessProbe", "startupProbe")) {
            assertThat(map(map(container, probe), "httpGet").get("port")).as(probe).isEqualTo("http");
        }

        // The paths answer on the real server with the launcher's health mapping: REBALANCING alive, not ready.
        AtomicReference<KafkaStreams.State> state = new AtomicReference<>();
        Results view = new Results() {
            @Override
            public Page<SeriesSummary> series(SeriesFilter filter, int limit) {
                return new Page<>(List.of(), false);
            }

            @Override
            public Page<io.tradepulse.avro.TradeChange> changes(SeriesFilter filter, int fromPeriod, int toPeriod, int limit) {
                return new Page<>(List.of(), false);
            }

            @Override
            public Page<io.tradepulse.avro.TradeSignal> signals(SeriesFilter filter,
                    java.util.function.Predicate<io.tradepulse.avro.TradeSignal> where, int limit) {
                return new Page<>(List.of(), false);
            }

            @Override
            public boolean caughtUp() {
                return true;
            }

            @Override
            public java.util.Optional<String> failure() {
                return java.util.Optional.empty();
            }
        };
        DashboardServer server = new DashboardServer("127.0.0.1", 0, view, () -> ProcessorHealth.of(state.get())).start();
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            Map<KafkaStreams.State, List<Integer>> expected = new LinkedHashMap<>();
            expected.put(KafkaStreams.State.RUNNING, List.of(200, 200));
            expected.put(KafkaStreams.State.REBALANCING, List.of(200, 503));
            expected.put(KafkaStreams.State.ERROR, List.of(503, 503));
            for (Map.Entry<KafkaStreams.State, List<Integer>> e : expected.entrySet()) {
                state.set(e.getKey());
                assertThat(List.of(status(http, server, live), status(http, server, ready))).as(e.getKey().name())
                        .isEqualTo(e.getValue());
            }
        } finally {
            server.close();
        }
    }

    @Test
    void shouldKeepTheStateDirectoryOnAPersistentVolumeClaim() {
        String stateDir = loadProperties(deploy.resolve("processor/processor.properties")).get(StreamsConfig.STATE_DIR_CONFIG);
        Map<String, Object> statefulSet = yaml("kubernetes/statefulset.yaml");
        Set<String> claims = list(map(statefulSet, "spec"), "volumeClaimTemplates").stream()
                .map(t -> (String) map(asMap(t), "metadata").get("name")).collect(Collectors.toSet());

        List<Map<String, Object>> stateMounts = list(processorContainer(), "volumeMounts").stream().map(DeployConfigsTest::asMap)
                .filter(m -> stateDir.equals(m.get("mountPath")) || stateDir.startsWith(m.get("mountPath") + "/")).toList();

        assertThat(stateMounts).as("the volume mount holding state.dir=" + stateDir).hasSize(1);
        assertThat(claims).contains((String) stateMounts.get(0).get("name"));
        assertThat(stateMounts.get(0).get("readOnly")).isNotEqualTo(true);
    }

    @Test
    void shouldGiveTheProcessorLongerThanItsCloseTimeoutToStop() {
        Object grace = podSpec().get("terminationGracePeriodSeconds");

        assertThat(grace).isInstanceOf(Integer.class);
        assertThat((Integer) grace).isGreaterThanOrEqualTo(STREAMS_CLOSE_TIMEOUT_SECONDS + 15);
    }

    @Test
    void shouldGovernTheStatefulSetWithAHeadlessServiceOnTheHttpPort() {
        Map<String, Object> service = yaml("kubernetes/service.yaml");
        Map<String, Object> statefulSet = yaml("kubernetes/statefulset.yaml");
        Map<String, Object> podLabels = map(map(map(map(statefulSet, "spec"), "template"), "metadata"), "labels");

        assertThat(map(service, "spec").get("clusterIP")).isEqualTo("None");
        assertThat(map(statefulSet, "spec").get("serviceName")).isEqualTo(map(service, "metadata").get("name"));
        assertThat(podLabels).containsAllEntriesOf(map(map(service, "spec"), "selector"));
        assertThat(podLabels).containsAllEntriesOf(map(map(map(statefulSet, "spec"), "selector"), "matchLabels"));
        assertThat(list(map(service, "spec"), "ports").stream().map(p -> asMap(p).get("targetPort")).toList())
                .containsExactly("http");
    }

    @Test
    void shouldResolveEachPodsNameWhileThePodIsNotReady() {
        Map<String, Object> spec = map(yaml("kubernetes/service.yaml"), "spec");

        // deploy/README.md sends clients to http://tradepulse-processor-0.tradepulse-processor:8080/. A headless
        // Service publishes that name only for ready pods unless publishNotReadyAddresses is true: it was NXDOMAIN
        // whenever /health/ready failed (long rebalances, the view catching up after each start, a missing Read ACL),
        // the very times its body, which names the cause, is needed; the API answers then too (X-Tradepulse-View).
        assertThat(spec.get("publishNotReadyAddresses")).as("spec.publishNotReadyAddresses of the headless Service")
                .isEqualTo(true);
    }

    @Test
    void shouldKeepAnInstanceAndItsStandbyOffTheSameNode() {
        int standbys = Integer.parseInt(loadProperties(deploy.resolve("processor/processor.properties"))
                .getOrDefault(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, "0"));
        Map<String, Object> statefulSet = yaml("kubernetes/statefulset.yaml");
        Map<String, Object> podLabels = map(map(map(map(statefulSet, "spec"), "template"), "metadata"), "labels");
        assertThat(standbys).as("num.standby.replicas").isPositive();
        // A standby needs an instance other than its active task's: Streams never assigns it to the same one.
        assertThat((Integer) map(statefulSet, "spec").get("replicas")).isGreaterThan(standbys);

        // Without a spread rule the scheduler may put both pods on one node; losing it lost the active copy and its
        // only standby together, and every task restored its changelogs from scratch.
        Map<String, Object> affinity = map(podSpec(), "affinity");
        List<Map<String, Object>> terms = new ArrayList<>();
        Map<String, Object> antiAffinity = map(affinity, "podAntiAffinity");
        if (antiAffinity.get("requiredDuringSchedulingIgnoredDuringExecution") != null) {
            list(antiAffinity, "requiredDuringSchedulingIgnoredDuringExecution").forEach(t -> terms.add(asMap(t)));
        }
        if (antiAffinity.get("preferredDuringSchedulingIgnoredDuringExecution") != null) {
            list(antiAffinity, "preferredDuringSchedulingIgnoredDuringExecution")
                    .forEach(t -> terms.add(map(asMap(t), "podAffinityTerm")));
        }
        assertThat(terms).as("pod anti-affinity terms on the node (kubernetes.io/hostname) matching the pods' labels")
                .anySatisfy(term -> {
                    assertThat(term.get("topologyKey")).isEqualTo("kubernetes.io/hostname");
                    Map<String, Object> matchLabels = map(map(term, "labelSelector"), "matchLabels");
                    assertThat(matchLabels).isNotEmpty();
                    assertThat(podLabels).containsAllEntriesOf(matchLabels);
                });
    }

    @Test
    void shouldMeetThePodSecurityStandardRestricted() {
        // Kubernetes' "restricted" profile (pod-security.kubernetes.io/enforce=restricted): the pod and every
        // container, init containers included. A namespace enforcing it refuses the pod, and the StatefulSet then
        // creates none: only an event says why, and `kubectl rollout status` waits for ever.
        Map<String, Object> pod = podSpec();
        Map<String, Object> podContext = map(pod, "securityContext");
        assertThat(pod).doesNotContainKeys("hostNetwork", "hostPID", "hostIPC");
        assertThat(list(pod, "volumes")).allSatisfy(v -> assertThat(asMap(v).keySet()).as("volume types").isSubsetOf(
                "name", "configMap", "secret", "emptyDir", "persistentVolumeClaim", "projected", "downwardAPI", "csi",
                "ephemeral"));
        List<Map<String, Object>> containers = new ArrayList<>();
        list(pod, "containers").forEach(c -> containers.add(asMap(c)));
        list(pod, "initContainers").forEach(c -> containers.add(asMap(c)));
        for (Map<String, Object> container : containers) {
            Map<String, Object> context = map(container, "securityContext");
            Object name = container.get("name");
            assertThat(context.get("allowPrivilegeEscalation")).as("%s allowPrivilegeEscalation", name)
                    .isEqualTo(false);
            assertThat(context.get("privileged")).as("%s privileged", name).isNotEqualTo(true);
            assertThat(context.getOrDefault("runAsNonRoot", podContext.get("runAsNonRoot"))).as("%s runAsNonRoot", name)
                    .isEqualTo(true);
            assertThat(context.getOrDefault("runAsUser", podContext.get("runAsUser"))).as("%s runAsUser", name)
                    .isNotEqualTo(0);
            Map<String, Object> capabilities = map(context, "capabilities");
            assertThat(strings(list(capabilities, "drop"))).as("%s drops", name).contains("ALL");
            if (capabilities.get("add") != null) {
                assertThat(strings(list(capabilities, "add"))).as("%s adds", name).isSubsetOf("NET_BIND_SERVICE");
            }
            Object seccomp = context.getOrDefault("seccompProfile", podContext.get("seccompProfile"));
            assertThat(seccomp).as("%s seccompProfile (its own or the pod's)", name).isNotNull();
            assertThat(asMap(seccomp).get("type")).as("%s seccompProfile.type", name)
                    .isIn("RuntimeDefault", "Localhost");
        }
    }

    @Test
    void shouldNotChangeTheOwnershipOfEveryStateFileAtEachPodStart() {
        Map<String, Object> securityContext = map(podSpec(), "securityContext");
        assertThat(securityContext).containsKey("fsGroup");

        // With fsGroup and the default policy (Always) the kubelet walks the whole state volume (RocksDB's thousands of
        // files) to chown and chmod it before every start of the pod; OnRootMismatch does it once.
        assertThat(securityContext.get("fsGroupChangePolicy")).isEqualTo("OnRootMismatch");
    }

    // ---------------------------------------------------------------------------------------------------------
    // Kafka Connect

    static Stream<Path> connectorConfigs() throws IOException {
        try (Stream<Path> files = Files.list(deploy.resolve("connect/connectors"))) {
            return files.filter(f -> f.toString().endsWith(".json")).sorted().toList().stream();
        }
    }

    @Test
    void shouldShipOneConnectorConfigPerTradepulseSourceConnector() throws IOException {
        Set<String> shipped = ServiceLoader.load(SourceConnector.class).stream().map(p -> p.type().getName())
                .filter(n -> n.startsWith("io.tradepulse.")).collect(Collectors.toCollection(TreeSet::new));
        Set<String> configured = new TreeSet<>();
        try (Stream<Path> files = connectorConfigs()) {
            files.forEach(f -> configured.add(connectorConfig(f).get("connector.class")));
        }

        // The five of this release at least; a new connector needs only its config here (not a count raised).
        assertThat(shipped).contains("io.tradepulse.connect.census.CensusSourceConnector",
                "io.tradepulse.connect.comtrade.ComtradeSourceConnector",
                "io.tradepulse.connect.comext.ComextSourceConnector", "io.tradepulse.connect.gacc.GaccSourceConnector",
                "io.tradepulse.connect.file.FileSourceConnector");
        assertThat(configured).isEqualTo(shipped);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("connectorConfigs")
    void shouldValidateEachConnectorConfigWithItsConnector(Path file) throws Exception {
        Map<String, String> config = connectorConfig(file);
        String fileName = file.getFileName().toString();
        assertThat(config.get("name")).as("name = file name, the {name} of PUT /connectors/{name}/config")
                .isEqualTo(fileName.substring(0, fileName.length() - ".json".length()));

        Connector connector = (Connector) Class.forName(config.get("connector.class")).getDeclaredConstructor().newInstance();
        assertThat(connector).isInstanceOf(SourceConnector.class);

        // The connector's own ConfigDef (what PUT .../config/validate reports) and Connect's connector keys.
        assertThat(errors(connector.validate(config).configValues())).as("connector errors").isEmpty();
        assertThat(errors(SourceConnectorConfig.configDef().validate(config))).as("Connect errors").isEmpty();

        // Cross-field checks happen in start(); tasks are planned from the config alone (no I/O).
        connector.start(config);
        try {
            int maxTasks = Integer.parseInt(config.get("tasks.max"));
            assertThat(connector.taskConfigs(maxTasks)).hasSizeBetween(1, maxTasks);
        } finally {
            connector.stop();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("connectorConfigs")
    void shouldUseOnlyKeysTheConnectorOrConnectKnow(Path file) throws Exception {
        Map<String, String> config = connectorConfig(file);
        Connector connector = (Connector) Class.forName(config.get("connector.class")).getDeclaredConstructor().newInstance();
        Set<String> known = new TreeSet<>(connector.config().names());
        known.addAll(SourceConnectorConfig.configDef().names());
        List<String> prefixes = List.of("key.converter.", "value.converter.", "header.converter.", "transforms.",
                "predicates.", "producer.override.", "admin.override.", "topic.creation.");

        assertThat(config.keySet()).allSatisfy(key -> assertThat(known.contains(key) || prefixes.stream().anyMatch(key::startsWith))
                .as("'%s' is a key of %s or of Connect", key, connector.getClass().getSimpleName()).isTrue());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("connectorConfigs")
    void shouldWriteToTheTopicsTheProcessorReadsAndKeepSecretsOutOfTheConnectorConfig(Path file) throws Exception {
        Map<String, String> config = connectorConfig(file);
        Connector connector = (Connector) Class.forName(config.get("connector.class")).getDeclaredConstructor().newInstance();
        TopicCatalog topics = new ProcessorConfig(loadProperties(deploy.resolve("processor/processor.properties"))).topicCatalog();

        assertThat(config).containsEntry("topic", topics.records().name()).containsEntry("dlq.topic", topics.deadLetters().name());
        connector.config().configKeys().values().stream().filter(k -> k.type == ConfigDef.Type.PASSWORD)
                .filter(k -> config.containsKey(k.name))
                .forEach(k -> assertThat(config.get(k.name)).as(k.name).matches(FILE_REFERENCE));
    }

    @Test
    void shouldResolveEverySecretReferenceFromTheConnectSecretsFile() throws IOException {
        Path example = deploy.resolve("connect/tradepulse-connect-secrets.example.properties");
        Map<String, String> secrets = loadProperties(example);
        List<Map<String, String>> configs = new ArrayList<>();
        configs.add(loadProperties(deploy.resolve("connect/worker.properties")));
        try (Stream<Path> files = connectorConfigs()) {
            files.forEach(f -> configs.add(connectorConfig(f)));
        }
        Set<String> paths = new TreeSet<>();
        Set<String> keys = new TreeSet<>();
        configs.forEach(c -> c.values().forEach(v -> {
            Matcher m = FILE_REFERENCE.matcher(v);
            while (m.find()) {
                paths.add(m.group(1));
                keys.add(m.group(2));
            }
        }));

        assertThat(paths).containsExactly(CONNECT_SECRETS_FILE);
        assertThat(secrets.keySet()).containsAll(keys);
        // As a worker resolves them: FileConfigProvider, here reading the example instead of the worker's file.
        try (FileConfigProvider provider = new FileConfigProvider()) {
            provider.configure(Map.of());
            ConfigTransformer transformer = new ConfigTransformer(Map.of("file", provider));
            for (Map<String, String> c : configs) {
                Map<String, String> resolved = transformer.transform(pointSecretsAt(c, example)).data();
                assertThat(resolved.values()).noneMatch(v -> v.contains("${"));
            }
        }
    }

    @Test
    void shouldConfigureTheWorkerWithKeysConnectKnowsAndTheConverterTheConnectorsNeed(@TempDir Path tmp) {
        Map<String, String> worker = loadProperties(deploy.resolve("connect/worker.properties"));
        Map<String, String> runner = EmbeddedConnect.workerProps("localhost:9092", "https://registry.example.com",
                tmp.resolve("connect.offsets"));
        assertThat(worker).containsEntry("key.converter", runner.get("key.converter"))
                .containsEntry("value.converter", runner.get("value.converter"));
        assertThat(worker.keySet()).contains("key.converter.schema.registry.url", "value.converter.schema.registry.url");

        // A distributed worker's config: these keys plus the cluster's own (required, not ours to set).
        Map<String, String> full = new HashMap<>(pointSecretsAt(worker, deploy.resolve("connect/tradepulse-connect-secrets.example.properties")));
        full.put("bootstrap.servers", "localhost:9092");
        full.put("group.id", "connect-cluster");
        full.put("config.storage.topic", "connect-configs");
        full.put("offset.storage.topic", "connect-offsets");
        full.put("status.storage.topic", "connect-status");
        DistributedConfig config = new DistributedConfig(full);

        Set<String> known = config.values().keySet();
        assertThat(worker.keySet()).allSatisfy(key -> assertThat(isKnownWorkerKey(key, known))
                .as("'%s' is a Connect worker key (or a producer./converter./config.providers. key)", key).isTrue());
        assertThat(config.getList("plugin.path")).isNotEmpty();
        // The converters load and accept their settings (secrets resolved by the worker's config provider).
        for (boolean isKey : new boolean[] {true, false}) {
            Map<String, Object> settings = config.originalsWithPrefix(isKey ? "key.converter." : "value.converter.");
            assertThat(settings.values()).noneMatch(v -> String.valueOf(v).contains("${"));
            AvroConverter converter = new AvroConverter();
            assertThatCode(() -> converter.configure(settings, isKey)).doesNotThrowAnyException();
            converter.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // helpers

    /** What `tradepulse run` does with the file, plus the checks its clients make only when they start. */
    private static ProcessorConfig validateProcessorConfig(Map<String, String> props) {
        ProcessorConfig config = new ProcessorConfig(props); // unknown key or invalid value -> ConfigException
        new StreamsConfig(config.streamsConfig());
        new AvroSerdeConfig(config.serdeConfig()).clientConfig(); // registry URL, basic auth user:password
        if (props.containsKey(SaslConfigs.SASL_JAAS_CONFIG)) {
            JaasContext.loadClientContext(Map.of(SaslConfigs.SASL_JAAS_CONFIG, new Password(props.get(SaslConfigs.SASL_JAAS_CONFIG))));
        }
        return config;
    }

    private static boolean isProcessorPassword(String key) {
        return Stream.of(ProducerConfig.configDef(), ConsumerConfig.configDef(), AdminClientConfig.configDef(),
                        StreamsConfig.configDef(), AvroSerdeConfig.configDef())
                .map(def -> def.configKeys().get(key))
                .anyMatch(k -> k != null && k.type == ConfigDef.Type.PASSWORD);
    }

    private static boolean isKnownWorkerKey(String key, Set<String> known) {
        if (known.contains(key)) {
            return true;
        }
        if (key.startsWith("producer.")) {
            return ProducerConfig.configNames().contains(key.substring("producer.".length()));
        }
        if (key.startsWith("key.converter.") || key.startsWith("value.converter.")) {
            return AvroSerdeConfig.configDef().names().contains(key.substring(key.indexOf(".converter.") + ".converter.".length()));
        }
        return key.matches("config\\.providers\\.[a-z0-9_-]+\\.(class|param\\..+)");
    }

    private static List<String> errors(List<ConfigValue> values) {
        return values.stream().filter(v -> !v.errorMessages().isEmpty()).map(v -> v.name() + ": " + v.errorMessages()).toList();
    }

    private static Map<String, String> pointSecretsAt(Map<String, String> config, Path secretsFile) {
        Map<String, String> out = new LinkedHashMap<>();
        config.forEach((k, v) -> out.put(k, v.replace("${file:" + CONNECT_SECRETS_FILE + ":", "${file:" + secretsFile.toAbsolutePath() + ":")));
        return out;
    }

    private static int status(HttpClient http, DashboardServer server, String path) throws Exception {
        URI uri = URI.create(server.url()).resolve(path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** Properties as `tradepulse run` reads them (UTF-8 reader); a key given twice fails the test. */
    private static Map<String, String> loadProperties(Path file) {
        List<String> repeated = new ArrayList<>();
        Properties props = new Properties() {
            @Override
            public synchronized Object put(Object key, Object value) {
                if (containsKey(key)) {
                    repeated.add(String.valueOf(key));
                }
                return super.put(key, value);
            }
        };
        try (Reader r = Files.newBufferedReader(file)) {
            props.load(r);
        } catch (IOException e) {
            throw new AssertionError("cannot read " + file, e);
        }
        assertThat(repeated).as("keys given twice in " + file).isEmpty();
        return toMap(props);
    }

    /** A Kubernetes memory quantity in bytes: plain, or with a binary (Ki, Mi, Gi, Ti) or decimal (k, M, G) suffix. */
    private static long quantityBytes(Object quantity) {
        Matcher m = Pattern.compile("([0-9]+)(Ki|Mi|Gi|Ti|k|M|G)?").matcher(String.valueOf(quantity));
        assertThat(m.matches()).as("a memory quantity: " + quantity).isTrue();
        long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "Ti" -> 1L << 40;
            case "k" -> 1_000L;
            case "M" -> 1_000_000L;
            default -> 1_000_000_000L;
        };
        return Long.parseLong(m.group(1)) * unit;
    }

    private static Map<String, String> toMap(Properties props) {
        Map<String, String> m = new LinkedHashMap<>();
        props.forEach((k, v) -> m.put(k.toString(), v.toString()));
        return m;
    }

    /** A connector config in the Connect REST "config" shape: one flat JSON object of strings. */
    private static Map<String, String> connectorConfig(Path file) {
        ObjectMapper json = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        JsonNode root;
        try {
            root = json.readTree(file.toFile());
        } catch (IOException e) {
            throw new AssertionError("cannot parse " + file, e);
        }
        assertThat(root.isObject()).as(file + " is a JSON object").isTrue();
        Map<String, String> config = new LinkedHashMap<>();
        root.fields().forEachRemaining(e -> {
            assertThat(e.getValue().isTextual()).as("%s: value of '%s' is a string", file.getFileName(), e.getKey()).isTrue();
            config.put(e.getKey(), e.getValue().asText());
        });
        return config;
    }

    private static String configMapProcessorProperties() {
        Object text = map(yaml("kubernetes/configmap.yaml"), "data").get("processor.properties");
        assertThat(text).as("data.processor.properties of the ConfigMap").isInstanceOf(String.class);
        return (String) text;
    }

    private static Map<String, Object> yaml(String relative) {
        try (Reader r = Files.newBufferedReader(deploy.resolve(relative))) {
            return asMap(new Yaml().load(r));
        } catch (IOException e) {
            throw new AssertionError("cannot read " + relative, e);
        }
    }

    private static Map<String, Object> podSpec() {
        return map(map(map(yaml("kubernetes/statefulset.yaml"), "spec"), "template"), "spec");
    }

    private static Map<String, Object> processorContainer() {
        List<Object> containers = list(podSpec(), "containers");
        assertThat(containers).as("containers of the StatefulSet").hasSize(1);
        return asMap(containers.get(0));
    }

    private static Map<String, Object> initContainer(String name) {
        return list(podSpec(), "initContainers").stream().map(DeployConfigsTest::asMap).filter(c -> name.equals(c.get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no init container " + name));
    }

    private static Map<String, Object> volume(Map<String, Object> podSpec, String name) {
        return list(podSpec, "volumes").stream().map(DeployConfigsTest::asMap).filter(v -> name.equals(v.get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static String mountPath(Map<String, Object> container, String volume) {
        return list(container, "volumeMounts").stream().map(DeployConfigsTest::asMap).filter(m -> volume.equals(m.get("name")))
                .map(m -> (String) m.get("mountPath")).findFirst()
                .orElseThrow(() -> new AssertionError(container.get("name") + " does not mount " + volume));
    }

    private static int containerPort(Map<String, Object> container, String name) {
        return list(container, "ports").stream().map(DeployConfigsTest::asMap).filter(p -> name.equals(p.get("name")))
                .map(p -> (Integer) p.get("containerPort")).findFirst().orElseThrow(() -> new AssertionError("no port " + name));
    }

    private static String probePath(Map<String, Object> container, String probe) {
        return (String) map(map(container, probe), "httpGet").get("path");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        assertThat(parent).as("has '" + key + "'").containsKey(key);
        return asMap(parent.get(key));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> parent, String key) {
        assertThat(parent.get(key)).as("'" + key + "' is a list").isInstanceOf(List.class);
        return (List<Object>) parent.get(key);
    }

    private static List<String> strings(List<Object> values) {
        return values.stream().map(String::valueOf).toList();
    }
}
