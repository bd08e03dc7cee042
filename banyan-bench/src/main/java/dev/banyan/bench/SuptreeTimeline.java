package dev.banyan.bench;

import dev.banyan.AttachedProcess;
import dev.banyan.GenServer;
import dev.banyan.Node;
import dev.banyan.ProcessContext;
import dev.banyan.Supervisor;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

/**
 * Where the time of a {@code suptree} start goes, child by child: runs {@code PeerBench}'s two
 * rounds (a warm-up tree, then the measured one) with servers whose {@code init} notes when it
 * ran, and prints the measured start split into the setup (the supervisor's start up to its first
 * child's {@code init}: the module's specs and their check) and blocks of children, the blocks
 * that took more than twice the median, and the minor page faults of the JVM during the start
 * (from {@code /proc/self/stat}, where there is one).
 *
 * <pre>
 * java --add-opens java.base/java.lang=ALL-UNNAMED -cp banyan-bench/target/benchmarks.jar \
 *     dev.banyan.bench.SuptreeTimeline [N] [--warmup=W] [--pause-ms=P] [--block=B]
 * </pre>
 *
 * <p>N defaults to 10,000 and W to 1,000, as in {@code PeerBench suptree}; P (default 0) is a
 * pause between the rounds, to let the JIT's queues drain; B (default 100) is the size of a block
 * of children. The figures of docs/performance.md, "suptree: what bounds the cold start", come
 * from it.
 */
public final class SuptreeTimeline {
  private SuptreeTimeline() {}

  /** The server of the tree: notes when its {@code init} ran, in its slot of {@code inits}. */
  private record Noting(long[] inits, int index) implements GenServer<Integer, Object> {
    @Override
    public Init<Integer> init(ProcessContext<Object> self) {
      inits[index] = System.nanoTime();
      return Init.ok(0);
    }
  }

  /**
   * What the measured round took.
   *
   * @param start from {@code startLink} until it returned, in ns
   * @param stop of {@code Supervisor.stop()}, in ns
   * @param setup from {@code startLink} until the first child's {@code init}, in ns
   * @param blocks the time of each block of children, from the previous block's last {@code init}
   *     (or the first child's) to this block's last, in ns
   * @param pageFaults the JVM's minor page faults during the start; -1 where unknown
   */
  public record Result(long start, long stop, long setup, long[] blocks, long pageFaults) {}

  /**
   * Runs the rounds and prints the measured one.
   *
   * @param args {@code [N] [--warmup=W] [--pause-ms=P] [--block=B]}
   */
  public static void main(String[] args) {
    int n = 10_000;
    int warmup = 1_000;
    long pauseMs = 0;
    int block = 100;
    for (String arg : args) {
      if (arg.startsWith("--warmup=")) {
        warmup = (int) number(arg, "--warmup=");
      } else if (arg.startsWith("--pause-ms=")) {
        pauseMs = number(arg, "--pause-ms=");
      } else if (arg.startsWith("--block=")) {
        block = (int) number(arg, "--block=");
      } else if (arg.startsWith("-")) {
        throw new IllegalArgumentException(
            "unknown option " + arg + "; the options are [N] [--warmup=W] [--pause-ms=P] [--block=B]");
      } else {
        n = (int) number(arg, "");
      }
    }
    checkBlocks(n, block); // before the node starts
    // Before the first logger is made, as PeerBench does: no report per child.
    System.setProperty("org.slf4j.simpleLogger.log.dev.banyan.Supervisor", "off");
    try (Node node = Node.start(); AttachedProcess<Object> driver = node.attach()) {
      print(measure(driver, n, warmup, pauseMs, block), block, System.out);
    }
  }

