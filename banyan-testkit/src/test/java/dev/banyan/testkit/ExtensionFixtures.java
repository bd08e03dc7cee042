package dev.banyan.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.AttachedProcess;
import dev.banyan.ChildSpec;
import dev.banyan.ChildStart;
import dev.banyan.Down;
import dev.banyan.ExitException;
import dev.banyan.ExitReason;
import dev.banyan.GenServer;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Test classes that {@link BanyanExtensionEngineTest} runs through the JUnit engine, to see how
 * the extension reports them. They are not tests of their own: surefire does not pick up nested
 * classes, and when something else selects them (an IDE running the package) they are disabled
 * unless the engine run sets {@link #SELECTED}. The static fields carry what the fixtures saw
 * back to the test that ran them; that test resets them first.
 */
final class ExtensionFixtures {

  /** The configuration parameter that enables the fixtures. */
  static final String SELECTED = "dev.banyan.testkit.fixtures";

  private static final String ENABLED = "dev.banyan.testkit.ExtensionFixtures#selected";

  /** Processes the fixtures left running. */
  static final List<Pid<?>> zombies = new CopyOnWriteArrayList<>();

  /** Nodes the fixtures' tests ran with, in order. */
  static final List<Node> nodes = new CopyOnWriteArrayList<>();

  /** Opened by the engine test when it is done with the zombies: lets their threads end. */
  static volatile CountDownLatch release = new CountDownLatch(0);

  /** What the supervised children of the fixtures recorded. */
  static volatile EventLog log = new EventLog();

  private ExtensionFixtures() {}

  static void reset() {
    zombies.clear();
    nodes.clear();
    release = new CountDownLatch(1);
    log = new EventLog();
  }

  static boolean selected(ExtensionContext context) {
    return context.getConfigurationParameter(SELECTED).isPresent();
  }

  /**
   * Spawns a process that ignores interrupts, and waits until it runs: a process killed before
   * its thread started never runs its body, and is rightly no zombie.
   */
  static Pid<Object> spawnZombieToBe(ProcessContext<Object> me) {
    Pid<Object> test = me.self();
    Pid<Object> pid =
        me.spawn(
            ctx -> {
              test.send("running");
              ignoreInterruptsUntilReleased();
            });
    me.receive(String.class, "running"::equals);
    return pid;
  }

  /**
   * Kills the test process with the reason {@code boom}, through a linked process that exits
   * with it. The linked process waits for a signal: had it exited at once, the test process
   * could have died inside {@code spawnLink}, which then throws {@code ProcessExitedException}.
   */
  static void killTestProcessByALink(ProcessContext<Object> me) {
    Pid<Object> killer =
        me.spawnLink(
            ctx -> {
              ctx.receive();
              throw new ExitException(ExitReason.of("boom"));
            });
    killer.send("go");
  }

  /** A process body that ignores interrupts: its thread outlives its death until released. */
  static void ignoreInterruptsUntilReleased() {
    CountDownLatch latch = release;
    for (; ; ) {
      try {
        latch.await();
        return;
      } catch (InterruptedException ignored) {
        // a zombie by design: keep waiting
      }
    }
  }

  @BanyanTest
  @EnabledIf(ENABLED)
  @Tag("fixture")
  @Timeout(10)
  static class LeavesAZombie {
    @Test
    void leavesAProcessThatIgnoresInterrupts(ProcessContext<Object> me) {
      zombies.add(spawnZombieToBe(me));
    }
  }

  @BanyanTest
  @EnabledIf(ENABLED)
  @Tag("fixture")
  @Timeout(10)
  static class FailsAndLeavesAZombie {
    @Test
    void failsItsOwnAssertionAndLeavesAZombie(ProcessContext<Object> me) {
      zombies.add(spawnZombieToBe(me));
      assertThat("actual").as("the fixture's own check").isEqualTo("expected");
    }
  }

  @BanyanTest
  @EnabledIf(ENABLED)
  @Tag("fixture")
  @Timeout(10)
  static class EndsCleanly {
    @Test
    void leavesOnlyProcessesThatEndWhenKilled(ProcessContext<Object> me) {
      me.spawnLink(ctx -> ctx.receive()); // alive at the end: the node's stop kills it
      // Blocked outside the runtime, in a wait that honours interrupts: ends when killed.
      Pid<Object> blocked = me.spawn(ctx -> new CountDownLatch(1).await());
      me.trapExit(true);
      me.spawnLink(ctx -> {});
      assertThat(me.receive(dev.banyan.Exit.class).reason()).isEqualTo(ExitReason.NORMAL);
      assertThat(blocked.isAlive()).isTrue();
    }
  }

  @BanyanTest
  @EnabledIf(ENABLED)
  @Tag("fixture")
  @Timeout(10)
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class TwoTestsInOrder {
    @Test
    @Order(1)
    void registersANameAndLeavesItsProcessesRunning(Node node, ProcessContext<Object> me) {
      nodes.add(node);
      node.register("held", me.spawn(ctx -> ctx.receive()));
      me.register("test");
    }

    @Test
    @Order(2)
    void getsAFreshNode(Node node, ProcessContext<Object> me) {
      nodes.add(node);
      assertThat(node).isNotSameAs(nodes.get(0));
      assertThat(node.registered()).isEmpty();
      assertThat(node.whereis("held")).isEmpty();
      assertThat(node.processes()).containsExactly(me.self());
      me.register("test"); // free: the previous test's process is gone with its node
    }
  }

  @BanyanTest
  @EnabledIf(ENABLED)
  @Tag("fixture")
  @Timeout(10)
  static class Parameterized {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void eachInvocationRecordsItsNode(int n, Node node, AttachedProcess<Object> me) {
      nodes.add(node);
      assertThat(node.processes()).containsExactly(me.self());
      assertThat(n).isPositive();
    }
  }

  @BanyanTest
  @EnabledIf(ENABLED)
  @Tag("fixture")
  @Timeout(10)
  @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
  static class TestProcessKilled {
    @Test
    @Order(1)
    void testProcessIsKilledByALinkAndTheTestStillEnds(Node node, ProcessContext<Object> me)
        throws InterruptedException {
      Pid<Object> test = me.self();
      CountDownLatch dead = new CountDownLatch(1);
      node.spawn(
          ctx -> {
            ctx.monitor(test);
            ctx.receive(Down.class);
            dead.countDown();
          });
      killTestProcessByALink(me);
      assertThat(dead.await(5, TimeUnit.SECONDS)).isTrue();
      assertThat(test.isAlive()).isFalse();
    }

    @Test
    @Order(2)
    void theNextTestOnTheSameThreadAttachesAgain(ProcessContext<Object> me) {
      assertThat(me.self().isAlive()).isTrue();
    }
  }

  @BanyanTest
  @EnabledIf(ENABLED)
  @Tag("fixture")
  @Timeout(10)
  static class InjectsIntoBeforeAll {
    @BeforeAll
    static void setUp(Node node) {
      nodes.add(node);
    }

    @Test
    void neverRuns() {}
  }

  @BanyanTest
  @EnabledIf(ENABLED)
  @Tag("fixture")
  @Timeout(10)
  static class LeavesSupervisedChildren {
    @Test
    void startsThreeChildrenAndLeavesThemRunning(Node node, TestSupervisor supervised) {
      nodes.add(node);
      EventLog events = log;
      supervised.startChild(nodeWatchingChild("a", node, events));
      supervised.startChild(nodeWatchingChild("b", node, events));
      supervised.startChild(nodeWatchingChild("c", node, events));
    }
  }

  @BanyanTest
  @EnabledIf(ENABLED)
  @Tag("fixture")
  @Timeout(10)
  static class TestProcessKilledWithSupervisedChildren {
    @Test
    void testProcessIsKilledByALinkAfterStartingChildren(
        Node node, ProcessContext<Object> me, TestSupervisor supervised) throws InterruptedException {
      EventLog events = log;
      supervised.startChild(nodeWatchingChild("a", node, events));
      supervised.startChild(nodeWatchingChild("b", node, events));
      Pid<Object> test = me.self();
      CountDownLatch dead = new CountDownLatch(1);
      node.spawn(
          ctx -> {
            ctx.monitor(test);
            ctx.receive(Down.class);
            dead.countDown();
          });
      killTestProcessByALink(me);
      assertThat(dead.await(5, TimeUnit.SECONDS)).isTrue();
    }
  }

  @BanyanTest
  @EnabledIf(ENABLED)
  @Tag("fixture")
  @Timeout(10)
  static class FailsAfterStartingChildren {
    @Test
    void failsItsOwnAssertionWithChildrenRunning(Node node, TestSupervisor supervised) {
      supervised.startChild(nodeWatchingChild("a", node, log));
      assertThat("actual").as("the fixture's own check").isEqualTo("expected");
    }
  }

  /**
   * A child that records {@code "start <name>"} and, when the supervisor stops it, {@code "stop
   * <name>"} — or {@code "stop <name> after the node stopped"}, which the extension must not let
   * happen.
   */
  static ChildSpec nodeWatchingChild(String name, Node node, EventLog events) {
    return ChildSpec.worker(
        name,
        ChildStart.genServer(
            () ->
                new GenServer<String, Object>() {
                  @Override
                  public Init<String> init(ProcessContext<Object> self) {
                    self.trapExit(true);
                    events.record("start " + name);
                    return Init.ok(name);
                  }

                  @Override
                  public void terminate(ExitReason reason, String state) {
                    events.record("stop " + name + (node.isRunning() ? "" : " after the node stopped"));
                  }
                }));
  }
}
