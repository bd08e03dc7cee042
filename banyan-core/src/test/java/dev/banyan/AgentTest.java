package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banyan.Agent.GetAndUpdate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Elixir's Agent on GenServer: otp-semantics §8.1 and CC-169. */
@Timeout(10)
class AgentTest {
  /** For what must arrive. */
  private static final Duration WAIT = Duration.ofSeconds(5);

  /** For showing that something does not arrive. */
  private static final Duration NOTHING = Duration.ofMillis(150);

  /** Short call timeouts, for the cases where the agent is held up on purpose. */
  private static final Duration SHORT = Duration.ofMillis(100);

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** {@return the agent's state}: a get whose answer type is fixed, for AssertJ's overloads */
  private static <S> S state(Agent<S> agent) {
    return agent.get(s -> s);
  }

  private static Pid<?> pidOf(Agent<?> agent) {
    return agent.whereis().orElseThrow(() -> new AssertionError("the agent is not alive: " + agent));
  }

  /** Monitors the agent, then returns the Down that {@code action} causes. */
  private static Down downAfter(ProcessContext<?> me, Agent<?> agent, Runnable action) {
    MonitorRef ref = me.monitor(pidOf(agent));
    action.run();
    return me.receive(Down.class, d -> d.ref().equals(ref), WAIT)
        .orElseThrow(() -> new AssertionError("the agent did not exit"));
  }

  /** Asserts that {@code call} throws a CallException whose failure satisfies {@code failure}. */
  private static CallException callFails(ThrowingCallable call, Consumer<ExitReason> failure) {
    AtomicReference<CallException> thrown = new AtomicReference<>();
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            CallException.class,
            e -> {
              failure.accept(e.failure());
              thrown.set(e);
            });
    return thrown.get();
  }

  private static Consumer<ExitReason> crashedWith(Throwable cause) {
    return r -> assertThat(r).isEqualTo(new ExitReason.Crashed(cause));
  }

  private static Consumer<ExitReason> badReturnValue() {
    return r ->
        assertThat(r)
            .isInstanceOfSatisfying(
                ExitReason.Other.class,
                o -> assertThat(o.value()).isInstanceOf(GenServer.BadReturnValue.class))
            .extracting(Object::toString)
            .asString()
            .startsWith("{bad_return_value, ");
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  // ---------------------------------------------------------------------------------------------

  /** The example of the class javadoc, verbatim. */
  @Nested
  class Example {
    @Test
    void theCounterOfTheJavadocCounts() {
      try (Node node = Node.start()) {
        Agent<Integer> counter = Agent.start(node, () -> 0);
        counter.update(n -> n + 1);
        counter.cast(n -> n + 1);
        int value = counter.get(n -> n);                                  // 2
        int before = counter.getAndUpdate(n -> new Agent.GetAndUpdate<>(n, n * 10));  // 2; now 20
        assertThat(value).isEqualTo(2);
        assertThat(before).isEqualTo(2);
        assertThat(state(counter)).isEqualTo(20);
        counter.stop();
        assertThat(counter.whereis()).isEmpty();
      }
    }
  }

  @Nested
  class Start {
    @Test
    @DisplayName("§8.1: the initial function runs inside the new agent process, not in the caller")
    void runsTheInitialFunctionInTheAgentProcess() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Thread> agent = Agent.start(node, Thread::currentThread);
        Thread inside = agent.get(t -> t);
        assertThat(inside).isNotSameAs(Thread.currentThread());
        assertThat(inside.isVirtual()).isTrue();
        // a process's thread is named after its pid
        assertThat(inside.getName()).isEqualTo(pidOf(agent).toString());
        assertThat(pidOf(agent)).isNotEqualTo(me.self());
      }
    }

