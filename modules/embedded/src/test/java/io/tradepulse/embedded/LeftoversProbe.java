package io.tradepulse.embedded;

/**
 * Run by {@link KilledJvmLeftoversIT} in its own JVM. {@code wait}: starts a broker and a registry, reports their
 * dirs and the registry's pid, and waits to be killed. {@code start}: starts a broker, closes it and exits.
 */
public final class LeftoversProbe {

    static final String PREFIX = "LEFTOVERS ";

    private LeftoversProbe() {
    }

    @SuppressWarnings("resource") // deliberately left open: the JVM is SIGKILLed
    public static void main(final String[] args) throws InterruptedException {
        if (args[0].equals("wait")) {
            final EmbeddedKafka kafka = EmbeddedKafka.start();
            final EmbeddedRegistry registry = EmbeddedRegistry.start();
            System.out.println(PREFIX + kafka.dataDir() + " " + registry.logFile().getParent() + " " + registry.pid());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
        } else {
            EmbeddedKafka.start().close();
            System.out.println(PREFIX + "started and closed");
        }
    }
}
