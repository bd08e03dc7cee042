package dev.banyan.testkit;

import static dev.banyan.testkit.BanyanAssertions.assertReceive;
import static dev.banyan.testkit.BanyanAssertions.awaitExit;
import static dev.banyan.testkit.BanyanAssertions.refuteReceive;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.banyan.Down;
import dev.banyan.ExitReason;
import dev.banyan.MonitorRef;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessBody;
import dev.banyan.ProcessContext;
import dev.banyan.ProcessInfo;
import dev.banyan.Spawned;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.AssertionFailedError;

@BanyanTest
@Timeout(10)
class BanyanAssertionsTest {

  private static final Duration SHORT = Duration.ofMillis(50);

  /** A process that sends {@code messages} to {@code to} once it receives anything. */
  private static Pid<Object> senderOnSignal(ProcessContext<Object> me, Object... messages) {
    Pid<Object> to = me.self();
    return me.spawn(
        ctx -> {
          ctx.receive();
          for (Object m : messages) {
            to.send(m);
          }
        });
  }

  @Nested
  class AssertReceive {
    @Test
    void returnsAMessageThatIsAlreadyInTheMailbox(ProcessContext<Object> me) {
      me.self().send("hello");
      assertThat(assertReceive(me, String.class)).isEqualTo("hello");
    }

    @Test
    void waitsForAMessageThatArrivesLater(ProcessContext<Object> me) {
      Pid<Object> sender = senderOnSignal(me, "late");
      sender.send("go");
      assertThat(assertReceive(me, String.class, Duration.ofSeconds(5))).isEqualTo("late");
    }

    @Test // CC-005
    void takesTheOldestMatchingMessageAndLeavesTheOthersInOrder(ProcessContext<Object> me) {
      me.self().send("a");
      me.self().send(1);
      me.self().send("b");
      me.self().send(2);
      assertThat(assertReceive(me, Integer.class)).isEqualTo(1);
      assertThat(assertReceive(me, String.class, s -> s.equals("b"))).isEqualTo("b");
      assertThat(me.receive(Duration.ZERO)).contains("a");
      assertThat(me.receive(Duration.ZERO)).contains(2);
    }

    @Test
    void filterSelectsAmongMessagesOfTheType(ProcessContext<Object> me) {
      Pid<Object> sender = senderOnSignal(me, 1, 2, 3);
      sender.send("go");
      assertThat(assertReceive(me, Integer.class, n -> n > 2, Duration.ofSeconds(5))).isEqualTo(3);
      assertThat(assertReceive(me, Integer.class, n -> n < 3)).isEqualTo(1);
    }

    @Test
    void failureSaysWhatWasExpectedHowLongItWaitedAndWhatElseIsThere(ProcessContext<Object> me) {
      me.self().send("not it");
      me.self().send(7);
      AssertionFailedError e =
          assertThrows(AssertionFailedError.class, () -> assertReceive(me, Down.class, SHORT));
      assertThat(e)
          .hasMessage(
              "expected to receive a message of type dev.banyan.Down within 50 ms, but none"
                  + " arrived; the mailbox holds 2 other messages");
      // The failed assertion took nothing out of the mailbox.
      assertThat(me.receive(Duration.ZERO)).contains("not it");
      assertThat(me.receive(Duration.ZERO)).contains(7);
    }

    @Test
    void failureMentionsTheFilter(ProcessContext<Object> me) {
      me.self().send(1);
      AssertionFailedError e =
          assertThrows(
              AssertionFailedError.class,
              () -> assertReceive(me, Integer.class, n -> n > 1, SHORT));
      assertThat(e)
          .hasMessage(
              "expected to receive a message of type java.lang.Integer that matches the filter"
                  + " within 50 ms, but none arrived; the mailbox holds 1 other message");
    }

