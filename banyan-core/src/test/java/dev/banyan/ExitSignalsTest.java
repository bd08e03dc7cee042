package dev.banyan;

import static dev.banyan.SignalProbe.QUIET;
import static dev.banyan.SignalProbe.WAIT;
import static dev.banyan.SignalProbe.awaitDown;
import static dev.banyan.SignalProbe.awaitReady;
import static dev.banyan.SignalProbe.forwarder;
import static dev.banyan.SignalProbe.gotWithin;
import static dev.banyan.SignalProbe.nextGot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.SignalProbe.Ready;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exit signals: the table of otp-semantics §2.3 (CC-014..CC-018, CC-023, CC-024), for signals
 * sent with {@code exit(pid, reason)} by other processes, by a process to itself, and by threads
 * that are not processes.
 */
@Timeout(10)
class ExitSignalsTest {

  private static final ExitReason FOO = ExitReason.of("foo");

  /** Reasons other than normal and kill: they kill a non-trapping target, and are trappable. */
  static Stream<ExitReason> otherReasons() {
    return Stream.of(FOO, ExitReason.SHUTDOWN, ExitReason.shutdown("x"), ExitReason.KILLED);
  }

  /** The two ways a process exits itself with reason kill (Erlang's {@code exit(kill)}). */
  static Stream<Named<ProcessBody<Object>>> exitsItselfWithKill() {
    return Stream.of(
        Named.of(
            "throw new ExitException(KILL)",
            ctx -> {
              ctx.receive();
              throw new ExitException(ExitReason.KILL);
            }),
        Named.of(
            "ctx.exit(KILL)",
            ctx -> {
              ctx.receive();
              ctx.exit(ExitReason.KILL);
            }));
  }

  /**
   * Spawns a process that sets trap_exit, says Ready, waits for any message, sends itself an exit
   * signal with {@code reason}, records what that call did in {@code log}, and then forwards every
   * message it receives to the test.
   */
  private static Pid<Object> selfExiter(
      AttachedProcess<Object> me, boolean trap, ExitReason reason, BlockingQueue<String> log) {
    Pid<Object> test = me.self();
    Pid<Object> p =
        me.node()
            .spawn(
                ctx -> {
                  Pid<Object> self = ctx.self();
                  ctx.trapExit(trap);
                  test.send(new Ready(self));
                  ctx.receive();
                  try {
                    ctx.exit(self, reason);
                    log.add("exit returned");
                  } catch (ProcessExitedException e) {
                    log.add("exit threw ProcessExitedException: " + e.reason());
                    throw e;
                  }
                  while (true) {
                    test.send(new SignalProbe.Got(self, ctx.receive()));
                  }
                });
    awaitReady(me, p);
    return p;
  }

  @Nested
  class ExitToAnotherProcess {

    @Test
    @DisplayName("CC-014: exit(P, kill) kills a trapping P with killed; its linked peers get killed")
    void killKillsEvenATrappingProcessWithKilled() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = forwarder(me, true);
        Pid<Object> nonTrapping = forwarder(me, false, target);
        Pid<Object> trapping = forwarder(me, true, target);
        MonitorRef targetRef = me.monitor(target);
        MonitorRef nonTrappingRef = me.monitor(nonTrapping);

        me.exit(target, ExitReason.KILL);

        assertThat(awaitDown(me, targetRef))
            .isEqualTo(new Down(targetRef, target, ExitReason.KILLED));
        assertThat(awaitDown(me, nonTrappingRef))
            .isEqualTo(new Down(nonTrappingRef, nonTrapping, ExitReason.KILLED));
        assertThat(nextGot(me, trapping)).isEqualTo(new Exit(target, ExitReason.KILLED));
        assertThat(trapping.isAlive()).isTrue();
        // The trapping target was not given the signal as a message: it died.
        assertThat(gotWithin(me, target, QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-016: exit(P, normal) from another process does not affect a non-trapping P")
    void normalFromAnotherProcessIsIgnoredByANonTrappingTarget() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = forwarder(me, false);

        me.exit(target, ExitReason.NORMAL);

        target.send("ping");
        assertThat(nextGot(me, target)).isEqualTo("ping"); // alive, and no Exit message before it
        assertThat(target.isAlive()).isTrue();
      }
    }

