package dev.banyan;

import static dev.banyan.SupervisorFixtures.QUIET;
import static dev.banyan.SupervisorFixtures.WAIT;
import static dev.banyan.SupervisorFixtures.downOf;
import static dev.banyan.SupervisorFixtures.gate;
import static dev.banyan.SupervisorFixtures.offender;
import static dev.banyan.SupervisorFixtures.pidOf;
import static dev.banyan.SupervisorFixtures.reports;
import static dev.banyan.SupervisorFixtures.startSup;
import static dev.banyan.SupervisorFixtures.stderrOf;
import static dev.banyan.SupervisorFixtures.stubborn;
import static dev.banyan.SupervisorFixtures.tell;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.banyan.Supervisor.Flags;
import dev.banyan.SupervisorFixtures.Kids;
import dev.banyan.SupervisorFixtures.Ping;
import dev.banyan.SupervisorFixtures.StopWith;
import dev.banyan.SupervisorFixtures.UnlinkFrom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shutdown protocol of a supervisor's children (otp-semantics §5.8): shutdown then wait, then
 * kill; brutal_kill; infinity; the judgement of the reason a child ended with, and its {@code
 * shutdown_error} report. Each supervisor here is stopped by its parent (the test) with {@code
 * exit(Sup, shutdown)}, which does not block the test, so the test can play a child's part.
 */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SupervisorShutdownTest {

  @SuppressWarnings("unchecked")
  private static void send(ProcessContext<Object> me, Pid<?> to, Object message) {
    me.send((Pid<Object>) to, message);
  }

  /** Stops {@code sup} as its parent does, and waits for it to end with {@code shutdown}. */
  private static void stopAsParent(AttachedProcess<Object> me, Supervisor sup) {
    Pid<?> supPid = sup.pid();
    MonitorRef ref = me.monitor(supPid);
    me.exit(supPid, ExitReason.SHUTDOWN);
    assertThat(downOf(me, ref).reason()).isEqualTo(ExitReason.SHUTDOWN);
  }

  @Nested
  class ShutdownTimeout {
    @Test
    @DisplayName("CC-120: a child that does not end within its shutdown time is killed (killed), with a shutdown_error; its sibling ends shutdown")
    void aChildThatDoesNotEndInTimeIsKilled() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        kids.hooks.put("stubborn", stubborn());
        Supervisor sup =
            startSup(
                me,
                Flags.oneForOne(),
                List.of(kids.worker("coop"), kids.worker("stubborn").withShutdown(Shutdown.timeout(Duration.ofMillis(100)))));
        MonitorRef coop = me.monitor(pidOf(sup, "coop"));
        MonitorRef stubborn = me.monitor(pidOf(sup, "stubborn"));

        String err = stderrOf(() -> stopAsParent(me, sup));

        assertThat(downOf(me, stubborn).reason()).isEqualTo(ExitReason.KILLED);
        assertThat(downOf(me, coop).reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(kids.log.snapshot())
            .containsExactly("init coop", "init stubborn", "terminate stubborn", "terminate coop");
        assertThat(reports(err, "shutdown_error"))
            .singleElement()
            .asString()
            .contains("shutdown_error: killed", offender("stubborn"));
      }
    }

    @Test
    @DisplayName("CC-119: shutdown infinity, for a supervisor child and a worker: the supervisor waits as long as it takes; both end shutdown")
    void infinityWaitsAsLongAsItTakes() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        kids.hooks.put("w", gate(me.self(), "w"));
        ChildSpec inner = ChildSpec.supervisor("inner", Supervisor.childStart(Flags.oneForOne(), List.of(kids.worker("iw"))));
        Supervisor sup =
            startSup(me, Flags.oneForOne(), List.of(inner, kids.worker("w").withShutdown(Shutdown.INFINITY)));
        Pid<?> supPid = sup.pid();
        Pid<?> w = pidOf(sup, "w");
        MonitorRef wRef = me.monitor(w);
        MonitorRef innerRef = me.monitor(pidOf(sup, "inner"));
        MonitorRef supRef = me.monitor(supPid);

        String err =
            stderrOf(
                () -> {
                  me.exit(supPid, ExitReason.SHUTDOWN);
                  assertThat(me.receive(String.class, WAIT)).contains("terminating w");
                  assertThat(me.receive(Down.class, QUIET)).isEmpty(); // it waits: nobody has ended
                  assertThat(w.isAlive()).isTrue();
                  send(me, w, "go");
                  assertThat(downOf(me, supRef).reason()).isEqualTo(ExitReason.SHUTDOWN);
                });

        assertThat(downOf(me, wRef).reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(downOf(me, innerRef).reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(kids.log.snapshot()).containsExactly("init iw", "init w", "terminate w", "terminate iw");
        assertThat(reports(err, "shutdown_error")).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-120: a shutdown time too long for the runtime to count (over about 146 years) waits as infinity does, it does not kill at once")
    void aShutdownTimeTooLongToCountIsNoDeadline() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        kids.hooks.put("w", gate(me.self(), "w"));
        Supervisor sup =
            startSup(me, Flags.oneForOne(), List.of(kids.worker("w").withShutdown(Shutdown.timeout(Duration.ofDays(200L * 365)))));
        Pid<?> supPid = sup.pid();
        Pid<?> w = pidOf(sup, "w");
        MonitorRef wRef = me.monitor(w);
        MonitorRef supRef = me.monitor(supPid);

        String err =
            stderrOf(
                () -> {
                  me.exit(supPid, ExitReason.SHUTDOWN);
                  assertThat(me.receive(String.class, WAIT)).contains("terminating w");
                  assertThat(me.receive(Down.class, QUIET)).isEmpty(); // it waits: not killed
                  send(me, w, "go");
                  assertThat(downOf(me, supRef).reason()).isEqualTo(ExitReason.SHUTDOWN);
                });

        assertThat(downOf(me, wRef).reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(kids.log.snapshot()).containsExactly("init w", "terminate w");
        assertThat(reports(err, "shutdown_error")).isEmpty();
      }
    }
  }

  @Nested
  class TheLink {
    @Test
    @DisplayName("§5.8 step 1: the child stays linked to the supervisor while it shuts down (so the supervisor's death cannot orphan it)")
    void theChildStaysLinkedWhileItShutsDown() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        AtomicReference<List<Pid<?>>> linksInTerminate = new AtomicReference<>();
        kids.hooks.put("a", (self, reason) -> linksInTerminate.set(node.processInfo(self.self()).orElseThrow().links()));
        Supervisor sup = startSup(me, Flags.oneForOne(), List.of(kids.worker("a")));

        assertThat(sup.terminateChild("a")).isTrue();

        assertThat(linksInTerminate.get()).containsExactly(sup.pid());
        assertThat(node.processInfo(sup.pid()).orElseThrow().links()).containsExactly(me.self()); // unlinked after
      }
    }
  }

  @Nested
  class BrutalKill {
    @Test
    @DisplayName("CC-121: brutal_kill children end killed, trapping or not, without terminate and without a shutdown_error")
    void brutalKillKills() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        Supervisor sup =
            startSup(
                me,
                Flags.oneForOne(),
                List.of(
                    kids.worker("a").withShutdown(Shutdown.BRUTAL_KILL),
                    kids.nonTrapping("b").withShutdown(Shutdown.BRUTAL_KILL),
                    kids.worker("c").withShutdown(Shutdown.BRUTAL_KILL)));
        MonitorRef a = me.monitor(pidOf(sup, "a"));
        MonitorRef b = me.monitor(pidOf(sup, "b"));
        MonitorRef c = me.monitor(pidOf(sup, "c"));

        String err =
            stderrOf(
                () -> {
                  assertThat(sup.terminateChild("c")).isTrue();
                  stopAsParent(me, sup);
                });

        assertThat(downOf(me, a).reason()).isEqualTo(ExitReason.KILLED);
        assertThat(downOf(me, b).reason()).isEqualTo(ExitReason.KILLED);
        assertThat(downOf(me, c).reason()).isEqualTo(ExitReason.KILLED);
        assertThat(kids.log.snapshot()).containsExactly("init a", "init b", "init c");
        assertThat(reports(err, "shutdown_error")).isEmpty();
      }
    }
  }

  @Nested
  class TheReasonAChildEndedWith {
    static Stream<Arguments> ownReasons() {
      Shutdown timed = Shutdown.timeout(Duration.ofSeconds(5));
      ExitReason other = ExitReason.of("other-reason");
      ExitReason detail = ExitReason.shutdown("test");
      return Stream.of(
          // shutdown, restart, the child's own reason, shutdown_error?
          arguments(timed, Restart.TRANSIENT, ExitReason.NORMAL, false),
          arguments(timed, Restart.TRANSIENT, ExitReason.SHUTDOWN, false),
          arguments(timed, Restart.TRANSIENT, detail, false),
          arguments(timed, Restart.TRANSIENT, other, true),
          arguments(timed, Restart.PERMANENT, ExitReason.NORMAL, true),
          arguments(timed, Restart.PERMANENT, ExitReason.SHUTDOWN, false),
          arguments(timed, Restart.PERMANENT, detail, true),
          arguments(timed, Restart.PERMANENT, other, true),
          arguments(Shutdown.BRUTAL_KILL, Restart.TRANSIENT, ExitReason.NORMAL, false),
          arguments(Shutdown.BRUTAL_KILL, Restart.TEMPORARY, ExitReason.NORMAL, false),
          arguments(Shutdown.BRUTAL_KILL, Restart.TRANSIENT, ExitReason.SHUTDOWN, false),
          arguments(Shutdown.BRUTAL_KILL, Restart.TRANSIENT, detail, false),
          arguments(Shutdown.BRUTAL_KILL, Restart.PERMANENT, ExitReason.SHUTDOWN, true),
          arguments(Shutdown.BRUTAL_KILL, Restart.PERMANENT, ExitReason.NORMAL, true));
    }

    @ParameterizedTest(name = "shutdown {0}, {1} child that ended {2} by itself: shutdown_error {3}")
    @MethodSource("ownReasons")
    @DisplayName("CC-123 / §5.8 steps 4-5: a child that ends by itself during the shutdown keeps its reason, which is judged (not noproc); the supervisor still ends shutdown")
    void aChildEndingByItselfDuringTheShutdown(Shutdown how, Restart restart, ExitReason own, boolean shutdownError)
        throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Kids kids = new Kids();
        kids.hooks.put("g", gate(me.self(), "g"));
        Supervisor sup =
            startSup(me, Flags.oneForOne(), List.of(kids.worker("a", restart).withShutdown(how), kids.worker("g")));
        Pid<?> a = pidOf(sup, "a");
        Pid<?> g = pidOf(sup, "g");
        MonitorRef aRef = me.monitor(a);

        String err =
            stderrOf(
                () -> {
                  Pid<?> supPid = sup.pid();
                  MonitorRef supRef = me.monitor(supPid);
                  me.exit(supPid, ExitReason.SHUTDOWN);
                  // g is stopped first; while it holds the supervisor, a ends by itself
                  assertThat(me.receive(String.class, WAIT)).contains("terminating g");
                  tell(a, new StopWith(own));
                  assertThat(downOf(me, aRef).reason()).isEqualTo(own);
                  send(me, g, "go");
                  assertThat(downOf(me, supRef).reason()).isEqualTo(ExitReason.SHUTDOWN);
                });

        assertThat(kids.log.snapshot()).containsExactly("init a", "init g", "terminate g", "terminate a");
        List<String> errors = reports(err, "shutdown_error");
        if (shutdownError) {
          assertThat(errors).singleElement().asString().contains("shutdown_error: " + own, offender("a"));
        } else {
          assertThat(errors).isEmpty();
        }
      }
    }

    @ParameterizedTest
    @EnumSource(Restart.class)
    @DisplayName("CC-124: a permanent child answering the shutdown by ending normal gives a shutdown_error; a transient or temporary one does not")
    void aChildAnsweringShutdownWithNormal(Restart restart) throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        kids.hooks.put(
            "a",
            (self, reason) -> {
              throw new ExitException(ExitReason.NORMAL);
            });
        Supervisor sup = startSup(me, Flags.oneForOne(), List.of(kids.worker("a", restart)));
        MonitorRef ref = me.monitor(pidOf(sup, "a"));

        String err = stderrOf(() -> assertThat(sup.terminateChild("a")).isTrue());

        assertThat(downOf(me, ref).reason()).isEqualTo(ExitReason.NORMAL);
        if (restart == Restart.PERMANENT) {
          assertThat(reports(err, "shutdown_error")).singleElement().asString().contains("shutdown_error: normal", offender("a"));
        } else {
          assertThat(reports(err, "shutdown_error")).isEmpty();
        }
      }
    }
  }

  @Nested
  class AChildThatUnlinkedItself {
    @ParameterizedTest(name = "trapping {0}")
    @ValueSource(booleans = {true, false})
    @DisplayName("CC-125: a child that unlinked itself does not hang terminate_child; the supervisor goes on")
    void doesNotHangTerminateChild(boolean trapping) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Kids kids = new Kids();
        Supervisor sup =
            startSup(me, Flags.oneForOne(), List.of(trapping ? kids.worker("a") : kids.nonTrapping("a"), kids.worker("b")));
        Pid<?> a = pidOf(sup, "a");
        MonitorRef ref = me.monitor(a);
        tell(a, new UnlinkFrom(sup.pid()));
        assertThat(ServerRef.<SupervisorFixtures.Cmd>of(a).<String>call(Ping::new)).isEqualTo("a"); // after the unlink
        assertThat(node.processInfo(a).orElseThrow().links()).doesNotContain(sup.pid());

        assertThat(sup.terminateChild("a")).isTrue();

        assertThat(downOf(me, ref).reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(sup.countChildren()).isEqualTo(new Supervisor.Counts(2, 1, 0, 2));
        assertThat(sup.restartChild("a")).isInstanceOf(Supervisor.StartChild.Ok.class);
      }
    }
  }
}
