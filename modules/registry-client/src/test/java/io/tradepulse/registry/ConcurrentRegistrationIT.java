package io.tradepulse.registry;

import static io.tradepulse.registry.ApicurioRegistry.unique;
import static io.tradepulse.registry.TestSchemas.PRICE_V1;
import static io.tradepulse.registry.TestSchemas.PRICE_V2;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.tradepulse.registry.serde.KafkaAvroSerializer;

/**
 * Several producers (Connect tasks, stream threads, separate processes: here, threads each with its own client and
 * so its own cache and connections) registering a new schema under the same new subject at the same moment, against
 * a real Apicurio Registry 2.6.13. Apicurio's ccompat API creates the subject (an artifact) for the first request and
 * answers the others that raced it HTTP 409 {@code {"error_code":409,"message":"An artifact with ID '<subject>' in
 * group 'null' already exists."}}, the same status and error code as an incompatible schema. Every caller must still
 * get the schema's id.
 *
 * <p>One round does not always produce the conflict (the requests must overlap inside the registry), so each test
 * runs several rounds on fresh subjects; in probes with eight concurrent requests, every round had at least one. The
 * two client-level tests count the conflicts their clients resolved and fail if no round produced one: otherwise a
 * registry that stopped answering 409 (or racers that stopped overlapping) would leave them passing without testing
 * the race. The serializer test cannot see its serializers' clients; it races the same way, and
 * {@code RegisterConflictTest} pins the handling of both of Apicurio's 409 bodies deterministically.
 *
 * <p>The racers' clients share one HttpClient (see {@code SharedHttpClients}), whose pool opens a connection per
 * concurrent request: the preparation calls open them before the start signal.
 */
class ConcurrentRegistrationIT {

    private static final int THREADS = 8;
    private static final int ROUNDS = 5;

    @RegisterExtension
    static final ApicurioRegistry REGISTRY = new ApicurioRegistry();
    private static CachedSchemaRegistryClient client;
    private static ExecutorService pool;

    @BeforeAll
    static void startPool() {
        client = REGISTRY.client();
        pool = Executors.newFixedThreadPool(THREADS);
    }

    @AfterAll
    static void stopPool() {
        if (pool != null) {
            pool.shutdownNow();
        }
    }

    /** What one racer did: its result or what it threw. */
    private record Outcome<T>(T value, Throwable failure) {
    }