    @Test
    @DisplayName("CC-016: exit(P, normal) from another process gives a trapping P Exit(sender, normal)")
    void normalFromAnotherProcessBecomesAnExitMessageForATrappingTarget() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = forwarder(me, true);

        me.exit(target, ExitReason.NORMAL);

        assertThat(nextGot(me, target)).isEqualTo(new Exit(me.self(), ExitReason.NORMAL));
        assertThat(target.isAlive()).isTrue();
      }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.banyan.ExitSignalsTest#otherReasons")
    @DisplayName("exit(P, R) for R other than normal and kill kills a non-trapping P with R")
    void otherReasonKillsANonTrappingTargetWithThatReason(ExitReason reason) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = forwarder(me, false);
        MonitorRef ref = me.monitor(target);

        me.exit(target, reason);

        assertThat(awaitDown(me, ref)).isEqualTo(new Down(ref, target, reason));
        assertThat(gotWithin(me, target, QUIET)).isEmpty();
      }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.banyan.ExitSignalsTest#otherReasons")
    @DisplayName("exit(P, R) for R other than normal and kill gives a trapping P Exit(sender, R)")
    void otherReasonBecomesAnExitMessageForATrappingTarget(ExitReason reason) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = forwarder(me, true);

        me.exit(target, reason);

        assertThat(nextGot(me, target)).isEqualTo(new Exit(me.self(), reason));
        assertThat(target.isAlive()).isTrue();
      }
    }

    @Test
    @DisplayName("the sender of exit(P, R) does not die, even when R kills P")
    void senderOfAnExitSignalLivesOn() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = forwarder(me, false);
        MonitorRef ref = me.monitor(target);

        me.exit(target, ExitReason.KILL);

        awaitDown(me, ref);
        assertThat(me.self().isAlive()).isTrue();
        assertThat(me.receive(QUIET)).isEmpty();
      }
    }
  }

  @Nested
  class ExitToSelf {

    @Test
    @DisplayName("CC-017: exit(self, normal) ends a non-trapping process with normal")
    void normalToSelfEndsANonTrappingProcess() throws InterruptedException {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        BlockingQueue<String> log = new LinkedBlockingQueue<>();
        Pid<Object> p = selfExiter(me, false, ExitReason.NORMAL, log);
        MonitorRef ref = me.monitor(p);

        p.send("go");

        assertThat(awaitDown(me, ref)).isEqualTo(new Down(ref, p, ExitReason.NORMAL));
        assertThat(log.poll(5, TimeUnit.SECONDS)).isEqualTo("exit threw ProcessExitedException: normal");
        assertThat(log).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-017: exit(self, normal) gives a trapping process Exit(self, normal)")
    void normalToSelfBecomesAnExitMessageForATrappingProcess() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        BlockingQueue<String> log = new LinkedBlockingQueue<>();
        Pid<Object> p = selfExiter(me, true, ExitReason.NORMAL, log);

        p.send("go");

        assertThat(nextGot(me, p)).isEqualTo(new Exit(p, ExitReason.NORMAL));
        assertThat(log).containsExactly("exit returned");
        assertThat(p.isAlive()).isTrue();
      }
    }

    @Test
    @DisplayName("CC-018: exit(self, foo) ends a non-trapping process with foo")
    void otherReasonToSelfEndsANonTrappingProcess() throws InterruptedException {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        BlockingQueue<String> log = new LinkedBlockingQueue<>();
        Pid<Object> p = selfExiter(me, false, FOO, log);
        MonitorRef ref = me.monitor(p);

        p.send("go");

        assertThat(awaitDown(me, ref)).isEqualTo(new Down(ref, p, FOO));
        assertThat(log.poll(5, TimeUnit.SECONDS)).isEqualTo("exit threw ProcessExitedException: foo");
        assertThat(log).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-018: exit(self, foo) gives a trapping process Exit(self, foo)")
    void otherReasonToSelfBecomesAnExitMessageForATrappingProcess() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        BlockingQueue<String> log = new LinkedBlockingQueue<>();
        Pid<Object> p = selfExiter(me, true, FOO, log);

        p.send("go");

        assertThat(nextGot(me, p)).isEqualTo(new Exit(p, FOO));
        assertThat(log).containsExactly("exit returned");
        assertThat(p.isAlive()).isTrue();
      }
    }

    @Test
    @DisplayName("CC-014: exit(self, kill) kills even a trapping process, with killed")
    void killToSelfKillsATrappingProcessWithKilled() throws InterruptedException {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        BlockingQueue<String> log = new LinkedBlockingQueue<>();
        Pid<Object> p = selfExiter(me, true, ExitReason.KILL, log);
        MonitorRef ref = me.monitor(p);

        p.send("go");

        assertThat(awaitDown(me, ref)).isEqualTo(new Down(ref, p, ExitReason.KILLED));
        assertThat(log.poll(5, TimeUnit.SECONDS)).isEqualTo("exit threw ProcessExitedException: killed");
        assertThat(log).isEmpty();
      }
    }
  }

  @Nested
  class ExitItself {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.banyan.ExitSignalsTest#exitsItselfWithKill")
    @DisplayName("CC-015: a process that exits itself with kill dies with kill, which links carry unconverted")
    void processExitingItselfWithKillSendsKillOverItsLinks(ProcessBody<Object> body) {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> p = node.spawn(body);
        Pid<Object> nonTrapping = forwarder(me, false, p);
        Pid<Object> trapping = forwarder(me, true, p);
        MonitorRef ref = me.monitor(p);
        MonitorRef nonTrappingRef = me.monitor(nonTrapping);

        p.send("go");

        assertThat(awaitDown(me, ref)).isEqualTo(new Down(ref, p, ExitReason.KILL));
        assertThat(awaitDown(me, nonTrappingRef))
            .isEqualTo(new Down(nonTrappingRef, nonTrapping, ExitReason.KILL));
        assertThat(nextGot(me, trapping)).isEqualTo(new Exit(p, ExitReason.KILL));
        trapping.send("still there?");
        assertThat(nextGot(me, trapping)).isEqualTo("still there?");
      }
    }
  }

  @Nested
  class Ordering {

    @Test
    @DisplayName("CC-023: A sends m then exit(B, foo): a trapping B receives m before Exit(A, foo)")
    void messageSentBeforeAnExitSignalArrivesFirst() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> b = forwarder(me, true);
        for (int i = 0; i < 300; i++) {
          String m = "m" + i;
          Pid<Object> a = node.spawn(ctx -> {
            ctx.send(b, m);
            ctx.exit(b, FOO);
          });

          assertThat(nextGot(me, b)).as("round %d", i).isEqualTo(m);
          assertThat(nextGot(me, b)).as("round %d", i).isEqualTo(new Exit(a, FOO));
        }
      }
    }

    @Test
    @DisplayName("CC-023: a non-trapping B dies with foo (whether or not it read m)")
    void nonTrappingTargetDiesWithTheReason() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> b = forwarder(me, false);
        MonitorRef ref = me.monitor(b);
        node.spawn(ctx -> {
          ctx.send(b, "m");
          ctx.exit(b, FOO);
        });

        assertThat(awaitDown(me, ref).reason()).isEqualTo(FOO);
      }
    }
  }

  @Nested
  class TrapExit {

    /**
     * Spawns a process that starts with trap_exit = {@code initially}, waits for a message, sets
     * trap_exit to the opposite, says Ready again, then forwards every message to the test.
     */
    private static Pid<Object> toggler(AttachedProcess<Object> me, boolean initially) {
      Pid<Object> test = me.self();
      Pid<Object> p =
          me.node()
              .spawn(
                  ctx -> {
                    Pid<Object> self = ctx.self();
                    ctx.trapExit(initially);
                    test.send(new Ready(self));
                    ctx.receive();
                    ctx.trapExit(!initially);
                    test.send(new Ready(self));
                    while (true) {
                      test.send(new SignalProbe.Got(self, ctx.receive()));
                    }
                  });
      awaitReady(me, p);
      return p;
    }

    @Test
    @DisplayName("CC-024: trap_exit turned on before the signal arrives converts it into a message")
    void trapTurnedOnBeforeTheSignalArrivesConvertsIt() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> p = toggler(me, false);
        p.send("trap now");
        awaitReady(me, p);

        me.exit(p, FOO);

        assertThat(nextGot(me, p)).isEqualTo(new Exit(me.self(), FOO));
        assertThat(p.isAlive()).isTrue();
      }
    }

    @Test
    @DisplayName("CC-024: trap_exit turned off before the signal arrives lets it kill")
    void trapTurnedOffBeforeTheSignalArrivesLetsItKill() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> p = toggler(me, true);
        MonitorRef ref = me.monitor(p);
        p.send("stop trapping");
        awaitReady(me, p);

        me.exit(p, FOO);

        assertThat(awaitDown(me, ref).reason()).isEqualTo(FOO);
        assertThat(gotWithin(me, p, QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-024: turning trap_exit on after the signal was received resurrects nothing")
    void trapTurnedOnAfterTheSignalKilledResurrectsNothing() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        CountDownLatch release = new CountDownLatch(1);
        BlockingQueue<String> log = new LinkedBlockingQueue<>();
        Pid<Object> p = node.spawn(ctx -> {
          test.send(new Ready(ctx.self()));
          // Blocked outside the runtime, ignoring the interrupt of its death, so that it can try
          // to trap afterwards.
          for (boolean released = false; !released; ) {
            try {
              release.await();
              released = true;
            } catch (InterruptedException ignored) {
              // the interrupt of its death
            }
          }
          try {
            ctx.trapExit(true);
            log.add("trapExit returned");
          } catch (ProcessExitedException e) {
            log.add("trapExit threw ProcessExitedException: " + e.reason());
          }
        });
        awaitReady(me, p);
        MonitorRef ref = me.monitor(p);

        me.exit(p, FOO);
        assertThat(awaitDown(me, ref).reason()).isEqualTo(FOO);
        release.countDown();

        assertThat(log.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS))
            .isEqualTo("trapExit threw ProcessExitedException: foo");
        assertThat(p.isAlive()).isFalse();
        assertThat(node.processInfo(p)).isEmpty();
      }
    }
  }

  @Nested
  class NodeExit {

    @Test
    @DisplayName("node.exit from a thread that is not a process: the Exit comes from <0.0.0>")
    void exitFromAThreadThatIsNotAProcessComesFromThePlaceholderPid() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = forwarder(me, true);

        runOnPlainThread(() -> node.exit(target, FOO));

        Exit exit = (Exit) nextGot(me, target);
        assertThat(exit.from().toString()).isEqualTo("<0.0.0>");
        assertThat(exit.reason()).isEqualTo(FOO);
        assertThat(exit.from()).isNotEqualTo(me.self());
      }
    }

    @Test
    @DisplayName("node.exit(P, kill) from a thread that is not a process kills a trapping P")
    void killFromAThreadThatIsNotAProcessKills() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = forwarder(me, true);
        MonitorRef ref = me.monitor(target);

        runOnPlainThread(() -> node.exit(target, ExitReason.KILL));

        assertThat(awaitDown(me, ref).reason()).isEqualTo(ExitReason.KILLED);
      }
    }

    @Test
    @DisplayName("node.exit(P, normal) from a thread that is not a process does not affect a non-trapping P")
    void normalFromAThreadThatIsNotAProcessIsIgnored() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = forwarder(me, false);

        runOnPlainThread(() -> node.exit(target, ExitReason.NORMAL));

        target.send("ping");
        assertThat(nextGot(me, target)).isEqualTo("ping");
      }
    }

    @Test
    @DisplayName("node.exit called by a process sends the signal as that process")
    void exitFromAProcessComesFromThatProcess() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = forwarder(me, true);

        node.exit(target, FOO);

        assertThat(nextGot(me, target)).isEqualTo(new Exit(me.self(), FOO));
      }
    }

    private static void runOnPlainThread(Runnable r) throws InterruptedException {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread t = Thread.ofPlatform().start(() -> {
        try {
          r.run();
        } catch (Throwable e) {
          failure.set(e);
        }
      });
      assertThat(t.join(WAIT)).as("thread ended").isTrue();
      assertThat(failure.get()).isNull();
    }
  }
}
