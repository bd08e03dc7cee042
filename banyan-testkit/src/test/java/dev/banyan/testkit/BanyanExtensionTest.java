package dev.banyan.testkit;

import static dev.banyan.testkit.BanyanAssertions.assertReceive;
import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.AttachedProcess;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The extension used for real: what it injects into tests and their lifecycle methods. What
 * happens after a test (zombies, failures, fresh nodes) is checked by running fixtures through
 * the engine, in {@link BanyanExtensionEngineTest}.
 */
@ExtendWith(BanyanExtension.class)
@Timeout(10)
class BanyanExtensionTest {

  private Node nodeInBeforeEach;
  private ProcessContext<Object> processInBeforeEach;

  @BeforeEach
  void rememberWhatBeforeEachGets(Node node, ProcessContext<Object> me) {
    nodeInBeforeEach = node;
    processInBeforeEach = me;
  }

  @AfterEach
  void afterEachGetsTheSameNodeAndProcess(Node node, ProcessContext<Object> me) {
    assertThat(node).isSameAs(nodeInBeforeEach);
    assertThat(me).isSameAs(processInBeforeEach);
    assertThat(node.isRunning()).isTrue();
  }

  @Nested
  class Parameters {
    @Test
    void nodeIsRunningAndTheTestThreadIsItsProcess(Node node, ProcessContext<Object> me) {
      assertThat(node.isRunning()).isTrue();
      assertThat(node.processes()).containsExactly(me.self());
      assertThat(me.node()).isSameAs(node);
    }

    @Test
    void beforeEachAndTheTestGetTheSameNodeAndProcess(Node node, ProcessContext<Object> me) {
      assertThat(node).isSameAs(nodeInBeforeEach);
      assertThat(me).isSameAs(processInBeforeEach);
    }

    @Test
    void processContextAndAttachedProcessAreTheSameProcess(
        ProcessContext<Object> context, AttachedProcess<Object> attached) {
      assertThat(attached).isSameAs(context);
    }

    @Test
    void injectedProcessReceivesMessagesFromSpawnedProcesses(ProcessContext<Object> me) {
      Pid<Object> test = me.self();
      Pid<String> echo = me.spawn(ctx -> test.send(ctx.receive(String.class)));
      echo.send("ping");
      assertThat(assertReceive(me, String.class)).isEqualTo("ping");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "b", "c"})
    void eachInvocationOfAParameterizedTestHasItsOwnNode(String name, Node node) {
      // The name "taken" would still be registered if invocations shared a node.
      assertThat(node.whereis("taken")).isEmpty();
      node.register("taken", node.spawn(ctx -> ctx.receive()));
      assertThat(node.whereis("taken")).isPresent();
      assertThat(nodeInBeforeEach).isSameAs(node);
      assertThat(name).isNotEmpty();
    }

    @RepeatedTest(2)
    void eachRepetitionHasItsOwnNode(Node node) {
      assertThat(node.whereis("taken")).isEmpty();
      node.register("taken", node.spawn(ctx -> ctx.receive()));
    }
  }

  @Nested
  class InANestedClass {
    @Nested
    class TwoLevelsDeep {
      @Test
      void outerBeforeEachAndTheTestShareOneNode(Node node, ProcessContext<Object> me) {
        assertThat(node).isSameAs(nodeInBeforeEach);
        assertThat(me).isSameAs(processInBeforeEach);
        assertThat(node.processes()).containsExactly(me.self());
      }
    }
  }

  @Nested
  class RegisteredTwice {
    @RegisterExtension final BanyanExtension second = new BanyanExtension();

    @Test
    void actsOnceWhenRegisteredTwice(Node node, ProcessContext<Object> me) {
      assertThat(node).isSameAs(nodeInBeforeEach);
      assertThat(node.processes()).containsExactly(me.self());
    }
  }
}
