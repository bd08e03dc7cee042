package dev.banyan.bench;

import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessBody;
import dev.banyan.ProcessInfo;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * Measures the heap an idle process costs: spawns N processes that each wait in {@code
 * receive()}, and divides the growth of the used heap (after full collections) by N. Then stops
 * the node and reports how long that took.
 *
 * <pre>
 * java -Xmx8g -cp banyan-bench/target/benchmarks.jar dev.banyan.bench.IdleFootprint \
 *     [N] [--warmup=W] [--pause]
 * </pre>
 *
 * <p>N defaults to 1,000,000. Before measuring, W processes (default: N, at most 100,000) go
 * through the same code and end, so that the JIT has compiled the path a process parks on: a
 * parked virtual thread keeps its frames in a heap object (a {@code StackChunk}), and interpreted
 * frames are about twice as large as compiled ones. {@code --warmup=0} measures a cold JVM. With
 * {@code --pause} the program waits for a line on standard input while the processes are parked,
 * so that their heap can be inspected, for example with {@code jcmd <pid> GC.class_histogram}.
 */
public final class IdleFootprint {

  /** The default number of processes. */
  public static final int DEFAULT_PROCESSES = 1_000_000;

  /** The largest default warm-up. */
  public static final int MAX_DEFAULT_WARMUP = 100_000;

  /** How many processes, at most, are checked to be waiting in {@code receive}. */
  private static final int SAMPLE = 1000;

  private IdleFootprint() {}

  /**
   * What one run measured.
   *
   * @param processes how many idle processes were spawned
   * @param heapBefore the used heap before spawning, in bytes, after full collections
   * @param heapWith the used heap with the processes parked, in bytes, after full collections
   * @param spawnTime how long spawning them until all were waiting took
   * @param stopTime how long {@link Node#stop()} took
   */
  public record Result(
      int processes, long heapBefore, long heapWith, Duration spawnTime, Duration stopTime) {

    /** {@return the heap growth divided by the number of processes} */
    public double bytesPerProcess() {
      return (double) (heapWith - heapBefore) / processes;
    }
  }

  /**
   * Runs the measurement and prints it to standard output.
   *
   * @param args {@code [N] [--warmup=W] [--pause]}
   * @throws Exception if interrupted, or standard input fails
   */
  public static void main(String[] args) throws Exception {
    int n = DEFAULT_PROCESSES;
    int warmup = -1;
    boolean pause = false;
    for (String arg : args) {
      if (arg.equals("--pause")) {
        pause = true;
      } else if (arg.startsWith("--warmup=")) {
        warmup = parseCount(arg.substring("--warmup=".length()));
      } else {
        n = parseCount(arg);
      }
    }
    if (n <= 0) {
      throw new IllegalArgumentException("the number of processes must be positive: " + n);
    }
    measure(n, warmup < 0 ? Math.min(n, MAX_DEFAULT_WARMUP) : warmup, pause, System.out);
  }

  private static int parseCount(String s) {
    return Integer.parseInt(s.replace("_", "").replace(",", ""));
  }

  /**
   * Spawns {@code n} idle processes, measures the heap they take, and stops the node.
   *
   * @param n how many processes
   * @param warmup how many processes go through the same code before the measurement
   * @param pause whether to wait for a line on standard input while the processes are parked
   * @param out where to print the figures
   * @return the figures
   * @throws InterruptedException if interrupted while waiting for the processes
   * @throws IOException if reading standard input fails
   */
  public static Result measure(int n, int warmup, boolean pause, PrintStream out)
      throws InterruptedException, IOException {
    if (warmup > 0) {
      warmUp(warmup);
    }
    Node node = Node.start();
    try {
      long before = usedHeapAfterGc();
      CountDownLatch ready = new CountDownLatch(n);
      // One body for all: a capturing lambda per spawn would add its own bytes to each process.
      ProcessBody<Object> idle = idleBody(ready);
      long t0 = System.nanoTime();
      List<Pid<Object>> sample = new ArrayList<>(SAMPLE + 1);
      int every = Math.max(1, n / SAMPLE);
      for (int i = 0; i < n; i++) {
        Pid<Object> pid = node.spawn(idle);
        if (i % every == 0 || i == n - 1) {
          sample.add(pid);
        }
      }
      ready.await();
      for (Pid<Object> pid : sample) {
        awaitWaiting(node, pid);
      }
      Duration spawnTime = Duration.ofNanos(System.nanoTime() - t0);
      if (node.processCount() != n) {
        throw new IllegalStateException(
            "expected " + n + " live processes, found " + node.processCount());
      }
      long with = usedHeapAfterGc();
      Result r = new Result(n, before, with, spawnTime, Duration.ZERO);
      out.printf(
          Locale.ROOT,
          "%,d idle processes, all waiting in receive() (spawned in %.2f s; warm-up: %,d)%n",
          n,
          spawnTime.toNanos() / 1e9,
          warmup);
      out.printf(
          Locale.ROOT,
          "used heap after GC: %,d bytes before, %,d bytes with the processes%n",
          before,
          with);
      out.printf(Locale.ROOT, "bytes per idle process: %.0f%n", r.bytesPerProcess());
      out.flush();
      if (pause) {
        out.printf(
            "paused: JVM pid %d; press Enter to stop the node%n", ProcessHandle.current().pid());
        out.flush();
        new BufferedReader(new InputStreamReader(System.in, Charset.defaultCharset())).readLine();
      }
      long t1 = System.nanoTime();
      node.stop();
      Duration stopTime = Duration.ofNanos(System.nanoTime() - t1);
      out.printf(Locale.ROOT, "node.stop() took %.2f s%n", stopTime.toNanos() / 1e9);
      out.flush();
      return new Result(n, before, with, spawnTime, stopTime);
    } finally {
      node.stop();
    }
  }

  /**
   * Runs {@code count} processes through the code of an idle one: each parks in {@code receive},
   * gets a message and ends. Returns when all their threads have ended.
   */
  private static void warmUp(int count) throws InterruptedException {
    try (Node node = Node.start()) {
      CountDownLatch parked = new CountDownLatch(count);
      ProcessBody<Object> idle = idleBody(parked);
      List<Pid<Object>> pids = new ArrayList<>(count);
      for (int i = 0; i < count; i++) {
        pids.add(node.spawn(idle));
      }
      parked.await();
      for (Pid<Object> pid : pids) {
        pid.send("wake up");
      }
      while (node.processCount() > 0 || !node.zombies().isEmpty()) {
        Thread.yield();
      }
    }
  }

  /**
   * {@return the body of an idle process}: counts {@code started} down, then waits in {@code
   * receive}. The warm-up and the measurement use this one lambda, so that the JIT has compiled
   * the measured processes' code, not a warm-up body of another class (the first process of a
   * new body class deoptimizes the process's {@code run()}, and the processes started until it is
   * compiled again park with interpreted frames, which are larger).
   */
  private static ProcessBody<Object> idleBody(CountDownLatch started) {
    return ctx -> {
      started.countDown();
      ctx.receive();
    };
  }

  /** Waits until {@code pid} is parked in {@code receive}. */
  private static void awaitWaiting(Node node, Pid<?> pid) {
    for (; ; ) {
      Optional<ProcessInfo> info = node.processInfo(pid);
      if (info.isEmpty()) {
        throw new IllegalStateException(pid + " died while idle");
      }
      if (info.get().status() == ProcessInfo.Status.WAITING) {
        return;
      }
      Thread.yield();
    }
  }

  /** {@return the used heap after a few full collections} */
  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
