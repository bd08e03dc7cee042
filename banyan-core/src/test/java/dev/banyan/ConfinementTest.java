package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Misuse tests for the confinement of {@link ProcessContext} and {@link AttachedProcess} to their
 * own thread (house style rules 15 and 25f): every method called from another thread throws {@link
 * WrongThreadException} and changes nothing.
 *
 * <p>The timeout runs the test on a separate thread, so that a test stuck in an uninterruptible
 * {@code receive()} fails instead of blocking the build.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConfinementTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String OTHER_NAME = "confinement-other";

  /** The processes a context method can act on. */
  record Fixture(Pid<Object> other, Pid<Object> stranger, MonitorRef ref) {}

  /** A call of one context method with valid arguments. */
  @FunctionalInterface
  interface Op {
    void apply(ProcessContext<Object> ctx, Fixture f) throws Exception;
  }

  record Method(String name, Op op) {
    @Override
    public String toString() {
      return name;
    }
  }

  /** Where the misuse comes from. */
  enum Caller {
    PLATFORM_THREAD,
    VIRTUAL_THREAD,
    ANOTHER_PROCESS
  }

  /** Every method of {@link ProcessContext}. */
  static List<Method> methods() {
    return List.of(
        new Method("self()", (c, f) -> c.self()),
        new Method("node()", (c, f) -> c.node()),
        new Method("receive()", (c, f) -> c.receive()),
        new Method("receive(Duration)", (c, f) -> c.receive(Duration.ZERO)),
        new Method("receive(Class)", (c, f) -> c.receive(Object.class)),
        new Method("receive(Class, Duration)", (c, f) -> c.receive(Object.class, Duration.ZERO)),
        new Method("receive(Class, Predicate)", (c, f) -> c.receive(Object.class, m -> true)),
        new Method(
            "receive(Class, Predicate, Duration)",
            (c, f) -> c.receive(Object.class, m -> true, Duration.ZERO)),
        new Method("send(Pid, Object)", (c, f) -> c.send(f.other(), "wrong thread")),
        new Method("send(String, Object)", (c, f) -> c.send(OTHER_NAME, "wrong thread")),
        new Method("spawn(ProcessBody)", (c, f) -> c.spawn(x -> {})),
        new Method("spawnLink(ProcessBody)", (c, f) -> c.spawnLink(x -> {})),
        new Method("spawnMonitor(ProcessBody)", (c, f) -> c.spawnMonitor(x -> {})),
        new Method("link(Pid)", (c, f) -> c.link(f.stranger())),
        new Method("unlink(Pid)", (c, f) -> c.unlink(f.other())),
        new Method("trapExit(boolean)", (c, f) -> c.trapExit(true)),
        new Method("trapsExits()", (c, f) -> c.trapsExits()),
        new Method("exit(Pid, ExitReason)", (c, f) -> c.exit(f.stranger(), ExitReason.KILL)),
        new Method("exit(ExitReason)", (c, f) -> c.exit(ExitReason.of("wrong thread"))),
        new Method("monitor(Pid)", (c, f) -> c.monitor(f.stranger())),
        new Method("monitor(String)", (c, f) -> c.monitor(OTHER_NAME)),
        new Method("demonitor(MonitorRef)", (c, f) -> c.demonitor(f.ref())),
        new Method("demonitorFlush(MonitorRef)", (c, f) -> c.demonitorFlush(f.ref())),
        new Method("register(String)", (c, f) -> c.register("taken-by-the-wrong-thread")));
  }

  static Stream<Arguments> callersAndMethods() {
    List<Arguments> out = new ArrayList<>();
    for (Caller caller : Caller.values()) {
      for (Method m : methods()) {
        out.add(Arguments.of(caller, m));
      }
    }
    return out.stream();
  }

  /** A process that waits for "stop" and leaves every other message in its mailbox. */
  private static void idle(ProcessContext<Object> ctx) {
    ctx.receive(String.class, "stop"::equals);
  }

  /**
   * Runs {@code op} from the given kind of caller and returns what it threw (null if nothing).
   * Helper processes are added to {@code helpers}.
   */
  private static Throwable callFrom(
      Caller caller,
      Node node,
      ProcessContext<Object> target,
      Fixture f,
      Op op,
      Set<Pid<?>> helpers)
      throws Exception {
    CompletableFuture<Throwable> thrown = new CompletableFuture<>();
    Runnable call =
        () -> {
          try {
            op.apply(target, f);
            thrown.complete(null);
          } catch (Throwable t) {
            thrown.complete(t);
          }
        };
    switch (caller) {
      case PLATFORM_THREAD -> Thread.ofPlatform().start(call);
      case VIRTUAL_THREAD -> Thread.ofVirtual().start(call);
      case ANOTHER_PROCESS -> helpers.add(node.spawn(ctx -> call.run()));
    }
    return thrown.get(5, TimeUnit.SECONDS);
  }

  /** Everything about the target and its peers that a context method could change. */
  record Snapshot(
      List<Object> target,
      List<Object> other,
      boolean strangerAlive,
      Set<String> registered,
      Set<Pid<?>> processes) {}

  private static Snapshot snapshot(Node node, Pid<?> target, Fixture f, Set<Pid<?>> helpers) {
    Set<Pid<?>> processes = new HashSet<>(node.processes());
    processes.removeAll(helpers);
    return new Snapshot(
        state(node, target),
        state(node, f.other()),
        f.stranger().isAlive(),
        new HashSet<>(node.registered()),
        processes);
  }

  private static List<Object> state(Node node, Pid<?> pid) {
    ProcessInfo i = node.processInfo(pid).orElseThrow(() -> new AssertionError(pid + " died"));
    return List.of(
        Set.copyOf(i.links()),
        Set.copyOf(i.monitors()),
        Set.copyOf(i.monitoredBy()),
        i.trapExit(),
        i.registeredName(),
        i.mailboxLength(),
        i.messagesReceived());
  }

  private static void assertMisuseIsRefused(
      Caller caller,
      Node node,
      ProcessContext<Object> target,
      Pid<?> targetPid,
      Fixture f,
      Method m)
      throws Exception {
    Set<Pid<?>> helpers = new HashSet<>();
    Snapshot before = snapshot(node, targetPid, f, helpers);

    Throwable thrown = callFrom(caller, node, target, f, m.op(), helpers);

    assertThat(thrown)
        .as("%s called from a %s", m, caller)
        .isInstanceOf(WrongThreadException.class)
        .hasMessageContaining(targetPid.toString());
    assertThat(snapshot(node, targetPid, f, helpers)).as("state after %s", m).isEqualTo(before);
  }

  @Nested
  class AttachedContext {

    @ParameterizedTest(name = "{1} from a {0}")
    @MethodSource("dev.banyan.ConfinementTest#callersAndMethods")
    void everyMethodCalledFromAnotherThreadThrowsWrongThreadException(Caller caller, Method m)
        throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> other = me.spawnLink(ConfinementTest::idle);
        Pid<Object> stranger = me.spawn(ConfinementTest::idle);
        node.register(OTHER_NAME, other);
        Fixture f = new Fixture(other, stranger, me.monitor(other));
        me.self().send("kept"); // a wrong-thread receive must not take it

        assertMisuseIsRefused(caller, node, me, me.self(), f, m);
      }
    }

    @Test
    void closeFromAnotherThreadThrowsWrongThreadExceptionAndTheProcessLives() throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    me.close();
                    thrown.complete(null);
                  } catch (Throwable t) {
                    thrown.complete(t);
                  }
                });

        assertThat(thrown.get(5, TimeUnit.SECONDS))
            .isInstanceOf(WrongThreadException.class)
            .hasMessageContaining(me.self().toString());
        assertThat(me.self().isAlive()).isTrue();
      }
    }
  }

  @Nested
  class SpawnedContext {

    /** A context that its process handed out, against the rules, with a monitor it holds. */
    record Leaked(ProcessContext<Object> ctx, MonitorRef ref) {}

    @ParameterizedTest(name = "{1} from a {0}")
    @MethodSource("dev.banyan.ConfinementTest#callersAndMethods")
    void everyMethodCalledFromAnotherThreadThrowsWrongThreadException(Caller caller, Method m)
        throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> other = me.spawn(ConfinementTest::idle);
        Pid<Object> stranger = me.spawn(ConfinementTest::idle);
        node.register(OTHER_NAME, other);
        CompletableFuture<Leaked> leaked = new CompletableFuture<>();
        Pid<Object> target =
            me.spawn(
                ctx -> {
                  ctx.link(other);
                  MonitorRef ref = ctx.monitor(other);
                  ctx.self().send("kept");
                  leaked.complete(new Leaked(ctx, ref));
                  idle(ctx);
                });
        Leaked l = leaked.get(5, TimeUnit.SECONDS);
        Fixture f = new Fixture(other, stranger, l.ref());

        assertMisuseIsRefused(caller, node, l.ctx(), target, f, m);
      }
    }

    @Test
    void theTestsOwnProcessCannotUseAnotherProcesssContext() throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        CompletableFuture<ProcessContext<Object>> leaked = new CompletableFuture<>();
        Pid<Object> target =
            me.spawn(
                ctx -> {
                  leaked.complete(ctx);
                  idle(ctx);
                });
        ProcessContext<Object> ctx = leaked.get(5, TimeUnit.SECONDS);

        assertThatThrownBy(() -> ctx.send(me.self(), "from the wrong thread"))
            .isInstanceOf(WrongThreadException.class)
            .hasMessageContaining(target.toString());
        assertThat(me.receive(Duration.ofMillis(100))).isEmpty();
      }
    }
  }

  @Nested
  class Attach {

    @Test
    void attachingTwiceOnOneThreadThrowsIllegalStateExceptionNamingTheProcess() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        assertThatIllegalStateException()
            .isThrownBy(node::attach)
            .withMessageContaining(me.self().toString());
        assertThat(node.processes()).containsExactly(me.self());
      }
    }

    @Test
    void attachingToASecondNodeOnOneThreadThrowsIllegalStateException() {
      try (Node node = Node.start();
          Node second = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        assertThatIllegalStateException()
            .isThrownBy(second::attach)
            .withMessageContaining(me.self().toString());
        assertThat(second.processCount()).isZero();
      }
    }

    @Test
    void aSpawnedProcessCannotAttach() throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        CompletableFuture<Throwable> thrown = new CompletableFuture<>();
        Pid<Object> p =
            me.spawn(
                ctx -> {
                  try {
                    node.attach();
                    thrown.complete(null);
                  } catch (Throwable t) {
                    thrown.complete(t);
                  }
                });

        assertThat(thrown.get(5, TimeUnit.SECONDS))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining(p.toString());
      }
    }

    @Test
    void afterCloseTheThreadCanAttachAgainAndTheOldContextIsDead() {
      try (Node node = Node.start()) {
        AttachedProcess<Object> first = node.attach();
        Pid<Object> firstPid = first.self();
        first.close();

        try (AttachedProcess<Object> second = node.attach()) {
          assertThat(second.self()).isNotEqualTo(firstPid);
          assertThat(firstPid.isAlive()).isFalse();
          assertThatThrownBy(first::self)
              .isInstanceOfSatisfying(
                  ProcessExitedException.class,
                  e -> assertThat(e.reason()).isEqualTo(ExitReason.NORMAL));
        }
      }
    }

    @Test
    void closeEndsTheProcessNormallyAndTellsItsMonitors() throws InterruptedException {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        CompletableFuture<Pid<Object>> attached = new CompletableFuture<>();
        CompletableFuture<Void> close = new CompletableFuture<>();
        Thread t =
            Thread.ofPlatform()
                .start(
                    () -> {
                      AttachedProcess<Object> other = node.attach();
                      attached.complete(other.self());
                      close.join();
                      other.close();
                    });
        Pid<Object> otherPid = attached.join();
        MonitorRef ref = me.monitor(otherPid);
        close.complete(null);

        Predicate<Down> mine = d -> d.ref().equals(ref);
        Down down = me.receive(Down.class, mine, WAIT).orElseThrow();
        assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
        assertThat(down.target()).isEqualTo(otherPid);
        assertThat(t.join(WAIT)).isTrue(); // close() returned on the attached thread
      }
    }

    @Test
    void attachingToAStoppedNodeThrowsIllegalStateException() {
      Node node = Node.start();
      node.stop();
      assertThatIllegalStateException().isThrownBy(node::attach).withMessageContaining("stopped");
    }
  }
}
