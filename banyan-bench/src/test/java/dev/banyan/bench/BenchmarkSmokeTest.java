package dev.banyan.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banyan.AttachedProcess;
import dev.banyan.Down;
import dev.banyan.ExitReason;
import dev.banyan.Node;
import dev.banyan.ProcessInfo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Runs the logic of each benchmark once, at its smallest size, so that the build exercises the
 * benchmark code. It times nothing: the figures come from JMH.
 */
@Timeout(60)
class BenchmarkSmokeTest {

  @Nested
  class Spawn {
    @Test
    void spawnAndAwaitDownGetsANormalDown() {
      SpawnBenchmark b = new SpawnBenchmark();
      b.setUp();
      try {
        Down down = b.spawnAndAwaitDown();
        assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
      } finally {
        b.tearDown();
      }
    }

    @Test
    void spawnBatchGetsADownPerProcess() {
      SpawnBenchmark b = new SpawnBenchmark();
      b.setUp();
      try {
        assertThat(b.spawnBatchAndAwaitAllDowns()).isEqualTo(SpawnBenchmark.BATCH);
      } finally {
        b.tearDown();
      }
    }

    @Test
    void spawnerProcessAnswersAfterItsBatch() {
      SpawnBenchmark b = new SpawnBenchmark();
      b.setUp();
      try {
        assertThat(b.spawnAndAwaitDownFromProcess())
            .isInstanceOfSatisfying(
                SpawnBenchmark.Run.class, r -> assertThat(r.count()).isEqualTo(SpawnBenchmark.BATCH));
      } finally {
        b.tearDown();
      }
    }
  }

  @Nested
  class Hop {
    @Test
    void everyHopBenchmarkGetsItsAnswer() {
      HopBenchmark b = new HopBenchmark();
      b.setUp();
      try {
        assertThat(b.roundTripFromAttachedProcess()).isEqualTo(HopBenchmark.PONG);
        assertThat(b.roundTripBetweenProcesses())
            .isInstanceOfSatisfying(
                HopBenchmark.Play.class,
                p -> assertThat(p.rounds()).isEqualTo(HopBenchmark.ROUND_TRIPS));
        assertThat(b.ringHop())
            .isInstanceOfSatisfying(
                HopBenchmark.Token.class, t -> assertThat(t.hopsLeft()).isZero());
      } finally {
        b.tearDown();
      }
    }
  }

  @Nested
  class Call {
    @Test
    void bothCallBenchmarksGetTheServersAnswer() {
      CallBenchmark b = new CallBenchmark();
      b.setUp();
      try {
        assertThat(b.callFromAttachedProcess()).isEqualTo(PeerBench.Pong.PONG);
        assertThat(b.callBetweenProcesses())
            .isInstanceOfSatisfying(
                CallBenchmark.Run.class, r -> assertThat(r.calls()).isEqualTo(CallBenchmark.CALLS));
      } finally {
        b.tearDown();
      }
    }
  }

  @Nested
  class Restart {
    @Test
    void aKilledChildIsReplacedByANewRegisteredOne() {
      RestartBenchmark b = new RestartBenchmark();
      b.setUp();
      try {
        assertThat(b.killAndAwaitRestartedChild()).isPositive();
        assertThat(b.killAndAwaitRestartedChild()).isPositive();
      } finally {
        b.tearDown();
      }
    }
  }

  @Nested
  class SelectiveReceive {
    @Test
    void matchesAreReceivedAndTheBacklogStays() {
      SelectiveReceiveBenchmark b = new SelectiveReceiveBenchmark();
      b.backlog = 100;
      b.setUp();
      try {
        assertThat(b.receiveByType().n()).isEqualTo(1);
        SelectiveReceiveBenchmark.Tagged match = b.receiveByPredicate();
        assertThat(match.tag()).isEqualTo(1);
        assertThat(match.n()).isEqualTo(2);
        assertThat(b.node().processInfo(b.process().self()))
            .get()
            .extracting(ProcessInfo::mailboxLength)
            .isEqualTo(100);
      } finally {
        b.tearDown();
      }
    }
  }