    @Test
    void defaultTimeoutIsOneSecond(ProcessContext<Object> me) {
      AssertionFailedError e =
          assertThrows(AssertionFailedError.class, () -> assertReceive(me, String.class));
      assertThat(e).hasMessageContaining("within 1000 ms").hasMessageEndingWith("mailbox is empty");
      assertThat(BanyanAssertions.RECEIVE_TIMEOUT).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void zeroTimeoutLooksOnlyAtTheMailbox(ProcessContext<Object> me) {
      me.self().send("there");
      assertThat(assertReceive(me, String.class, Duration.ZERO)).isEqualTo("there");
      assertThrows(
          AssertionFailedError.class, () -> assertReceive(me, String.class, Duration.ZERO));
    }

    @Test
    void rejectsNegativeTimeoutsAndNulls(ProcessContext<Object> me) {
      assertThat(
              assertThrows(
                  IllegalArgumentException.class,
                  () -> assertReceive(me, String.class, Duration.ofMillis(-1))))
          .hasMessage("timeout must not be negative: PT-0.001S");
      assertThat(assertThrows(NullPointerException.class, () -> assertReceive(me, null)))
          .hasMessage("type");
      assertThat(assertThrows(NullPointerException.class, () -> assertReceive(null, String.class)))
          .hasMessage("ctx");
      assertThat(
              assertThrows(
                  NullPointerException.class,
                  () ->
                      assertReceive(me, String.class, (java.util.function.Predicate<String>) null)))
          .hasMessage("filter");
    }
  }

  @Nested
  class RefuteReceive {
    @Test
    void passesWhenNoMessageOfTheTypeArrives(ProcessContext<Object> me) {
      me.self().send("other");
      refuteReceive(me, Integer.class);
      assertThat(me.receive(Duration.ZERO)).contains("other");
    }

    @Test
    void passesWhenOnlyMessagesTheFilterRejectsAreThere(ProcessContext<Object> me) {
      me.self().send(1);
      refuteReceive(me, Integer.class, n -> n > 1);
      refuteReceive(me, Integer.class, n -> n > 1, Duration.ZERO);
      assertThat(me.receive(Duration.ZERO)).contains(1);
    }

    @Test
    void failsWithTheUnexpectedMessage(ProcessContext<Object> me) {
      me.self().send("a");
      me.self().send(42);
      AssertionFailedError e =
          assertThrows(AssertionFailedError.class, () -> refuteReceive(me, Integer.class, SHORT));
      assertThat(e)
          .hasMessage(
              "expected no message of type java.lang.Integer within 50 ms, but received: 42");
    }

    @Test
    void failsWhenAMatchingMessageArrivesWhileWatching(ProcessContext<Object> me) {
      Pid<Object> sender = senderOnSignal(me, 5);
      sender.send("go");
      AssertionFailedError e =
          assertThrows(
              AssertionFailedError.class,
              () -> refuteReceive(me, Integer.class, n -> n == 5, Duration.ofSeconds(5)));
      assertThat(e)
          .hasMessage(
              "expected no message of type java.lang.Integer that matches the filter within 5000"
                  + " ms, but received: 5");
    }

    @Test
    void defaultTimeoutIsOneHundredMilliseconds() {
      assertThat(BanyanAssertions.REFUTE_TIMEOUT).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void rejectsNegativeTimeouts(ProcessContext<Object> me) {
      assertThrows(
          IllegalArgumentException.class,
          () -> refuteReceive(me, String.class, Duration.ofSeconds(-1)));
    }
  }

  /**
   * A process that runs {@code then} once some process monitors it: awaitExit monitors before
   * it waits, so an exit in {@code then} is certain to happen while awaitExit waits.
   */
  private static Pid<Object> onceMonitored(ProcessContext<Object> me, ProcessBody<Object> then) {
    return me.spawn(
        ctx -> {
          while (ctx.node().processInfo(ctx.self()).orElseThrow().monitoredBy().isEmpty()) {
            ctx.receive(Duration.ofMillis(1)); // poll: there is no event for "monitored"
          }
          then.run(ctx);
        });
  }

  /** Waits until a process is blocked in receive, so that its state can be asserted. */
  private static void awaitWaiting(Node node, Pid<?> pid) {
    while (node.processInfo(pid).orElseThrow().status() != ProcessInfo.Status.WAITING) {
      Thread.yield();
    }
  }

  @Nested
  class AwaitExitOfAPid {
    @Test
    void returnsTheReasonOfAProcessThatExitsWhileWaiting(ProcessContext<Object> me) {
      Pid<Object> worker = onceMonitored(me, ctx -> ctx.exit(ExitReason.of("done")));
      assertThat(awaitExit(me, worker)).isEqualTo(ExitReason.of("done"));
      refuteReceive(me, Down.class, Duration.ZERO); // the Down was taken
    }

