package dev.banyan;

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
import static org.assertj.core.api.InstanceOfAssertFactories.type;

import dev.banyan.GenServer.Init;
import dev.banyan.GenServer.Options;
import dev.banyan.GenServer.Result;
import dev.banyan.GenServer.Start;
import dev.banyan.GenServerFixtures.CastDo;
import dev.banyan.GenServerFixtures.CastFn;
import dev.banyan.GenServerFixtures.Get;
import dev.banyan.GenServerFixtures.Put;
import dev.banyan.GenServerFixtures.Req;
import dev.banyan.GenServerFixtures.Scripted;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The GenServer loop: cast, plain messages, idle timeouts, continues, hibernation and the default
 * callbacks (otp-semantics §4.2, §4.4, §4.9). Start is in {@link GenServerStartTest}, call and
 * reply in {@link GenServerCallTest}, stop and terminate in {@link GenServerTerminateTest}, the
 * crash report in {@link GenServerCrashReportTest}.
 *
 * <p>Conformance cases of §11 "gen_server / GenServer" that cannot apply to Banyan, and why:
 *
 * <ul>
 *   <li>CC-043 (init/1 not exported → {@code undef}): {@code init} is the one abstract method of
 *       {@link GenServer}; the compiler requires it.
 *   <li>CC-063 (a callback that throws a valid return value): Java cannot throw a value that is
 *       not a Throwable, and a Throwable is never a {@link Result}; a throw is always a crash.
 *   <li>CC-073 (enter_loop): not provided; every server starts through {@code init}.
 *   <li>CC-075 (the {@code hibernate_after} start option): {@link Options} has no such option;
 *       hibernation is only the {@code withHibernate} action (CC-074, tested here), a no-op hint
 *       on the JVM.
 *   <li>CC-076..CC-078 (send_request, receive_response, request id collections): not
 *       implemented yet.
 *   <li>CC-066 with {@code {global, N}}, {@code {via, M, N}} and {@code {Name, node()}}: there is
 *       no global registry and no distribution; {@code via} comes with Registry. The local name
 *       form is tested.
 *   <li>CC-035 and CC-037 for {@code {global, _}} / {@code {via, _, _}} names: same reason.
 *   <li>CC-041 for {@code start_monitor}: not provided ({@code start} and {@code startLink} are
 *       tested).
 *   <li>CC-055's {@code sys:get_status} (a system message does not cancel the idle timeout):
 *       there is no {@code sys} module.
 *   <li>CC-065's "invalid timeout": Java's equivalent, a negative Duration, throws
 *       IllegalArgumentException before anything is sent (tested).
 *   <li>CC-048, CC-059, CC-061: Java has no {@code badreturn} atom nor {@code undef}; their
 *       analogues are tested: a callback returning {@code null} ({@code bad_return_value}), and
 *       the default {@code handleCall}/{@code handleCast}/{@code handleContinue}, which throw
 *       IllegalStateException naming the class.
 * </ul>
 */
@Timeout(20)
class GenServerTest {

  /** A server that overrides init only. */
  static final class InitOnly implements GenServer<String, Req> {
    private final Init<String> init;

    InitOnly(Init<String> init) {
      this.init = init;
    }

    @Override
    public Init<String> init(ProcessContext<Object> self) {
      return init;
    }
  }

  /** A server that overrides init and handleCall only (answers Get with its state). */
  static final class CallOnly implements GenServer<String, Req> {
    @Override
    public Init<String> init(ProcessContext<Object> self) {
      return Init.ok("s0");
    }

    @Override
    public Result<String> handleCall(Req request, String state) {
      return switch (request) {
        case Get g -> Result.reply(g.replyTo(), state, state);
        default -> throw new IllegalArgumentException("unexpected: " + request);
      };
    }
  }

  /** A cast whose handler blocks until the test releases it, then returns what {@code then} says. */
  private static CastDo blockingCast(
      String label, CountDownLatch entered, CountDownLatch release, CastFn then) {
    return new CastDo(
        label,
        st -> {
          entered.countDown();
          await(release);
          return then.apply(st);
        });
  }

  @Nested
  class Cast {
    @Test
    void aCastIsHandledByHandleCast() {
      try (Node node = Node.start()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        server.cast(new Put("cast value"));
        assertThat(server.call(Get::new)).isEqualTo("cast value");
        assertThat(s.eventList()).containsExactly("init", "cast:put cast value", "call:get");
      }
    }

