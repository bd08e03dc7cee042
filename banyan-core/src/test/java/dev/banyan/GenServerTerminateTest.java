package dev.banyan;

import static dev.banyan.GenServerFixtures.INFINITY;
import static dev.banyan.GenServerFixtures.NOTHING;
import static dev.banyan.GenServerFixtures.WAIT;
import static dev.banyan.GenServerFixtures.await;
import static dev.banyan.GenServerFixtures.awaitMailboxLength;
import static dev.banyan.GenServerFixtures.callInBackground;
import static dev.banyan.GenServerFixtures.doing;
import static dev.banyan.GenServerFixtures.downOf;
import static dev.banyan.GenServerFixtures.echo;
import static dev.banyan.GenServerFixtures.outcomeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banyan.GenServer.Init;
import dev.banyan.GenServer.Options;
import dev.banyan.GenServer.Result;
import dev.banyan.GenServerFixtures.CastDo;
import dev.banyan.GenServerFixtures.Get;
import dev.banyan.GenServerFixtures.Outcome;
import dev.banyan.GenServerFixtures.Put;
import dev.banyan.GenServerFixtures.Req;
import dev.banyan.GenServerFixtures.Scripted;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ServerRef#stop} and {@link GenServer#terminate}: otp-semantics §4.6 and §4.8,
 * CC-064..CC-072. The cases that cannot apply are listed at the top of {@link GenServerTest}.
 */
@Timeout(20)
class GenServerTerminateTest {

  /** {@return the failure of a stop (or call) that must fail} */
  private static ExitReason failureOf(Runnable stop) {
    try {
      stop.run();
    } catch (CallException e) {
      return e.failure();
    }
    throw new AssertionError("it did not fail");
  }

  /** A server that traps exits. */
  private static Scripted trapping() {
    return new Scripted()
        .onInit(
            self -> {
              self.trapExit(true);
              return Init.ok("s0");
            });
  }

  /** {@return the terminate events recorded so far} */
  private static List<String> terminateEvents(Scripted s) {
    return s.eventList().stream().filter(e -> e.startsWith("terminate:")).toList();
  }