    @Test
    void returnsTheReasonOfAProcessThatWasKilled(ProcessContext<Object> me) {
      Pid<Object> worker = onceMonitored(me, ctx -> ctx.exit(ctx.self(), ExitReason.KILL));
      assertThat(awaitExit(me, worker, Duration.ofSeconds(5))).isEqualTo(ExitReason.KILLED);
    }

    @Test // CC-026
    void returnsNoprocForAProcessThatHasAlreadyExited(ProcessContext<Object> me) {
      Spawned<Object> s = me.spawnMonitor(ctx -> {});
      assertReceive(me, Down.class, d -> d.ref().equals(s.ref()));
      assertThat(awaitExit(me, s.pid())).isEqualTo(ExitReason.NOPROC);
      refuteReceive(me, Down.class, Duration.ZERO);
    }

    @Test
    void failsWhenTheProcessIsStillAliveAndLeavesNoDownBehind(ProcessContext<Object> me) {
      Pid<Object> sleeper = me.spawn(ctx -> ctx.receive());
      AssertionFailedError e =
          assertThrows(AssertionFailedError.class, () -> awaitExit(me, sleeper, SHORT));
      assertThat(e.getMessage())
          .startsWith(
              "expected process " + sleeper + " to exit within 50 ms, but it is still alive (")
          .contains("message");
      me.exit(sleeper, ExitReason.KILL);
      refuteReceive(me, Down.class); // the monitor was removed when the wait failed
    }

    @Test
    void failureSaysWhereTheProcessIs(ProcessContext<Object> me, Node node) {
      Pid<Object> test = me.self();
      Pid<Object> waiter =
          me.spawn(
              ctx -> {
                test.send("waiting");
                ctx.receive(Integer.class);
              });
      waiter.send("unmatched");
      assertReceive(me, String.class, s -> s.equals("waiting"));
      awaitWaiting(node, waiter);
      AssertionFailedError e =
          assertThrows(AssertionFailedError.class, () -> awaitExit(me, waiter, SHORT));
      assertThat(e.getMessage())
          .contains("waiting in receive, 1 message in its mailbox, at dev.banyan.testkit.");
    }

    @Test
    void rejectsItsOwnPid(ProcessContext<Object> me) {
      assertThat(assertThrows(IllegalArgumentException.class, () -> awaitExit(me, me.self())))
          .hasMessage("awaitExit(" + me.self() + "): a process cannot wait for its own exit");
    }

    @Test
    void defaultTimeoutIsFiveSeconds() {
      assertThat(BanyanAssertions.EXIT_TIMEOUT).isEqualTo(Duration.ofSeconds(5));
    }
  }

  @Nested
  class AwaitExitOfAMonitor {
    @Test // CC-002
    void returnsTheReasonOfAProcessThatExitedAtOnce(ProcessContext<Object> me) {
      Spawned<String> parser = me.spawnMonitor(ctx -> Integer.parseInt(ctx.receive(String.class)));
      parser.pid().send("forty-two");
      ExitReason reason = awaitExit(me, parser.ref());
      assertThat(reason).isInstanceOf(ExitReason.Crashed.class);
      assertThat(((ExitReason.Crashed) reason).cause()).isInstanceOf(NumberFormatException.class);
    }

    @Test
    void leavesOtherDownsInTheMailbox(ProcessContext<Object> me) {
      Spawned<Object> first = me.spawnMonitor(ctx -> {});
      Spawned<Object> second = me.spawnMonitor(ctx -> {});
      assertThat(awaitExit(me, second.ref())).isEqualTo(ExitReason.NORMAL);
      assertThat(assertReceive(me, Down.class).ref()).isEqualTo(first.ref());
    }

    @Test
    void failsWhenNoDownArrivesAndKeepsTheMonitor(ProcessContext<Object> me) {
      Pid<Object> sleeper = me.spawn(ctx -> ctx.receive());
      MonitorRef ref = me.monitor(sleeper);
      AssertionFailedError e =
          assertThrows(AssertionFailedError.class, () -> awaitExit(me, ref, SHORT));
      assertThat(e)
          .hasMessageStartingWith("expected the Down of monitor " + ref + " within 50 ms")
          .hasMessageEndingWith("the mailbox is empty");
      me.exit(sleeper, ExitReason.KILL);
      assertThat(awaitExit(me, ref)).isEqualTo(ExitReason.KILLED);
    }
  }
}
