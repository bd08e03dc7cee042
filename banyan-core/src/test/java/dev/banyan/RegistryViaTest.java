package dev.banyan;

import static dev.banyan.RegistryFixtures.WAIT;
import static dev.banyan.RegistryFixtures.awaitDown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.banyan.GenServerExamplesTest.Pop;
import dev.banyan.GenServerExamplesTest.Push;
import dev.banyan.GenServerExamplesTest.Stack;
import dev.banyan.GenServerExamplesTest.StackMsg;
import dev.banyan.RegistryFixtures.Puppet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A Registry as a NameRegistry: servers started and addressed via a registry (CC-154, CC-155, CC-157). */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RegistryViaTest {

  private static Registry<String, Object> names(Node node) {
    return Registry.start(node, Registry.Options.unique());
  }

  @Nested
  class GenServerVia {
    @Test
    @DisplayName("CC-154: a server started via a registry is registered before init and reachable via the key")
    void aServerIsReachableViaItsKey() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Object> registry = names(node);
        CompletableFuture<List<Registry.Entry<Object>>> seenInInit = new CompletableFuture<>();
        Stack stack = new Stack(List.of());
        GenServer<List<String>, StackMsg> server =
            new GenServer<>() {
              @Override
              public Init<List<String>> init(ProcessContext<Object> self) {
                seenInInit.complete(registry.lookup("a"));
                return stack.init(self);
              }

              @Override
              public Result<List<String>> handleCall(StackMsg msg, List<String> state) {
                return stack.handleCall(msg, state);
              }

              @Override
              public Result<List<String>> handleCast(StackMsg msg, List<String> state) {
                return stack.handleCast(msg, state);
              }
            };
        ServerRef<StackMsg> started =
            GenServer.start(node, server, GenServer.Options.via(registry, "a")).orElseThrow();
        Pid<?> pid = started.whereis().orElseThrow();
        assertThat(seenInInit.getNow(List.of()))
            .containsExactly(new Registry.Entry<>(pid, Registry.NoValue.NO_VALUE));

        ServerRef<StackMsg> byName = ServerRef.via(registry, "a");
        byName.cast(new Push("hello"));
        assertThat(byName.<String>call(Pop::new)).isEqualTo("hello");
        assertThat(byName.whereis()).contains(pid);
        assertThat(registry.whereisName("a")).contains(pid);
      }
    }

    @Test
    @DisplayName("CC-154: a second start under the same key is AlreadyStarted with the first server")
    void aSecondStartIsAlreadyStarted() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Object> registry = names(node);
        ServerRef<StackMsg> first =
            GenServer.start(node, new Stack(List.of()), GenServer.Options.via(registry, "a")).orElseThrow();
        GenServer.Start<StackMsg> second =
            GenServer.start(node, new Stack(List.of()), GenServer.Options.via(registry, "a"));
        assertThat(second).isInstanceOf(GenServer.Start.AlreadyStarted.class);
        assertThat(((GenServer.Start.AlreadyStarted<StackMsg>) second).server().whereis())
            .isEqualTo(first.whereis());
        assertThat(registry.lookup("a")).hasSize(1);
      }
    }

    @Test
    @DisplayName("CC-154: a call to an absent key fails with noproc, a cast to it is dropped")
    void anAbsentKeyIsNoproc() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Object> registry = names(node);
        ServerRef<StackMsg> nobody = ServerRef.via(registry, "nobody");
        CallException e = catchThrowableOfType(CallException.class, () -> nobody.call(Pop::new));
        assertThat(e.failure()).isEqualTo(ExitReason.NOPROC);
        nobody.cast(new Push("dropped")); // does not throw
        assertThat(nobody.whereis()).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-154: after the server dies its key is free at once, and a restarted server takes it")
    void theKeyOfADeadServerIsFree() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Object> registry = names(node);
        ServerRef<StackMsg> first =
            GenServer.start(node, new Stack(List.of()), GenServer.Options.via(registry, "a")).orElseThrow();
        Pid<?> firstPid = first.whereis().orElseThrow();
        me.exit(firstPid, ExitReason.KILL);
        awaitDown(me, firstPid);
        // No wait for the partition's cleanup: whereisName checks liveness, register takes over.
        assertThat(registry.whereisName("a")).isEmpty();
        ServerRef<StackMsg> second =
            GenServer.start(node, new Stack(List.of("again")), GenServer.Options.via(registry, "a")).orElseThrow();
        Pid<?> secondPid = second.whereis().orElseThrow();
        assertThat(secondPid).isNotEqualTo(firstPid);
        assertThat(ServerRef.<StackMsg>via(registry, "a").<String>call(Pop::new)).isEqualTo("again");
        registry.sync();
        assertThat(registry.lookup("a")).containsExactly(new Registry.Entry<>(secondPid, Registry.NoValue.NO_VALUE));
      }
    }

    @Test
    @DisplayName("a server stopped normally frees its key")
    void aStoppedServerFreesItsKey() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Object> registry = names(node);
        GenServer.start(node, new Stack(List.of()), GenServer.Options.via(registry, "a")).orElseThrow();
        ServerRef.<StackMsg>via(registry, "a").stop();
        assertThat(registry.whereisName("a")).isEmpty();
        registry.sync();
        assertThat(registry.lookup("a")).isEmpty();
      }
    }
  }

  @Nested
  class AgentVia {
    @Test
    @DisplayName("CC-154: an Agent started twice under one via name fails the second time with already_started")
    void anAgentStartedTwiceIsAlreadyStarted() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Object> registry = names(node);
        Agent<Integer> agent = Agent.start(node, () -> 0, GenServer.Options.via(registry, "agent"));
        CallException e =
            catchThrowableOfType(
                CallException.class,
                () -> Agent.start(node, () -> 1, GenServer.Options.via(registry, "agent")));
        assertThat(e.failure()).isInstanceOf(ExitReason.Other.class);
        assertThat(((ExitReason.Other) e.failure()).value()).isInstanceOf(GenServer.Start.AlreadyStarted.class);
        assertThat(agent.<Integer>get(s -> s)).isZero();
      }
    }

    @Test
    @DisplayName("CC-154: a start that fails under a via name leaves the key free")
    void aFailedStartLeavesTheKeyFree() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Object> registry = names(node);
        assertThatThrownBy(
                () ->
                    Agent.start(
                        node,
                        () -> {
                          throw new IllegalStateException("no state");
                        },
                        GenServer.Options.via(registry, "agent")))
            .isInstanceOf(CallException.class);
        assertThat(registry.whereisName("agent")).isEmpty();
        registry.sync();
        assertThat(registry.lookup("agent")).isEmpty();
        Agent<Integer> agent = Agent.start(node, () -> 7, GenServer.Options.via(registry, "agent"));
        assertThat(agent.<Integer>get(s -> s)).isEqualTo(7);
      }
    }
  }

  @Nested
  class ViaWithValue {
    @Test
    @DisplayName("CC-155: via(value) stores the value; the value-less via name reaches the same process")
    void storesTheValue() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = Registry.start(node, Registry.Options.unique());
        ServerRef<StackMsg> started =
            GenServer.start(node, new Stack(List.of("x")), GenServer.Options.via(registry.via("value"), "hello"))
                .orElseThrow();
        Pid<?> pid = started.whereis().orElseThrow();
        assertThat(registry.lookup("hello")).containsExactly(new Registry.Entry<>(pid, "value"));
        assertThat(ServerRef.<StackMsg>via(registry, "hello").<String>call(Pop::new)).isEqualTo("x");
        assertThat(ServerRef.via(registry.via("other"), "hello").whereis()).contains(pid);
      }
    }
  }

  @Nested
  class RegisterName {
    @Test
    @DisplayName("CC-157: a duplicate registry refuses every via function")
    void aDuplicateRegistryRefusesVia() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Object> registry = Registry.start(node, Registry.Options.duplicate());
        assertThatThrownBy(() -> registry.registerName("a", me.self())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.whereisName("a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.unregisterName("a")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registry.via("v")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GenServer.start(node, new Stack(List.of()), GenServer.Options.via(registry, "a")))
            .isInstanceOf(IllegalArgumentException.class);
      }
    }

    @Test
    @DisplayName("a process registers only itself: another pid, or a thread that is not a process, is refused")
    void onlyTheCallerCanBeRegistered() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Object> registry = names(node);
        Puppet other = Puppet.spawn(node, me);
        assertThatThrownBy(() -> registry.registerName("a", other.pid))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(other.pid.toString());
        Pid<Object> mine = me.self();
        CompletableFuture<Throwable> fromThread = new CompletableFuture<>();
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    registry.registerName("a", mine);
                    fromThread.complete(new AssertionError("registered"));
                  } catch (Throwable t) {
                    fromThread.complete(t);
                  }
                });
        assertThat(fromThread.get(5, TimeUnit.SECONDS)).isInstanceOf(IllegalArgumentException.class);
        assertThat(registry.lookup("a")).isEmpty();
        assertThat(registry.registerName("a", me.self())).isTrue();
        assertThat(other.<Boolean>run(ctx -> registry.registerName("a", ctx.self()))).isFalse();
      }
    }

    @Test
    @DisplayName("unregisterName removes the caller's own name only; from a thread that is no process it does nothing")
    void unregisterNameRemovesTheCallersName() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Object> registry = names(node);
        Puppet other = Puppet.spawn(node, me);
        other.run(ctx -> registry.registerName("theirs", ctx.self()));
        registry.registerName("mine", me.self());
        registry.unregisterName("theirs");
        Thread t = Thread.ofPlatform().start(() -> registry.unregisterName("mine"));
        t.join(WAIT.toMillis());
        assertThat(registry.whereisName("theirs")).contains(other.pid);
        assertThat(registry.whereisName("mine")).contains(me.self());
        registry.unregisterName("mine");
        assertThat(registry.whereisName("mine")).isEmpty();
      }
    }

    @Test
    @DisplayName("a registry that is not running names nobody")
    void aStoppedRegistryNamesNobody() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Object> registry = names(node);
        registry.stop();
        assertThat(registry.whereisName("a")).isEmpty();
        registry.unregisterName("a"); // nothing to do
        CallException e =
            catchThrowableOfType(CallException.class, () -> ServerRef.<StackMsg>via(registry, "a").call(Pop::new));
        assertThat(e.failure()).isEqualTo(ExitReason.NOPROC);
      }
    }
  }
}
