package io.tradepulse.embedded;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Run by {@link RegistryStopOrderIT} in its own JVM, as the launcher's demo runs: a registry kept in a {@link Resources}
 * that a shutdown hook closes, and after it a resource that still reads from the registry while it closes (demo's
 * processor, whose stream threads fetch schemas until they stop). Reports the registry's pid and work dir, then what
 * that resource's close got from the registry, and waits for the signal.
 */
public final class OrderedStopProbe {

    static final String READY = "READY ";
    static final String DURING_STOP = "REGISTRY_DURING_STOP=";

    private OrderedStopProbe() {
    }

    public static void main(final String[] args) throws Exception {
        final Resources resources = new Resources();
        Runtime.getRuntime().addShutdownHook(new Thread(resources::close, "probe-shutdown"));
        final EmbeddedRegistry registry = resources.start(EmbeddedRegistry::start);
        resources.keep(() -> {
            // A processor's close takes a while; the registry's own hook has long run by now.
            Thread.sleep(2_000);
            System.out.println(DURING_STOP + status(registry.url() + "/subjects"));
            System.out.flush();
        });
        System.out.println(READY + registry.pid() + " " + registry.logFile().getParent());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }

    private static String status(final String url) {
        try {
            return Integer.toString(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(2)).build()
                    .send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).GET().build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode());
        } catch (Exception e) {
            return e.toString();
        }
    }
}
