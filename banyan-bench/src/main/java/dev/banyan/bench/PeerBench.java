package dev.banyan.bench;

import dev.banyan.AttachedProcess;
import dev.banyan.ChildSpec;
import dev.banyan.ChildStart;
import dev.banyan.ExitReason;
import dev.banyan.GenServer;
import dev.banyan.Introspection;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import dev.banyan.ReplyTo;
import dev.banyan.ServerRef;
import dev.banyan.Supervisor;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;

/**
 * Banyan's implementation of the peer-bench workloads ({@code shared/peer-bench/README.md}),
 * written with the public API as a user would. Takes the bench name, runs a warm-up round and
 * the measured round, and prints one JSON line:
 *
 * <pre>java -cp banyan-bench/target/benchmarks.jar dev.banyan.bench.PeerBench call-1</pre>
 *
 * <p>{@code restart} and {@code suptree} switch the supervisor reports off (the SLF4J logger
 * {@code dev.banyan.Supervisor}), as the Erlang version sets the logger level to {@code critical}:
 * otherwise every restart prints a report, and the benchmark measures terminal output.
 */
public final class PeerBench {
  private PeerBench() {}

  record Token(int left) {}

  record Stop() {}

  record Ping(Pid<Object> from) {}

  enum Pong {
    PONG
  }

  record Next(Pid<Object> next) {}

  record Sum(long value) {}

  /** The call server: answers {@code Ping} with {@code pong}, like peer-bench's pb_srv. */
  sealed interface SrvMsg {}

  record Call(ReplyTo<Pong> replyTo) implements SrvMsg {}

  /** Which scheduler runs the processes (see docs/processes.md, "Schedulers"). */
  static String scheduler() {
    return Introspection.scheduler().kind() == Introspection.SchedulerReport.Kind.BANYAN
        ? "Banyan's scheduler"
        : "the JDK's scheduler";
  }

  /** What an announcing server sends from its init: pb_srv's {@code {pb_srv_started, self()}}. */
  record Started(Pid<Object> pid) {}

  static final class Srv implements GenServer<Integer, SrvMsg> {
    private final Pid<Object> notify; // null: no announcement

    Srv() {
      this.notify = null;
    }

    /** pb_srv:start_link/2: tells {@code notify} its pid from init (its name is registered by then). */
    Srv(Pid<Object> notify) {
      this.notify = notify;
    }

    @Override
    public Init<Integer> init(ProcessContext<Object> self) {
      if (notify != null) {
        notify.send(new Started(self.self()));
      }
      return Init.ok(0);
    }

