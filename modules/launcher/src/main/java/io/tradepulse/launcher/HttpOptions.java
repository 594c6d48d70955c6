package io.tradepulse.launcher;

import io.tradepulse.serving.CorsPolicy;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine;

/**
 * Checks of the HTTP options made before Kafka is contacted. They once failed after `run` had waited up to 60 s for
 * the cluster (and `demo` after its whole pipeline), with the JDK's message ("port out of range:70000",
 * "Address already in use") that named no option.
 */
final class HttpOptions {
    static final int MAX_PORT = 65_535;

    private HttpOptions() {
    }

    /** {@code port} must be 0 (any free port) or 1..65535; -1 too where {@code minusOneDisables}. */
    static void checkPort(CommandLine cmd, String option, int port, boolean minusOneDisables) {
        if (port > MAX_PORT || port < (minusOneDisables ? -1 : 0)) {
            throw new CommandLine.ParameterException(cmd, option + " must be " + (minusOneDisables ? "-1 (no HTTP), " : "")
                    + "0 (any free port) or 1.." + MAX_PORT + ": " + port);
        }
    }

    /**
     * Refuses those of {@code options} given on the command line (a default does not count) where the command serves
     * no HTTP, {@code noHttp} saying why (e.g. "--http-port -1 (no HTTP)"): they were taken and silently not used.
     * {@code fix} is the other way out than dropping them (e.g. "give a port").
     */
    static void refuseWithoutHttp(CommandLine cmd, String noHttp, String fix, String... options) {
        CommandLine.ParseResult parsed = cmd.getParseResult();
        if (parsed == null) {
            return; // not parsed from a command line (a test's own instance): nothing was given
        }
        List<String> given = Arrays.stream(options).filter(parsed::hasMatchedOption).toList();
        if (!given.isEmpty()) {
            throw new CommandLine.ParameterException(cmd, String.join(" and ", given)
                    + (given.size() == 1 ? " is" : " are") + " not used with " + noHttp + "; drop "
                    + (given.size() == 1 ? "it" : "them") + " or " + fix);
        }
    }

    /**
     * The address {@code host} names; an unknown or empty host fails naming {@code option}. Empty is refused: the JDK
     * takes "" for the loopback address, so {@code --http-host "$HOST"} with HOST unset served on 127.0.0.1 alone,
     * which an orchestrator's probes never reach (the pod restarted for ever, the command said nothing wrong).
     */
    static InetAddress resolve(CommandLine cmd, String option, String host) {
        if (host.isBlank()) {
            throw new CommandLine.ParameterException(cmd, option + " is empty: give an address or name of this machine,"
                    + " e.g. 127.0.0.1, or 0.0.0.0 for every interface");
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            throw new CommandLine.ParameterException(cmd, option + " " + host + ": unknown host (give an address or"
                    + " name of this machine, e.g. 127.0.0.1, or 0.0.0.0 for every interface)");
        }
    }

    /** The CORS policy the option's entries name (none: off); an invalid entry fails naming {@code option}. */
    static CorsPolicy cors(CommandLine cmd, String option, List<String> origins) {
        try {
            return CorsPolicy.of(option, origins);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, e.getMessage());
        }
    }

    /** The description of the CORS option, the same for every command that serves HTTP. */
    static final String CORS_DESCRIPTION = "Browser origins whose pages may call the REST API and health endpoints"
            + " (CORS), comma-separated, each scheme://host[:port] (e.g. https://bi.example.com), or * for any"
            + " (default: none, no CORS headers).";

    interface Bind<T> {
        T bind() throws IOException;
    }

    /**
     * Runs {@code bind} (e.g. creating the HTTP server, which binds its port); a port in use, or a host that is no
     * address of this machine, fails naming both options.
     */
    static <T> T bind(CommandLine cmd, String hostOption, String host, String portOption, int port, Bind<T> bind)
            throws IOException {
        try {
            return bind.bind();
        } catch (BindException e) {
            throw new CommandLine.ParameterException(cmd, "Cannot serve HTTP on " + hostOption + " " + host + " "
                    + portOption + " " + port + ": " + e.getMessage() + " (choose another " + portOption
                    + (hostOption.isEmpty() ? "" : " or " + hostOption) + ")");
        }
    }

    /** Whether {@code port} on {@code host} can be bound now (it may be taken by the time it is bound for real). */
    static boolean isFree(String host, int port) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(host, port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
