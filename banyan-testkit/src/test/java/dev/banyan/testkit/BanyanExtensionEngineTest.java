package dev.banyan.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.banyan.Node;
import dev.banyan.Pid;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;
import org.opentest4j.AssertionFailedError;

/**
 * What the extension does after each test, seen from outside: the fixtures of {@link
 * ExtensionFixtures} run through the Jupiter engine and their results are asserted. This class
 * does not use the extension itself: the fixtures attach the (same) thread to their own nodes.
 *
 * <p>A fixture that leaves a zombie costs 5 seconds: the node's stop waits that long for it.
 */
@Timeout(30)
class BanyanExtensionEngineTest {

  @BeforeEach
  void resetFixtures() {
    ExtensionFixtures.reset();
  }

  @AfterEach
  void releaseZombies() {
    ExtensionFixtures.release.countDown();
  }

  private static EngineExecutionResults run(Class<?> fixture) {
    return EngineTestKit.engine("junit-jupiter")
        .configurationParameter(ExtensionFixtures.SELECTED, "true")
        .selectors(selectClass(fixture))
        .execute();
  }

  private static Throwable onlyFailure(Events events) {
    return events.failed().stream()
        .findFirst()
        .orElseThrow()
        .getRequiredPayload(TestExecutionResult.class)
        .getThrowable()
        .orElseThrow();
  }

  @Test
  void testThatLeavesAProcessThreadRunningFailsWithItsPidAndStack() {
    Events tests = run(ExtensionFixtures.LeavesAZombie.class).testEvents();

    tests.assertStatistics(s -> s.started(1).succeeded(0).failed(1));
    Pid<?> zombie = ExtensionFixtures.zombies.get(0);
    assertThat(onlyFailure(tests))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageStartingWith(
            "1 process thread of the test's node still runs after the test ended and node"
                + " nonode@nohost was stopped: ["
                + zombie
                + "].")
        .hasMessageContaining("\n  " + zombie + "\n      at ")
        .hasMessageContaining(
            "ExtensionFixtures.ignoreInterruptsUntilReleased(ExtensionFixtures.java:");
  }

  @Test
  void theTestsOwnFailureStaysTheReportedCauseAndTheZombieReportIsSuppressed() {
    Events tests = run(ExtensionFixtures.FailsAndLeavesAZombie.class).testEvents();

    tests.assertStatistics(s -> s.started(1).failed(1));
    Throwable failure = onlyFailure(tests);
    assertThat(failure)
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("the fixture's own check")
        .hasMessageContaining("expected");
    Pid<?> zombie = ExtensionFixtures.zombies.get(0);
    assertThat(failure.getSuppressed()).hasSize(1);
    assertThat(failure.getSuppressed()[0])
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("[" + zombie + "]");
  }

  @Test
  void testThatEndsCleanlyPasses() {
    run(ExtensionFixtures.EndsCleanly.class)
        .testEvents()
        .assertStatistics(s -> s.started(1).succeeded(1).failed(0));
  }

  @Test
  void eachTestGetsAFreshNodeAndTheOldOneIsStopped() {
    run(ExtensionFixtures.TwoTestsInOrder.class)
        .testEvents()
        .assertStatistics(s -> s.started(2).succeeded(2));

    List<Node> nodes = ExtensionFixtures.nodes;
    assertThat(nodes).hasSize(2).doesNotHaveDuplicates();
    assertThat(nodes).noneMatch(Node::isRunning);
  }

  @Test
  void eachInvocationOfAParameterizedTestGetsAFreshNode() {
    run(ExtensionFixtures.Parameterized.class)
        .testEvents()
        .assertStatistics(s -> s.started(3).succeeded(3));

    assertThat(ExtensionFixtures.nodes).hasSize(3).doesNotHaveDuplicates();
    assertThat(ExtensionFixtures.nodes).noneMatch(Node::isRunning);
  }

  @Test
  void testWhoseProcessWasKilledEndsCleanlyAndTheThreadAttachesAgain() {
    for (int i = 0; i < 10; i++) {
    Events dbg = run(ExtensionFixtures.TestProcessKilled.class).testEvents();
    dbg.failed().stream().forEach(e -> e.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow().printStackTrace(System.out));
    }
    run(ExtensionFixtures.TestProcessKilled.class)
        .testEvents()
        .assertStatistics(s -> s.started(2).succeeded(2));
  }

  @Test
  void nodeCannotBeInjectedIntoBeforeAll() {
    EngineExecutionResults results = run(ExtensionFixtures.InjectsIntoBeforeAll.class);

    results.testEvents().assertStatistics(s -> s.started(0));
    assertThat(onlyFailure(results.containerEvents()))
        .isInstanceOf(ParameterResolutionException.class)
        .hasMessageStartingWith(
            "BanyanExtension gives each test its own node, so Node parameters can only be declared"
                + " by test methods and their @BeforeEach and @AfterEach methods, not by ");
    assertThat(ExtensionFixtures.nodes).isEmpty();
  }

  @Test
  void fixturesAreDisabledUnlessTheEngineRunSelectsThem() {
    EngineExecutionResults results =
        EngineTestKit.engine("junit-jupiter")
            .selectors(selectClass(ExtensionFixtures.LeavesAZombie.class))
            .execute();

    results.containerEvents().assertStatistics(s -> s.skipped(1));
    results.testEvents().assertStatistics(s -> s.started(0));
    assertThat(ExtensionFixtures.zombies).isEmpty();
  }

  @Test
  void supervisedChildrenStopInReverseStartOrderBeforeTheNodeStops() {
    run(ExtensionFixtures.LeavesSupervisedChildren.class)
        .testEvents()
        .assertStatistics(s -> s.started(1).succeeded(1).failed(0));

    ExtensionFixtures.log.awaitSequence(
        "start a",
        "start b",
        "start c",
        "stop c",
        "stop b",
        "stop a");
    assertThat(ExtensionFixtures.nodes).singleElement().matches(node -> !node.isRunning());
  }

  @Test
  void supervisedChildrenStopInReverseOrderWhenTheTestProcessWasKilled() {
    run(ExtensionFixtures.TestProcessKilledWithSupervisedChildren.class)
        .testEvents()
        .assertStatistics(s -> s.started(1).succeeded(1).failed(0));

    ExtensionFixtures.log.awaitSequence("start a", "start b", "stop b", "stop a");
  }

  @Test
  void testsOwnFailureStaysTheReportedOneAndItsChildrenAreStopped() {
    Events tests = run(ExtensionFixtures.FailsAfterStartingChildren.class).testEvents();

    tests.assertStatistics(s -> s.started(1).failed(1));
    assertThat(onlyFailure(tests))
        .isInstanceOf(AssertionFailedError.class)
        .hasMessageContaining("the fixture's own check")
        .hasNoSuppressedExceptions();
    ExtensionFixtures.log.awaitSequence("start a", "stop a");
  }
}
