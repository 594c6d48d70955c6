package io.tradepulse.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The command line of a child JVM a test starts on this JVM's class path ({@code tradepulse run}, {@code demo},
 * {@code dlq}): the same {@code java}, a bounded heap, the serial collector and the client
 * compiler only ({@code -XX:TieredStopAtLevel=1}).
 *
 * <p>Why C1 only: these children live for seconds to a minute and handle test-sized data, so the optimising
 * compiler's work is spent and never paid back. On the 2-core CI box every IT competes for the same cores, and a
 * crash-recovery run with seven short-lived processor JVMs used 27 % less CPU with C1 alone (2 min 9 s of user
 * time against 2 min 56 s) and finished sooner. What the children are tested for (exit codes, clean-up,
 * exactly-once under SIGKILL, what is logged) does not depend on the compiler.
 */
public final class ChildJvm {

    private ChildJvm() {
    }

    /** {@code java -Xmx<maxHeap> ... -cp <this class path> <mainClass> <args>}; the list is mutable. */
    public static List<String> command(String maxHeap, Class<?> mainClass, String... args) {
        return command(maxHeap, List.of(), mainClass, args);
    }

    /**
     * As {@link #command(String, Class, String...)}, with {@code jvmOptions} (system properties, a log4j
     * configuration) before the class path; the list is mutable, so a caller can append arguments.
     */
    public static List<String> command(String maxHeap, List<String> jvmOptions, Class<?> mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(java(), "-Xmx" + maxHeap, "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(Arrays.asList(args));
        return command;
    }

    /** The {@code java} executable of the JVM running the test. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * The threads of a child JVM that did not end when it should have, for the failure message: a stall seen once in
     * dozens of runs cannot be told from its timeout alone (stuck thread, deadlock, or a lock held by a hook).
     */
    public static String threadDump(Process child) {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(child.pid()), "Thread.print").redirectErrorStream(true).start();
            String dump = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            jcmd.waitFor(30, TimeUnit.SECONDS);
            return "--- thread dump of the child ---\n" + dump;
        } catch (IOException e) {
            return "(no thread dump: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(no thread dump: " + e + ")";
        }
    }
}
