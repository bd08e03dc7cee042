package dev.banyan.examples.kv;

import dev.banyan.ExitReason;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;

/**
 * One client's connection, served by its own task: the guide's {@code KVServer.serve/1}. It
 * reads a line, runs it, writes the answer, until the client closes the connection or the task
 * dies; the socket is closed either way.
 */
final class Connection {

  /** The longest line accepted, without its line end: 64 KiB. */
  static final int MAX_LINE = 64 * 1024;

  private final Socket socket;
  private final KvRegistry registry;
  private final Set<Connection> live; // the server's open connections, for the write watchdog
  private final CharsetDecoder utf8 = // strict; used only by the task
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT);
  private volatile Pid<?> task; // set by the task itself before it reads
  private volatile long writingSince; // System.nanoTime() when a write began; 0 when not writing

  Connection(Socket socket, KvRegistry registry, Set<Connection> live) {
    this.socket = socket;
    this.registry = registry;
    this.live = live;
  }

  /** Serves the client until it closes the connection; runs in the connection's task. */
  Object serve(ProcessContext<Object> self) throws IOException {
    task = self.self();
    live.add(this);
    try (socket) {
      LineReader in = new LineReader(socket.getInputStream());
      OutputStream out = new BufferedOutputStream(socket.getOutputStream());
      while (true) {
        byte[] line = in.next();
        if (line == null) {
          return "closed"; // the client closed the connection (a partial last line is dropped)
        }
        write(out, answer(line));
        if (!in.hasLine()) {
          flush(out); // answers to pipelined requests go out together
        }
      }
    } catch (IOException e) {
      return "closed: " + e.getMessage(); // reset by the client, or closed by the write watchdog
    } finally {
      live.remove(this);
    }
  }

  private String answer(byte[] line) {
    if (line == LineReader.TOO_LONG) {
      return Command.LINE_TOO_LONG;
    }
    String text;
    try {
      text = utf8.decode(ByteBuffer.wrap(line)).toString();
    } catch (CharacterCodingException e) {
      return Command.INVALID_UTF_8;
    }
    return Command.parse(text).map(c -> Command.run(c, registry)).orElse(Command.UNKNOWN_COMMAND);
  }

  private void write(OutputStream out, String answer) throws IOException {
    writingSince = System.nanoTime() | 1; // never 0
    try {
      out.write(answer.getBytes(StandardCharsets.UTF_8));
    } finally {
      writingSince = 0;
    }
  }

  private void flush(OutputStream out) throws IOException {
    writingSince = System.nanoTime() | 1;
    try {
      out.flush();
    } finally {
      writingSince = 0;
    }
  }

  /** {@return how long the current write has been blocked, in nanoseconds}, 0 if none */
  long blockedNanos(long now) {
    long since = writingSince;
    return since == 0 ? 0 : now - since;
  }

  /** Ends a connection whose client does not read: the task exits and the socket closes. */
  void abort(ProcessContext<?> watchdog, ExitReason reason) {
    Pid<?> t = task;
    if (t != null) {
      watchdog.exit(t, reason);
    }
    try {
      socket.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  /** {@return the task serving this connection}, or null before it started */
  Pid<?> task() {
    return task;
  }

  /** {@return the client's port}: tells which connection is which in tests */
  int clientPort() {
    return socket.getPort();
  }

  /**
   * Reads lines of bytes ended by LF (a CR before it is dropped), at most {@link #MAX_LINE}
   * bytes each. A longer line is skipped to its end and read as {@link #TOO_LONG}.
   */
  static final class LineReader {
    /** The line read in place of one longer than {@link #MAX_LINE}. */
    static final byte[] TOO_LONG = new byte[0];

    private final InputStream in;
    private final byte[] chunk = new byte[8192]; // bytes read, not yet consumed: [pos, limit)
    private int pos;
    private int limit;
    private final byte[] line = new byte[MAX_LINE + 1]; // + 1: room for the CR of a full line

    LineReader(InputStream in) {
      this.in = in;
    }

    /** {@return the next line}, {@link #TOO_LONG}, or null at the end of the stream */
    byte[] next() throws IOException {
      int length = 0;
      boolean tooLong = false;
      while (true) {
        if (pos == limit) {
          int n = in.read(chunk);
          if (n == -1) {
            return null;
          }
          pos = 0;
          limit = n;
        }
        byte b = chunk[pos++];
        if (b == '\n') {
          if (length > 0 && line[length - 1] == '\r') {
            length--;
          }
          return tooLong || length > MAX_LINE ? TOO_LONG : Arrays.copyOf(line, length);
        }
        if (length < line.length) {
          line[length++] = b;
        } else {
          tooLong = true;
        }
      }
    }

    /** {@return whether a whole line is already read}, so that {@link #next()} will not block */
    boolean hasLine() {
      for (int i = pos; i < limit; i++) {
        if (chunk[i] == '\n') {
          return true;
        }
      }
      return false;
    }
  }
}
