package io.tradepulse.embedded;

/**
 * Run by {@link EmbeddedRegistryIT} in its own JVM: starts a registry, reports the child's pid and
 * exits WITHOUT calling close(), so only the shutdown hook can clean up.
 *
 * <p>With an argument (milliseconds), it also registers a shutdown hook that takes that long, as the launcher's
 * does while it stops the broker: a JVM interrupted while the registry starts then keeps running its main thread
 * for that long after the registry's own hook killed the child.
 */
public final class RegistryOrphanProbe {

    static final String PID_PREFIX = "REGISTRY_PID=";

    private RegistryOrphanProbe() {
    }

    public static void main(final String[] args) throws InterruptedException {
        if (args.length > 0) {
            final long millis = Long.parseLong(args[0]);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "slow-shutdown-hook"));
        }
        @SuppressWarnings("resource") // deliberately leaked: that is what is being tested
        final EmbeddedRegistry registry = EmbeddedRegistry.start();
        System.out.println(PID_PREFIX + registry.pid() + " WORKDIR=" + registry.logFile().getParent());
        System.out.flush();
        System.exit(0);
    }
}
