package dev.banyan;

import static dev.banyan.SignalProbe.QUIET;
import static dev.banyan.SignalProbe.WAIT;
import static dev.banyan.SignalProbe.await;
import static dev.banyan.SignalProbe.awaitDown;
import static dev.banyan.SignalProbe.awaitMailboxLength;
import static dev.banyan.SignalProbe.awaitReady;
import static dev.banyan.SignalProbe.deadProcess;
import static dev.banyan.SignalProbe.downWithin;
import static dev.banyan.SignalProbe.exitOnGo;
import static dev.banyan.SignalProbe.nextGot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.banyan.SignalProbe.Ready;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Monitors: otp-semantics §3.1 (CC-025..CC-031, CC-033). Aliases (CC-032) are tested elsewhere. */
@Timeout(10)
class MonitorsTest {

  private static final ExitReason X = ExitReason.of("x");

  @Nested
  class MonitorPid {

    @Test
    @DisplayName("CC-025: the target exits with x: one Down(ref, pid, x), and nothing else")
    void targetExitGivesOneDownWithItsReason() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = node.spawn(exitOnGo(X));
        MonitorRef ref = me.monitor(target);

        target.send("go");

        assertThat(awaitDown(me, ref)).isEqualTo(new Down(ref, target, X));
        assertThat(me.receive(QUIET)).isEmpty(); // no second Down, no Exit
        assertThat(me.self().isAlive()).isTrue();
      }
    }

    @Test
    @DisplayName("CC-025: monitors never kill the watcher, even a non-trapping one")
    void monitorNeverKillsTheWatcher() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Pid<Object> target = node.spawn(exitOnGo(ExitReason.KILLED));
        Pid<Object> watcher = node.spawn(ctx -> {
          ctx.monitor(target);
          test.send(new Ready(ctx.self()));
          while (true) {
            test.send(new SignalProbe.Got(ctx.self(), ctx.receive()));
          }
        });
        awaitReady(me, watcher);

        target.send("go");

        Down down = (Down) nextGot(me, watcher);
        assertThat(down.target()).isEqualTo(target);
        assertThat(down.reason()).isEqualTo(ExitReason.KILLED);
        watcher.send("still there?");
        assertThat(nextGot(me, watcher)).isEqualTo("still there?");
      }
    }

    @Test
    @DisplayName("CC-026: monitoring a dead process gives Down(ref, pid, noproc) promptly")
    void monitorOfDeadProcessGivesDownNoProc() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> dead = deadProcess(me);

        MonitorRef ref = me.monitor(dead);

        assertThat(awaitDown(me, ref)).isEqualTo(new Down(ref, dead, ExitReason.NOPROC));
        assertThat(me.receive(QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-029: two monitors on one process give two refs and two Downs")
    void twoMonitorsGiveTwoRefsAndTwoDowns() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = node.spawn(exitOnGo(X));

        MonitorRef first = me.monitor(target);
        MonitorRef second = me.monitor(target);

        assertThat(first).isNotEqualTo(second);
        target.send("go");
        assertThat(awaitDown(me, first)).isEqualTo(new Down(first, target, X));
        assertThat(awaitDown(me, second)).isEqualTo(new Down(second, target, X));
        assertThat(me.receive(Down.class, QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-029: a thousand monitors on one process give a thousand Downs, one per ref")
    void thousandMonitorsGiveThousandDowns() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = node.spawn(exitOnGo(X));
        Set<MonitorRef> refs = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
          refs.add(me.monitor(target));
        }
        assertThat(refs).hasSize(1000);
        assertThat(node.processInfo(target).orElseThrow().monitoredBy()).hasSize(1000);

        target.send("go");

        Set<MonitorRef> fired = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
          Down down = await(me, Down.class, d -> true);
          assertThat(down.target()).isEqualTo(target);
          assertThat(down.reason()).isEqualTo(X);
          assertThat(fired.add(down.ref())).as("first Down for %s", down.ref()).isTrue();
        }
        assertThat(fired).isEqualTo(refs);
        assertThat(me.receive(Down.class, QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-025: a monitor fires once: the target's pid cannot fire it again")
    void monitorFiresOnlyOnce() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = node.spawn(exitOnGo(X));
        MonitorRef ref = me.monitor(target);
        target.send("go");
        awaitDown(me, ref);

        me.exit(target, ExitReason.KILL); // a signal to the dead target changes nothing

        assertThat(me.receive(Down.class, QUIET)).isEmpty();
        assertThat(node.processInfo(me.self()).orElseThrow().monitors()).isEmpty();
      }
    }
  }

  @Nested
  class MonitorByName {

    @Test
    @DisplayName("CC-027: monitoring an unregistered name gives Down(ref, {name, node}, noproc)")
    void monitorOfUnregisteredNameGivesDownNoProc() {
      try (Node node = Node.start("kv@localhost"); AttachedProcess<Object> me = node.attach()) {
        MonitorRef ref = me.monitor("nobody");

        assertThat(awaitDown(me, ref))
            .isEqualTo(new Down(ref, new RegisteredName("nobody", "kv@localhost"), ExitReason.NOPROC));
        assertThat(me.receive(QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-027: monitoring the name of a process that has died gives noproc")
    void monitorOfNameOfDeadProcessGivesDownNoProc() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> p = node.spawn(exitOnGo(X));
        node.register("db", p);
        MonitorRef pidRef = me.monitor(p);
        p.send("go");
        awaitDown(me, pidRef);

        MonitorRef ref = me.monitor("db");

        assertThat(awaitDown(me, ref))
            .isEqualTo(new Down(ref, new RegisteredName("db", node.name()), ExitReason.NOPROC));
      }
    }

    @Test
    @DisplayName("CC-028: a monitor by name reports the target as {name, node}")
    void monitorByNameReportsTheRegisteredName() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> p = node.spawn(exitOnGo(X));
        node.register("db", p);

        MonitorRef ref = me.monitor("db");
        p.send("go");

        assertThat(awaitDown(me, ref))
            .isEqualTo(new Down(ref, new RegisteredName("db", node.name()), X));
      }
    }

    @Test
    @DisplayName("CC-028: re-registering the name to another process does not retarget the monitor")
    void reRegisteringTheNameDoesNotRetargetTheMonitor() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> first = node.spawn(exitOnGo(ExitReason.of("first")));
        node.register("db", first);
        MonitorRef ref = me.monitor("db");
        node.unregister("db");
        Pid<Object> second = node.spawn(exitOnGo(ExitReason.of("second")));
        node.register("db", second);
        MonitorRef secondRef = me.monitor(second);

        second.send("go");
        awaitDown(me, secondRef);
        assertThat(downWithin(me, ref, QUIET)).isEmpty();

        first.send("go");
        assertThat(awaitDown(me, ref))
            .isEqualTo(new Down(ref, new RegisteredName("db", node.name()), ExitReason.of("first")));
      }
    }

    @Test
    @DisplayName("CC-028: a monitor by name fires once; the next holder of the name does not fire it")
    void nextHolderOfTheNameDoesNotFireTheMonitorAgain() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> first = node.spawn(exitOnGo(ExitReason.of("first")));
        node.register("db", first);
        MonitorRef ref = me.monitor("db");
        first.send("go");
        assertThat(awaitDown(me, ref).reason()).isEqualTo(ExitReason.of("first"));

        Pid<Object> second = node.spawn(exitOnGo(ExitReason.of("second")));
        node.register("db", second);
        MonitorRef secondRef = me.monitor(second);
        second.send("go");

        awaitDown(me, secondRef);
        assertThat(downWithin(me, ref, QUIET)).isEmpty();
      }
    }
  }

  @Nested
  class SpawnMonitor {

    @Test
    @DisplayName("CC-025: spawnMonitor gives the child's pid and a monitor, not a link")
    void spawnMonitorMonitorsWithoutLinking() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Spawned<Object> child = me.spawnMonitor(exitOnGo(X));

        assertThat(node.processInfo(child.pid()).orElseThrow().monitoredBy())
            .containsExactly(me.self());
        assertThat(node.processInfo(child.pid()).orElseThrow().links()).isEmpty();
        child.pid().send("go");

        assertThat(awaitDown(me, child.ref())).isEqualTo(new Down(child.ref(), child.pid(), X));
        assertThat(me.receive(QUIET)).isEmpty(); // not killed, no Exit
      }
    }
  }

  @Nested
  class Demonitor {

    @Test
    @DisplayName("CC-030, CC-031: demonitor before the target dies returns true and no Down ever comes")
    void demonitorBeforeDeathReturnsTrueAndNoDownComes() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = node.spawn(exitOnGo(X));
        MonitorRef ref = me.monitor(target);

        assertThat(me.demonitor(ref)).isTrue();

        MonitorRef witness = me.monitor(target);
        target.send("go");
        awaitDown(me, witness);
        assertThat(downWithin(me, ref, QUIET)).isEmpty();
        assertThat(node.processInfo(me.self()).orElseThrow().monitors()).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-030, CC-031: demonitor after the Down was queued returns false and the Down stays")
    void demonitorAfterDownWasQueuedReturnsFalseAndLeavesIt() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = node.spawn(exitOnGo(X));
        MonitorRef ref = me.monitor(target);
        target.send("go");
        awaitMailboxLength(me, 1); // the Down is queued, not received

        assertThat(me.demonitor(ref)).isFalse();

        assertThat(downWithin(me, ref, Duration.ZERO)).contains(new Down(ref, target, X));
      }
    }

    @Test
    @DisplayName("CC-031: demonitor after the Down was received returns false")
    void demonitorAfterDownWasReceivedReturnsFalse() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = node.spawn(exitOnGo(X));
        MonitorRef ref = me.monitor(target);
        target.send("go");
        awaitDown(me, ref);

        assertThat(me.demonitor(ref)).isFalse();
      }
    }

    @Test
    @DisplayName("CC-031: demonitor of a noproc monitor returns false: it fired at once")
    void demonitorOfNoProcMonitorReturnsFalse() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> dead = deadProcess(me);
        MonitorRef ref = me.monitor(dead);
        awaitMailboxLength(me, 1);

        assertThat(me.demonitor(ref)).isFalse();
        assertThat(downWithin(me, ref, Duration.ZERO)).contains(new Down(ref, dead, ExitReason.NOPROC));
      }
    }

    @Test
    @DisplayName("CC-031: a second demonitor of the same ref returns false and does nothing")
    void secondDemonitorReturnsFalse() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = node.spawn(ctx -> ctx.receive());
        MonitorRef ref = me.monitor(target);

        assertThat(me.demonitor(ref)).isTrue();
        assertThat(me.demonitor(ref)).isFalse();
        assertThat(node.processInfo(target).orElseThrow().monitoredBy()).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-030: demonitor removes only its own monitor")
    void demonitorRemovesOnlyItsOwnMonitor() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = node.spawn(exitOnGo(X));
        MonitorRef removed = me.monitor(target);
        MonitorRef kept = me.monitor(target);

        me.demonitor(removed);
        target.send("go");

        assertThat(awaitDown(me, kept)).isEqualTo(new Down(kept, target, X));
        assertThat(me.receive(Down.class, QUIET)).isEmpty();
      }
    }
  }

  @Nested
  class DemonitorFlush {

    @Test
    @DisplayName("CC-030, CC-031: demonitorFlush after the Down was queued returns false and removes only that Down")
    void demonitorFlushRemovesTheQueuedDown() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = node.spawn(exitOnGo(X));
        MonitorRef ref = me.monitor(target);
        me.self().send("before");
        target.send("go");
        awaitMailboxLength(me, 2);
        me.self().send("after");

        assertThat(me.demonitorFlush(ref)).isFalse();

        assertThat(me.receive(Duration.ZERO)).contains("before");
        assertThat(me.receive(Duration.ZERO)).contains("after");
        assertThat(me.receive(QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-030: demonitorFlush finds the Down also when a receive has already looked past it")
    void demonitorFlushRemovesADownAlreadyScannedByReceive() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = node.spawn(exitOnGo(X));
        MonitorRef ref = me.monitor(target);
        target.send("go");
        awaitMailboxLength(me, 1);
        assertThat(me.receive(String.class, Duration.ZERO)).isEmpty(); // skips over the Down

        assertThat(me.demonitorFlush(ref)).isFalse();

        assertThat(me.receive(QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-031: demonitorFlush of an active monitor returns true and no Down ever comes")
    void demonitorFlushOfActiveMonitorReturnsTrue() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> target = node.spawn(exitOnGo(X));
        MonitorRef ref = me.monitor(target);

        assertThat(me.demonitorFlush(ref)).isTrue();

        MonitorRef witness = me.monitor(target);
        target.send("go");
        awaitDown(me, witness);
        assertThat(downWithin(me, ref, QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-030: demonitorFlush after the Down was received leaves other messages alone")
    void demonitorFlushAfterReceiveLeavesOtherMessages() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> first = node.spawn(exitOnGo(X));
        Pid<Object> second = node.spawn(exitOnGo(X));
        MonitorRef ref = me.monitor(first);
        MonitorRef other = me.monitor(second);
        first.send("go");
        awaitDown(me, ref);
        second.send("go");
        awaitMailboxLength(me, 1);

        assertThat(me.demonitorFlush(ref)).isFalse();

        assertThat(downWithin(me, other, Duration.ZERO)).contains(new Down(other, second, X));
      }
    }
  }

  @Nested
  class Ordering {

    @Test
    @DisplayName("CC-033: a message sent before the target dies arrives before its Down")
    void messageSentBeforeDeathArrivesBeforeTheDown() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        for (int i = 0; i < 300; i++) {
          String m = "m" + i;
          Spawned<Object> s = me.spawnMonitor(ctx -> ctx.send(test, m));

          assertThat(nextOf(me, m, s.ref())).as("round %d", i).isEqualTo(m);
          assertThat(awaitDown(me, s.ref()).reason()).isEqualTo(ExitReason.NORMAL);
        }
      }
    }

    @Test
    @DisplayName("CC-033: a message sent just before an exit arrives before the Down (monitor, then exit)")
    void messageSentBeforeExitArrivesBeforeTheDown() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        for (int i = 0; i < 300; i++) {
          String m = "m" + i;
          Pid<Object> p = node.spawn(ctx -> {
            ctx.receive();
            test.send(m);
            throw new ExitException(ExitReason.SHUTDOWN);
          });
          MonitorRef ref = me.monitor(p);
          p.send("go");

          assertThat(nextOf(me, m, ref)).as("round %d", i).isEqualTo(m);
          assertThat(awaitDown(me, ref).reason()).isEqualTo(ExitReason.SHUTDOWN);
        }
      }
    }

    /** {@return whichever comes first: the message {@code m} or the Down of {@code ref}} */
    private static Object nextOf(AttachedProcess<Object> me, String m, MonitorRef ref) {
      return me.receive(
              Object.class,
              msg -> msg.equals(m) || (msg instanceof Down d && d.ref().equals(ref)),
              WAIT)
          .orElseThrow(() -> new AssertionError("neither " + m + " nor a Down arrived"));
    }
  }
}