    @Test
    @DisplayName("§8.1: start returns once the initial function has returned; its result is the state")
    void theInitialFunctionsResultIsTheState() {
      try (Node node = Node.start()) {
        Agent<List<String>> agent = Agent.start(node, () -> List.of("a", "b"));
        assertThat(state(agent)).containsExactly("a", "b");
      }
    }

    @Test
    @DisplayName("§8.1: a throwing initial function fails the start with its crash, leaving no process")
    void aThrowingInitialFunctionFailsTheStart() {
      try (Node node = Node.start()) {
        IllegalStateException oops = new IllegalStateException("oops");
        int before = node.processCount();
        CallException e =
            callFails(
                () ->
                    Agent.<Integer>start(
                        node,
                        () -> {
                          throw oops;
                        }),
                crashedWith(oops));
        assertThat(e.call().function()).isEqualTo("Agent.start");
        assertThat(node.processCount()).isEqualTo(before);
      }
    }

    @Test
    @DisplayName("§8.1: a checked exception of the initial function fails the start too")
    void aCheckedExceptionFailsTheStart() {
      try (Node node = Node.start()) {
        Exception checked = new java.io.IOException("no file");
        callFails(
            () ->
                Agent.<Integer>start(
                    node,
                    () -> {
                      throw checked;
                    }),
            crashedWith(checked));
      }
    }

    @Test
    void aNullInitialStateFailsTheStartWithBadReturnValue() {
      try (Node node = Node.start()) {
        int before = node.processCount();
        callFails(() -> Agent.<Integer>start(node, () -> null), badReturnValue());
        assertThat(node.processCount()).isEqualTo(before);
      }
    }

    @Test
    @DisplayName("§8.1: an init timeout kills a slow agent and fails the start with timeout (CC-040)")
    void anInitTimeoutFailsTheStart() {
      try (Node node = Node.start()) {
        CountDownLatch release = new CountDownLatch(1);
        try {
          int before = node.processCount();
          callFails(
              () ->
                  Agent.start(
                      node,
                      () -> {
                        await(release);
                        return 0;
                      },
                      GenServer.Options.DEFAULTS.withInitTimeout(SHORT)),
              r -> assertThat(r).isEqualTo(CallException.TIMEOUT));
          assertThat(node.processCount()).isEqualTo(before);
        } finally {
          release.countDown();
        }
      }
    }

    @Test
    void aTakenNameFailsTheStartWithAlreadyStarted() {
      try (Node node = Node.start()) {
        Agent<Integer> first = Agent.start(node, () -> 1, GenServer.Options.named("counter"));
        callFails(
            () -> Agent.start(node, () -> 2, GenServer.Options.named("counter")),
            r ->
                assertThat(r)
                    .isInstanceOfSatisfying(
                        ExitReason.Other.class,
                        o ->
                            assertThat(o.value())
                                .isInstanceOfSatisfying(
                                    GenServer.Start.AlreadyStarted.class,
                                    a -> assertThat(a.server().whereis()).contains(pidOf(first)))));
        assertThat(state(first)).isEqualTo(1);
      }
    }