  /**
   * Runs a warm-up tree of {@code warmup} children, waits {@code pauseMs}, then measures a tree
   * of {@code n}.
   *
   * @throws IllegalArgumentException if {@code n} is not a positive multiple of {@code block}
   */
  public static Result measure(
      AttachedProcess<Object> driver, int n, int warmup, long pauseMs, int block) {
    checkBlocks(n, block);
    if (warmup > 0) {
      round(driver, new long[warmup]);
    }
    if (pauseMs > 0) {
      long until = System.nanoTime() + Duration.ofMillis(pauseMs).toNanos(); // a pause only
      for (long left; (left = until - System.nanoTime()) > 0; ) {
        LockSupport.parkNanos(left);
      }
    }
    long[] inits = new long[n];
    long[] r = round(driver, inits);
    long[] blocks = new long[n / block];
    long previous = inits[0];
    for (int b = 0; b < blocks.length; b++) {
      long last = inits[(b + 1) * block - 1];
      blocks[b] = last - previous;
      previous = last;
    }
    long pageFaults = r[4] < 0 || r[5] < 0 ? -1 : r[5] - r[4];
    return new Result(r[1] - r[0], r[3] - r[2], inits[0] - r[0], blocks, pageFaults);
  }

  /** {@return the number after {@code prefix} in {@code arg}}, at least 0 and an int */
  private static long number(String arg, String prefix) {
    String text = arg.substring(prefix.length());
    try {
      int value = Integer.parseInt(text);
      if (value >= 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(
        (prefix.isEmpty() ? "the number of children" : prefix.substring(0, prefix.length() - 1))
            + " must be a whole number from 0, not '"
            + text
            + "'");
  }

  private static void checkBlocks(int n, int block) {
    if (block < 1 || n < block || n % block != 0) {
      throw new IllegalArgumentException(
          "the tree's " + n + " children are not a positive multiple of blocks of " + block);
    }
  }

  /**
   * {@return startLink's start and end, and the stop's start and end, in nanoTime; then the
   * minor page faults before and after startLink}
   */
  private static long[] round(AttachedProcess<Object> driver, long[] inits) {
    Supervisor.Module module = PeerBench.treeSupervisor(inits.length, i -> new Noting(inits, i));
    long faults = minorPageFaults();
    long t0 = System.nanoTime();
    Supervisor sup =
        Supervisor.of(Supervisor.startLink(driver, module, GenServer.Options.DEFAULTS).orElseThrow());
    long t1 = System.nanoTime();
    long faultsAfter = minorPageFaults();
    int workers = sup.countChildren().workers();
    if (workers != inits.length) {
      throw new IllegalStateException(
          "the supervisor has " + workers + " workers, not " + inits.length);
    }
    long t2 = System.nanoTime();
    sup.stop();
    return new long[] {t0, t1, t2, System.nanoTime(), faults, faultsAfter};
  }

  /** {@return this JVM's minor page faults so far}, or -1 without {@code /proc/self/stat} */
  static long minorPageFaults() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // After "pid (comm) ": state ppid pgrp session tty_nr tpgid flags minflt ...
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(fields[7]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Prints a result: the totals, the blocks, and the blocks over twice the median. */
  static void print(Result r, int block, PrintStream out) {
    out.printf(
        Locale.ROOT,
        "start %.1f ms, stop %.1f ms; setup until the first init %.1f ms; minor page faults during"
            + " the start %d%n",
        r.start() / 1e6,
        r.stop() / 1e6,
        r.setup() / 1e6,
        r.pageFaults());
    StringBuilder all = new StringBuilder("ms per block of " + block + " children:");
    for (long b : r.blocks()) {
      all.append(String.format(Locale.ROOT, " %.1f", b / 1e6));
    }
    out.println(all);
    long[] sorted = r.blocks().clone();
    Arrays.sort(sorted);
    long median = sorted[sorted.length / 2];
    StringBuilder slow =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "blocks over twice the median block (the median: %.2f ms), by their last child:",
                median / 1e6));
    for (int b = 0; b < r.blocks().length; b++) {
      if (r.blocks()[b] > 2 * median) {
        slow.append(String.format(Locale.ROOT, " %d: %.1f", (b + 1) * block, r.blocks()[b] / 1e6));
      }
    }
    out.println(slow);
  }
}