    @Test
    @DisplayName("CC-054: a cast to a dead pid or an unregistered name does not throw")
    void aCastToNoServerDoesNotThrow() {
      try (Node node = Node.start()) {
        ServerRef<Req> server = GenServer.start(node, new Scripted()).orElseThrow();
        server.stop();
        server.cast(new Put("to a dead pid"));
        ServerRef.<Req>named(node, "nobody").cast(new Put("to nobody"));
        try (AttachedProcess<Object> me = node.attach()) {
          server.cast(new Put("to a dead pid, from a process"));
          ServerRef.<Req>named(node, "nobody").cast(new Put("to nobody, from a process"));
          assertThat(me.receive(NOTHING)).isEmpty();
        }
      }
    }

    @Test
    void aCastByNameReachesTheRegisteredServer() {
      try (Node node = Node.start()) {
        GenServer.start(node, new Scripted(), Options.named("srv")).orElseThrow();
        ServerRef<Req> byName = ServerRef.named(node, "srv");
        byName.cast(new Put("by name"));
        assertThat(byName.call(Get::new)).isEqualTo("by name");
      }
    }

    @Test
    void aNullCastIsRejected() {
      try (Node node = Node.start()) {
        ServerRef<Req> server = GenServer.start(node, new Scripted()).orElseThrow();
        assertThatThrownBy(() -> server.cast(null))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("request");
      }
    }
  }