    @Test
    void nullArgumentsAreRejectedWithTheirNames() {
      try (Node node = Node.start()) {
        assertThatThrownBy(() -> Agent.start(null, () -> 0))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("node");
        assertThatThrownBy(() -> Agent.start(node, null))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("initial");
        assertThatThrownBy(() -> Agent.start(node, () -> 0, null))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("options");
      }
    }
  }

  @Nested
  class StartLink {
    @Test
    @DisplayName("§8.1: an agent crash kills its non-trapping parent through the link (CC-169)")
    void anAgentCrashKillsANonTrappingParent() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Spawned<Object> parent =
            me.spawnMonitor(
                ctx -> {
                  test.send(Agent.startLink(ctx, () -> 0));
                  ctx.receive(); // until killed
                });
        Agent<?> agent = me.receive(Agent.class, WAIT).orElseThrow();
        IllegalStateException boom = new IllegalStateException("boom");
        callFails(
            () ->
                agent.get(
                    s -> {
                      throw boom;
                    }),
            crashedWith(boom));
        Down down = me.receive(Down.class, d -> d.ref().equals(parent.ref()), WAIT).orElseThrow();
        assertThat(down.reason()).isEqualTo(new ExitReason.Crashed(boom));
      }
    }

    @Test
    @DisplayName("§8.1: a trapping parent gets the agent's crash as an Exit message")
    void aTrappingParentGetsTheCrashAsAnExitMessage() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Agent<Integer> agent = Agent.startLink(me, () -> 0);
        Pid<?> pid = pidOf(agent);
        IllegalStateException boom = new IllegalStateException("boom");
        agent.cast(
            n -> {
              throw boom;
            });
        Exit exit = me.receive(Exit.class, e -> e.from().equals(pid), WAIT).orElseThrow();
        assertThat(exit.reason()).isEqualTo(new ExitReason.Crashed(boom));
      }
    }

    @Test
    @DisplayName("§8.1: a failed startLink leaves no Exit message in a trapping parent's mailbox")
    void aFailedStartLeavesNoExitInATrappingParent() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        IllegalStateException oops = new IllegalStateException("oops");
        callFails(
            () ->
                Agent.<Integer>startLink(
                    me,
                    () -> {
                      throw oops;
                    }),
            crashedWith(oops));
        assertThat(me.receive(Exit.class, NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-042: a crashing initial function kills a non-trapping parent through the link")
    void aFailedStartKillsANonTrappingParent() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        IllegalStateException oops = new IllegalStateException("oops");
        Spawned<Object> parent =
            me.spawnMonitor(
                ctx -> {
                  Agent.<Integer>startLink(
                      ctx,
                      () -> {
                        throw oops;
                      });
                  ctx.exit(ExitReason.of("survived")); // must not be reached
                });
        Down down = me.receive(Down.class, d -> d.ref().equals(parent.ref()), WAIT).orElseThrow();
        assertThat(down.reason()).isEqualTo(new ExitReason.Crashed(oops));
      }
    }

    @Test
    void theParentMustBeTheCallingProcess() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Spawned<Object> other =
            me.spawnMonitor(
                ctx -> {
                  try {
                    Agent.startLink(me, () -> 0);
                  } catch (WrongThreadException expected) {
                    ctx.exit(ExitReason.of("wrong_thread"));
                  }
                });
        Down down = me.receive(Down.class, d -> d.ref().equals(other.ref()), WAIT).orElseThrow();
        assertThat(down.reason()).isEqualTo(ExitReason.of("wrong_thread"));
      }
    }
  }

  @Nested
  class Get {
    @Test
    void returnsTheFunctionsResultAndKeepsTheState() {
      try (Node node = Node.start()) {
        Agent<List<Integer>> agent = Agent.start(node, () -> List.of(1, 2, 3));
        int size = agent.get(List::size);
        assertThat(size).isEqualTo(3);
        String first = agent.get(l -> l.get(0) + "!");
        assertThat(first).isEqualTo("1!");
        List<Integer> all = agent.get(l -> l, Duration.ofSeconds(1));
        assertThat(all).containsExactly(1, 2, 3);
      }
    }

    @Test
    @DisplayName("§8.1: the function of get runs inside the agent process")
    void runsTheFunctionInTheAgentProcess() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        String thread = agent.get(n -> Thread.currentThread().getName());
        assertThat(thread)
            .isEqualTo(pidOf(agent).toString())
            .isNotEqualTo(Thread.currentThread().getName());
      }
    }

    @Test
    void aThreadThatIsNotAProcessCanGet() throws InterruptedException {
      try (Node node = Node.start()) {
        Agent<Integer> agent = Agent.start(node, () -> 7);
        AtomicReference<Object> seen = new AtomicReference<>();
        Thread plain = Thread.ofPlatform().start(() -> seen.set(agent.get(n -> n * 6)));
        plain.join();
        assertThat(seen.get()).isEqualTo(42);
      }
    }

    @Test
    @DisplayName("§8.1: a get whose function blocks times out; the agent keeps running, the late answer is dropped")
    void aBlockedGetTimesOutAndTheAgentKeepsRunning() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 1);
        Pid<?> pid = pidOf(agent);
        CountDownLatch release = new CountDownLatch(1);
        try {
          callFails(
              () ->
                  agent.get(
                      n -> {
                        await(release);
                        return n;
                      },
                      SHORT),
              r -> assertThat(r).isEqualTo(CallException.TIMEOUT));
          assertThat(pid.isAlive()).isTrue();
        } finally {
          release.countDown();
        }
        int next = agent.get(n -> n + 1);
        assertThat(next).isEqualTo(2);
        assertThat(agent.whereis()).contains(pid);
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-169: a throwing function in get crashes the agent; the caller gets the agent's reason")
    void aThrowingFunctionCrashesTheAgent() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        IllegalStateException boom = new IllegalStateException("boom");
        AtomicReference<CallException> failed = new AtomicReference<>();
        Down down =
            downAfter(
                me,
                agent,
                () ->
                    failed.set(
                        callFails(
                            () ->
                                agent.get(
                                    n -> {
                                      throw boom;
                                    }),
                            crashedWith(boom))));
        assertThat(down.reason()).isEqualTo(new ExitReason.Crashed(boom));
        assertThat(failed.get().call().function()).isEqualTo("GenServer.call");
        assertThat(agent.whereis()).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-169: a get whose function returns null stops the agent with bad_return_value")
    void aNullResultStopsTheAgentWithBadReturnValue() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        Down down = downAfter(me, agent, () -> callFails(() -> agent.get(n -> null), badReturnValue()));
        badReturnValue().accept(down.reason());
      }
    }

    @Test
    void aFunctionThatCallsItsOwnAgentCrashesItWithCallingSelf() {
      try (Node node = Node.start()) {
        AtomicReference<Agent<Integer>> self = new AtomicReference<>();
        Agent<Integer> agent = Agent.start(node, () -> 0);
        self.set(agent);
        callFails(
            () -> agent.get(n -> self.get().get(m -> m)),
            r ->
                assertThat(r)
                    .isInstanceOfSatisfying(
                        ExitReason.Other.class,
                        o ->
                            assertThat(o.value())
                                .isInstanceOfSatisfying(
                                    CallException.Failed.class,
                                    f -> assertThat(f.failure()).isEqualTo(CallException.CALLING_SELF))));
      }
    }

    @Test
    void aGetOnAnAgentThatExitedFailsWithNoproc() {
      try (Node node = Node.start()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        agent.stop();
        callFails(() -> agent.get(n -> n), r -> assertThat(r).isEqualTo(ExitReason.NOPROC));
      }
    }

    @Test
    void badArgumentsAreRejected() {
      try (Node node = Node.start()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        assertThatThrownBy(() -> agent.get(null))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("fun");
        assertThatThrownBy(() -> agent.get(n -> n, Duration.ofMillis(-1)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("PT-0.001S");
        assertThat(state(agent)).isZero();
      }
    }
  }

  @Nested
  class Update {
    @Test
    void replacesTheStateBeforeReturning() {
      try (Node node = Node.start()) {
        Agent<Integer> agent = Agent.start(node, () -> 42);
        agent.update(n -> n + 1);
        assertThat(state(agent)).isEqualTo(43);
        agent.update(n -> n * 2, Duration.ofSeconds(1));
        assertThat(state(agent)).isEqualTo(86);
      }
    }

    @Test
    @DisplayName("§8.1: updates from many processes run one at a time, none is lost")
    void concurrentUpdatesAreNotLost() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        Pid<Object> test = me.self();
        int workers = 4;
        int each = 50;
        for (int w = 0; w < workers; w++) {
          node.spawn(
              ctx -> {
                for (int i = 0; i < each; i++) {
                  agent.update(n -> n + 1);
                }
                test.send("done");
              });
        }
        for (int w = 0; w < workers; w++) {
          assertThat(me.receive(String.class, WAIT)).contains("done");
        }
        assertThat(state(agent)).isEqualTo(workers * each);
      }
    }

    @Test
    @DisplayName("CC-169: a throwing update function crashes the agent; the caller gets the agent's reason")
    void aThrowingFunctionCrashesTheAgent() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        ArithmeticException divide = new ArithmeticException("/ by zero");
        Down down =
            downAfter(
                me,
                agent,
                () ->
                    callFails(
                        () ->
                            agent.update(
                                n -> {
                                  throw divide;
                                }),
                        crashedWith(divide)));
        assertThat(down.reason()).isEqualTo(new ExitReason.Crashed(divide));
      }
    }

    @Test
    @DisplayName("CC-169: an update function that returns null stops the agent with bad_return_value")
    void aNullStateStopsTheAgentWithBadReturnValue() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        Down down = downAfter(me, agent, () -> callFails(() -> agent.update(n -> null), badReturnValue()));
        badReturnValue().accept(down.reason());
      }
    }

    @Test
    void aBlockedUpdateTimesOutAndIsAppliedLater() {
      try (Node node = Node.start()) {
        Agent<Integer> agent = Agent.start(node, () -> 1);
        CountDownLatch release = new CountDownLatch(1);
        try {
          callFails(
              () ->
                  agent.update(
                      n -> {
                        await(release);
                        return n + 10;
                      },
                      SHORT),
              r -> assertThat(r).isEqualTo(CallException.TIMEOUT));
        } finally {
          release.countDown();
        }
        // the caller gave up, not the agent: the update still happens, before the next request
        assertThat(state(agent)).isEqualTo(11);
      }
    }
  }

  @Nested
  class GetAndUpdateTests {
    @Test
    @DisplayName("§8.1: getAndUpdate returns the reply and installs the new state in one step")
    void returnsTheReplyAndInstallsTheNewState() {
      try (Node node = Node.start()) {
        Agent<Integer> agent = Agent.start(node, () -> 42);
        int got = agent.getAndUpdate(n -> new GetAndUpdate<>(n, n + 1));
        assertThat(got).isEqualTo(42);
        assertThat(state(agent)).isEqualTo(43);
        String text = agent.getAndUpdate(n -> new GetAndUpdate<>("was " + n, 0), Duration.ofSeconds(1));
        assertThat(text).isEqualTo("was 43");
        assertThat(state(agent)).isZero();
      }
    }

    @Test
    @DisplayName("CC-169: a getAndUpdate function returning null stops the agent with bad_return_value; the caller exits with it")
    void aNullResultStopsTheAgentWithBadReturnValue() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        Down down =
            downAfter(
                me,
                agent,
                () ->
                    callFails(
                        () -> agent.<Integer>getAndUpdate(n -> null), badReturnValue()));
        badReturnValue().accept(down.reason());
        assertThat(down.reason().toString()).contains("getAndUpdate");
      }
    }

    @Test
    @DisplayName("CC-169: a throwing getAndUpdate function crashes the agent")
    void aThrowingFunctionCrashesTheAgent() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        IllegalStateException boom = new IllegalStateException("boom");
        Down down =
            downAfter(
                me,
                agent,
                () ->
                    callFails(
                        () ->
                            agent.<Integer>getAndUpdate(
                                n -> {
                                  throw boom;
                                }),
                        crashedWith(boom)));
        assertThat(down.reason()).isEqualTo(new ExitReason.Crashed(boom));
      }
    }

    @Test
    void aPairWithANullComponentCrashesTheAgentWithNullPointerException() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        Down down =
            downAfter(
                me,
                agent,
                () ->
                    callFails(
                        () -> agent.getAndUpdate(n -> new GetAndUpdate<>("reply", (Integer) null)),
                        r ->
                            assertThat(r)
                                .isInstanceOfSatisfying(
                                    ExitReason.Crashed.class,
                                    c ->
                                        assertThat(c.cause())
                                            .isInstanceOf(NullPointerException.class)
                                            .hasMessageContaining("newState"))));
        assertThat(down.reason()).isInstanceOf(ExitReason.Crashed.class);
      }
    }

    @Test
    void aBlockedGetAndUpdateTimesOut() {
      try (Node node = Node.start()) {
        Agent<Integer> agent = Agent.start(node, () -> 1);
        CountDownLatch release = new CountDownLatch(1);
        try {
          callFails(
              () ->
                  agent.getAndUpdate(
                      n -> {
                        await(release);
                        return new GetAndUpdate<>(n, n + 1);
                      },
                      SHORT),
              r -> assertThat(r).isEqualTo(CallException.TIMEOUT));
        } finally {
          release.countDown();
        }
        assertThat(state(agent)).isEqualTo(2);
      }
    }
  }

  @Nested
  class Cast {
    @Test
    @DisplayName("§8.1: cast returns at once, while the agent is busy; casts are applied in order")
    void returnsAtOnceAndIsAppliedInOrder() {
      try (Node node = Node.start()) {
        Agent<Integer> agent = Agent.start(node, () -> 1);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
          agent.cast(
              n -> {
                entered.countDown();
                await(release);
                return n + 1;
              });
          await(entered);
          // the agent is held up in the first cast: this one can only return without waiting
          agent.cast(n -> n * 10);
        } finally {
          release.countDown();
        }
        assertThat(state(agent)).isEqualTo(20);
      }
    }

    @Test
    @DisplayName("§8.1: a cast to an agent that does not exist is dropped without an error")
    void aCastToAnAgentThatExitedIsDropped() {
      try (Node node = Node.start()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        agent.stop();
        agent.cast(n -> n + 1);
        Agent.<Integer>named(node, "nobody").cast(n -> n + 1);
        assertThat(agent.whereis()).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-169: a throwing cast function crashes the agent")
    void aThrowingFunctionCrashesTheAgent() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        IllegalStateException boom = new IllegalStateException("boom");
        Down down =
            downAfter(
                me,
                agent,
                () ->
                    agent.cast(
                        n -> {
                          throw boom;
                        }));
        assertThat(down.reason()).isEqualTo(new ExitReason.Crashed(boom));
      }
    }

    @Test
    @DisplayName("CC-169: a cast function that returns null stops the agent with bad_return_value")
    void aNullStateStopsTheAgentWithBadReturnValue() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        Down down = downAfter(me, agent, () -> agent.cast(n -> null));
        badReturnValue().accept(down.reason());
      }
    }

    @Test
    void aNullFunctionIsRejected() {
      try (Node node = Node.start()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        assertThatThrownBy(() -> agent.cast(null))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("fun");
      }
    }
  }

  @Nested
  class Stop {
    @Test
    @DisplayName("§8.1: stop ends the agent with normal and returns once it is dead")
    void stopsWithNormal() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        Pid<?> pid = pidOf(agent);
        MonitorRef ref = me.monitor(pid);
        agent.stop();
        assertThat(pid.isAlive()).isFalse();
        Down down = me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
        assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
      }
    }

    @Test
    @DisplayName("§8.1: stop with a reason: the agent's links get it")
    void stopsWithTheGivenReason() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Agent<Integer> agent = Agent.startLink(me, () -> 0);
        Pid<?> pid = pidOf(agent);
        agent.stop(ExitReason.SHUTDOWN);
        Exit exit = me.receive(Exit.class, e -> e.from().equals(pid), WAIT).orElseThrow();
        assertThat(exit.reason()).isEqualTo(ExitReason.SHUTDOWN);
      }
    }

    @Test
    @DisplayName("§8.1: requests queued before the stop are handled before the agent exits")
    void queuedCastsRunBeforeTheStop() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Agent<Integer> agent = Agent.start(node, () -> 0);
        MonitorRef ref = me.monitor(pidOf(agent));
        agent.cast(
            n -> {
              test.send("cast handled");
              return n + 1;
            });
        agent.stop(ExitReason.NORMAL, Duration.ofSeconds(1));
        // both come from the agent, in its program order: the cast's message, then the Down
        assertThat(me.receive(WAIT)).contains("cast handled");
        Object next = me.receive(WAIT).orElseThrow();
        assertThat(next).isInstanceOfSatisfying(Down.class, d -> assertThat(d.ref()).isEqualTo(ref));
      }
    }

    @Test
    void aStopThatTimesOutLeavesTheAgentToStopLater() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        MonitorRef ref = me.monitor(pidOf(agent));
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
          agent.cast(
              n -> {
                entered.countDown();
                await(release);
                return n;
              });
          await(entered);
          callFails(
              () -> agent.stop(ExitReason.NORMAL, SHORT),
              r -> assertThat(r).isEqualTo(CallException.TIMEOUT));
          assertThat(agent.whereis()).isPresent();
        } finally {
          release.countDown();
        }
        Down down = me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
        assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
      }
    }

    @Test
    void stoppingAnAgentThatExitedFailsWithNoproc() {
      try (Node node = Node.start()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        agent.stop();
        callFails(agent::stop, r -> assertThat(r).isEqualTo(ExitReason.NOPROC));
      }
    }
  }

  @Nested
  class Named {
    @Test
    @DisplayName("§8.1: an agent started with a name is reached by that name")
    void aNamedAgentIsReachedByName() {
      try (Node node = Node.start()) {
        Agent<Integer> started = Agent.start(node, () -> 0, GenServer.Options.named("counter"));
        assertThat(node.whereis("counter")).isEqualTo(started.whereis());
        Agent<Integer> byName = Agent.named(node, "counter");
        byName.update(n -> n + 1);
        byName.cast(n -> n + 1);
        int got = byName.getAndUpdate(n -> new GetAndUpdate<>(n, n + 1));
        assertThat(got).isEqualTo(2);
        assertThat(state(started)).isEqualTo(3);
        assertThat(byName.whereis()).isEqualTo(started.whereis());
        byName.stop();
        assertThat(node.whereis("counter")).isEmpty();
      }
    }

    @Test
    void theNameIsLookedUpOnEveryUse() {
      try (Node node = Node.start()) {
        Agent<String> byName = Agent.named(node, "config");
        callFails(() -> byName.get(s -> s), r -> assertThat(r).isEqualTo(ExitReason.NOPROC));
        Agent.start(node, () -> "first", GenServer.Options.named("config")).stop();
        Agent.start(node, () -> "second", GenServer.Options.named("config"));
        assertThat(state(byName)).isEqualTo("second");
      }
    }

    @Test
    void theNameIsRegisteredBeforeTheInitialFunctionRuns() {
      try (Node node = Node.start()) {
        Agent<Optional<Pid<?>>> agent =
            Agent.start(node, () -> node.whereis("early"), GenServer.Options.named("early"));
        assertThat(state(agent)).isEqualTo(agent.whereis());
      }
    }
  }

  @Nested
  class ServerAndWhereis {
    @Test
    void theServerHandleNamesTheAgentsProcess() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Agent<Integer> agent = Agent.start(node, () -> 0);
        assertThat(agent.server().whereis()).isEqualTo(agent.whereis());
        assertThat(agent).isEqualTo(agent).hasSameHashCodeAs(agent);
        assertThat(agent.toString()).contains(pidOf(agent).toString());
        agent.server().stop();
        assertThat(agent.whereis()).isEmpty();
      }
    }
  }
}
