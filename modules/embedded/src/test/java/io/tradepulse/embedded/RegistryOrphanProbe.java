package io.tradepulse.embedded;

/**
 * Run by {@link EmbeddedRegistryIT} in its own JVM: starts a registry, reports the child's pid and
 * exits WITHOUT calling close(), so only the shutdown hook can clean up.
 */
public final class RegistryOrphanProbe {

    static final String PID_PREFIX = "REGISTRY_PID=";

    private RegistryOrphanProbe() {
    }

    public static void main(final String[] args) {
        @SuppressWarnings("resource") // deliberately leaked: that is what is being tested
        final EmbeddedRegistry registry = EmbeddedRegistry.start();
        System.out.println(PID_PREFIX + registry.pid() + " WORKDIR=" + registry.logFile().getParent());
        System.out.flush();
        System.exit(0);
    }
}
