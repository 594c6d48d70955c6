package io.tradepulse.registry;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntUnaryOperator;

import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * {@link SchemaRegistryClient} over HTTP ({@link java.net.http.HttpClient}), speaking the Confluent
 * REST protocol so the same code works against Confluent, Apicurio ({@code /apis/ccompat/v7}), Karapace
 * and Redpanda.
 *
 * <p>Caches: id to schema forever (an id never changes meaning); (subject, schema) to id and to
 * version, bounded per subject by {@code max.schemas.per.subject} (LRU). Schemas are compared by the text
 * the registry sees ({@link SchemaKey}: Schema.equals ignores docs and aliases; Confluent's client compares
 * them). Latest-version and compatibility lookups are never cached: they change. A schema is registered as {@code {"schema": schema.toString()}} with
 * {@code schemaType} omitted (AVRO), the same text Confluent's client sends, so both clients get the
 * same ids.
 *
 * <p>Thread-safe. Two threads missing the cache for the same key may both ask the registry; the
 * registry's answers are idempotent, so that costs a request, never correctness. The one exception,
 * Apicurio's 409 "already exists" for registrations that race on a new subject (from threads of one
 * client or from different clients and processes), is resolved in {@link #register} by looking the schema up.
 */
public final class CachedSchemaRegistryClient implements SchemaRegistryClient {

    private static final Logger LOG = LoggerFactory.getLogger(CachedSchemaRegistryClient.class);

    /** Registration attempts when each collides with a concurrent one and the lookup does not find the schema. */
    static final int CONFLICT_ATTEMPTS = 4;
    /** Wait before registering again after such a collision, doubled per attempt (±20% jitter): 50, 100, 200 ms. */
    private static final long CONFLICT_WAIT_MS = 50;

    private final RestTransport transport;
    private final ObjectMapper mapper = new ObjectMapper();
    private final int maxSchemasPerSubject;
    private final Map<Integer, Schema> schemaById = new ConcurrentHashMap<>();
    private final Map<String, SubjectCache> subjects = new ConcurrentHashMap<>();
    /** Registrations that collided with a concurrent one (see {@link #register}); for tests, which must see the race. */
    private final LongAdder registrationConflicts = new LongAdder();

    /**
     * Registry clients created in this JVM so far. Each caches schemas and ids on its own (and fetches them again), so
     * a component should create one and share it; this shows whether it does. A count of HTTP clients no longer can:
     * registry clients with the same HTTP settings share one ({@link SharedHttpClients}).
     */
    private static final AtomicLong CREATED = new AtomicLong();

    /** The number of registry clients created in this JVM so far (see {@link #CREATED}): monitoring and tests. */
    public static long created() {
        return CREATED.get();
    }

    public CachedSchemaRegistryClient(SchemaRegistryClientConfig config) {
        this(config, RestTransport.RANDOM_START);
    }

    /** For tests: {@code startIndex} picks the URL the first request goes to (by default a random one). */
    CachedSchemaRegistryClient(SchemaRegistryClientConfig config, IntUnaryOperator startIndex) {
        this.transport = new RestTransport(config, mapper, startIndex);
        CREATED.incrementAndGet();
        this.maxSchemasPerSubject = config.getInt(SchemaRegistryClientConfig.MAX_SCHEMAS_PER_SUBJECT_CONFIG);
        LOG.debug("Created {}", this);
    }

    /** Convenience for {@code new CachedSchemaRegistryClient(new SchemaRegistryClientConfig(configs))}. */
    public CachedSchemaRegistryClient(Map<String, ?> configs) {
        this(new SchemaRegistryClientConfig(configs));
    }

    /**
     * {@inheritDoc}
     *
     * <p>A registration that collides with a concurrent one (Apicurio answers the loser HTTP 409 "... already
     * exists", see {@link #isConcurrentCreationConflict}) is resolved by looking the schema up under the subject
     * (POST /subjects/{subject}) and returning its id. If the lookup does not find it yet (the other write is not
     * visible, or it registered a different schema), the registration is sent again after a short wait, at most
     * {@value #CONFLICT_ATTEMPTS} times in all. Any other 409 is the registry rejecting the schema as incompatible.
     */
    @Override
    public int register(String subject, Schema schema) {
        SubjectCache cache = subjectCache(subject);
        Integer cached = cache.id(schema);
        if (cached != null) {
            return cached;
        }
        String path = "/subjects/" + encode(subject) + "/versions";
        ObjectNode body = schemaBody(schema);
        for (int attempt = 1; ; attempt++) {
            SchemaRegistryException conflict;
            try {
                JsonNode response = transport.send("POST", path, body);
                int id = requireInt(response, "id", "register under subject '" + subject + "'");
                schemaById.putIfAbsent(id, schema);
                cache.putId(schema, id);
                return id;
            } catch (SchemaRegistryException e) {
                if (!isConcurrentCreationConflict(e)) {
                    throw isConflictAnswer(e) ? rejected(subject, schema, e) : e;
                }
                registrationConflicts.increment();
                conflict = e;
            }
            // Another request created the subject (or a version) at the same moment: ours is most likely there now.
            LOG.debug("Registration under subject '{}' collided with a concurrent one ({}); looking the schema up", subject,
                    conflict.registryMessage());
            Integer id = lookupAfterConflict(subject, schema, cache);
            if (id != null) {
                return id;
            }
            if (attempt >= CONFLICT_ATTEMPTS) {
                throw new SchemaRegistryException("Schema " + schema.getFullName() + " not registered under subject '" + subject
                        + "': the registry answered 'already exists' " + attempt + " times but the schema is not found under the subject",
                        conflict.registryMessage(), conflict.errorCode(), conflict.httpStatus(), conflict.context(), null);
            }
            sleepAfterConflict(attempt, conflict);
        }
    }

    /** A 409 that is not a collision: the registry refused the schema (Confluent's 409: incompatible). */
    private static SchemaRegistryException rejected(String subject, Schema schema, SchemaRegistryException e) {
        String summary = "Schema " + schema.getFullName() + " rejected" + (e.errorCode() == SchemaRegistryException.INCOMPATIBLE_SCHEMA
                ? " as incompatible" : "") + " under subject '" + subject + "'";
        return new SchemaRegistryException(summary, e.registryMessage(), e.errorCode(), e.httpStatus(), e.context(), null);
    }

    /**
     * Whether a failed registration collided with a concurrent one, rather than being rejected: HTTP 409 whose
     * message says "already exists" and does not open as a rejection ({@link #isRejectionMessage}). Apicurio 2.6's
     * ccompat API answers the loser of two simultaneous registrations on a new subject
     * {@code {"error_code":409,"message":"An artifact with ID '<subject>' in group 'null' already exists."}}, and of
     * two simultaneous new versions {@code {"error_code":0,"message":"An artifact version 'null' for artifact ID
     * '<subject>' in group 'null' already exists."}}. The error code cannot tell the first from an
     * incompatible schema, which Apicurio (like Confluent, Karapace and Redpanda) answers with HTTP 409 and error code
     * 409 too ("Incompatible artifact: ..." / "Schema being registered is incompatible ..."), so the message decides.
     * Confluent, Karapace and Redpanda serialize registrations and answer the same id instead of a conflict.
     */
    static boolean isConcurrentCreationConflict(SchemaRegistryException e) {
        if (!isConflictAnswer(e) || e.registryMessage() == null) {
            return false;
        }
        String message = e.registryMessage().strip().toLowerCase(Locale.ROOT);
        return message.contains("already exists") && !isRejectionMessage(message);
    }

    /**
     * Whether a 409's (lower-case) message opens as a registry's rejection: Confluent and Redpanda ("Schema being
     * registered is incompatible ..."), Apicurio ("...RuleViolationException: Incompatible artifact: ...") and Karapace
     * ("Incompatible schema, ..."). Told by its opening words because Confluent's details quote the earlier schema
     * ({@code {oldSchema: '...'}}), docs included, so a doc saying "already exists" made a rejection look like a
     * collision: looked up, registered again four times, and reported as "not found under the subject".
     */
    private static boolean isRejectionMessage(String message) {
        return message.startsWith("schema being registered is incompatible") || message.startsWith("incompatible")
                || message.startsWith("io.apicurio.registry.rules.ruleviolationexception: incompatible");
    }

    /** The registry answered HTTP 409 (a collision or a rejection; an unavailable registry never counts). */
    private static boolean isConflictAnswer(SchemaRegistryException e) {
        return e.httpStatus() == 409 && !(e instanceof SchemaRegistryUnavailableException);
    }

    /** The schema's id under the subject, or null when the registry does not have it there (yet). */
    private Integer lookupAfterConflict(String subject, Schema schema, SubjectCache cache) {
        try {
            return lookup(subject, schema, cache).id();
        } catch (SchemaRegistryException e) {
            if (e instanceof SchemaRegistryUnavailableException || (e.errorCode() != SchemaRegistryException.SUBJECT_NOT_FOUND
                    && e.errorCode() != SchemaRegistryException.SCHEMA_NOT_FOUND)) {
                throw e;
            }
            return null;
        }
    }

    private static void sleepAfterConflict(int attempt, SchemaRegistryException conflict) {
        long wait = (long) (CONFLICT_WAIT_MS * Math.pow(2, attempt - 1) * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryUnavailableException("interrupted while waiting to register again after a concurrent registration ("
                    + conflict.registryMessage() + ")", conflict.errorCode(), conflict.httpStatus(), conflict.context(), e);
        }
    }

    @Override
    public int getId(String subject, Schema schema) {
        SubjectCache cache = subjectCache(subject);
        Integer cached = cache.id(schema);
        return cached != null ? cached : lookup(subject, schema, cache).id();
    }

    @Override
    public int getVersion(String subject, Schema schema) {
        SubjectCache cache = subjectCache(subject);
        Integer cached = cache.version(schema);
        return cached != null ? cached : lookup(subject, schema, cache).version();
    }

    private SchemaMetadata lookup(String subject, Schema schema, SubjectCache cache) {
        JsonNode response = transport.send("POST", "/subjects/" + encode(subject), schemaBody(schema));
        String what = "look up schema under subject '" + subject + "'";
        int id = requireInt(response, "id", what);
        int version = requireInt(response, "version", what);
        schemaById.putIfAbsent(id, schema);
        cache.putId(schema, id);
        cache.putVersion(schema, version);
        return new SchemaMetadata(id, version, subject, schema);
    }

    @Override
    public Schema getById(int id) {
        Schema cached = schemaById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode response = transport.send("GET", "/schemas/ids/" + id, null);
        Schema schema = parse(response, "schema id " + id);
        Schema previous = schemaById.putIfAbsent(id, schema);
        return previous != null ? previous : schema;
    }

    @Override
    public SchemaMetadata getLatestSchemaMetadata(String subject) {
        return metadata(subject, "latest");
    }

    @Override
    public SchemaMetadata getSchemaMetadata(String subject, int version) {
        return metadata(subject, Integer.toString(version));
    }

    private SchemaMetadata metadata(String subject, String version) {
        JsonNode response = transport.send("GET", "/subjects/" + encode(subject) + "/versions/" + version, null);
        String what = "version " + version + " of subject '" + subject + "'";
        int id = requireInt(response, "id", what);
        int number = requireInt(response, "version", what);
        // Reuse the instance already known for the id: one parse per id, and identity-stable schemas.
        Schema schema = schemaById.get(id);
        if (schema == null) {
            schema = parse(response, what);
            Schema previous = schemaById.putIfAbsent(id, schema);
            schema = previous != null ? previous : schema;
        }
        SubjectCache cache = subjectCache(subject);
        cache.putId(schema, id);
        cache.putVersion(schema, number);
        String answeredSubject = response.path("subject").asText(subject);
        return new SchemaMetadata(id, number, answeredSubject, schema);
    }

    @Override
    public boolean testCompatibility(String subject, Schema schema) {
        try {
            JsonNode response = transport.send("POST", "/compatibility/subjects/" + encode(subject) + "/versions/latest",
                    schemaBody(schema));
            JsonNode compatible = response.get("is_compatible");
            if (compatible == null || !compatible.isBoolean()) {
                throw protocolError("compatibility check for subject '" + subject + "'", "is_compatible", response);
            }
            return compatible.booleanValue();
        } catch (SchemaRegistryException e) {
            // Nothing registered yet (Confluent: 40401; Apicurio: 40402 for 'latest'): anything is compatible.
            if (!(e instanceof SchemaRegistryUnavailableException)
                    && (e.errorCode() == SchemaRegistryException.SUBJECT_NOT_FOUND
                    || e.errorCode() == SchemaRegistryException.VERSION_NOT_FOUND)) {
                return true;
            }
            throw e;
        }
    }

    @Override
    public String getCompatibility(String subjectOrNull) {
        if (subjectOrNull != null) {
            try {
                // defaultToGlobal: Confluent otherwise answers 40408 for a subject without its own level.
                return compatibilityLevel(transport.send("GET", "/config/" + encode(subjectOrNull) + "?defaultToGlobal=true", null),
                        subjectOrNull);
            } catch (SchemaRegistryException e) {
                if (e instanceof SchemaRegistryUnavailableException
                        || (e.errorCode() != SchemaRegistryException.SUBJECT_COMPATIBILITY_NOT_CONFIGURED
                        && e.errorCode() != SchemaRegistryException.SUBJECT_NOT_FOUND)) {
                    throw e;
                }
                // Registries that ignore defaultToGlobal: fall back to the global level ourselves.
            }
        }
        return compatibilityLevel(transport.send("GET", "/config", null), null);
    }

    private String compatibilityLevel(JsonNode response, String subject) {
        // GET answers compatibilityLevel; some registries (and PUT) use compatibility.
        JsonNode level = response.hasNonNull("compatibilityLevel") ? response.get("compatibilityLevel") : response.get("compatibility");
        if (level == null || !level.isTextual()) {
            throw protocolError(subject == null ? "global compatibility" : "compatibility of subject '" + subject + "'",
                    "compatibilityLevel", response);
        }
        return level.asText();
    }

    @Override
    public void updateCompatibility(String subjectOrNull, String level) {
        CompatibilityLevel parsed = CompatibilityLevel.parse(level);
        ObjectNode body = mapper.createObjectNode().put("compatibility", parsed.name());
        transport.send("PUT", subjectOrNull == null ? "/config" : "/config/" + encode(subjectOrNull), body);
    }

    @Override
    public List<String> getAllSubjects() {
        JsonNode response = transport.send("GET", "/subjects", null);
        requireArray(response, "subjects");
        List<String> result = new ArrayList<>(response.size());
        response.forEach(node -> result.add(node.asText()));
        return List.copyOf(result);
    }

    @Override
    public List<Integer> getAllVersions(String subject) {
        JsonNode response = transport.send("GET", "/subjects/" + encode(subject) + "/versions", null);
        return intList(response, "versions of subject '" + subject + "'");
    }

    @Override
    public List<Integer> deleteSubject(String subject) {
        JsonNode response = transport.send("DELETE", "/subjects/" + encode(subject), null);
        // The subject's id/version mappings are gone on the registry; ids themselves stay valid.
        subjects.remove(subject);
        return intList(response, "deleted versions of subject '" + subject + "'");
    }

    @Override
    public void close() {
        transport.close();
    }

    /** For tests of the HTTP layer. */
    RestTransport transport() {
        return transport;
    }

    /** How many registrations of this client collided with a concurrent one ("already exists"); for tests. */
    long registrationConflicts() {
        return registrationConflicts.sum();
    }

    @Override
    public String toString() {
        return "CachedSchemaRegistryClient{urls=" + transport.baseUrls() + ", auth=" + transport.authMode()
                + ", cachedIds=" + schemaById.size() + "}";
    }

    // --- helpers ---------------------------------------------------------------------------------

    private ObjectNode schemaBody(Schema schema) {
        // schemaType omitted: AVRO is the protocol default and older registries reject the field.
        return mapper.createObjectNode().put("schema", schema.toString());
    }

    private Schema parse(JsonNode response, String what) {
        String type = response.path("schemaType").asText("AVRO");
        if (!"AVRO".equalsIgnoreCase(type)) {
            throw new SchemaRegistryException(what + " is a " + type + " schema; this client handles AVRO only",
                    SchemaRegistryException.NOT_FROM_REGISTRY, SchemaRegistryException.NOT_FROM_REGISTRY);
        }
        JsonNode references = response.get("references");
        if (references != null && references.isArray() && references.size() > 0) {
            throw new SchemaRegistryException(what + " uses schema references, which this client does not support",
                    SchemaRegistryException.NOT_FROM_REGISTRY, SchemaRegistryException.NOT_FROM_REGISTRY);
        }
        JsonNode text = response.get("schema");
        if (text == null || !text.isTextual()) {
            throw protocolError(what, "schema", response);
        }
        try {
            // Lenient on defaults: a registry may hold schemas written before Avro validated them, and
            // refusing to parse would make their data unreadable.
            return new Schema.Parser().setValidateDefaults(false).parse(text.asText());
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException("cannot parse " + what + " as Avro: " + e.getMessage(),
                    SchemaRegistryException.NOT_FROM_REGISTRY, SchemaRegistryException.NOT_FROM_REGISTRY, null, e);
        }
    }

    private static int requireInt(JsonNode response, String field, String what) {
        JsonNode node = response.get(field);
        if (node == null || !node.canConvertToInt()) {
            throw protocolError(what, field, response);
        }
        return node.intValue();
    }

    private static void requireArray(JsonNode response, String what) {
        if (!response.isArray()) {
            throw protocolError(what, "[...]", response);
        }
    }

    private static List<Integer> intList(JsonNode response, String what) {
        requireArray(response, what);
        List<Integer> result = new ArrayList<>(response.size());
        response.forEach(node -> result.add(node.asInt()));
        return List.copyOf(result);
    }

    private static SchemaRegistryException protocolError(String what, String field, JsonNode response) {
        String body = response.toString();
        return new SchemaRegistryException("unexpected registry response for " + what + ": missing '" + field + "' in "
                + (body.length() > 300 ? body.substring(0, 300) + "..." : body),
                SchemaRegistryException.NOT_FROM_REGISTRY, SchemaRegistryException.NOT_FROM_REGISTRY);
    }

    private SubjectCache subjectCache(String subject) {
        if (subject == null || subject.isEmpty()) {
            throw new IllegalArgumentException("subject must not be null or empty");
        }
        return subjects.computeIfAbsent(subject, s -> new SubjectCache(maxSchemasPerSubject));
    }

    /**
     * Percent-encodes one path segment (RFC 3986 unreserved characters stay). Not URLEncoder: that
     * encodes for forms ('+' for space) and subjects may contain anything, '/' included.
     */
    static String encode(String segment) {
        StringBuilder sb = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_'
                    || c == '~') {
                sb.append(c);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xf, 16)))
                        .append(Character.toUpperCase(Character.forDigit(b & 0xf, 16)));
            }
        }
        return sb.toString();
    }

    /** Per-subject schema -> id and schema -> version, each an LRU bounded by max.schemas.per.subject. */
    private static final class SubjectCache {
        // Keyed by the registered text, not Schema.equals (which ignores docs and aliases): see SchemaKey.
        private final Map<SchemaKey, Integer> ids;
        private final Map<SchemaKey, Integer> versions;

        SubjectCache(int capacity) {
            this.ids = lru(capacity);
            this.versions = lru(capacity);
        }

        private static Map<SchemaKey, Integer> lru(int capacity) {
            return new LinkedHashMap<>(16, 0.75f, true) {
                private static final long serialVersionUID = 1L;

                @Override
                protected boolean removeEldestEntry(Map.Entry<SchemaKey, Integer> eldest) {
                    return size() > capacity;
                }
            };
        }

        synchronized Integer id(Schema schema) {
            return ids.get(SchemaKey.of(schema));
        }

        synchronized Integer version(Schema schema) {
            return versions.get(SchemaKey.of(schema));
        }

        synchronized void putId(Schema schema, int id) {
            ids.put(SchemaKey.of(schema), id);
        }

        synchronized void putVersion(Schema schema, int version) {
            versions.put(SchemaKey.of(schema), version);
        }
    }
}
