package dev.banyan.testkit;

import static dev.banyan.testkit.BanyanAssertions.awaitExit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banyan.ChildSpec;
import dev.banyan.ChildStart;
import dev.banyan.ExitReason;
import dev.banyan.GenServer;
import dev.banyan.MonitorRef;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import dev.banyan.ProcessInfo;
import dev.banyan.Supervisor;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.AssertionFailedError;

/**
 * The test supervisor used for real. What the extension does with it after a test (children
 * stopped in reverse order before the node stops) is checked through the engine, in {@link
 * BanyanExtensionEngineTest}.
 */
@BanyanTest
@Timeout(10)
class TestSupervisorTest {

  private TestSupervisor inBeforeEach;

  @BeforeEach
  void rememberTheSupervisorOfBeforeEach(TestSupervisor supervised) {
    inBeforeEach = supervised;
  }

  /** A server whose init fails with {@code failure}. */
  private static ChildSpec failingChild(String id, RuntimeException failure) {
    return ChildSpec.worker(
        id,
        ChildStart.genServer(
            () ->
                (GenServer<Object, Object>)
                    self -> {
                      throw failure;
                    }));
  }

  @Nested
  class StartChild {
    @Test
    void returnsThePidOfTheRunningChild(TestSupervisor supervised) {
      EventLog log = new EventLog();

      Pid<?> pid = supervised.startChild(ChildSpec.worker("a", ChildStart.genServer(() -> new Recorder("a", log))));

      assertThat(pid.isAlive()).isTrue();
      assertThat(log.events()).containsExactly("start a"); // init ran before startChild returned
      assertThat(supervised.supervisor().whichChildren())
          .containsExactly(
              new Supervisor.ChildInfo("a", new Supervisor.ChildState.Running(pid), ChildSpec.Type.WORKER));
    }

    @Test
    void childrenStartInTheOrderOfTheCalls(TestSupervisor supervised) {
      EventLog log = new EventLog();

      supervised.startChild(Recorder.child("a", log));
      supervised.startChild(Recorder.child("b", log));
      supervised.startChild(Recorder.child("c", log));

      log.awaitSequence("start a", "start b", "start c");
    }

    @Test
    void supervisorIsLinkedToTheTestProcessAndTheChildIsNot(
        Node node, ProcessContext<Object> me, TestSupervisor supervised) {
      Pid<?> child = supervised.startChild(Recorder.child("a", new EventLog()));
      Pid<?> sup = supervised.supervisor().pid();

      ProcessInfo test = node.processInfo(me.self()).orElseThrow();
      assertThat(test.links()).containsExactly(sup);
      assertThat(node.processInfo(child).orElseThrow().links()).containsExactly(sup);
    }

    @Test
    void supervisorStartsOnlyWithTheFirstChild(Node node, ProcessContext<Object> me, TestSupervisor supervised) {
      assertThat(node.processes()).containsExactly(me.self());

      Pid<?> child = supervised.startChild(Recorder.child("a", new EventLog()));

      assertThat(node.processes()).containsExactlyInAnyOrder(me.self(), supervised.supervisor().pid(), child);
    }

    @Test
    void crashedChildIsRestartedAndTheTestGoesOn(
        Node node, ProcessContext<Object> me, TestSupervisor supervised) {
      EventLog log = new EventLog();
      Pid<?> first = supervised.startChild(Recorder.child("a", log));
      MonitorRef ref = me.monitor(first);

      node.exit(first, ExitReason.KILL);

      assertThat(awaitExit(me, ref)).isEqualTo(ExitReason.KILLED);
      log.awaitSequence("start a", "start a"); // killed: no terminate, then restarted
      assertThat(me.self().isAlive()).isTrue();
      assertThat(supervised.supervisor().countChildren()).isEqualTo(new Supervisor.Counts(1, 1, 0, 1));
    }