    /** What one racer prepared before the start signal (a client, a serializer): the call, and what to close after. */
    private record Racer<T>(Callable<T> call, AutoCloseable resource) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            resource.close();
        }
    }

    /**
     * Runs {@code THREADS} racers at once: each is prepared (and its HTTP connection opened) first, then all are
     * released together so their requests reach the registry as close together as possible.
     */
    private static <T> List<Outcome<T>> race(IntFunction<Racer<T>> prepare) throws InterruptedException {
        CountDownLatch ready = new CountDownLatch(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Outcome<T>>> futures = new ArrayList<>();
        for (int i = 0; i < THREADS; i++) {
            int index = i;
            futures.add(pool.submit(() -> {
                try (Racer<T> racer = prepare.apply(index)) {
                    ready.countDown();
                    go.await();
                    return new Outcome<>(racer.call().call(), null);
                } catch (Exception | AssertionError e) {
                    return new Outcome<>(null, e);
                } finally {
                    ready.countDown(); // a racer that failed while preparing must not block the others
                }
            }));
        }
        assertThat(ready.await(60, TimeUnit.SECONDS)).as("racers prepared").isTrue();
        go.countDown();
        List<Outcome<T>> outcomes = new ArrayList<>();
        for (Future<Outcome<T>> future : futures) {
            try {
                outcomes.add(future.get(120, TimeUnit.SECONDS));
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                outcomes.add(new Outcome<>(null, e));
            }
        }
        return outcomes;
    }

    /** A racer registering {@code schema} under {@code subject} through its own, fresh client, kept in {@code clients}. */
    private static Racer<Integer> registering(String subject, Schema schema, Queue<CachedSchemaRegistryClient> clients) {
        CachedSchemaRegistryClient own = REGISTRY.newClient();
        clients.add(own);
        own.getCompatibility(null); // opens the connection before the start signal
        return new Racer<>(() -> own.register(subject, schema), own);
    }

    /** Conflicts the racers' clients ran into and resolved. */
    private static long conflicts(Queue<CachedSchemaRegistryClient> clients) {
        return clients.stream().mapToLong(CachedSchemaRegistryClient::registrationConflicts).sum();
    }

    private static <T> List<String> failures(List<Outcome<T>> outcomes) {
        return outcomes.stream().filter(o -> o.failure() != null).map(o -> String.valueOf(o.failure())).toList();
    }

    @Test
    void shouldGiveEveryConcurrentRegistrationOfANewSchemaTheSameId() throws Exception {
        Queue<CachedSchemaRegistryClient> clients = new ConcurrentLinkedQueue<>();
        for (int round = 1; round <= ROUNDS; round++) {
            String subject = unique("race") + "-value";
            List<Outcome<Integer>> outcomes = race(i -> registering(subject, PRICE_V1, clients));
            assertThat(failures(outcomes)).as("failed registrations in round %d", round).isEmpty();
            int id;
            try (CachedSchemaRegistryClient fresh = REGISTRY.newClient()) {
                id = fresh.getId(subject, PRICE_V1);
                assertThat(fresh.getLatestSchemaMetadata(subject).schema()).isEqualTo(PRICE_V1);
            }
            assertThat(outcomes).as("round %d", round).extracting(Outcome::value).containsOnly(id);
        }
        assertThat(conflicts(clients)).as("409 'already exists' answers resolved over %d rounds", ROUNDS).isPositive();
    }

    /**
     * Racers with two different (mutually compatible) schemas on a new subject: a racer whose conflict came from
     * the other schema's creation does not find its own schema by lookup and must register it again.
     */
    @Test
    void shouldRegisterEachOfTwoSchemasRacingOnANewSubject() throws Exception {
        Queue<CachedSchemaRegistryClient> clients = new ConcurrentLinkedQueue<>();
        for (int round = 1; round <= ROUNDS; round++) {
            String subject = unique("mixed") + "-value";
            List<Outcome<Integer>> outcomes = race(i -> registering(subject, i % 2 == 0 ? PRICE_V1 : PRICE_V2, clients));
            assertThat(failures(outcomes)).as("failed registrations in round %d", round).isEmpty();
            try (CachedSchemaRegistryClient fresh = REGISTRY.newClient()) {
                int v1 = fresh.getId(subject, PRICE_V1);
                int v2 = fresh.getId(subject, PRICE_V2);
                for (int i = 0; i < THREADS; i++) {
                    assertThat(outcomes.get(i).value()).as("round %d, racer %d", round, i).isEqualTo(i % 2 == 0 ? v1 : v2);
                }
            }
        }
        assertThat(conflicts(clients)).as("409 'already exists' answers resolved over %d rounds", ROUNDS).isPositive();
    }

    /**
     * The reported failure: serializers of parallel tasks (Connect tasks.max=2, several stream threads) writing the
     * first records of a new topic. Each has its own client, as separately configured serializers do.
     */
    @Test
    void shouldLetSerializersOfParallelTasksWriteTheFirstRecordsOfANewTopic() throws Exception {
        String warmUpTopic = unique("warm-up");
        client.register(warmUpTopic + "-value", PRICE_V1);
        GenericRecord price = new GenericData.Record(PRICE_V1);
        price.put("symbol", "ACME");
        price.put("cents", 4200L);
        for (int round = 1; round <= ROUNDS; round++) {
            String topic = unique("prices");
            List<Outcome<byte[]>> outcomes = race(i -> {
                KafkaAvroSerializer serializer = new KafkaAvroSerializer();
                Map<String, Object> config = new HashMap<>();
                config.put(SchemaRegistryClientConfig.SCHEMA_REGISTRY_URL_CONFIG, REGISTRY.url());
                serializer.configure(config, false);
                serializer.serialize(warmUpTopic, price); // an already registered subject: opens the connection
                return new Racer<>(() -> serializer.serialize(topic, price), serializer);
            });
            assertThat(failures(outcomes)).as("failed serializations in round %d", round).isEmpty();
            int id = client.getId(topic + "-value", PRICE_V1);
            for (Outcome<byte[]> outcome : outcomes) {
                assertThat(ByteBuffer.wrap(outcome.value(), 1, 4).getInt()).as("round %d", round).isEqualTo(id);
            }
        }
    }
}