  @Nested
  class HandleInfo {
    @Test
    @DisplayName("§4.4: plain messages, to the pid or the name, go to handleInfo")
    void plainMessagesGoToHandleInfo() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s, Options.named("srv")).orElseThrow();
        s.pid.send("to the pid");
        node.send("srv", "to the name");
        me.send("srv", "from a process");
        assertThat(server.call(Get::new)).isEqualTo("s0");
        assertThat(s.eventList())
            .containsExactly(
                "init", "info:to the pid", "info:to the name", "info:from a process", "call:get");
      }
    }

    @Test
    @DisplayName("§4.2: Down messages and timer messages go to handleInfo")
    void downAndTimerMessagesGoToHandleInfo() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        AtomicReference<ProcessContext<Object>> ctx = new AtomicReference<>();
        Scripted s = new Scripted();
        s.onInit(
            self -> {
              ctx.set(self);
              return Init.ok("s0");
            });
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        Pid<Object> watched = me.spawn(c -> c.receive(String.class));
        String ref =
            server.call(doing("monitor", (to, st) -> Result.reply(to, ctx.get().monitor(watched).toString(), st)));
        watched.send("stop");
        assertThat(s.nextEvent()).isEqualTo("init");
        assertThat(s.nextEvent()).isEqualTo("call:monitor");
        assertThat(s.nextEvent()).startsWith("info:Down[ref=" + ref).contains("reason=normal");

        node.sendAfter(Duration.ofMillis(10), s.pid, "tick");
        assertThat(s.nextEvent()).isEqualTo("info:tick");
      }
    }

    @Test
    @DisplayName("CC-060/CC-062: a message to a server without handleInfo is dropped; the server lives on")
    void withoutHandleInfoAMessageIsDroppedAndTheServerLivesOn() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        ServerRef<Req> server = GenServer.start(node, new CallOnly()).orElseThrow();
        @SuppressWarnings("unchecked") // a server's pid accepts any message
        Pid<Object> pid = (Pid<Object>) server.whereis().orElseThrow();
        MonitorRef mon = me.monitor(pid);
        me.send(pid, "unexpected");
        assertThat(server.call(Get::new)).isEqualTo("s0"); // alive, state kept
        assertThat(me.receive(Down.class, d -> d.ref().equals(mon), NOTHING)).isEmpty();
      }
    }
  }

  /** The kinds of message that can arrive while an idle timeout runs. */
  enum Incoming {
    CAST,
    CALL,
    INFO
  }

  @Nested
  class IdleTimeout {
    @Test
    @DisplayName("CC-055: an idle timeout from init, and silence → handleInfo(TIMEOUT), once")
    void anIdleTimeoutFromInitDeliversTimeout() throws Exception {
      try (Node node = Node.start()) {
        Scripted s = new Scripted().onInit(self -> Init.ok("s0").withTimeout(Duration.ofMillis(50)));
        GenServer.start(node, s).orElseThrow();
        assertThat(s.nextEvent()).isEqualTo("init");
        assertThat(s.nextEvent()).isEqualTo("info:TIMEOUT");
        assertThat(s.events.poll(NOTHING.toMillis(), TimeUnit.MILLISECONDS)).isNull();
      }
    }

    @Test
    @DisplayName("CC-055: an idle timeout after a reply, and silence → handleInfo(TIMEOUT)")
    void anIdleTimeoutAfterAReplyDeliversTimeout() throws Exception {
      try (Node node = Node.start()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        assertThat(
                server.call(
                    doing("arm", (to, st) -> Result.reply(to, "armed", st).withTimeout(Duration.ofMillis(50)))))
            .isEqualTo("armed");
        assertThat(s.nextEvent()).isEqualTo("init");
        assertThat(s.nextEvent()).isEqualTo("call:arm");
        assertThat(s.nextEvent()).isEqualTo("info:TIMEOUT");
      }
    }

    @ParameterizedTest
    @EnumSource(Incoming.class)
    @DisplayName("CC-055: a cast, call or plain message arriving first cancels the idle timeout")
    void aMessageArrivingFirstCancelsTheIdleTimeout(Incoming incoming) throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        try {
          server.cast(
              blockingCast(
                  "arm", entered, release, st -> Result.noreply(st).withTimeout(Duration.ofMillis(100))));
          await(entered);
          // Queued while the server is busy: it is there before the timeout starts.
          Pid<Object> caller = null;
          switch (incoming) {
            case CAST -> server.cast(new Put("first"));
            case CALL -> {
              caller = callInBackground(me, server, echo("first"));
              awaitMailboxLength(node, s.pid, 1);
            }
            case INFO -> s.pid.send("first");
          }
          release.countDown();
          if (caller != null) {
            assertThat(outcomeOf(me, caller).answer()).isEqualTo("first");
          }
        } finally {
          release.countDown();
        }
        assertThat(s.nextEvent()).isEqualTo("init");
        assertThat(s.nextEvent()).isEqualTo("cast:arm");
        assertThat(s.nextEvent()).endsWith("first");
        assertThat(s.events.poll(NOTHING.toMillis(), TimeUnit.MILLISECONDS)).as("no TIMEOUT").isNull();
      }
    }

    @Test
    @DisplayName("CC-055: the callback that handles the next message may arm the timeout again")
    void theNextCallbackCanArmTheTimeoutAgain() throws Exception {
      try (Node node = Node.start()) {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        try {
          server.cast(
              blockingCast(
                  "arm", entered, release, st -> Result.noreply(st).withTimeout(Duration.ofMillis(100))));
          await(entered);
          server.cast(new CastDo("re-arm", st -> Result.noreply(st).withTimeout(Duration.ofMillis(50))));
        } finally {
          release.countDown();
        }
        assertThat(s.nextEvent()).isEqualTo("init");
        assertThat(s.nextEvent()).isEqualTo("cast:arm");
        assertThat(s.nextEvent()).isEqualTo("cast:re-arm");
        assertThat(s.nextEvent()).isEqualTo("info:TIMEOUT");
        assertThat(s.events.poll(NOTHING.toMillis(), TimeUnit.MILLISECONDS)).isNull();
      }
    }

    @Test
    @DisplayName("CC-056: timeout 0 with a message queued: the message is handled and no TIMEOUT comes")
    void aZeroTimeoutLosesToAQueuedMessage() throws Exception {
      try (Node node = Node.start()) {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        try {
          server.cast(blockingCast("arm", entered, release, st -> Result.noreply(st).withTimeout(Duration.ZERO)));
          await(entered);
          server.cast(new Put("queued"));
        } finally {
          release.countDown();
        }
        assertThat(server.call(Get::new)).isEqualTo("queued");
        assertThat(s.eventList()).containsExactly("init", "cast:arm", "cast:put queued", "call:get");
      }
    }

    @Test
    @DisplayName("CC-056: timeout 0 with an empty mailbox → TIMEOUT at once")
    void aZeroTimeoutWithAnEmptyMailboxFiresAtOnce() throws Exception {
      try (Node node = Node.start()) {
        Scripted s = new Scripted();
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        server.cast(new CastDo("arm", st -> Result.noreply(st).withTimeout(Duration.ZERO)));
        assertThat(s.nextEvent()).isEqualTo("init");
        assertThat(s.nextEvent()).isEqualTo("cast:arm");
        assertThat(s.nextEvent()).isEqualTo("info:TIMEOUT");
      }
    }

    @Test
    void aNegativeIdleTimeoutIsRejectedNamingTheValue() {
      assertThatThrownBy(() -> Init.ok("s").withTimeout(Duration.ofMillis(-5)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("PT-0.005S");
    }
  }

  @Nested
  class HandleContinue {
    @Test
    @DisplayName("CC-057: a continue from init runs before the messages sent to the name during init")
    void aContinueFromInitRunsBeforeMessagesSentDuringInit() throws Exception {
      try (Node node = Node.start()) {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Scripted s =
            new Scripted()
                .onInit(
                    self -> {
                      entered.countDown();
                      await(release);
                      return Init.ok("s0").withContinue("from init");
                    });
        AtomicReference<Start<Req>> started = new AtomicReference<>();
        Thread starter =
            Thread.ofPlatform().start(() -> started.set(GenServer.start(node, s, Options.named("srv"))));
        try {
          await(entered);
          node.send("srv", "early info");
          ServerRef.<Req>named(node, "srv").cast(new Put("early cast"));
        } finally {
          release.countDown();
        }
        starter.join(WAIT.toMillis());
        ServerRef<Req> server = started.get().orElseThrow();
        assertThat(server.call(Get::new)).isEqualTo("early cast");
        assertThat(s.eventList())
            .containsExactly(
                "init", "continue:from init", "info:early info", "cast:put early cast", "call:get");
      }
    }

    @Test
    @DisplayName("CC-058: a continue after a call's reply, a cast's and an info's noreply runs before the next message")
    void aContinueRunsAfterCallCastAndInfo() {
      try (Node node = Node.start()) {
        Scripted s =
            new Scripted()
                .onInfo(
                    (m, st) -> m.equals("info") ? Result.noreply(st).withContinue("after info") : Result.noreply(st));
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();

        assertThat(server.call(doing("call", (to, st) -> Result.reply(to, "ok", st).withContinue("after call"))))
            .isEqualTo("ok");
        server.cast(new CastDo("cast", st -> Result.noreply(st).withContinue("after cast")));
        s.pid.send("info");
        server.call(doing("noreply call", (to, st) -> {
          to.reply("answered");
          return Result.noreply(st).withContinue("after noreply call");
        }));
        assertThat(server.call(Get::new)).isEqualTo("s0");

        assertThat(s.eventList())
            .containsExactly(
                "init",
                "call:call",
                "continue:after call",
                "cast:cast",
                "continue:after cast",
                "info:info",
                "continue:after info",
                "call:noreply call",
                "continue:after noreply call",
                "call:get");
      }
    }

    @Test
    @DisplayName("CC-058: chained continues all run before the next queued message, and may change the state")
    void chainedContinuesRunBeforeTheNextMessage() throws Exception {
      try (Node node = Node.start()) {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Scripted s =
            new Scripted()
                .onContinue(
                    (c, st) ->
                        c.equals("c1")
                            ? Result.noreply(st + "+c1").withContinue("c2")
                            : Result.noreply(st + "+c2"));
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        try {
          server.cast(blockingCast("block", entered, release, st -> Result.noreply(st).withContinue("c1")));
          await(entered);
          s.pid.send("queued");
        } finally {
          release.countDown();
        }
        assertThat(server.call(Get::new)).isEqualTo("s0+c1+c2");
        assertThat(s.eventList())
            .containsExactly("init", "cast:block", "continue:c1", "continue:c2", "info:queued", "call:get");
      }
    }

    @Test
    @DisplayName("CC-058: a continue returning stop ends the server: terminate, then Down normal")
    void aContinueReturningStopEndsTheServer() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Scripted s = new Scripted().onContinue((c, st) -> Result.stop(ExitReason.NORMAL, st + "+stopping"));
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        MonitorRef mon = me.monitor(s.pid);
        server.cast(new CastDo("stop via continue", st -> Result.noreply(st).withContinue("continue_stop")));
        assertThat(downOf(me, mon).reason()).isEqualTo(ExitReason.NORMAL);
        assertThat(s.eventList())
            .containsExactly(
                "init", "cast:stop via continue", "continue:continue_stop", "terminate:normal s0+stopping");
      }
    }

    @Test
    @DisplayName("CC-059: a continue without a handleContinue override crashes the server")
    void aContinueWithoutHandleContinueCrashesTheServer() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Start<Req> start = GenServer.startLink(me, new InitOnly(Init.ok("s0").withContinue("c")));
        Pid<?> pid = start.orElseThrow().whereis().orElse(null);
        Exit exit = me.receive(Exit.class, WAIT).orElseThrow();
        if (pid != null) {
          assertThat(exit.from()).isEqualTo(pid);
        }
        assertThat(exit.reason())
            .asInstanceOf(type(ExitReason.Crashed.class))
            .extracting(ExitReason.Crashed::cause)
            .isInstanceOf(IllegalStateException.class)
            .extracting(Throwable::getMessage)
            .asString()
            .contains(InitOnly.class.getName(), "handleContinue", "c");
      }
    }

    @Test
    void aNullContinueArgumentIsRejected() {
      assertThatThrownBy(() -> Init.ok("s").withContinue(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessageContaining("argument");
    }
  }

  @Nested
  class Hibernate {
    @Test
    @DisplayName("CC-074: after a reply with hibernate, the next call works with the state intact")
    void afterHibernatingTheNextCallWorksWithTheStateIntact() {
      try (Node node = Node.start()) {
        Scripted s = new Scripted().onInit(self -> Init.ok("initial").withHibernate());
        ServerRef<Req> server = GenServer.start(node, s).orElseThrow();
        assertThat(server.call(Get::new)).isEqualTo("initial");
        assertThat(server.call(doing("hibernate", (to, st) -> Result.reply(to, "zzz", st + "!").withHibernate())))
            .isEqualTo("zzz");
        assertThat(server.call(Get::new)).isEqualTo("initial!");
        server.cast(new CastDo("hibernate", st -> Result.noreply(st + "?").withHibernate()));
        s.pid.send("wake up");
        assertThat(server.call(Get::new)).isEqualTo("initial!?");
        assertThat(s.eventList())
            .containsExactly(
                "init", "call:get", "call:hibernate", "call:get", "cast:hibernate", "info:wake up", "call:get");
      }
    }
  }

  @Nested
  class DefaultCallbacks {
    @Test
    @DisplayName("CC-061: a call to a server without handleCall: the caller fails with Crashed(IllegalStateException)")
    void aCallWithoutHandleCallFailsTheCallerAndKillsTheServer() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        ServerRef<Req> server = GenServer.start(node, new InitOnly(Init.ok("s0"))).orElseThrow();
        MonitorRef mon = me.monitor(server.whereis().orElseThrow());
        assertThatThrownBy(() -> server.call(Get::new))
            .isInstanceOfSatisfying(
                CallException.class,
                e ->
                    assertThat(e.failure())
                        .asInstanceOf(type(ExitReason.Crashed.class))
                        .extracting(ExitReason.Crashed::cause)
                        .isInstanceOf(IllegalStateException.class)
                        .extracting(Throwable::getMessage)
                        .asString()
                        .contains(InitOnly.class.getName(), "handleCall"));
        assertThat(downOf(me, mon).reason()).isInstanceOf(ExitReason.Crashed.class);
      }
    }

    @Test
    @DisplayName("CC-061/CC-062: a cast to a server without handleCast crashes it")
    void aCastWithoutHandleCastKillsTheServer() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        ServerRef<Req> server = GenServer.start(node, new CallOnly()).orElseThrow();
        MonitorRef mon = me.monitor(server.whereis().orElseThrow());
        server.cast(new Put("x"));
        assertThat(downOf(me, mon).reason())
            .asInstanceOf(type(ExitReason.Crashed.class))
            .extracting(ExitReason.Crashed::cause)
            .isInstanceOf(IllegalStateException.class)
            .extracting(Throwable::getMessage)
            .asString()
            .contains(CallOnly.class.getName(), "handleCast");
      }
    }

    @Test
    void theContextGivenToInitIsConfinedToTheServerThread() {
      try (Node node = Node.start()) {
        AtomicReference<ProcessContext<Object>> ctx = new AtomicReference<>();
        Scripted s = new Scripted();
        s.onInit(
            self -> {
              ctx.set(self);
              return Init.ok("s0");
            });
        GenServer.start(node, s).orElseThrow();
        assertThatThrownBy(() -> ctx.get().self()).isInstanceOf(WrongThreadException.class);
        Consumer<String> send = m -> ctx.get().send(s.pid, m);
        assertThatThrownBy(() -> send.accept("x")).isInstanceOf(WrongThreadException.class);
      }
    }
  }
}
