package dev.banyan.examples.kv;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A test client of the KV server: sends lines, reads CRLF-ended answer lines. A read that waits
 * 10 seconds throws, so a server that does not answer fails the test instead of hanging it.
 */
final class Client implements AutoCloseable {

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  private Client(Socket socket) throws IOException {
    this.socket = socket;
    this.in = socket.getInputStream();
    this.out = socket.getOutputStream();
  }

  static Client connect(KvServer server) throws IOException {
    return connect(server.port());
  }

  static Client connect(int port) throws IOException {
    Socket socket = new Socket();
    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    socket.setSoTimeout(10_000);
    socket.setTcpNoDelay(true);
    return new Client(socket);
  }

  /** Sends {@code line} and CRLF, and returns the first answer line. */
  String request(String line) throws IOException {
    send(line + "\r\n");
    return readLine();
  }

  /** Sends a GET and returns both answer lines, or the one line of a NOT FOUND or ERROR. */
  String get(String bucket, String key) throws IOException {
    String first = request("GET " + bucket + " " + key);
    if (first.equals("NOT FOUND") || first.startsWith("ERROR") || first.equals("UNKNOWN COMMAND")) {
      return first;
    }
    return first + "\n" + readLine();
  }

  void send(String text) throws IOException {
    send(text.getBytes(StandardCharsets.UTF_8));
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /**
   * {@return the next answer line, without its CRLF}
   *
   * @throws EOFException if the server closed the connection
   */
  String readLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b == -1) {
        throw new EOFException("the server closed the connection");
      }
      if (b == '\n') {
        byte[] bytes = line.toByteArray();
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
      }
      line.write(b);
    }
  }

  /** {@return whether the server has closed the connection}: the next read ends or is reset */
  boolean isClosedByServer() {
    try {
      return in.read() == -1;
    } catch (IOException e) {
      return true; // reset
    }
  }

  int localPort() {
    return socket.getLocalPort();
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