    @Test
    void failedStartFailsTheTestWithTheReasonAndTheCrashAsCause(TestSupervisor supervised) {
      IllegalStateException noDatabase = new IllegalStateException("no database");

      assertThatThrownBy(() -> supervised.startChild(failingChild("db", noDatabase)))
          .isInstanceOf(AssertionFailedError.class)
          .hasMessage("failed to start child db: {java.lang.IllegalStateException: no database}")
          .hasCause(noDatabase);
      assertThat(supervised.supervisor().countChildren()).isEqualTo(new Supervisor.Counts(0, 0, 0, 0));
    }

    @Test
    void startThatReturnsIgnoreFailsTheTest(TestSupervisor supervised) {
      ChildSpec ignored =
          ChildSpec.worker("lazy", ChildStart.genServer(() -> (GenServer<Object, Object>) self -> GenServer.Init.ignore()));

      assertThatThrownBy(() -> supervised.startChild(ignored))
          .isInstanceOf(AssertionFailedError.class)
          .hasMessage("the start of child lazy returned ignore: it did not start");
    }

    @Test
    void secondChildWithTheSameIdFailsTheTestAndNamesTheRunningOne(TestSupervisor supervised) {
      EventLog log = new EventLog();
      Pid<?> first = supervised.startChild(Recorder.child("a", log));

      assertThatThrownBy(() -> supervised.startChild(Recorder.child("a", log)))
          .isInstanceOf(AssertionFailedError.class)
          .hasMessage(
              "failed to start child a: a child with this id already runs under the test supervisor ("
                  + first
                  + "); give each child its own id (ChildSpec.withId)");
      assertThat(log.events()).containsExactly("start a");
    }

    @Test
    void beforeEachAndTheTestGetTheSameSupervisor(TestSupervisor supervised) {
      assertThat(supervised).isSameAs(inBeforeEach);
    }

    @Test
    void otherThreadsGetWrongThreadException(TestSupervisor supervised) throws InterruptedException {
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      Thread other =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      supervised.startChild(Recorder.child("a", new EventLog()));
                    } catch (Throwable t) {
                      thrown.set(t);
                    }
                  });
      other.join();

      assertThat(thrown.get())
          .isInstanceOf(WrongThreadException.class)
          .hasMessageContaining("can only be used by the test thread");
    }
  }

  @Nested
  class StopChild {
    @Test
    void stopsTheChildWithItsShutdownAndFreesItsId(TestSupervisor supervised) {
      EventLog log = new EventLog();
      Pid<?> first = supervised.startChild(Recorder.child("a", log));

      supervised.stopChild("a");

      assertThat(first.isAlive()).isFalse();
      assertThat(log.events()).containsExactly("start a", "stop a"); // terminate ran: shutdown
      Pid<?> second = supervised.startChild(Recorder.child("a", log));
      assertThat(second).isNotEqualTo(first);
    }

    @Test
    void unknownIdFailsTheTest(TestSupervisor supervised) {
      supervised.startChild(Recorder.child("a", new EventLog()));

      assertThatThrownBy(() -> supervised.stopChild("b"))
          .isInstanceOf(AssertionFailedError.class)
          .hasMessage("stopChild(b): the test supervisor has no child with this id");
    }

    @Test
    void beforeAnyStartFailsTheTestWithoutStartingTheSupervisor(
        Node node, ProcessContext<Object> me, TestSupervisor supervised) {
      assertThatThrownBy(() -> supervised.stopChild("a"))
          .isInstanceOf(AssertionFailedError.class)
          .hasMessage("stopChild(a): the test supervisor has no child with this id");
      assertThat(node.processes()).containsExactly(me.self());
    }
  }

  @Nested
  class SupervisorHandle {
    @Test
    void stoppingTheSupervisorStopsTheChildrenInReverseStartOrder(TestSupervisor supervised) {
      EventLog log = new EventLog();
      supervised.startChild(ChildSpec.worker("a", ChildStart.genServer(() -> new Recorder("a", log))));
      supervised.startChild(ChildSpec.worker("b", ChildStart.genServer(() -> new Recorder("b", log))));
      supervised.startChild(ChildSpec.worker("c", ChildStart.genServer(() -> new Recorder("c", log))));

      supervised.supervisor().stop();

      log.awaitSequence(
          "start a",
          "start b",
          "start c",
          "stop c",
          "stop b",
          "stop a");
    }
  }
}
