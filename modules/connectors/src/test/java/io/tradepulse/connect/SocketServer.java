package io.tradepulse.connect;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.io.OutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A local HTTP server at the socket level, for tests that need what WireMock cannot do: a body sent slowly, cut
 * off, or never finished. Each connection is answered by {@code responder} on a daemon thread of its own, once its
 * request headers were read ({@link #readRequest}). {@link #close()} closes the server and every connection, which
 * ends a body the client has not finished reading should a test fail.
 */
public final class SocketServer implements AutoCloseable {
  private final ServerSocket server;
  private final List<Socket> clients = new CopyOnWriteArrayList<>();

  private SocketServer(Consumer<Socket> responder) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread accept = new Thread(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          clients.add(s);
          Thread c = new Thread(() -> responder.accept(s));
          c.setDaemon(true);
          c.start();
        } catch (IOException e) {
          return; // closed
        }
      }
    });
    accept.setDaemon(true);
    accept.start();
  }

  /** @param responder answers one connection (it owns the socket: close it when done) */
  public static SocketServer start(Consumer<Socket> responder) throws IOException {
    return new SocketServer(responder);
  }

  /**
   * Answers each request 200 with the body {@code answer} gives for its request line ("GET /path?query HTTP/1.1"),
   * delimited by closing the connection: no Content-Length and not chunked, as an HTTP/1.1 server or proxy may answer.
   * The client then cannot tell a body cut short from a whole one.
   */
  public static SocketServer closeDelimited(Function<String, String> answer) throws IOException {
    return start(s -> {
      try (s) {
        BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
        String requestLine = r.readLine();
        for (String l = r.readLine(); l != null && !l.isEmpty(); l = r.readLine()) {
          // headers
        }
        OutputStream out = s.getOutputStream();
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
            + answer.apply(requestLine)).getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        // the client went away
      }
    });
  }

  /** The URI of {@code pathAndQuery} (starting with /) on this server. */
  public URI uri(String pathAndQuery) {
    return URI.create("http://localhost:" + server.getLocalPort() + pathAndQuery);
  }

  /** Reads a request's line and headers (up to the empty line); the body, if any, is left unread. */
  public static void readRequest(Socket s) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
    for (String l = r.readLine(); l != null && !l.isEmpty(); l = r.readLine()) {
      // request line and headers
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : clients) {
      s.close();
    }
  }
}