  @Nested
  class IdleFootprintMain {
    @Test
    @DisplayName("IdleFootprint with 1,000 processes prints its figures and stops the node")
    void printsItsFiguresAndStopsTheNode() throws Exception {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      IdleFootprint.Result r;
      try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
        r = IdleFootprint.measure(1000, 1000, false, out);
      }
      String printed = bytes.toString(StandardCharsets.UTF_8);
      assertThat(r.processes()).isEqualTo(1000);
      assertThat(printed)
          .contains("1,000 idle processes, all waiting in receive()")
          .contains("warm-up: 1,000")
          .contains("bytes per idle process: ")
          .contains("node.stop() took ");
    }
  }

  @Nested
  class PeerBenchWorkloads {
    @Test
    @DisplayName("restart: each killed child is restarted, announces itself and answers a call")
    void restartRunsItsRoundsAndStopsBothSupervisors() {
      Map<String, Object> out = new LinkedHashMap<>();
      try (Node node = Node.start(); AttachedProcess<Object> driver = node.attach()) {
        PeerBench.restart(node, driver, 2, 10, 3, out);

        assertThat(node.whereis(PeerBench.RESTART_NAME)).isEmpty();
        assertThat(node.processes()).containsExactly(driver.self()); // both supervisors stopped
      }
      assertThat(out)
          .containsEntry("n", 10)
          .containsEntry("unit", "restart/s")
          .containsKeys(
              "value", "latency_p50_us", "latency_p99_us", "latency_max_us", "fresh_latency_p50_us", "note");
      assertThat(PeerBench.json(out)).startsWith("{\"n\":10,\"value\":");
    }

    @Test
    @DisplayName("suptree: a supervisor of N servers starts them all and stops with them")
    void suptreeStartsAndStopsTheTree() {
      Map<String, Object> out = new LinkedHashMap<>();
      try (Node node = Node.start(); AttachedProcess<Object> driver = node.attach()) {
        PeerBench.suptree(driver, 5, 50, out);

        assertThat(node.processes()).containsExactly(driver.self()); // the trees are gone
      }
      assertThat(out).containsEntry("n", 50).containsEntry("unit", "ms").containsKeys("value", "stop_ms", "note");
    }

    @Test
    @DisplayName("SuptreeTimeline: a block per B children, each after the one before, and a printout")
    void suptreeTimelineSplitsTheStartIntoBlocks() {
      SuptreeTimeline.Result r;
      try (Node node = Node.start(); AttachedProcess<Object> driver = node.attach()) {
        r = SuptreeTimeline.measure(driver, 60, 5, 0, 20);

        assertThat(node.processes()).containsExactly(driver.self()); // both trees are gone
      }
      assertThat(r.blocks()).hasSize(3);
      assertThat(Arrays.stream(r.blocks()).min().orElseThrow()).isPositive();
      assertThat(r.setup()).isPositive().isLessThan(r.start());
      ByteArrayOutputStream text = new ByteArrayOutputStream();
      SuptreeTimeline.print(r, 20, new PrintStream(text, true, StandardCharsets.UTF_8));
      assertThat(text.toString(StandardCharsets.UTF_8))
          .startsWith("start ")
          .contains("ms per block of 20 children:", "blocks over twice the median");
    }

    @Test
    @DisplayName("SuptreeTimeline: a tree that is not whole blocks is refused, naming both numbers")
    void suptreeTimelineRefusesPartBlocks() {
      try (Node node = Node.start(); AttachedProcess<Object> driver = node.attach()) {
        assertThatThrownBy(() -> SuptreeTimeline.measure(driver, 50, 0, 0, 20))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("50 children")
            .hasMessageContaining("blocks of 20");
        assertThat(node.processes()).containsExactly(driver.self()); // nothing was started
      }
    }
  }

  @Nested
  class KvServer {
    @Test
    @DisplayName("kv-server: every connection gets right answers, and the run has figures")
    void answersRightAndMeasures() throws Exception {
      KvServerBench.Result r = KvServerBench.run(3, Duration.ofMillis(100), Duration.ofMillis(300));

      assertThat(r.connections()).isEqualTo(3);
      assertThat(r.requests()).isPositive();
      assertThat(r.p50()).isLessThanOrEqualTo(r.p99());
    }
  }
}