    @Override
    public Result<Integer> handleCall(SrvMsg msg, Integer state) {
      Call call = (Call) msg;
      return Result.reply(call.replyTo(), Pong.PONG, state);
    }
  }

  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: PeerBench <spawn|ring|pingpong|fanin|call-1|call-100|skynet|restart|suptree>");
      System.exit(2);
    }
    String bench = args[0];
    if (bench.equals("restart") || bench.equals("suptree")) {
      // Before the first logger is created: slf4j-simple reads a logger's level when it makes it.
      System.setProperty("org.slf4j.simpleLogger.log.dev.banyan.Supervisor", "off");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("bench", bench);
    // -Dpeerbench.impl names the line's implementation: scripts/peer-bench.sh runs Banyan twice,
    // on its own scheduler ("banyan") and on the JDK's ("banyan-jdk").
    out.put("impl", System.getProperty("peerbench.impl", "banyan"));
    try (Node node = Node.start(); AttachedProcess<Object> driver = node.attach()) {
      switch (bench) {
        case "spawn" -> spawn(node, driver, out);
        case "ring" -> ring(driver, out);
        case "pingpong" -> pingpong(driver, out);
        case "fanin" -> fanin(driver, out);
        case "call-1" -> call(node, driver, 1, out);
        case "call-100" -> call(node, driver, 100, out);
        case "skynet" -> skynet(driver, out);
        case "restart" -> restart(node, driver, 1_000, 10_000, 200, out);
        case "suptree" -> suptree(driver, 1_000, 10_000, out);
        default -> {
          System.err.println("benchmark " + bench + " is not available in this Banyan version");
          System.exit(2);
        }
      }
    }
    out.put("runtime", "Banyan 0.1 on JDK " + Runtime.version() + ", " + scheduler());
    out.put("cores", Runtime.getRuntime().availableProcessors());
    System.out.println(json(out));
    System.exit(0);
  }

  // ---- spawn ----

  private static void spawn(Node node, AttachedProcess<Object> driver, Map<String, Object> out) {
    spawnPhase(node, driver, 100_000);
    long[] r = spawnPhase(node, driver, 1_000_000);
    int n = 1_000_000;
    out.put("n", n);
    out.put("value", r[1] / (double) n);
    out.put("unit", "ns/proc");
    out.put("spawn_call_per_proc_ns", r[0] / (double) n);
    out.put("mem_per_proc_bytes", r[2] / (double) n);
    out.put("teardown_ms", r[3] / 1e6);
    out.put(
        "note",
        "value: from first spawn until all N processes run and block in receive; memory: heap used"
            + " after System.gc() delta / N; teardown: send stop to all until the process count is"
            + " back");
  }

  private static long[] spawnPhase(Node node, AttachedProcess<Object> driver, int n) {
    Pid<Object> main = driver.self();
    AtomicInteger counter = new AtomicInteger();
    int count0 = node.processCount();
    long mem0 = usedHeapAfterGc();
    List<Pid<Object>> pids = new ArrayList<>(n);
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      pids.add(
          driver.spawn(
              c -> {
                if (counter.incrementAndGet() == n) {
                  main.send("all_started");
                }
                c.receive(Stop.class);
              }));
    }
    long t1 = System.nanoTime();
    driver.receive(String.class, "all_started"::equals);
    long t2 = System.nanoTime();
    long mem1 = usedHeapAfterGc();
    long listBytes = 16L + 4L * n; // the driver's own pid list (compressed references)
    long t3 = System.nanoTime();
    for (Pid<Object> p : pids) {
      p.send(new Stop());
    }
    // Polled every millisecond, as the Erlang implementation does (receive after 1): a spinning
    // driver would take one of the two cores from the processes it waits for.
    while (node.processCount() > count0) {
      LockSupport.parkNanos(1_000_000);
    }
    long t4 = System.nanoTime();
    return new long[] {t1 - t0, t2 - t0, mem1 - mem0 - listBytes, t4 - t3};
  }

  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  // ---- ring ----

  private static void ring(AttachedProcess<Object> driver, Map<String, Object> out) {
    int size = 10_000;
    int laps = 100;
    Pid<Object> main = driver.self();
    List<Pid<Object>> pids = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      pids.add(
          driver.spawn(
              c -> {
                Pid<Object> next = c.receive(Next.class).next();
                while (true) {
                  Object m = c.receive();
                  if (m instanceof Token t) {
                    if (t.left() == 1) {
                      main.send("ring_done");
                    } else {
                      next.send(new Token(t.left() - 1));
                    }
                  } else {
                    return;
                  }
                }
              }));
    }
    for (int i = 0; i < size; i++) {
      pids.get(i).send(new Next(pids.get((i + 1) % size)));
    }
    ringRound(driver, pids.get(0), size * 10);
    long ns = ringRound(driver, pids.get(0), size * laps);
    pids.forEach(p -> p.send(new Stop()));
    int total = size * laps;
    out.put("n", total);
    out.put("value", total / (ns / 1e9));
    out.put("unit", "msg/s");
    out.put("ring_size", size);
    out.put("laps", laps);
  }

  private static long ringRound(AttachedProcess<Object> driver, Pid<Object> first, int total) {
    long t0 = System.nanoTime();
    first.send(new Token(total));
    driver.receive(String.class, "ring_done"::equals);
    return System.nanoTime() - t0;
  }

  // ---- pingpong ----

  private static void pingpong(AttachedProcess<Object> driver, Map<String, Object> out) {
    int r = 1_000_000;
    Pid<Object> pong =
        driver.spawn(
            c -> {
              while (true) {
                Object m = c.receive();
                if (m instanceof Ping p) {
                  p.from().send(Pong.PONG);
                } else {
                  return;
                }
              }
            });
    pingpongRound(driver, pong, 100_000);
    long ns = pingpongRound(driver, pong, r);
    pong.send(new Stop());
    out.put("n", r);
    out.put("value", r / (ns / 1e9));
    out.put("unit", "roundtrip/s");
    out.put("roundtrip_ns", ns / (double) r);
  }

  private static long pingpongRound(AttachedProcess<Object> driver, Pid<Object> pong, int r) {
    Pid<Object> main = driver.self();
    long t0 = System.nanoTime();
    driver.spawn(
        c -> {
          Ping ping = new Ping(c.self());
          for (int i = 0; i < r; i++) {
            pong.send(ping);
            c.receive(Pong.class);
          }
          main.send("pingpong_done");
        });
    driver.receive(String.class, "pingpong_done"::equals);
    return System.nanoTime() - t0;
  }

  // ---- fanin ----

  private static void fanin(AttachedProcess<Object> driver, Map<String, Object> out) {
    faninRound(driver, 1000, 100);
    long ns = faninRound(driver, 1000, 1000);
    int total = 1_000_000;
    out.put("n", total);
    out.put("value", total / (ns / 1e9));
    out.put("unit", "msg/s");
    out.put("senders", 1000);
  }

  private static long faninRound(AttachedProcess<Object> driver, int senders, int perSender) {
    Pid<Object> main = driver.self();
    int total = senders * perSender;
    Pid<Object> recv =
        driver.spawn(
            c -> {
              for (int i = 0; i < total; i++) {
                c.receive();
              }
              main.send("fanin_done");
            });
    List<Pid<Object>> pids = new ArrayList<>(senders);
    for (int s = 0; s < senders; s++) {
      pids.add(
          driver.spawn(
              c -> {
                c.receive(String.class, "go"::equals);
                for (int i = 0; i < perSender; i++) {
                  recv.send(Pong.PONG);
                }
              }));
    }
    long t0 = System.nanoTime();
    pids.forEach(p -> p.send("go"));
    driver.receive(String.class, "fanin_done"::equals);
    return System.nanoTime() - t0;
  }

  // ---- call ----

  private static void call(
      Node node, AttachedProcess<Object> driver, int callers, Map<String, Object> out) {
    int total = 1_000_000;
    ServerRef<SrvMsg> srv = GenServer.startLink(driver, new Srv()).orElseThrow();
    callRound(driver, srv, 1, 100_000);
    long ns = callRound(driver, srv, callers, total);
    srv.stop();
    out.put("n", total);
    out.put("value", total / (ns / 1e9));
    out.put("unit", "call/s");
    out.put("callers", callers);
    out.put("call_latency_mean_us", (ns / 1000.0) / (total / (double) callers));
  }

  private static long callRound(
      AttachedProcess<Object> driver, ServerRef<SrvMsg> srv, int callers, int total) {
    Pid<Object> main = driver.self();
    int per = total / callers;
    List<Pid<Object>> pids = new ArrayList<>(callers);
    for (int i = 0; i < callers; i++) {
      pids.add(
          driver.spawn(
              c -> {
                c.receive(String.class, "go"::equals);
                for (int k = 0; k < per; k++) {
                  srv.call(Call::new);
                }
                main.send("call_done");
              }));
    }
    long t0 = System.nanoTime();
    pids.forEach(p -> p.send("go"));
    for (int i = 0; i < callers; i++) {
      driver.receive(String.class, "call_done"::equals);
    }
    return System.nanoTime() - t0;
  }

  // ---- restart ----

  static final String RESTART_NAME = "pb_restart_srv";

  /** pb_sup's {@code {restart, Name, Notify}}: one permanent, registered, announcing server. */
  static Supervisor.Module restartSupervisor(String name, Pid<Object> notify) {
    return self ->
        Optional.of(
            new Supervisor.Init(
                Supervisor.Flags.oneForOne().withIntensity(1_000_000, Duration.ofSeconds(1)),
                List.of(
                    ChildSpec.worker(
                        "srv",
                        ChildStart.genServer(() -> new Srv(notify), GenServer.Options.named(name))))));
  }

  /**
   * The restart benchmark: {@code warmUp} restarts, {@code restarts} timed ones, then {@code
   * fresh} restarts of a new supervisor; puts the JSON fields into {@code out}.
   */
  static void restart(
      Node node, AttachedProcess<Object> driver, int warmUp, int restarts, int fresh, Map<String, Object> out) {
    Supervisor sup =
        Supervisor.of(
            Supervisor.startLink(driver, restartSupervisor(RESTART_NAME, driver.self()), GenServer.Options.DEFAULTS)
                .orElseThrow());
    driver.receive(Started.class);
    for (int i = 0; i < warmUp; i++) {
      restartOnce(node, driver, RESTART_NAME);
    }
    long[] lats = new long[restarts];
    long t0 = System.nanoTime();
    for (int i = 0; i < restarts; i++) {
      lats[i] = restartOnce(node, driver, RESTART_NAME);
    }
    long t1 = System.nanoTime();
    sup.stop();
    // The first restarts of a fresh supervisor, without a restart history.
    Supervisor sup2 =
        Supervisor.of(
            Supervisor.startLink(driver, restartSupervisor(RESTART_NAME, driver.self()), GenServer.Options.DEFAULTS)
                .orElseThrow());
    driver.receive(Started.class);
    long[] freshLats = new long[fresh];
    for (int i = 0; i < fresh; i++) {
      freshLats[i] = restartOnce(node, driver, RESTART_NAME);
    }
    sup2.stop();
    Arrays.sort(lats);
    Arrays.sort(freshLats);
    out.put("n", restarts);
    out.put("value", restarts / ((t1 - t0) / 1e9));
    out.put("unit", "restart/s");
    out.put("latency_p50_us", pct(lats, 0.50) / 1e3);
    out.put("latency_p99_us", pct(lats, 0.99) / 1e3);
    out.put("latency_max_us", lats[lats.length - 1] / 1e3);
    out.put("fresh_latency_p50_us", pct(freshLats, 0.50) / 1e3);
    out.put(
        "note",
        "driver.exit(pid, KILL) on the registered child, wait (in receive) for the new child's"
            + " announcement from init (sent after its name is registered), then call it;"
            + " Supervisor one_for_one, intensity 1000000 in 1 s; supervisor reports off (SLF4J"
            + " logger dev.banyan.Supervisor set to off, as Erlang's run sets logger level"
            + " critical)");
  }

  /** Kills the registered child and times until its replacement answers a call. */
  static long restartOnce(Node node, AttachedProcess<Object> driver, String name) {
    Pid<?> old = node.whereis(name).orElseThrow();
    long t0 = System.nanoTime();
    driver.exit(old, ExitReason.KILL);
    Pid<Object> fresh = driver.receive(Started.class).pid();
    Pong pong = ServerRef.<SrvMsg>of(fresh).call(Call::new);
    long t1 = System.nanoTime();
    if (pong != Pong.PONG || !node.whereis(name).orElseThrow().equals(fresh)) {
      throw new IllegalStateException("the restarted child " + fresh + " is not " + name);
    }
    return t1 - t0;
  }

  /** Nearest-rank percentile of a sorted array. */
  private static long pct(long[] sorted, double p) {
    int rank = (int) Math.max(1, Math.min(sorted.length, Math.ceil(p * sorted.length)));
    return sorted[rank - 1];
  }

  // ---- suptree ----

  /** pb_sup's {@code {tree, N}}: N permanent servers, started in order by the supervisor. */
  static Supervisor.Module treeSupervisor(int n) {
    return treeSupervisor(n, i -> new Srv());
  }

  /** The same tree with the servers {@code server} makes, given each child's index from 0. */
  static Supervisor.Module treeSupervisor(int n, IntFunction<? extends GenServer<?, ?>> server) {
    return self -> {
      List<ChildSpec> children = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int index = i;
        children.add(ChildSpec.worker(i + 1, ChildStart.genServer(() -> server.apply(index))));
      }
      return Optional.of(
          new Supervisor.Init(
              Supervisor.Flags.oneForOne().withIntensity(10, Duration.ofSeconds(1)), children));
    };
  }

  /** The suptree benchmark: a warm-up tree of {@code warmUp} children, then one of {@code n}. */
  static void suptree(AttachedProcess<Object> driver, int warmUp, int n, Map<String, Object> out) {
    suptreeRound(driver, warmUp);
    long[] r = suptreeRound(driver, n);
    out.put("n", n);
    out.put("value", r[0] / 1e6);
    out.put("unit", "ms");
    out.put("stop_ms", r[1] / 1e6);
    out.put(
        "note",
        "Supervisor.startLink with a module whose init returns N GenServer child specs (returns"
            + " when all children are initialised); stop = Supervisor.stop()");
  }

  /** {@return the start and the stop time of a tree of {@code n} children, in ns} */
  private static long[] suptreeRound(AttachedProcess<Object> driver, int n) {
    long t0 = System.nanoTime();
    Supervisor sup =
        Supervisor.of(Supervisor.startLink(driver, treeSupervisor(n), GenServer.Options.DEFAULTS).orElseThrow());
    long t1 = System.nanoTime();
    int workers = sup.countChildren().workers();
    if (workers != n) {
      throw new IllegalStateException("the supervisor has " + workers + " workers, not " + n);
    }
    long t2 = System.nanoTime();
    sup.stop();
    long t3 = System.nanoTime();
    return new long[] {t1 - t0, t3 - t2};
  }

  // ---- skynet ----

  private static void skynet(AttachedProcess<Object> driver, Map<String, Object> out) {
    skynetRound(driver, 100_000);
    long t0 = System.nanoTime();
    long sum = skynetRound(driver, 1_000_000);
    long ns = System.nanoTime() - t0;
    if (sum != 499_999_500_000L) {
      throw new IllegalStateException("skynet sum is " + sum);
    }
    out.put("n", 1_000_000);
    out.put("value", ns / 1e6);
    out.put("unit", "ms");
    out.put("processes", 1_111_111);
    out.put("sum", sum);
  }

  private static long skynetRound(AttachedProcess<Object> driver, int size) {
    Pid<Object> main = driver.self();
    driver.spawn(c -> skynet(c, main, 0, size));
    return driver.receive(Sum.class).value();
  }

  private static void skynet(ProcessContext<Object> c, Pid<Object> parent, long num, int size) {
    if (size == 1) {
      parent.send(new Sum(num));
      return;
    }
    int sub = size / 10;
    Pid<Object> self = c.self();
    for (int i = 0; i < 10; i++) {
      long childNum = num + (long) i * sub;
      c.spawn(cc -> skynet(cc, self, childNum, sub));
    }
    long sum = 0;
    for (int i = 0; i < 10; i++) {
      sum += c.receive(Sum.class).value();
    }
    parent.send(new Sum(sum));
  }

  // ---- output ----

  static String json(Map<String, Object> fields) {
    StringBuilder b = new StringBuilder("{");
    fields.forEach(
        (k, v) -> {
          if (b.length() > 1) {
            b.append(',');
          }
          b.append('"').append(k).append("\":");
          if (v instanceof Number num) {
            double d = num.doubleValue();
            b.append(num instanceof Double || num instanceof Float ? String.format("%.3f", d) : num.toString());
          } else {
            b.append('"').append(v.toString().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
          }
        });
    return b.append('}').toString();
  }
}
