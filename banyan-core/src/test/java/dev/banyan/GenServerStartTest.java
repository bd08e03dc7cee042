package dev.banyan;

import static dev.banyan.GenServerFixtures.NOTHING;
import static dev.banyan.GenServerFixtures.WAIT;
import static dev.banyan.GenServerFixtures.downOf;
import static dev.banyan.GenServerFixtures.exitForwarder;
import static dev.banyan.GenServerFixtures.forwardedExit;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banyan.GenServer.Init;
import dev.banyan.GenServer.Options;
import dev.banyan.GenServer.Start;
import dev.banyan.GenServerFixtures.InitFn;
import dev.banyan.GenServerFixtures.Req;
import dev.banyan.GenServerFixtures.Scripted;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link GenServer#start} and {@link GenServer#startLink}: otp-semantics §4.1, CC-034..CC-042.
 * The cases that cannot apply are listed at the top of {@link GenServerTest}.
 */
@Timeout(20)
class GenServerStartTest {

  /** How init fails, with what start returns for it (described by {@link #describe}). */
  enum Failure {
    STOP(self -> Init.stop(ExitReason.of("stopped")), "Error stopped", true),
    IGNORE(self -> Init.ignore(), "Ignore", false),
    ERROR(self -> Init.error(ExitReason.of("foobar")), "Error foobar", false),
    BAD_RETURN(self -> null, "Error {bad_return_value, null from init}", true),
    THROW(
        self -> {
          throw new IllegalStateException("bailout");
        },
        "Error Crashed java.lang.IllegalStateException: bailout",
        true),
    EXIT(
        self -> {
          throw new ExitException(ExitReason.of("bailout"));
        },
        "Error bailout",
        true),
    INIT_TIMEOUT(
        self -> {
          new CountDownLatch(1).await(); // until the starter kills the server (interrupt)
          return Init.ok("never");
        },
        "Error timeout",
        false);

    final InitFn init;
    final String expected;
    final boolean killsNonTrappingLinkedCaller;

    Failure(InitFn init, String expected, boolean killsNonTrappingLinkedCaller) {
      this.init = init;
      this.expected = expected;
      this.killsNonTrappingLinkedCaller = killsNonTrappingLinkedCaller;
    }

    Options options() {
      return this == INIT_TIMEOUT
          ? Options.DEFAULTS.withInitTimeout(Duration.ofMillis(100))
          : Options.DEFAULTS;
    }
  }

  /** {@return the outcome of a start, as a string that is the same for equal outcomes} */
  static String describe(Start<?> start) {
    return switch (start) {
      case Start.Error<?> e when e.reason() instanceof ExitReason.Crashed c ->
          "Error Crashed " + c.cause().getClass().getName() + ": " + c.cause().getMessage();
      case Start.Error<?> e -> "Error " + e.reason();
      case Start.Ok<?> ok -> "Ok";
      case Start.Ignore<?> i -> "Ignore";
      case Start.AlreadyStarted<?> a -> "AlreadyStarted";
    };
  }

  @Nested
  class StartOk {
    @Test
    @DisplayName("CC-034: start returns Ok only after init has run, inside the server's process")
    void startReturnsOkOnlyAfterInitRanInsideTheServerProcess() throws Exception {
      try (Node node = Node.start()) {
        CountDownLatch returned = new CountDownLatch(1);
        AtomicReference<String> initThread = new AtomicReference<>();
        Scripted s = new Scripted();
        s.onInit(
            self -> {
              initThread.set(Thread.currentThread().getName());
              // Had start returned before init ended, the test would release this meanwhile.
              boolean early = returned.await(NOTHING.toMillis(), TimeUnit.MILLISECONDS);
              s.events.add(early ? "start returned during init" : "init done");
              return Init.ok("s0");
            });

        Start<Req> start = GenServer.start(node, s);
        returned.countDown();

        assertThat(start).isInstanceOf(Start.Ok.class);
        assertThat(s.eventList()).containsExactly("init", "init done");
        ServerRef<Req> server = start.orElseThrow();
        assertThat(server.whereis()).contains(s.pid); // self() in init is the server's pid
        assertThat(server).isEqualTo(ServerRef.of(s.pid));
        assertThat(initThread.get()).isEqualTo(s.pid.toString());
        assertThat(s.pid.isAlive()).isTrue();
      }
    }