  @Nested
  class Stop {
    @Test
    @DisplayName("CC-064: without a terminate override, stop returns and the server exits normal")
    void stopWithoutTerminateOverrideReturnsAndTheServerExitsNormal() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        ServerRef<Req> server = GenServer.start(node, new GenServerTest.InitOnly(Init.ok("s0"))).orElseThrow();
        MonitorRef mon = me.monitor(server.whereis().orElseThrow());
        server.stop();
        assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.NORMAL);
      }
    }

    @Test
    @DisplayName("CC-064: without a terminate override, stop({error, test}) returns and the server exits with it")
    void stopWithAnotherReasonWithoutTerminateOverrideReturns() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        ServerRef<Req> server = GenServer.start(node, new GenServerTest.InitOnly(Init.ok("s0"))).orElseThrow();
        MonitorRef mon = me.monitor(server.whereis().orElseThrow());
        server.stop(ExitReason.of("{error, test}"), INFINITY);
        assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.of("{error, test}"));
      }
    }

    @Test
    @DisplayName("CC-065: stop returns once the server is dead; stopping it again throws NOPROC")
    void stopReturnsOnceTheServerIsDeadAndAgainThrowsNoproc() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        server.stop();
        assertThat(s.pid.isAlive()).isFalse();
        assertThat(server.whereis()).isEmpty();
        assertThat(failureOf(server::stop)).isEqualTo(ExitReason.NOPROC);
        assertThat(failureOf(() -> server.stop(ExitReason.SHUTDOWN, Duration.ofSeconds(1))))
            .isEqualTo(ExitReason.NOPROC);
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-065: stop with another reason returns and the server exits with it")
    void stopWithAnotherReasonReturns() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);
        server.stop(ExitReason.of("other_reason"));
        assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.of("other_reason"));
        assertThat(terminateEvents(s)).containsExactly("terminate:other_reason s0");
      }
    }

    @Test
    @DisplayName("CC-065: a server that exits with another reason than stop's: stop throws with the actual reason")
    void stopThrowsTheActualReasonWhenTheServerExitsWithAnother() {
      try (Node node = Node.start()) {
        IllegalStateException terminateCrash = new IllegalStateException("terminate failed");
        Scripted s =
            new Scripted()
                .onTerminate(
                    (r, st) -> {
                      throw terminateCrash;
                    });
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        assertThatThrownBy(server::stop)
            .isInstanceOfSatisfying(
                CallException.class,
                e -> {
                  assertThat(e.failure()).isEqualTo(new ExitReason.Crashed(terminateCrash));
                  assertThat(e.call().function()).isEqualTo("GenServer.stop");
                });
        assertThat(s.pid.isAlive()).isFalse();
      }
    }

    @Test
    @DisplayName("CC-065: a negative stop timeout is rejected and leaves the server alive")
    void aNegativeTimeoutIsRejectedAndTheServerLivesOn() {
      try (Node node = Node.start()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        assertThatThrownBy(() -> server.stop(ExitReason.NORMAL, Duration.ofSeconds(-1)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> server.stop(null))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("reason");
        assertThat(server.call(Get::new)).isEqualTo("s0");
        assertThat(terminateEvents(s)).isEmpty();
      }
    }

    @Test
    @DisplayName("§4.6: a stop that times out throws TIMEOUT; the server may still be running")
    void aStopThatTimesOutThrowsTimeout() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch release = new CountDownLatch(1);
        Scripted s = new Scripted().onTerminate((r, st) -> await(release));
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);
        try {
          assertThat(failureOf(() -> server.stop(ExitReason.NORMAL, Duration.ofMillis(100))))
              .isEqualTo(CallException.TIMEOUT);
          assertThat(s.pid.isAlive()).isTrue();
        } finally {
          release.countDown();
        }
        assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.NORMAL);
      }
    }

    @Test
    @DisplayName("CC-066: stop by local name; afterwards the name form throws NOPROC")
    void stopByName() {
      try (Node node = Node.start()) {
        Scripted s = new Scripted();
        GenServer.start(node, s, Options.named("srv")).orElseThrow();
        ServerRef<Req> byName = ServerRef.named(node, "srv");
        byName.stop();
        assertThat(s.pid.isAlive()).isFalse();
        assertThat(node.whereis("srv")).isEmpty();
        assertThat(terminateEvents(s)).containsExactly("terminate:normal s0");
        assertThat(failureOf(byName::stop)).isEqualTo(ExitReason.NOPROC);
      }
    }

    @Test
    @DisplayName("CC-067: stop runs terminate although the server does not trap exits")
    void stopRunsTerminateWithoutTrapExit() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        server.cast(new Put("last"));
        server.stop(ExitReason.SHUTDOWN);
        assertThat(s.eventList()).containsExactly("init", "cast:put last", "terminate:shutdown last");
      }
    }

    @Test
    void stopFromAThreadThatIsNotAProcessWorks() {
      try (Node node = Node.start()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        server.stop();
        assertThat(s.pid.isAlive()).isFalse();
        assertThat(terminateEvents(s)).containsExactly("terminate:normal s0");
      }
    }

    @Test
    @DisplayName("§4.6: a server stopping itself gets CALLING_SELF")
    void aServerStoppingItselfGetsCallingSelf() {
      try (Node node = Node.start()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        String answer =
            server.call(
                doing(
                    "stop self",
                    (to, st) -> Result.reply(to, failureOf(() -> ServerRef.of(s.pid).stop()).toString(), st)));
        assertThat(answer).isEqualTo("calling_self");
        assertThat(server.call(Get::new)).isEqualTo("s0");
      }
    }
  }

  @Nested
  class ParentExit {
    @Test
    @DisplayName("CC-068: exit(shutdown) from the parent: a trapping server runs terminate(shutdown) and exits shutdown")
    void aTrappingServerTerminatesOnItsParentsShutdown() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Scripted s = trapping();
        GenServer.startLink(me, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);

        me.exit(s.pid, ExitReason.SHUTDOWN);

        assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(s.eventList()).containsExactly("init", "terminate:shutdown s0");
        assertThat(me.receive(Exit.class, WAIT)).contains(new Exit(s.pid, ExitReason.SHUTDOWN));
      }
    }

    @Test
    @DisplayName("CC-068: exit(shutdown) from the parent: a non-trapping server dies at once, without terminate")
    void aNonTrappingServerDiesOnItsParentsShutdownWithoutTerminate() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Scripted s = new Scripted();
        GenServer.startLink(me, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);

        me.exit(s.pid, ExitReason.SHUTDOWN);

        assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(s.events.poll(NOTHING.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("init");
        assertThat(s.events.poll(NOTHING.toMillis(), TimeUnit.MILLISECONDS)).as("no terminate").isNull();
      }
    }

    @Test
    @DisplayName("CC-068: a non-trapping server busy in a callback dies of its parent's shutdown without terminate")
    void aBusyNonTrappingServerDiesOfItsParentsShutdownWithoutTerminate() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.startLink(me, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);
        try {
          Pid<Object> caller =
              callInBackground(
                  me,
                  server,
                  doing(
                      "busy",
                      (to, st) -> {
                        entered.countDown();
                        await(release); // the death interrupts this wait
                        return Result.reply(to, "done", st);
                      }));
          await(entered);

          me.exit(s.pid, ExitReason.SHUTDOWN);

          assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.SHUTDOWN);
          assertThat(outcomeOf(me, caller).failure().failure()).isEqualTo(ExitReason.SHUTDOWN);
          // The callback's thread goes on after the death; whatever it does, terminate must not run.
          assertThat(s.events.poll(NOTHING.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("init");
          assertThat(s.events.poll(NOTHING.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("call:busy");
          assertThat(s.events.poll(NOTHING.toMillis(), TimeUnit.MILLISECONDS)).as("no terminate").isNull();
        } finally {
          release.countDown();
        }
      }
    }

    @Test
    @DisplayName("§4.8: a server killed while busy in a callback that then returns stop does not run terminate")
    void aKilledServerWhoseCallbackReturnsLaterDoesNotRunTerminate() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Scripted s = trapping();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);
        try {
          server.cast(
              new CastDo(
                  "busy",
                  st -> {
                    entered.countDown();
                    // Code that ignores interrupts: it goes on until the test releases it.
                    for (; ; ) {
                      try {
                        await(release);
                        return Result.stop(ExitReason.NORMAL, st);
                      } catch (InterruptedException ignored) {
                        // keep waiting
                      }
                    }
                  }));
          await(entered);

          node.exit(s.pid, ExitReason.KILL);
          assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.KILLED);
        } finally {
          release.countDown();
        }
        assertThat(s.events.poll(NOTHING.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("init");
        assertThat(s.events.poll(NOTHING.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("cast:busy");
        assertThat(s.events.poll(NOTHING.toMillis(), TimeUnit.MILLISECONDS)).as("no terminate").isNull();
      }
    }

    @Test
    @DisplayName("§4.8: kill does not run terminate, even in a trapping server")
    void killDoesNotRunTerminate() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Scripted s = trapping();
        GenServer.startLink(me, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);
        me.exit(s.pid, ExitReason.KILL);
        assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.KILLED);
        assertThat(s.events.poll(NOTHING.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("init");
        assertThat(s.events.poll(NOTHING.toMillis(), TimeUnit.MILLISECONDS)).as("no terminate").isNull();
      }
    }

    @Test
    @DisplayName("CC-069: a trapping server gets the Exit of a linked non-parent in handleInfo")
    void anExitFromANonParentGoesToHandleInfo() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        AtomicReference<ProcessContext<Object>> ctx = new AtomicReference<>();
        Scripted s = new Scripted();
        s.onInit(
            self -> {
              ctx.set(self);
              self.trapExit(true);
              return Init.ok("s0");
            });
        ServerRef<Req> server = GenServer.startLink(me, s).orElseThrow();
        Pid<Object> other =
            me.spawn(
                c -> {
                  c.receive(String.class);
                  c.exit(ExitReason.of("bye"));
                });
        server.call(
            doing(
                "link",
                (to, st) -> {
                  ctx.get().link(other);
                  return Result.reply(to, "linked", st);
                }));

        other.send("go");

        assertThat(s.nextEvent()).isEqualTo("init");
        assertThat(s.nextEvent()).isEqualTo("call:link");
        assertThat(s.nextEvent()).isEqualTo("info:" + new Exit(other, ExitReason.of("bye")));
        assertThat(server.call(Get::new)).isEqualTo("s0");
        assertThat(s.eventList()).containsExactly("call:get"); // no terminate
        assertThat(s.pid.isAlive()).isTrue();
        me.unlink(s.pid);
      }
    }

    @Test
    @DisplayName("CC-070: the parent exits normal: a non-trapping server keeps running")
    void aNonTrappingServerOutlivesItsParentExitingNormal() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted();
        Spawned<Object> parent = spawnParent(me, s);
        ServerRef<Req> server = me.receive(ServerRef.class, WAIT).orElseThrow();
        parent.pid().send("exit normal");
        assertThat(downOf(me, parent.ref()).reason()).isEqualTo(ExitReason.NORMAL);

        assertThat(server.call(Get::new)).isEqualTo("s0");
        assertThat(s.eventList()).containsExactly("init", "call:get");
        server.stop();
      }
    }

    @Test
    @DisplayName("CC-070: the parent exits normal: a trapping server terminates with normal")
    void aTrappingServerTerminatesWhenItsParentExitsNormal() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = trapping();
        Spawned<Object> parent = spawnParent(me, s);
        me.receive(ServerRef.class, WAIT).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);
        parent.pid().send("exit normal");

        assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.NORMAL);
        assertThat(s.eventList()).containsExactly("init", "terminate:normal s0");
      }
    }

    /** Spawns a process that starts {@code s} linked, sends its ServerRef to me, and ends normally on a message. */
    private Spawned<Object> spawnParent(AttachedProcess<Object> me, Scripted s) {
      Pid<Object> test = me.self();
      return me.spawnMonitor(
          c -> {
            ServerRef<Req> server = GenServer.startLink(c, s).orElseThrow();
            c.send(test, server);
            c.receive(String.class);
          });
    }

    @Test
    @DisplayName("CC-071: a trapping server handles the 5 calls queued before its parent's shutdown, then terminates")
    void queuedCallsAreHandledBeforeTheParentsShutdown() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Scripted s = trapping();
        ServerRef<Req> server = GenServer.startLink(me, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);
        List<Pid<Object>> callers = new ArrayList<>();
        Pid<Object> late;
        Pid<Object> blocker;
        try {
          blocker =
              callInBackground(
                  me,
                  server,
                  doing(
                      "block",
                      (to, st) -> {
                        entered.countDown();
                        await(release);
                        return Result.reply(to, "unblocked", st);
                      }));
          await(entered);
          for (int i = 0; i < 5; i++) {
            callers.add(callInBackground(me, server, echo("call " + i)));
          }
          awaitMailboxLength(node, s.pid, 5);

          me.exit(s.pid, ExitReason.SHUTDOWN); // queued behind the 5 calls, as an Exit message
          assertThat(node.processInfo(s.pid).orElseThrow().mailboxLength()).isEqualTo(6);

          late = callInBackground(me, server, echo("late"));
          awaitMailboxLength(node, s.pid, 7);
        } finally {
          release.countDown();
        }

        assertThat(outcomeOf(me, blocker).answer()).isEqualTo("unblocked");
        List<String> answers = new ArrayList<>();
        for (Pid<Object> caller : callers) {
          Outcome o = outcomeOf(me, caller);
          answers.add(o.answer());
        }
        assertThat(answers).containsExactlyInAnyOrder("call 0", "call 1", "call 2", "call 3", "call 4");
        Outcome lateOutcome = outcomeOf(me, late);
        assertThat(lateOutcome.answer()).isNull();
        assertThat(lateOutcome.failure().failure()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.SHUTDOWN);

        List<String> events = s.eventList();
        assertThat(events).hasSize(8);
        assertThat(events.subList(0, 2)).containsExactly("init", "call:block");
        assertThat(events.subList(2, 7))
            .containsExactlyInAnyOrder(
                "call:echo call 0", "call:echo call 1", "call:echo call 2", "call:echo call 3", "call:echo call 4");
        assertThat(events.get(7)).isEqualTo("terminate:shutdown s0");
      }
    }
  }

  @Nested
  class Terminate {
    @Test
    @DisplayName("§4.8: a callback that throws: terminate gets Crashed(e) and the last state")
    void aCrashingCallbackRunsTerminateWithTheCrashAndTheLastState() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);
        IllegalStateException crash = new IllegalStateException("cast crash");
        server.cast(new Put("last good"));
        server.cast(
            new CastDo(
                "crash",
                st -> {
                  throw crash;
                }));
        assertThat(downOf(me, mon).reason()).isEqualTo(new ExitReason.Crashed(crash));
        assertThat(s.eventList())
            .containsExactly(
                "init", "cast:put last good", "cast:crash", "terminate:" + new ExitReason.Crashed(crash) + " last good");
      }
    }

    @Test
    @DisplayName("CC-072: terminate throwing: the process exits with terminate's exception")
    void terminateThrowingReplacesTheExitReason() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        IllegalStateException terminateCrash = new IllegalStateException("terminate failed");
        Scripted s =
            new Scripted()
                .onTerminate(
                    (r, st) -> {
                      throw terminateCrash;
                    });
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);
        server.cast(new CastDo("stop", st -> Result.stop(ExitReason.NORMAL, st)));
        assertThat(downOf(me, mon).reason()).isEqualTo(new ExitReason.Crashed(terminateCrash));
        assertThat(terminateEvents(s)).containsExactly("terminate:normal s0");
      }
    }

    @Test
    @DisplayName("CC-072: terminate exiting with a reason: the process exits with that reason")
    void terminateExitingReplacesTheExitReason() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s =
            new Scripted()
                .onTerminate(
                    (r, st) -> {
                      throw new ExitException(ExitReason.of("from terminate"));
                    });
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);
        server.cast(new CastDo("stop", st -> Result.stop(ExitReason.SHUTDOWN, st)));
        assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.of("from terminate"));
      }
    }
  }
}
