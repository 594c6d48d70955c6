package io.tradepulse.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * A stand-in for the Apicurio runner jar, so {@link EmbeddedRegistry}'s launch, readiness wait and failure handling
 * run against a real child JVM in a unit test, in a fraction of a second. {@link #install} writes a home holding a
 * runner jar of this one class. The child behaves as Apicurio does where it matters here: it takes
 * {@value #START_DELAY_PROPERTY} ms (from {@value #SETTINGS} next to the jar) before binding
 * {@code quarkus.http.port}; if the port is taken it logs Quarkus 3.15's "Port N seems to be in use" error, then
 * {@value #CDS_LINES_PROPERTY} class-data-sharing warnings (what the JVM prints at exit while it dumps an archive),
 * and exits with 1; otherwise it logs Quarkus' start-up line and serves {@code /subjects} and {@code /config}.
 * With {@value #CRASH_ON_STOP_PROPERTY} set it crashes as it stops: it writes part of the class-data-sharing archive
 * it was asked to dump ({@code -XX:ArchiveClassesAtExit}) and halts with that exit code, as a JVM that crashed
 * mid-dump ends (134 after its fatal-error handler's abort). With {@value #LATIN1_EXIT_LINE_PROPERTY} set it writes
 * that line in ISO-8859-1 (as a child whose platform charset is Latin-1 or Windows-1252 does) and exits with 1.
 * One class, no lambdas or nested classes: the jar holds only this class file.
 */
public final class FakeApicurio implements HttpHandler, Runnable {

    static final String SETTINGS = "fake-apicurio.properties";
    static final String START_DELAY_PROPERTY = "start.delay.ms";
    static final String CDS_LINES_PROPERTY = "cds.lines";
    /** Stands for a QUARKUS_LOG_LEVEL the child would inherit from the caller's environment. */
    static final String ENV_LOG_LEVEL_PROPERTY = "env.QUARKUS_LOG_LEVEL";
    /** Stands for a QUARKUS_LOG_CONSOLE_ENABLE the child would inherit from the caller's environment. */
    static final String ENV_CONSOLE_ENABLE_PROPERTY = "env.QUARKUS_LOG_CONSOLE_ENABLE";
    static final String CRASH_ON_STOP_PROPERTY = "crash.on.stop.exit.code";
    static final String LATIN1_EXIT_LINE_PROPERTY = "latin1.exit.line";

    private static Properties settings;

    private FakeApicurio() {
    }

    /** A home in {@code dir} whose runner jar is this class, started with {@code settings}. */
    static Path install(final Path dir, final Properties settings) throws IOException {
        final Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, FakeApicurio.class.getName());
        final String classFile = FakeApicurio.class.getName().replace('.', '/') + ".class";
        try (JarOutputStream jar = new JarOutputStream(
                Files.newOutputStream(dir.resolve("apicurio-registry-app-0.0.0.Fake-runner.jar")), manifest);
             InputStream bytes = FakeApicurio.class.getClassLoader().getResourceAsStream(classFile)) {
            jar.putNextEntry(new JarEntry(classFile));
            bytes.transferTo(jar);
            jar.closeEntry();
        }
        try (OutputStream out = Files.newOutputStream(dir.resolve(SETTINGS))) {
            settings.store(out, null);
        }
        return dir;
    }

    public static void main(final String[] args) throws IOException, InterruptedException, URISyntaxException {
        final Path jar = Path.of(FakeApicurio.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        settings = new Properties();
        try (InputStream in = Files.newInputStream(jar.resolveSibling(SETTINGS))) {
            settings.load(in);
        }
        if (settings.getProperty(CRASH_ON_STOP_PROPERTY) != null) {
            Runtime.getRuntime().addShutdownHook(new Thread(new FakeApicurio()));
        }
        Thread.sleep(Long.parseLong(settings.getProperty(START_DELAY_PROPERTY, "0")));
        if (settings.getProperty(LATIN1_EXIT_LINE_PROPERTY) != null) {
            System.out.write((settings.getProperty(LATIN1_EXIT_LINE_PROPERTY) + "\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            System.out.flush();
            System.exit(1);
            return;
        }
        final int port = Integer.parseInt(System.getProperty("quarkus.http.port"));
        final String host = System.getProperty("quarkus.http.host");
        final HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(host), port), 50);
        } catch (BindException e) {
            // What Apicurio 2.6.13 (Quarkus 3.15) logs, word for word.
            System.out.println("ERROR <> [io.quarkus.runtime.ApplicationLifecycleManager] (main) Port " + port
                    + " seems to be in use by another process. Quarkus may already be running or the port is used by"
                    + " another application.");
            System.out.println("WARN <> [io.quarkus.runtime.ApplicationLifecycleManager] (main) Use 'ss -anop | grep "
                    + port + "' or 'netstat -anop | grep " + port + "' to identify the process occupying the port.");
            for (int i = 0; i < Integer.parseInt(settings.getProperty(CDS_LINES_PROPERTY, "0")); i++) {
                System.out.println("[6.057s][warning][cds] Pre JDK 6 class not supported by CDS: 49.0"
                        + " jdk/internal/reflect/GeneratedConstructorAccessor" + i);
            }
            System.out.flush();
            System.exit(1);
            return;
        }
        server.createContext("/", new FakeApicurio());
        server.start();
        // Quarkus' precedence: a system property wins over the environment (simulated by the settings file).
        final String level = System.getProperty("quarkus.log.level",
                settings.getProperty(ENV_LOG_LEVEL_PROPERTY, "INFO"));
        final boolean console = Boolean.parseBoolean(System.getProperty("quarkus.log.console.enable",
                settings.getProperty(ENV_CONSOLE_ENABLE_PROPERTY, "true")));
        if (!console || !"INFO".equals(level)) {
            Thread.sleep(Long.MAX_VALUE); // serves, but its start-up line is not logged
        }
        System.out.println("INFO [io.quarkus.bootstrap.runner.Timing] (main) apicurio-registry-app 0.0.0.Fake on JVM"
                + " started in 0.1s. Listening on: http://" + host + ":" + port);
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE); // until the test's close() stops this JVM
    }

    /** The shutdown hook of {@value #CRASH_ON_STOP_PROPERTY}: half a dump, then a crash's exit code. */
    @Override
    public void run() {
        for (String option : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (option.startsWith("-XX:ArchiveClassesAtExit=")) {
                try {
                    Files.write(Path.of(option.substring(option.indexOf('=') + 1)), new byte[4096]);
                } catch (IOException e) {
                    e.printStackTrace();
                }
            }
        }
        Runtime.getRuntime().halt(Integer.parseInt(settings.getProperty(CRASH_ON_STOP_PROPERTY)));
    }

    @Override
    public void handle(final HttpExchange exchange) throws IOException {
        exchange.getRequestBody().readAllBytes();
        final String path = exchange.getRequestURI().getPath();
        final String body = path.endsWith("/config") ? "{\"compatibilityLevel\":\"BACKWARD\"}" : "[]";
        final byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
