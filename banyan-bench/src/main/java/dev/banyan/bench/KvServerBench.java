package dev.banyan.bench;

import dev.banyan.Node;
import dev.banyan.Supervisor;
import dev.banyan.examples.kv.Kv;
import dev.banyan.examples.kv.KvServer;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The KV server ({@code examples/kv}) under load over real sockets on loopback: requests per
 * second and latency percentiles for 1 and for 100 connections, each connection sending one
 * request at a time (a closed loop), half {@code PUT}, half {@code GET} of keys it has put.
 *
 * <pre>java -cp banyan-bench/target/benchmarks.jar dev.banyan.bench.KvServerBench [seconds] [connections...]</pre>
 *
 * <p>Default: 10 measured seconds (after 3 seconds of warm-up) for 1 and for 100 connections.
 * Prints a line of figures and a JSON line per run. The load generator runs in the same JVM as
 * the server (on virtual threads), so on a small machine both share the cores: the figures are
 * for comparing runs on one machine, not absolute capacities.
 */
public final class KvServerBench {

  private KvServerBench() {}

  /** Buckets the connections share: connection i uses bucket {@code i % BUCKETS}. */
  static final int BUCKETS = 10;
  /** Keys per connection: its PUTs and GETs pick one of these. */
  static final int KEYS = 100;

  /**
   * The figures of one run.
   *
   * @param connections how many connections ran
   * @param requests requests answered in the measured window
   * @param elapsed the measured window
   * @param p50 the median latency of a request
   * @param p99 the 99th percentile
   */
  record Result(int connections, long requests, Duration elapsed, Duration p50, Duration p99) {
    double perSecond() {
      return requests / (elapsed.toNanos() / 1e9);
    }
  }

  /**
   * Runs the benchmark.
   *
   * @param args the measured seconds (default 10), then the connection counts (default 1 100)
   * @throws Exception if a run fails (a wrong answer is a failure)
   */
  public static void main(String[] args) throws Exception {
    Duration measure = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 10);
    Duration warmup = Duration.ofSeconds(3);
    int[] counts =
        args.length > 1
            ? Arrays.stream(args, 1, args.length).mapToInt(Integer::parseInt).toArray()
            : new int[] {1, 100};
    for (int connections : counts) {
      Result r = run(connections, warmup, measure);
      System.out.printf(
          "kv-server  %3d connection(s): %,10.0f requests/s   p50 %6.1f µs   p99 %7.1f µs   (%,d requests in %s)%n",
          r.connections(), r.perSecond(), r.p50().toNanos() / 1e3, r.p99().toNanos() / 1e3, r.requests(), r.elapsed());
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("bench", "kv-server-" + connections);
      json.put("impl", "banyan");
      json.put("connections", connections);
      json.put("requests", r.requests());
      json.put("seconds", r.elapsed().toNanos() / 1e9);
      json.put("ops_per_s", Math.round(r.perSecond()));
      json.put("p50_us", r.p50().toNanos() / 1e3);
      json.put("p99_us", r.p99().toNanos() / 1e3);
      json.put("mix", "50% PUT, 50% GET");
      System.out.println(PeerBench.json(json));
    }
  }

  /**
   * Starts a node with the KV server on a free loopback port, runs {@code connections} clients
   * for {@code warmup} and then {@code measure}, and stops the node.
   *
   * @param connections how many connections
   * @param warmup the time before measuring
   * @param measure the measured time
   * @return the figures of the measured window
   * @throws Exception if a client fails or gets a wrong answer
   */
  static Result run(int connections, Duration warmup, Duration measure) throws Exception {
    try (Node node = Node.start()) {
      Kv kv = new Kv();
      KvServer server = new KvServer(kv.registry(), KvServer.Config.DEFAULTS.withPort(0));
      Supervisor.start(node, Supervisor.Flags.oneForOne(), List.of(kv.childSpec(), server.childSpec()))
          .orElseThrow();
      long start = System.nanoTime();
      long measureFrom = start + warmup.toNanos();
      long measureTo = measureFrom + measure.toNanos();
      List<long[]> latencies = new ArrayList<>();
      try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
        List<Future<long[]>> done = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
          int id = i;
          done.add(clients.submit(() -> client(server.port(), id, measureFrom, measureTo)));
        }
        for (Future<long[]> f : done) {
          latencies.add(f.get());
        }
      }
      long[] all = latencies.stream().flatMapToLong(Arrays::stream).sorted().toArray();
      if (all.length == 0) {
        throw new IllegalStateException("no request was answered in the measured window");
      }
      return new Result(
          connections,
          all.length,
          measure,
          Duration.ofNanos(all[(int) (all.length * 0.50)]),
          Duration.ofNanos(all[Math.min(all.length - 1, (int) (all.length * 0.99))]));
    }
  }

  /** One connection: creates its bucket, then PUT/GET until {@code to}; returns the latencies measured after {@code from}. */
  private static long[] client(int port, int id, long from, long to) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(30_000);
      Lines in = new Lines(socket.getInputStream());
      OutputStream out = new BufferedOutputStream(socket.getOutputStream());
      String bucket = "b" + (id % BUCKETS);
      request(out, "CREATE " + bucket);
      expect(in.next(), "OK");
      String[] values = new String[KEYS];
      SplittableRandom random = new SplittableRandom(id);
      long[] latencies = new long[1 << 16];
      int n = 0;
      long serial = 0;
      while (true) {
        long t0 = System.nanoTime();
        if (t0 >= to) {
          break;
        }
        int k = random.nextInt(KEYS);
        String key = "k" + id + "_" + k;
        if (values[k] == null || random.nextBoolean()) {
          String value = Long.toString(++serial);
          request(out, "PUT " + bucket + " " + key + " " + value);
          expect(in.next(), "OK");
          values[k] = value;
        } else {
          request(out, "GET " + bucket + " " + key);
          expect(in.next(), values[k]);
          expect(in.next(), "OK");
        }
        long t1 = System.nanoTime();
        if (t0 >= from) {
          if (n == latencies.length) {
            latencies = Arrays.copyOf(latencies, n * 2);
          }
          latencies[n++] = t1 - t0;
        }
      }
      return Arrays.copyOf(latencies, n);
    }
  }

  private static void request(OutputStream out, String line) throws IOException {
    out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static void expect(String answer, String expected) {
    if (!expected.equals(answer)) {
      throw new IllegalStateException("expected " + expected + ", got " + answer);
    }
  }

  /** Reads CRLF-ended lines from a buffer of its own (the answers are ASCII here). */
  private static final class Lines {
    private final InputStream in;
    private final byte[] buffer = new byte[8192];
    private int pos;
    private int limit;

    Lines(InputStream in) {
      this.in = in;
    }

    String next() throws IOException {
      StringBuilder line = new StringBuilder();
      while (true) {
        if (pos == limit) {
          limit = in.read(buffer);
          pos = 0;
          if (limit == -1) {
            throw new EOFException("the server closed the connection");
          }
        }
        byte b = buffer[pos++];
        if (b == '\n') {
          int length = line.length();
          if (length > 0 && line.charAt(length - 1) == '\r') {
            line.setLength(length - 1);
          }
          return line.toString();
        }
        line.append((char) b);
      }
    }
  }
}