    @Test
    @DisplayName("CC-034: startLink links the server to the calling process, its parent")
    void startLinkLinksTheServerToTheCaller() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.startLink(me, s).orElseThrow();
        assertThat(server.whereis()).contains(s.pid);
        assertThat(node.processInfo(s.pid).orElseThrow().links()).containsExactly(me.self());
        assertThat(node.processInfo(me.self()).orElseThrow().links()).containsExactly(s.pid);
        assertThat(node.processInfo(s.pid).orElseThrow().monitoredBy()).isEmpty(); // start's monitor is gone
        me.unlink(s.pid);
        server.stop();
      }
    }

    @Test
    void startFromAProcessDoesNotLinkTheServer() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted();
        GenServer.start(node, s).orElseThrow();
        assertThat(node.processInfo(s.pid).orElseThrow().links()).isEmpty();
        assertThat(node.processInfo(me.self()).orElseThrow().links()).isEmpty();
      }
    }

    @Test
    void orElseThrowOnAFailedStartNamesTheOutcome() {
      try (Node node = Node.start()) {
        Start<Req> start =
            GenServer.start(node, new Scripted().onInit(self -> Init.error(ExitReason.of("nope"))));
        assertThatThrownBy(start::orElseThrow)
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("nope");
      }
    }
  }

  @Nested
  class Names {
    @Test
    @DisplayName("CC-035: the name is registered before init runs: whereis(name) in init is self")
    void theNameIsRegisteredBeforeInitRuns() {
      try (Node node = Node.start()) {
        AtomicReference<Object> seen = new AtomicReference<>();
        Scripted s = new Scripted();
        s.onInit(
            self -> {
              seen.set(self.node().whereis("srv").orElse(null));
              return Init.ok("s0");
            });
        GenServer.start(node, s, Options.named("srv")).orElseThrow();
        assertThat(seen.get()).isEqualTo(s.pid);
        assertThat(node.whereis("srv")).contains(s.pid);
      }
    }

    @Test
    @DisplayName("CC-035: a second start with a taken name returns AlreadyStarted with the first server")
    void aSecondStartWithTheSameNameReturnsAlreadyStarted() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted first = new Scripted();
        ServerRef<Req> server = GenServer.start(node, first, Options.named("srv")).orElseThrow();
        Scripted second = new Scripted();

        Start<Req> again = GenServer.start(node, second, Options.named("srv"));
        Start<Req> againLinked = GenServer.startLink(me, second, Options.named("srv"));

        assertThat(again).isEqualTo(new Start.AlreadyStarted<>(server));
        assertThat(againLinked).isEqualTo(new Start.AlreadyStarted<>(server));
        assertThat(second.eventList()).isEmpty(); // its init never ran
        assertThat(node.whereis("srv")).contains(first.pid);
        assertThat(node.processInfo(me.self()).orElseThrow().links()).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-035: of two racing starts with one name, one starts and the other gets AlreadyStarted")
    void racingStartsWithOneNameStartExactlyOneServer() throws Exception {
      try (Node node = Node.start();
          ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
        for (int i = 0; i < 20; i++) {
          String name = "race" + i;
          List<Scripted> servers = List.of(new Scripted(), new Scripted());
          CyclicBarrier barrier = new CyclicBarrier(2);
          List<Future<Start<Req>>> starts = new ArrayList<>();
          for (Scripted s : servers) {
            starts.add(
                threads.submit(
                    () -> {
                      barrier.await(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                      return GenServer.start(node, s, Options.named(name));
                    }));
          }
          Start<Req> a = starts.get(0).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
          Start<Req> b = starts.get(1).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);

          Pid<?> holder = node.whereis(name).orElseThrow();
          Scripted winner = holder.equals(servers.get(0).pid) ? servers.get(0) : servers.get(1);
          Scripted loser = winner == servers.get(0) ? servers.get(1) : servers.get(0);
          assertThat(winner.pid).isEqualTo(holder);
          assertThat(loser.eventList()).as("the loser's init never runs").isEmpty();
          assertThat(List.of(a, b))
              .containsExactlyInAnyOrder(
                  new Start.Ok<>(ServerRef.of(holder)), new Start.AlreadyStarted<>(ServerRef.of(holder)));
        }
      }
    }
  }

  @Nested
  class InitIgnore {
    @Test
    @DisplayName("CC-036: ignore → Ignore; the name is free on return and the process exited normal")
    void ignoreReturnsIgnoreWithTheNameFreeAndTheProcessDead() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> forwarder = exitForwarder(me);
        Scripted s = new Scripted();
        s.onInit(
            self -> {
              self.link(forwarder);
              return Init.ignore();
            });

        Start<Req> start = GenServer.start(node, s, Options.named("ignored"));

        assertThat(start).isEqualTo(new Start.Ignore<Req>());
        assertThat(node.whereis("ignored")).isEmpty();
        assertThat(s.pid.isAlive()).isFalse();
        assertThat(forwardedExit(me, s.pid).reason()).isEqualTo(ExitReason.NORMAL);
      }
    }

    @Test
    @DisplayName("CC-036: ignore from startLink leaves no Exit in a trapping caller's mailbox")
    void ignoreLeavesNoExitForATrappingLinkedCaller() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Scripted s = new Scripted().onInit(self -> Init.ignore());
        assertThat(GenServer.startLink(me, s, Options.named("ignored")))
            .isEqualTo(new Start.Ignore<Req>());
        assertThat(node.whereis("ignored")).isEmpty();
        assertThat(me.receive(Exit.class, NOTHING)).isEmpty();
        assertThat(node.processInfo(me.self()).orElseThrow().links()).isEmpty();
      }
    }
  }

  @Nested
  class InitStop {
    @Test
    @DisplayName("CC-037: Init.stop(stopped) → Error(stopped); the name is free at once; exits stopped")
    void stopReturnsErrorAndFreesTheNameAtOnce() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> forwarder = exitForwarder(me);
        Scripted s = new Scripted();
        s.onInit(
            self -> {
              self.link(forwarder);
              return Init.stop(ExitReason.of("stopped"));
            });

        Start<Req> start = GenServer.start(node, s, Options.named("stopper"));

        assertThat(start).isEqualTo(new Start.Error<Req>(ExitReason.of("stopped")));
        assertThat(node.whereis("stopper")).isEmpty();
        assertThat(node.registered()).doesNotContain("stopper");
        assertThat(s.pid.isAlive()).isFalse();
        assertThat(forwardedExit(me, s.pid).reason()).isEqualTo(ExitReason.of("stopped"));
      }
    }

    @Test
    @DisplayName("CC-037: Init.stop from startLink: a trapping caller gets Error and no Exit")
    void stopFromStartLinkLeavesNoExitForATrappingCaller() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Scripted s = new Scripted().onInit(self -> Init.stop(ExitReason.of("stopped")));
        assertThat(GenServer.startLink(me, s, Options.named("stopper")))
            .isEqualTo(new Start.Error<Req>(ExitReason.of("stopped")));
        assertThat(node.whereis("stopper")).isEmpty();
        assertThat(me.receive(Exit.class, NOTHING)).isEmpty();
      }
    }
  }

  @Nested
  class InitError {
    @Test
    @DisplayName("CC-038: Init.error(foobar) → Error(foobar), and the server exits normal")
    void errorReturnsErrorAndTheServerExitsNormal() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> forwarder = exitForwarder(me);
        Scripted s = new Scripted();
        s.onInit(
            self -> {
              self.link(forwarder);
              return Init.error(ExitReason.of("foobar"));
            });

        Start<Req> start = GenServer.start(node, s, Options.named("failing"));

        assertThat(start).isEqualTo(new Start.Error<Req>(ExitReason.of("foobar")));
        assertThat(node.whereis("failing")).isEmpty();
        assertThat(forwardedExit(me, s.pid).reason()).isEqualTo(ExitReason.NORMAL);
      }
    }

    @Test
    @DisplayName("CC-038: Init.error: a non-trapping linked caller survives")
    void errorDoesNotKillANonTrappingLinkedCaller() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted().onInit(self -> Init.error(ExitReason.of("foobar")));

        Start<Req> start = GenServer.startLink(me, s);

        assertThat(start).isEqualTo(new Start.Error<Req>(ExitReason.of("foobar")));
        assertThat(node.processInfo(me.self())).isPresent();
        me.self().send("still here");
        assertThat(me.receive(String.class, NOTHING)).contains("still here");
      }
    }

    @Test
    @DisplayName("CC-038: Init.error: a trapping linked caller finds no Exit")
    void errorLeavesNoExitForATrappingLinkedCaller() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Scripted s = new Scripted().onInit(self -> Init.error(ExitReason.of("foobar")));
        assertThat(GenServer.startLink(me, s)).isEqualTo(new Start.Error<Req>(ExitReason.of("foobar")));
        assertThat(me.receive(Exit.class, NOTHING)).isEmpty();
      }
    }
  }

  @Nested
  class InitFailures {
    @Test
    @DisplayName("CC-039: init throwing a RuntimeException → Error(Crashed(that exception))")
    void initThrowingReturnsErrorWithTheCrash() {
      try (Node node = Node.start()) {
        IllegalStateException bailout = new IllegalStateException("bailout");
        Scripted s =
            new Scripted()
                .onInit(
                    self -> {
                      throw bailout;
                    });
        assertThat(GenServer.start(node, s, Options.named("crasher")))
            .isEqualTo(new Start.Error<Req>(new ExitReason.Crashed(bailout)));
        assertThat(node.whereis("crasher")).isEmpty();
        assertThat(s.pid.isAlive()).isFalse();
      }
    }

    @Test
    @DisplayName("CC-039: init throwing ExitException(bailout) → Error(bailout)")
    void initExitingReturnsErrorWithTheExitReason() {
      try (Node node = Node.start()) {
        Scripted s =
            new Scripted()
                .onInit(
                    self -> {
                      self.exit(ExitReason.of("bailout"));
                      return Init.ok("unreachable");
                    });
        assertThat(GenServer.start(node, s)).isEqualTo(new Start.Error<Req>(ExitReason.of("bailout")));
      }
    }

    @Test
    @DisplayName("CC-039: init returning null → Error({bad_return_value, ...})")
    void initReturningNullReturnsABadReturnValueError() {
      try (Node node = Node.start()) {
        Start<Req> start = GenServer.start(node, new Scripted().onInit(self -> null));
        assertThat(start).isInstanceOfSatisfying(
            Start.Error.class, e -> assertThat(e.reason().toString()).contains("bad_return_value"));
      }
    }

    @ParameterizedTest
    @EnumSource(Failure.class)
    @DisplayName("§4.1: terminate is not called when init fails")
    void terminateIsNotCalledWhenInitFails(Failure failure) {
      try (Node node = Node.start()) {
        Scripted s = new Scripted().onInit(failure.init);
        assertThat(describe(GenServer.start(node, s, failure.options()))).isEqualTo(failure.expected);
        assertThat(s.eventList()).containsExactly("init");
      }
    }
  }

  @Nested
  class InitTimeout {
    @Test
    @DisplayName("CC-040: an init longer than the init timeout → Error(timeout), the server killed, the caller alive")
    void initTimeoutReturnsTimeoutKillsTheServerAndSparesTheLinkedCaller() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> forwarder = exitForwarder(me);
        CountDownLatch release = new CountDownLatch(1);
        Scripted s = new Scripted();
        s.onInit(
            self -> {
              self.link(forwarder);
              release.await();
              return Init.ok("late");
            });
        try {
          Start<Req> start =
              GenServer.startLink(
                  me, s, Options.named("slow").withInitTimeout(Duration.ofMillis(200)));

          assertThat(start).isEqualTo(new Start.Error<Req>(CallException.TIMEOUT));
          assertThat(s.pid.isAlive()).isFalse();
          assertThat(node.whereis("slow")).isEmpty();
          assertThat(forwardedExit(me, s.pid).reason()).isEqualTo(ExitReason.KILLED);
          assertThat(node.processInfo(me.self())).isPresent(); // not killed through the link
          me.self().send("still here");
          assertThat(me.receive(String.class, NOTHING)).contains("still here");
        } finally {
          release.countDown();
        }
      }
    }

    @Test
    void aNegativeInitTimeoutIsRejectedNamingTheValue() {
      assertThatThrownBy(() -> Options.DEFAULTS.withInitTimeout(Duration.ofSeconds(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("PT-1S");
    }
  }

  @Nested
  class RepeatedFailures {
    @ParameterizedTest
    @EnumSource(Failure.class)
    @DisplayName("CC-041: each failing start kind, five times with start and startLink: same result, no Exit")
    void aFailingStartRepeatedGivesTheSameResultAndNoExit(Failure failure) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        List<String> results = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          results.add(describe(GenServer.start(node, new Scripted().onInit(failure.init), failure.options())));
          results.add(
              describe(GenServer.startLink(me, new Scripted().onInit(failure.init), failure.options())));
        }
        assertThat(results).hasSize(10).containsOnly(failure.expected);
        assertThat(me.receive(Exit.class, NOTHING)).isEmpty();
        assertThat(node.processInfo(me.self()).orElseThrow().links()).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-041: 100 ignored starts with a name never leave the name registered")
    void ignoredStartsNeverLeaveTheNameRegistered() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        for (int i = 0; i < 100; i++) {
          Scripted s = new Scripted().onInit(self -> Init.ignore());
          Start<Req> start =
              i % 2 == 0
                  ? GenServer.start(node, s, Options.named("ignorer"))
                  : GenServer.startLink(me, s, Options.named("ignorer"));
          assertThat(start).isEqualTo(new Start.Ignore<Req>());
          assertThat(node.whereis("ignorer")).as("after start %d", i).isEmpty();
        }
        assertThat(node.registered()).doesNotContain("ignorer");
        assertThat(me.receive(Exit.class, NOTHING)).isEmpty();
      }
    }
  }

  @Nested
  class StartLinkCaller {
    @Test
    @DisplayName("CC-042: a non-trapping startLink caller whose server's init stops with boom dies with boom")
    void aNonTrappingCallerIsKilledWithTheInitStopReason() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Spawned<Object> caller =
            me.spawnMonitor(
                c -> {
                  GenServer.startLink(c, new Scripted().onInit(self -> Init.stop(ExitReason.of("boom"))));
                  c.send(test, "startLink returned");
                });
        assertThat(downOf(me, caller.ref()).reason()).isEqualTo(ExitReason.of("boom"));
        assertThat(me.receive(String.class, NOTHING)).isEmpty();
      }
    }

    @ParameterizedTest
    @EnumSource(Failure.class)
    @DisplayName("CC-042: a non-trapping startLink caller dies with the server's reason unless it is normal")
    void aNonTrappingCallerDiesWithAnAbnormalInitFailure(Failure failure) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Spawned<Object> caller =
            me.spawnMonitor(
                c -> {
                  Start<Req> start =
                      GenServer.startLink(c, new Scripted().onInit(failure.init), failure.options());
                  c.send(test, describe(start));
                });
        Down down = downOf(me, caller.ref());
        if (failure.killsNonTrappingLinkedCaller) {
          assertThat("Error " + describeReason(down.reason())).isEqualTo(failure.expected);
          assertThat(me.receive(String.class, NOTHING)).isEmpty();
        } else {
          assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
          assertThat(me.receive(String.class, NOTHING)).contains(failure.expected);
        }
      }
    }

    @Test
    void startLinkWithAnotherProcesssContextThrowsWrongThreadException() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread other =
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        GenServer.startLink(me, new Scripted());
                      } catch (Throwable t) {
                        thrown.set(t);
                      }
                    });
        other.join(WAIT.toMillis());
        assertThat(thrown.get()).isInstanceOf(WrongThreadException.class);
        assertThat(node.processInfo(me.self()).orElseThrow().links()).isEmpty();
      }
    }

    @Test
    void nullArgumentsAreRejectedByName() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        assertThatThrownBy(() -> GenServer.start(null, new Scripted()))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("node");
        assertThatThrownBy(() -> GenServer.start(node, null))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("server");
        assertThatThrownBy(() -> GenServer.start(node, new Scripted(), null))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("options");
        assertThatThrownBy(() -> GenServer.startLink(null, new Scripted()))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("parent");
        assertThatThrownBy(() -> GenServer.startLink(me, null))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("server");
      }
    }
  }

  private static String describeReason(ExitReason reason) {
    return describe(new Start.Error<>(reason)).substring("Error ".length());
  }
}
