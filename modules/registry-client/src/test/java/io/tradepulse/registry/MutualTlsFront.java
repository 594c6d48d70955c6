package io.tradepulse.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import io.tradepulse.embedded.SelfSignedTls;

/**
 * A TLS-terminating front that requires a client certificate, in front of an HTTPS registry: what an ingress or
 * reverse proxy does for a registry that cannot check client certificates itself, as Apicurio 2.6.13 cannot
 * (its Quarkus fixes {@code quarkus.http.ssl.client-auth} at build time, see {@code EmbeddedRegistry}).
 *
 * <p>It listens on 127.0.0.1 with the registry's own certificate and {@code needClientAuth}, trusting exactly
 * one client certificate; a connection whose handshake fails is closed and counted, nothing reaches the
 * registry. An accepted connection is relayed byte for byte over a new TLS connection to the registry (which
 * must present its certificate, host name verified); the HTTP inside is never looked at.
 */
final class MutualTlsFront implements AutoCloseable {

    private final SSLServerSocket server;
    private final SSLSocketFactory registrySockets;
    private final URI registryUrl;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "registry-mutual-tls-front");
        t.setDaemon(true);
        return t;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger refusedHandshakes = new AtomicInteger();
    private final AtomicInteger relayedConnections = new AtomicInteger();

    private MutualTlsFront(SelfSignedTls registryTls, SelfSignedTls trustedClient, URI registryUrl) throws IOException {
        this.server = (SSLServerSocket) registryTls.contextTrusting(trustedClient).getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        server.setNeedClientAuth(true);
        this.registrySockets = registryTls.trustingContext().getSocketFactory();
        this.registryUrl = registryUrl;
        executor.execute(this::accept);
    }

    /**
     * Starts a front for the registry at {@code registryUrl} (HTTPS, serving {@code registryTls}'s certificate) that
     * presents the same certificate and admits only {@code trustedClient}'s.
     */
    static MutualTlsFront start(SelfSignedTls registryTls, SelfSignedTls trustedClient, String registryUrl) throws IOException {
        return new MutualTlsFront(registryTls, trustedClient, URI.create(registryUrl));
    }

    /** The front's base URL: same path as the registry's (e.g. /apis/ccompat/v7). */
    String url() {
        return "https://127.0.0.1:" + server.getLocalPort() + registryUrl.getPath();
    }

    /** Connections closed because the client presented no certificate, or one the front does not trust. */
    int refusedHandshakes() {
        return refusedHandshakes.get();
    }

    /** Connections that passed the handshake and were relayed to the registry. */
    int relayedConnections() {
        return relayedConnections.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                SSLSocket client = (SSLSocket) server.accept();
                executor.execute(() -> relay(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void relay(SSLSocket client) {
        open.add(client);
        try (client) {
            try {
                client.startHandshake();
            } catch (IOException refused) {
                // No certificate (TLS 1.3: "Empty client certificate chain") or an untrusted one.
                refusedHandshakes.incrementAndGet();
                return;
            }
            try (SSLSocket registry = (SSLSocket) registrySockets.createSocket(registryUrl.getHost(), registryUrl.getPort())) {
                open.add(registry);
                SSLParameters parameters = registry.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                registry.setSSLParameters(parameters);
                registry.startHandshake();
                relayedConnections.incrementAndGet();
                executor.execute(() -> copy(client, registry));
                copy(registry, client);
            } finally {
                open.removeIf(Socket::isClosed);
            }
        } catch (IOException e) {
            // The client or the registry went away: both sockets are closed, the other side sees it.
        }
    }

    /** Copies until either side ends, then closes both, so the other direction ends too. */
    private static void copy(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            byte[] buffer = new byte[8192];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException ended) {
            // a side closed
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        open.forEach(MutualTlsFront::closeQuietly);
        executor.shutdownNow();
    }
}
