package dev.banyan;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordingStream;

/**
 * The fixture of {@link ParkedFramesTest}, run in a JVM of its own: ends many processes parked
 * in a receive after the JIT has compiled the code they sit in, and prints how many
 * deoptimizations their ends took.
 *
 * <p>First {@code rounds} rounds of {@code perRound} processes wait in a receive without a
 * timeout and end normally, so that the JIT compiles a process's frames with a profile in which no
 * process ever waited with a timeout. Then {@code n} processes wait in a receive with a timeout
 * (which gives each a timed-wait entry that its end releases) and end normally; with a fourth
 * argument {@code kill}, they wait without a timeout and are killed instead (a way out that no
 * process of the first phase took: see docs/performance.md, "Parked frames and the JIT"). Prints
 * {@code DEOPTIMIZATIONS d} for that second phase, then up to three lines {@code AT count method
 * reason} for the places where most of them were, then {@code DONE}.
 */
final class ParkedFramesFixture {
  private ParkedFramesFixture() {}

  private record Go() {}

  private record Ready() {}

  public static void main(String[] args) throws Exception {
    int rounds = Integer.parseInt(args[0]);
    int perRound = Integer.parseInt(args[1]);
    int n = Integer.parseInt(args[2]);
    boolean kill = args.length > 3 && args[3].equals("kill");
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> driver = me.self();
      for (int r = 0; r < rounds; r++) {
        endAll(
            me,
            perRound,
            c -> {
              driver.send(new Ready());
              c.receive(Go.class);
            },
            false);
      }
      AtomicLong deoptimizations = new AtomicLong();
      Map<String, Long> byPlace = new ConcurrentHashMap<>();
      try (RecordingStream recording = new RecordingStream()) {
        recording.enable("jdk.Deoptimization");
        recording.onEvent(
            "jdk.Deoptimization",
            e -> {
              deoptimizations.incrementAndGet();
              RecordedMethod m = e.getValue("method");
              String where = m == null ? "?" : m.getType().getName() + "." + m.getName();
              byPlace.merge(where + " " + e.getString("reason"), 1L, Long::sum);
            });
        recording.startAsync();
        if (kill) {
          endAll(
              me,
              n,
              c -> {
                driver.send(new Ready());
                c.receive(Go.class);
              },
              true);
        } else {
          endAll(
              me,
              n,
              c -> {
                driver.send(new Ready());
                c.receive(Go.class, Duration.ofMinutes(1));
              },
              false);
        }
        recording.stop(); // delivers every event recorded so far
      }
      System.out.println("DEOPTIMIZATIONS " + deoptimizations.get());
      byPlace.entrySet().stream()
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .limit(3)
          .forEach(p -> System.out.println("AT " + p.getValue() + " " + p.getKey()));
    }
    System.out.println("DONE");
    System.exit(0);
  }

  /** Spawns {@code n} processes, lets them all reach their receive, and ends or kills them. */
  @SuppressWarnings("unchecked")
  private static void endAll(
      AttachedProcess<Object> me, int n, ProcessBody<Object> body, boolean kill) {
    Pid<?>[] pids = new Pid<?>[n];
    for (int i = 0; i < n; i++) {
      pids[i] = me.spawn(body);
    }
    for (int i = 0; i < n; i++) {
      me.receive(Ready.class);
    }
    for (Pid<?> p : pids) {
      if (kill) {
        me.exit(p, ExitReason.KILL);
      } else {
        ((Pid<Object>) p).send(new Go());
      }
    }
    for (Pid<?> p : pids) {
      MonitorRef ref = me.monitor(p);
      me.receive(Down.class, d -> d.ref().equals(ref));
    }
  }
}
