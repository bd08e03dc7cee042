package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a process's life shows outside: JFR events and the SLF4J crash report. */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ObservabilityTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @Nested
  class JfrEvents {
    @Test
    void spawnAndExitAreRecordedWithThePidAndTheReason() throws Exception {
      BlockingQueue<RecordedEvent> events = new LinkedBlockingQueue<>();
      try (RecordingStream rs = new RecordingStream();
          Node node = Node.start("jfr@localhost");
          AttachedProcess<Object> me = node.attach()) {
        rs.enable("dev.banyan.ProcessSpawn");
        rs.enable("dev.banyan.ProcessExit");
        rs.onEvent(events::add);
        rs.startAsync();
        Spawned<Object> s =
            me.spawnMonitor(c -> { throw new ExitException(ExitReason.of("boom")); });
        me.receive(Down.class, d -> d.ref().equals(s.ref()), WAIT).orElseThrow();
        String pid = s.pid().toString();
        RecordedEvent spawn = next(events, "dev.banyan.ProcessSpawn", pid);
        RecordedEvent exit = next(events, "dev.banyan.ProcessExit", pid);
        assertThat(spawn.getString("node")).isEqualTo("jfr@localhost");
        assertThat(exit.getString("reason")).isEqualTo("boom");
      }
    }

    private RecordedEvent next(BlockingQueue<RecordedEvent> events, String type, String pid)
        throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); // JFR flushes about once a second
      for (; ; ) {
        RecordedEvent e = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        assertThat(e).as("a %s event of %s", type, pid).isNotNull();
        if (e.getEventType().getName().equals(type) && pid.equals(e.getString("pid"))) {
          return e;
        }
      }
    }
  }

  @Nested
  class CrashReport {
    @Test
    void aCrashLogsThePidTheNameTheReasonAndTheStack() throws Exception {
      String log =
          captureStderr(
              (node, me) -> {
                Pid<String> p =
                    node.spawn(
                        c -> {
                          c.receive(String.class);
                          throw new IllegalStateException("the worker broke");
                        });
                node.register("worker", p);
                MonitorRef ref = me.monitor(p);
                p.send("go");
                me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
                return p;
              });
      assertThat(log)
          .contains("ERROR dev.banyan.Process")
          .contains("crashed with reason {java.lang.IllegalStateException: the worker broke}")
          .contains("(worker)")
          .contains("java.lang.IllegalStateException: the worker broke")
          .contains("\tat ");
    }

    @Test
    void anExitWithAnAbnormalValueIsReportedAndNormalOrShutdownAreNot() throws Exception {
      String log =
          captureStderr(
              (node, me) -> {
                for (ExitReason r :
                    new ExitReason[] {ExitReason.NORMAL, ExitReason.SHUTDOWN, ExitReason.shutdown("x"), ExitReason.of("bad")}) {
                  Spawned<Object> s = me.spawnMonitor(c -> { throw new ExitException(r); });
                  me.receive(Down.class, d -> d.ref().equals(s.ref()), WAIT).orElseThrow();
                }
                return me.self();
              });
      assertThat(log).contains("crashed with reason bad");
      assertThat(log.lines().filter(l -> l.contains("crashed with reason"))).hasSize(1);
    }

    @Test
    void aProcessKilledByASignalLogsNothing() throws Exception {
      String log =
          captureStderr(
              (node, me) -> {
                Pid<Object> p = node.spawn(c -> c.receive());
                MonitorRef ref = me.monitor(p);
                node.exit(p, ExitReason.KILL);
                me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
                return p;
              });
      assertThat(log).doesNotContain("crashed");
    }
  }

  interface Scenario {
    Pid<?> run(Node node, AttachedProcess<Object> me) throws Exception;
  }

  /**
   * Runs a scenario with stderr captured (slf4j-simple writes there and does not cache the
   * stream). The node is stopped before stderr is restored, so every log line is in.
   */
  private static String captureStderr(Scenario scenario) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream original = System.err;
    System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      scenario.run(node, me);
    } finally {
      System.setErr(original);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
