package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An agent reached by pid, server handle, name or via name (otp-semantics §8.1: Elixir's {@code
 * Agent.get/update} take any of them).
 */
@Timeout(20)
class AgentHandleTest {

  @Test
  @DisplayName("§8.1: Agent.of(pid) gets and updates the agent with that pid")
  void byPid() {
    try (Node node = Node.start()) {
      Agent<Integer> counter = Agent.start(node, () -> 0);
      Agent<Integer> byPid = Agent.of(counter.whereis().orElseThrow());
      byPid.update(n -> n + 1);
      int value = counter.get(n -> n);
      assertThat(value).isEqualTo(1);
      int before = byPid.getAndUpdate(n -> new Agent.GetAndUpdate<>(n, n * 10));
      assertThat(before).isEqualTo(1);
      assertThat(byPid).isEqualTo(Agent.of(counter.whereis().orElseThrow()));
      assertThatThrownBy(() -> Agent.of((Pid<?>) null)).isInstanceOf(NullPointerException.class);
    }
  }

  @Test
  @DisplayName("§8.1: Agent.of(server()) is the same agent: the handle a ChildStart returns")
  void byServerRef() {
    try (Node node = Node.start()) {
      Agent<List<String>> list = Agent.start(node, List::of);
      Agent<List<String>> same = Agent.of(list.server());
      same.update(l -> List.of("milk"));
      List<String> got = list.get(l -> l);
      assertThat(got).containsExactly("milk");
      assertThat(same).isEqualTo(list);
    }
  }

  @Test
  @DisplayName("CC-154: Agent.via reaches an agent registered through a Registry, and named by a local name")
  void byViaAndByName() {
    try (Node node = Node.start()) {
      Registry<String, Object> registry = Registry.start(node, Registry.Options.unique());
      Agent.start(node, () -> "via", GenServer.Options.via(registry, "a"));
      Agent.start(node, () -> "local", GenServer.Options.named("b"));
      String viaState = Agent.<String>via(registry, "a").get(s -> s);
      String localState = Agent.<String>named(node, "b").get(s -> s);
      assertThat(viaState).isEqualTo("via");
      assertThat(localState).isEqualTo("local");
    }
  }

  @Test
  @DisplayName("CC-046: an agent that is gone: the call fails with noproc, naming it")
  void aGoneAgentFailsWithNoproc() {
    try (Node node = Node.start()) {
      Agent<Integer> counter = Agent.start(node, () -> 0);
      Pid<?> pid = counter.whereis().orElseThrow();
      counter.stop();
      assertThatThrownBy(() -> Agent.<Integer>of(pid).get(n -> n))
          .isInstanceOfSatisfying(CallException.class, e -> assertThat(e.failure()).isEqualTo(ExitReason.NOPROC))
          .hasMessageContaining(pid + " is not running");
    }
  }
}
