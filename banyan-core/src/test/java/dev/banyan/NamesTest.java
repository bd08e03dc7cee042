package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Registered names: otp-semantics §1.5 (CC-009, CC-010).
 *
 * <p>The timeout runs the test on a separate thread, so that a test stuck in an uninterruptible
 * {@code receive()} fails instead of blocking the build.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class NamesTest {

  private static final Duration WAIT = Duration.ofSeconds(5);

  private static <T> T await(ProcessContext<?> me, Class<T> type, Predicate<? super T> filter) {
    return me.receive(type, filter, WAIT)
        .orElseThrow(
            () -> new AssertionError("no matching " + type.getSimpleName() + " in " + WAIT));
  }

  private static Down awaitDown(ProcessContext<?> me, MonitorRef ref) {
    return await(me, Down.class, d -> d.ref().equals(ref));
  }

  /** A process that waits until it receives "stop", then returns. */
  private static Spawned<String> idle(ProcessContext<?> me) {
    return me.spawnMonitor(ctx -> ctx.receive(String.class, "stop"::equals));
  }

  /** A process that has already ended. */
  private static Pid<String> dead(ProcessContext<?> me) {
    Spawned<String> p = me.spawnMonitor(ctx -> {});
    awaitDown(me, p.ref());
    return p.pid();
  }

  @Nested
  class Register {

    @Test
    void makesTheProcessReachableByName() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<String> p = idle(me).pid();
        node.register("db", p);

        assertThat(node.whereis("db")).contains(p);
        assertThat(node.registered()).containsExactly("db");
        assertThat(node.processInfo(p).orElseThrow().registeredName()).contains("db");
      }
    }

    @Test
    void registersTheCallingProcessFromItsContext() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        me.register("me");
        assertThat(node.whereis("me")).contains(me.self());
      }
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "with space", "ünïcødé", "kv@localhost", "undefined_not"})
    void acceptsAnyNonEmptyNameOtherThanUndefined(String name) {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        node.register(name, me.self());
        assertThat(node.whereis(name)).contains(me.self());
      }
    }

    @Test
    @DisplayName("CC-009: registering a name that another process has throws BadArgException")
    void nameTakenByAnotherProcessThrowsBadArg() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<String> p1 = idle(me).pid();
        Pid<String> p2 = idle(me).pid();
        node.register("db", p1);

        assertThatThrownBy(() -> node.register("db", p2))
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining("\"db\"")
            .hasMessageContaining(p2.toString())
            .hasMessageContaining("already registered to " + p1);
        assertThat(node.whereis("db")).contains(p1);
        assertThat(node.processInfo(p2).orElseThrow().registeredName()).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-009: giving a second name to a process throws BadArgException")
    void secondNameForAProcessThrowsBadArg() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<String> p1 = idle(me).pid();
        node.register("db", p1);

        assertThatThrownBy(() -> node.register("cache", p1))
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining("\"cache\"")
            .hasMessageContaining(p1.toString())
            .hasMessageContaining("already registered as \"db\"");
        assertThatThrownBy(() -> node.register("db", p1))
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining("already registered as \"db\"");
        assertThat(node.whereis("cache")).isEmpty();
        assertThat(node.registered()).containsExactly("db");
      }
    }

    @Test
    @DisplayName("CC-009: a process already named cannot register itself again")
    void processCannotRegisterItselfTwice() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        me.register("first");
        assertThatThrownBy(() -> me.register("second"))
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining("\"second\"")
            .hasMessageContaining(me.self().toString());
        assertThat(node.whereis("first")).contains(me.self());
        assertThat(node.whereis("second")).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-009: registering a dead process throws BadArgException naming it")
    void deadProcessThrowsBadArgNamingIt() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<String> gone = dead(me);

        assertThatThrownBy(() -> node.register("ghost", gone))
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining("\"ghost\"")
            .hasMessageContaining(gone.toString())
            .hasMessageContaining("not alive");
        assertThat(node.whereis("ghost")).isEmpty();
        assertThat(node.registered()).isEmpty();
      }
    }

    // Erlang answers badarg for the atom 'undefined' (CC-009). There are no atoms here: a name is a
    // String, so an empty name and "undefined" are programming errors: IllegalArgumentException.
    @ParameterizedTest
    @ValueSource(strings = {"", "undefined"})
    @DisplayName(
        "CC-009: the empty name and \"undefined\" are refused with IllegalArgumentException")
    void emptyNameAndUndefinedAreRefused(String name) {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> node.register(name, me.self()))
            .withMessageContaining(name.isEmpty() ? "empty" : "\"undefined\"");
        assertThatIllegalArgumentException().isThrownBy(() -> me.register(name));
        assertThat(node.registered()).isEmpty();
        assertThat(node.processInfo(me.self()).orElseThrow().registeredName()).isEmpty();
      }
    }

    @Test
    void rejectsNullArgumentsNamingThem() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        assertThatNullPointerException()
            .isThrownBy(() -> node.register(null, me.self()))
            .withMessage("name");
        assertThatNullPointerException()
            .isThrownBy(() -> node.register("x", null))
            .withMessage("pid");
        assertThatNullPointerException().isThrownBy(() -> me.register(null)).withMessage("name");
        assertThat(node.registered()).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-009: registering a pid of another node throws BadArgException naming it")
    void pidOfAnotherNodeThrowsBadArg() {
      try (Node node = Node.start("here@localhost");
          Node other = Node.start("there@localhost");
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> foreign = other.spawn(ctx -> ctx.receive());

        assertThatThrownBy(() -> node.register("foreign", foreign))
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining(foreign.toString())
            .hasMessageContaining("there@localhost");
        assertThat(node.whereis("foreign")).isEmpty();
        assertThat(other.whereis("foreign")).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-009: when processes race for a name, exactly one gets it")
    void exactlyOneOfManyRacingProcessesGetsTheName() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        List<Pid<String>> racers = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          racers.add(
              me.spawn(
                  ctx -> {
                    ctx.receive(String.class, "go"::equals);
                    try {
                      ctx.register("contested");
                      ctx.send(parent, new Outcome(ctx.self(), true));
                    } catch (BadArgException e) {
                      ctx.send(parent, new Outcome(ctx.self(), false));
                    }
                    ctx.receive(String.class, "stop"::equals);
                  }));
        }
        racers.forEach(r -> r.send("go"));

        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < racers.size(); i++) {
          outcomes.add(await(me, Outcome.class, o -> true));
        }
        List<Pid<?>> winners = outcomes.stream().filter(Outcome::won).map(Outcome::pid).toList();
        assertThat(winners).hasSize(1);
        assertThat(node.whereis("contested")).contains(winners.get(0));
      }
    }
  }

  /** What a process reports after trying to register. */
  record Outcome(Pid<?> pid, boolean won) {}

  @Nested
  class Unregister {

    @Test
    void removesTheNameAndTheProcessKeepsRunning() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<String> p = idle(me).pid();
        node.register("db", p);
        node.unregister("db");

        assertThat(node.whereis("db")).isEmpty();
        assertThat(node.registered()).isEmpty();
        assertThat(p.isAlive()).isTrue();
        assertThat(node.processInfo(p).orElseThrow().registeredName()).isEmpty();
      }
    }

    @Test
    void freesTheNameForAnotherProcessAndTheProcessForAnotherName() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<String> p1 = idle(me).pid();
        Pid<String> p2 = idle(me).pid();
        node.register("db", p1);
        node.unregister("db");

        node.register("db", p2);
        node.register("old-db", p1);
        assertThat(node.whereis("db")).contains(p2);
        assertThat(node.whereis("old-db")).contains(p1);
      }
    }

    @Test
    void worksFromAThreadThatIsNotAProcess() throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        node.register("db", me.self());
        CompletableFuture.runAsync(() -> node.unregister("db")).get(5, TimeUnit.SECONDS);
        assertThat(node.whereis("db")).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-009: unregistering an unknown name throws BadArgException naming it")
    void unknownNameThrowsBadArgNamingIt() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        assertThatThrownBy(() -> node.unregister("unknown"))
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining("\"unknown\"");
      }
    }

    @Test
    @DisplayName("CC-009: unregistering a name twice throws BadArgException the second time")
    void secondUnregisterThrowsBadArg() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        node.register("db", me.self());
        node.unregister("db");
        assertThatThrownBy(() -> node.unregister("db"))
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining("\"db\"");
      }
    }

    @Test
    @DisplayName("CC-009: the name of a process that has died is no longer registered")
    void nameOfADeadProcessThrowsBadArg() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Spawned<String> p = idle(me);
        node.register("db", p.pid());
        p.pid().send("stop");
        awaitDown(me, p.ref());

        assertThatThrownBy(() -> node.unregister("db"))
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining("\"db\"");
      }
    }

    @Test
    void rejectsNull() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        assertThatNullPointerException()
            .isThrownBy(() -> node.unregister(null))
            .withMessage("name");
      }
    }
  }

  @Nested
  class Whereis {

    @ParameterizedTest
    @ValueSource(strings = {"unknown", "", "undefined"})
    @DisplayName("CC-009: whereis of a name nobody has is empty, never an error")
    void unknownNameIsEmpty(String name) {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        assertThat(node.whereis(name)).isEmpty();
      }
    }

    @Test
    void rejectsNull() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        assertThatNullPointerException().isThrownBy(() -> node.whereis(null)).withMessage("name");
      }
    }
  }

  @Nested
  class Registered {

    @Test
    void isEmptyOnAFreshNode() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        assertThat(node.registered()).isEmpty();
      }
    }

    @Test
    void listsExactlyTheNamesOfLiveRegisteredProcesses() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Spawned<String> a = idle(me);
        Spawned<String> b = idle(me);
        Spawned<String> c = idle(me);
        node.register("a", a.pid());
        node.register("b", b.pid());
        node.register("c", c.pid());
        idle(me); // an unnamed process is not listed
        assertThat(node.registered()).containsExactlyInAnyOrder("a", "b", "c");

        node.unregister("b");
        c.pid().send("stop");
        awaitDown(me, c.ref());
        assertThat(node.registered()).containsExactly("a");
      }
    }
  }

  /** CC-010: the name is released before the EXIT and DOWN of the process's death are sent. */
  @Nested
  class NameRelease {

    static Stream<Arguments> deaths() {
      BiConsumer<ProcessContext<?>, Pid<String>> returns = (me, p) -> p.send("stop");
      BiConsumer<ProcessContext<?>, Pid<String>> crashes = (me, p) -> p.send("crash");
      BiConsumer<ProcessContext<?>, Pid<String>> killedByMe =
          (me, p) -> me.exit(p, ExitReason.KILL);
      BiConsumer<ProcessContext<?>, Pid<String>> killedFromOutside =
          (me, p) -> {
            Node node = me.node();
            CompletableFuture.runAsync(() -> node.exit(p, ExitReason.KILL)).join();
          };
      return Stream.of(
          Arguments.of("returns", returns),
          Arguments.of("crashes", crashes),
          Arguments.of("killed by the watcher", killedByMe),
          Arguments.of("killed from another thread", killedFromOutside));
    }

    /** A process that returns on "stop" and crashes on "crash". */
    private static ProcessBody<String> stoppable() {
      return ctx -> {
        if (ctx.receive(String.class).equals("crash")) {
          throw new IllegalStateException("deliberate crash");
        }
      };
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("deaths")
    @DisplayName("CC-010: at DOWN time the name is free and can be registered at once")
    void atDownTheNameIsFreeAndCanBeRegisteredAtOnce(
        String how, BiConsumer<ProcessContext<?>, Pid<String>> kill) {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        for (int i = 0; i < 10; i++) {
          Spawned<String> old = me.spawnMonitor(stoppable());
          node.register("svc", old.pid());
          Pid<String> successor = idle(me).pid();

          kill.accept(me, old.pid());
          awaitDown(me, old.ref());

          assertThat(node.whereis("svc")).isEmpty();
          assertThat(node.registered()).doesNotContain("svc");
          node.register("svc", successor); // must not throw
          assertThat(node.whereis("svc")).contains(successor);
          node.unregister("svc");
        }
      }
    }

    @Test
    @DisplayName("CC-010: at EXIT time the name is free and the trapping peer can take it")
    void atExitTheNameIsFreeAndTheLinkedPeerCanTakeIt() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        for (int i = 0; i < 10; i++) {
          Pid<String> old = me.spawnLink(stoppable());
          node.register("svc", old);

          old.send(i % 2 == 0 ? "stop" : "crash");
          Exit exit = await(me, Exit.class, e -> e.from().equals(old));

          assertThat(exit.from()).isEqualTo(old);
          assertThat(node.whereis("svc")).isEmpty();
          me.register("svc"); // must not throw
          assertThat(node.whereis("svc")).contains(me.self());
          node.unregister("svc");
        }
      }
    }

    @Test
    @DisplayName("CC-010: a watcher process re-registers the name when it gets the DOWN")
    void watcherProcessReRegistersTheNameOnDown() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        Pid<String> old = me.spawn(stoppable());
        node.register("svc", old);
        Spawned<Object> watcher =
            me.spawnMonitor(
                ctx -> {
                  MonitorRef ref = ctx.monitor("svc");
                  ctx.send(parent, "watching");
                  ctx.receive(Down.class, d -> d.ref().equals(ref));
                  ctx.register("svc");
                  ctx.send(parent, "took it");
                  ctx.receive(String.class, "stop"::equals);
                });
        await(me, String.class, "watching"::equals);

        old.send("crash");
        await(me, String.class, "took it"::equals);
        assertThat(node.whereis("svc")).contains(watcher.pid());
      }
    }
  }
}
