package dev.banyan;

import static dev.banyan.GenServerFixtures.INFINITY;
import static dev.banyan.GenServerFixtures.NOTHING;
import static dev.banyan.GenServerFixtures.WAIT;
import static dev.banyan.GenServerFixtures.await;
import static dev.banyan.GenServerFixtures.callInBackground;
import static dev.banyan.GenServerFixtures.doing;
import static dev.banyan.GenServerFixtures.downOf;
import static dev.banyan.GenServerFixtures.echo;
import static dev.banyan.GenServerFixtures.outcomeOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.InstanceOfAssertFactories.type;

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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link ServerRef#call} and {@link ReplyTo#reply}: otp-semantics §4.3 and §4.5, CC-044..CC-053.
 * The cases that cannot apply are listed at the top of {@link GenServerTest}.
 */
@Timeout(20)
class GenServerCallTest {

  /** {@return the failure of a call that must fail} */
  private static ExitReason failureOf(Runnable call) {
    try {
      call.run();
    } catch (CallException e) {
      return e.failure();
    }
    throw new AssertionError("the call did not fail");
  }

  @Nested
  class Call {
    @Test
    void callReturnsTheAnswerAndTheServerSeesTheCaller() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        ServerRef<Req> server = GenServer.start(node, new Scripted()).orElseThrow();
        assertThat(server.call(echo("hello"))).isEqualTo("hello");
        assertThat(server.call(doing("who", (to, s) -> Result.reply(to, to.caller().toString(), s))))
            .isEqualTo(me.self().toString());
      }
    }

    @Test
    void callFromAThreadThatIsNotAProcessWorks() {
      try (Node node = Node.start()) {
        ServerRef<Req> server = GenServer.start(node, new Scripted()).orElseThrow();
        server.cast(new Put("from a thread"));
        assertThat(server.call(Get::new)).isEqualTo("from a thread");
        assertThat(server.call(doing("who", (to, s) -> Result.reply(to, to.caller().toString(), s))))
            .isEqualTo("<0.0.0>");
      }
    }

    @Test
    void callsAndCastsFromOneCallerAreHandledInOrder() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        server.cast(new Put("a"));
        assertThat(server.call(Get::new)).isEqualTo("a");
        server.cast(new Put("b"));
        server.cast(new Put("c"));
        assertThat(server.call(Get::new)).isEqualTo("c");
        assertThat(s.eventList())
            .containsExactly("init", "cast:put a", "call:get", "cast:put b", "cast:put c", "call:get");
      }
    }

    @Test
    @DisplayName("CC-044: a call that times out throws TIMEOUT; the server lives on and answers the next call")
    void aTimedOutCallThrowsTimeoutAndTheServerKeepsRunning() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch release = new CountDownLatch(1);
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        try {
          assertThatThrownBy(
                  () ->
                      server.call(
                          doing(
                              "slow",
                              (to, st) -> {
                                await(release);
                                return Result.reply(to, "late", st);
                              }),
                          Duration.ofMillis(100)))
              .isInstanceOfSatisfying(
                  CallException.class,
                  e -> {
                    assertThat(e.failure()).isEqualTo(CallException.TIMEOUT);
                    assertThat(e.call().function()).isEqualTo("GenServer.call");
                  });
        } finally {
          release.countDown();
        }
        assertThat(server.call(echo("next"))).isEqualTo("next");
        assertThat(s.pid.isAlive()).isTrue();
      }
    }

    @Test
    @DisplayName("CC-045: after a caught timeout and the late reply, the caller's mailbox stays empty")
    void aLateReplyNeverReachesTheCallersMailbox() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch release = new CountDownLatch(1);
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        try {
          assertThat(
                  failureOf(
                      () ->
                          server.call(
                              doing(
                                  "slow",
                                  (to, st) -> {
                                    await(release);
                                    return Result.reply(to, "late", st);
                                  }),
                              Duration.ofMillis(100))))
              .isEqualTo(CallException.TIMEOUT);
        } finally {
          release.countDown();
        }
        // The server handles one message at a time: this answer means the late reply was sent.
        assertThat(server.call(Get::new)).isEqualTo("s0");
        assertThat(me.receive(NOTHING)).isEmpty();
        assertThat(s.eventList()).containsExactly("init", "call:slow", "call:get");
      }
    }

    @Test
    @DisplayName("CC-046: a call to a dead pid throws NOPROC")
    void aCallToADeadPidThrowsNoproc() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        ServerRef<Req> server = GenServer.start(node, new Scripted()).orElseThrow();
        server.stop();
        assertThat(failureOf(() -> server.call(Get::new))).isEqualTo(ExitReason.NOPROC);
        assertThat(failureOf(() -> server.call(Get::new, INFINITY))).isEqualTo(ExitReason.NOPROC);

        Pid<Object> ended = me.spawn(c -> {});
        ExitReason ignored = downOf(me, me.monitor(ended)).reason();
        assertThat(ignored).isIn(ExitReason.NORMAL, ExitReason.NOPROC);
        assertThat(failureOf(() -> ServerRef.<Req>of(ended).call(Get::new)))
            .isEqualTo(ExitReason.NOPROC);
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-046: a call to an unregistered name throws NOPROC, from a process or a thread")
    void aCallToAnUnregisteredNameThrowsNoproc() throws Exception {
      try (Node node = Node.start()) {
        ServerRef<Req> nobody = ServerRef.named(node, "nobody");
        assertThat(failureOf(() -> nobody.call(Get::new))).isEqualTo(ExitReason.NOPROC);
        try (AttachedProcess<Object> me = node.attach()) {
          assertThat(failureOf(() -> nobody.call(Get::new))).isEqualTo(ExitReason.NOPROC);
          assertThat(me.receive(NOTHING)).isEmpty();
        }
      }
    }

    @Test
    @DisplayName("CC-046: a call by name finds the server registered under it now")
    void aCallByNameLooksTheNameUpOnEveryCall() {
      try (Node node = Node.start()) {
        ServerRef<Req> byName = ServerRef.named(node, "srv");
        GenServer.start(node, new Scripted().onInit(self -> Init.ok("first")), Options.named("srv"))
            .orElseThrow()
            .stop();
        assertThat(failureOf(() -> byName.call(Get::new))).isEqualTo(ExitReason.NOPROC);
        GenServer.start(node, new Scripted().onInit(self -> Init.ok("second")), Options.named("srv"))
            .orElseThrow();
        assertThat(byName.call(Get::new)).isEqualTo("second");
      }
    }

    @Test
    @DisplayName("CC-047: a process calling itself throws CALLING_SELF, with a timeout or without")
    void aProcessCallingItselfThrowsCallingSelf() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        ServerRef<Req> self = ServerRef.of(me.self());
        assertThat(failureOf(() -> self.call(Get::new))).isEqualTo(CallException.CALLING_SELF);
        assertThat(failureOf(() -> self.call(Get::new, INFINITY))).isEqualTo(CallException.CALLING_SELF);
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-047: a server calling itself gets CALLING_SELF; caught, the server lives on")
    void aServerCallingItselfCanCatchCallingSelf() {
      try (Node node = Node.start()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        String answer =
            server.call(
                doing(
                    "call self",
                    (to, st) -> {
                      try {
                        ServerRef.<Req>of(s.pid).call(Get::new, INFINITY);
                        return Result.reply(to, "no failure", st);
                      } catch (CallException e) {
                        return Result.reply(to, e.failure().toString(), st);
                      }
                    }));
        assertThat(answer).isEqualTo("calling_self");
        assertThat(server.call(echo("alive"))).isEqualTo("alive");
      }
    }

    @Test
    @DisplayName("CC-047: a server calling itself, not catching CALLING_SELF, dies of it")
    void aServerCallingItselfDiesOfCallingSelf() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);

        ExitReason failure =
            failureOf(
                () ->
                    server.call(
                        doing(
                            "call self",
                            (to, st) -> Result.reply(to, ServerRef.<Req>of(s.pid).call(Get::new), st))));

        assertThat(failure)
            .asInstanceOf(type(ExitReason.Other.class))
            .extracting(ExitReason.Other::value)
            .asInstanceOf(type(CallException.Failed.class))
            .satisfies(
                f -> {
                  assertThat(f.failure()).isEqualTo(CallException.CALLING_SELF);
                  assertThat(f.function()).isEqualTo("GenServer.call");
                });
        assertThat(downOf(me, mon).reason()).isEqualTo(failure);
      }
    }

    @Test
    @DisplayName("CC-048: handleCall returning null: the caller fails with bad_return_value, the server dies of it")
    void handleCallReturningNullFailsTheCallerAndKillsTheServer() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        server.cast(new Put("old"));
        MonitorRef mon = me.monitor(s.pid);

        ExitReason failure = failureOf(() -> server.call(doing("null", (to, st) -> null)));

        assertThat(failure.toString()).contains("bad_return_value", "handleCall");
        assertThat(failure.isAbnormal()).isTrue();
        assertThat(downOf(me, mon).reason()).isEqualTo(failure);
        // §4.2: terminate runs with the bad return value as reason, and the old state.
        assertThat(s.eventList()).endsWith("call:null", "terminate:" + failure + " old");
      }
    }

    static Stream<ExitReason> stopReasons() {
      return Stream.of(ExitReason.shutdown("reason"), ExitReason.SHUTDOWN, ExitReason.NORMAL);
    }

    @ParameterizedTest
    @MethodSource("stopReasons")
    @DisplayName("CC-049: stop without a reply: the caller fails with the reason; a trapping linked process gets Exit")
    void stopWithoutReplyFailsTheCallerWithTheReason(ExitReason reason) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.startLink(me, s).orElseThrow();

        ExitReason failure = failureOf(() -> server.call(doing("stop", (to, st) -> Result.stop(reason, st))));

        assertThat(failure).isEqualTo(reason);
        assertThat(me.receive(Exit.class, WAIT)).contains(new Exit(s.pid, reason));
        assertThat(s.eventList()).endsWith("call:stop", "terminate:" + reason + " s0");
      }
    }

    @Test
    @DisplayName("CC-050: handleCall throwing: the caller's failure is Crashed with that exception")
    void handleCallThrowingFailsTheCallerWithTheCrash() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.startLink(me, s).orElseThrow();
        IllegalStateException crash = new IllegalStateException("crashed");

        ExitReason failure =
            failureOf(
                () ->
                    server.call(
                        doing(
                            "crash",
                            (to, st) -> {
                              throw crash;
                            })));

        assertThat(failure).isEqualTo(new ExitReason.Crashed(crash));
        assertThat(me.receive(Exit.class, WAIT)).contains(new Exit(s.pid, failure));
        assertThat(s.eventList()).endsWith("call:crash", "terminate:" + failure + " s0");
      }
    }

    @Test
    @DisplayName("CC-050: handleCall exiting with crashed: the caller's failure is crashed")
    void handleCallExitingFailsTheCallerWithTheExitReason() {
      try (Node node = Node.start()) {
        ServerRef<Req> server = GenServer.start(node, new Scripted()).orElseThrow();
        ExitReason failure =
            failureOf(
                () ->
                    server.call(
                        doing(
                            "exit",
                            (to, st) -> {
                              throw new ExitException(ExitReason.of("crashed"));
                            })));
        assertThat(failure).isEqualTo(ExitReason.of("crashed"));
      }
    }

    @Test
    @DisplayName("CC-051: stop with a reply: terminate completes before the caller gets the reply")
    void stopWithReplyRunsTerminateBeforeReplying() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch gotReply = new CountDownLatch(1);
        Scripted s = new Scripted();
        s.onTerminate(
            (r, st) -> {
              // Had the reply been sent before terminate ended, the caller would release this.
              boolean early = gotReply.await(NOTHING.toMillis(), TimeUnit.MILLISECONDS);
              s.events.add(early ? "the caller got the reply during terminate" : "terminate done");
            });
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);

        String answer =
            server.call(doing("stop", (to, st) -> Result.stop(ExitReason.of("bye"), to, "goodbye", st)));
        s.events.add("the caller got " + answer);
        gotReply.countDown();

        assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.of("bye"));
        assertThat(s.eventList())
            .containsExactly(
                "init", "call:stop", "terminate:bye s0", "terminate done", "the caller got goodbye");
      }
    }

    @Test
    @DisplayName("CC-051: stop with a reply: the reply is sent even if terminate throws")
    void stopWithReplySendsTheReplyEvenIfTerminateThrows() {
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

        String answer =
            server.call(doing("stop", (to, st) -> Result.stop(ExitReason.NORMAL, to, "goodbye", st)));

        assertThat(answer).isEqualTo("goodbye");
        assertThat(downOf(me, mon).reason()).isEqualTo(new ExitReason.Crashed(terminateCrash));
      }
    }

    @Test
    @DisplayName("CC-052: a server that replies and then crashes in the same callback: the call returns the reply")
    void aReplySentBeforeACrashIsReturned() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);
        IllegalStateException crash = new IllegalStateException("after the reply");

        String answer =
            server.call(
                doing(
                    "reply then crash",
                    (to, st) -> {
                      to.reply("replied");
                      throw crash;
                    }));

        assertThat(answer).isEqualTo("replied");
        assertThat(downOf(me, mon).reason()).isEqualTo(new ExitReason.Crashed(crash));
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void aCallToAServerKilledBeforeReplyingFailsWithKilled() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        try {
          Pid<Object> caller =
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
          node.exit(s.pid, ExitReason.KILL);
          assertThat(outcomeOf(me, caller).failure().failure()).isEqualTo(ExitReason.KILLED);
        } finally {
          release.countDown();
        }
      }
    }

    @Test
    @DisplayName("§4.3: a CallException's message names the server, the request and the failure")
    void theCallExceptionNamesTheServerAndTheRequest() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        try {
          Pid<Object> blocker =
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
          assertThatThrownBy(() -> server.call(echo("the-needle"), Duration.ofMillis(100)))
              .isInstanceOf(CallException.class)
              .hasMessageContaining("timeout")
              .hasMessageContaining("GenServer.call")
              .hasMessageContaining(s.pid.toString())
              .hasMessageContaining("the-needle");
          release.countDown();
          assertThat(outcomeOf(me, blocker).answer()).isEqualTo("unblocked");
        } finally {
          release.countDown();
        }
        assertThatThrownBy(() -> ServerRef.<Req>named(node, "nobody").call(Get::new))
            .isInstanceOf(CallException.class)
            .hasMessageContaining("noproc")
            .hasMessageContaining("nobody");
      }
    }

    @Test
    @DisplayName("§4.3: an uncaught call failure ends the caller with {Failure, {GenServer.call, ...}}, abnormal even for normal")
    void anUncaughtCallFailureEndsTheCallerAbnormally() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        ServerRef<Req> server = GenServer.start(node, new Scripted()).orElseThrow();
        Spawned<Object> caller =
            me.spawnMonitor(c -> server.call(doing("stop normal", (to, st) -> Result.stop(ExitReason.NORMAL, st))));

        ExitReason reason = downOf(me, caller.ref()).reason();

        assertThat(reason.isAbnormal()).isTrue();
        assertThat(reason)
            .asInstanceOf(type(ExitReason.Other.class))
            .extracting(ExitReason.Other::value)
            .asInstanceOf(type(CallException.Failed.class))
            .satisfies(
                f -> {
                  assertThat(f.failure()).isEqualTo(ExitReason.NORMAL);
                  assertThat(f.function()).isEqualTo("GenServer.call");
                });
      }
    }

    @Test
    void answeredTimedOutAndDeferredCallsLeaveNoMonitorOnTheServer() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch release = new CountDownLatch(1);
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        assertThat(node.processInfo(s.pid).orElseThrow().monitoredBy()).isEmpty();

        server.call(Get::new);
        CountDownLatch replied = new CountDownLatch(1);
        server.call(
            doing(
                "deferred",
                (to, st) -> {
                  Thread.ofPlatform()
                      .start(
                          () -> {
                            to.reply("later");
                            replied.countDown(); // reply() has returned: its clean-up is done
                          });
                  return Result.noreply(st);
                }));
        await(replied);
        try {
          assertThat(
                  failureOf(
                      () ->
                          server.call(
                              doing(
                                  "slow",
                                  (to, st) -> {
                                    await(release);
                                    return Result.reply(to, "late", st);
                                  }),
                              Duration.ofMillis(100))))
              .isEqualTo(CallException.TIMEOUT);
        } finally {
          release.countDown();
        }
        // A reply completes the call before the server drops the call's monitor, so look from
        // inside the next callback: only that call's own monitor may be there.
        String monitors =
            server.call(
                doing(
                    "count",
                    (to, st) -> Result.reply(to, node.processInfo(s.pid).orElseThrow().monitoredBy().toString(), st)));
        assertThat(monitors).isEqualTo("[" + me.self() + "]");
      }
    }

    @Test
    void badArgumentsAreRejectedByName() {
      try (Node node = Node.start()) {
        ServerRef<Req> server = GenServer.start(node, new Scripted()).orElseThrow();
        assertThatThrownBy(() -> server.call(Get::new, Duration.ofMillis(-1)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("PT-0.001S");
        assertThatThrownBy(() -> server.call(null))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("request");
        assertThatThrownBy(() -> server.call(to -> null))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("request factory returned null");
        assertThat(server.call(echo("still fine"))).isEqualTo("still fine");
      }
    }
  }

  @Nested
  class Reply {
    @Test
    @DisplayName("CC-053: a deferred reply from another process answers the call; a second reply is dropped")
    void aDeferredReplyFromAnotherProcessAnswersTheCall() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        AtomicReference<ProcessContext<Object>> serverContext = new AtomicReference<>();
        Scripted s = new Scripted();
        s.onInit(
            self -> {
              serverContext.set(self);
              return Init.ok("s0");
            });
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();

        String answer =
            server.call(
                doing(
                    "defer",
                    (to, st) -> {
                      serverContext.get().spawn(c -> {
                        to.reply("r");
                        to.reply("r2"); // dropped: the call is answered already
                      });
                      return Result.noreply(st);
                    }));

        assertThat(answer).isEqualTo("r");
        assertThat(me.receive(NOTHING)).isEmpty();
        assertThat(server.call(Get::new)).isEqualTo("s0");
      }
    }

    @Test
    @DisplayName("CC-053: the server keeps the ReplyTo and answers from a later callback")
    void theServerCanAnswerFromALaterCallback() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        BlockingQueue<ReplyTo<String>> kept = new LinkedBlockingQueue<>();
        CountDownLatch keptOne = new CountDownLatch(1);
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();

        Pid<Object> caller =
            callInBackground(
                me,
                server,
                doing(
                    "keep",
                    (to, st) -> {
                      kept.add(to);
                      keptOne.countDown();
                      return Result.noreply(st);
                    }));
        await(keptOne);
        server.cast(
            new CastDo(
                "answer",
                st -> {
                  kept.remove().reply("answered later");
                  return Result.noreply(st);
                }));

        Outcome outcome = outcomeOf(me, caller);
        assertThat(outcome.answer()).isEqualTo("answered later");
        assertThat(s.eventList()).containsExactly("init", "call:keep", "cast:answer");
      }
    }

    @Test
    void aDeferredReplyFromAThreadThatIsNotAProcessAnswersTheCall() {
      try (Node node = Node.start()) {
        ServerRef<Req> server = GenServer.start(node, new Scripted()).orElseThrow();
        String answer =
            server.call(
                doing(
                    "defer to a thread",
                    (to, st) -> {
                      Thread.ofPlatform().start(() -> to.reply("from a thread"));
                      return Result.noreply(st);
                    }));
        assertThat(answer).isEqualTo("from a thread");
      }
    }

    @Test
    @DisplayName("CC-045/CC-053: a deferred reply after the caller timed out is dropped silently")
    void aReplyAfterTheCallerTimedOutIsDropped() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        BlockingQueue<ReplyTo<String>> kept = new LinkedBlockingQueue<>();
        ServerRef<Req> server = GenServer.start(node, new Scripted()).orElseThrow();
        assertThat(
                failureOf(
                    () ->
                        server.call(
                            doing(
                                "keep",
                                (to, st) -> {
                                  kept.add(to);
                                  return Result.noreply(st);
                                }),
                            Duration.ofMillis(100))))
            .isEqualTo(CallException.TIMEOUT);

        kept.remove().reply("too late"); // does not throw

        assertThat(me.receive(NOTHING)).isEmpty();
        assertThat(server.call(echo("next"))).isEqualTo("next");
      }
    }

    @Test
    void aNullReplyIsRejected() {
      try (Node node = Node.start()) {
        ServerRef<Req> server = GenServer.start(node, new Scripted()).orElseThrow();
        String answer =
            server.call(
                doing(
                    "null reply",
                    (to, st) -> {
                      try {
                        to.reply(null);
                        return Result.reply(to, "accepted", st);
                      } catch (NullPointerException e) {
                        return Result.reply(to, "rejected", st);
                      }
                    }));
        assertThat(answer).isEqualTo("rejected");
      }
    }
  }
}
