package dev.banyan;

import static dev.banyan.SignalProbe.QUIET;
import static dev.banyan.SignalProbe.WAIT;
import static dev.banyan.SignalProbe.await;
import static dev.banyan.SignalProbe.awaitDown;
import static dev.banyan.SignalProbe.deadProcess;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Timers: {@code Node.sendAfter}, {@code cancelTimer} and {@code readTimer}. */
@Timeout(20)
class TimersTest {

  /** Long enough that the test's next few statements surely run before the timer fires. */
  private static final Duration LONG = Duration.ofSeconds(1);

  @Nested
  class SendAfter {

    @Test
    @DisplayName("sendAfter delivers the message to the process")
    void sendAfterDeliversTheMessage() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        node.sendAfter(Duration.ofMillis(20), me.self(), "tick");

        assertThat(me.receive(WAIT)).contains("tick");
      }
    }

    @Test
    @DisplayName("sendAfter with a zero delay delivers the message")
    void sendAfterWithZeroDelayDelivers() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        node.sendAfter(Duration.ZERO, me.self(), "now");

        assertThat(me.receive(WAIT)).contains("now");
      }
    }

    @Test
    @DisplayName("sendAfter to a name looks the name up when the timer fires")
    void sendAfterToANameLooksItUpWhenTheTimerFires() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> former = node.spawn(ctx -> ctx.receive());
        node.register("clock", former);

        node.sendAfter(Duration.ofMillis(300), "clock", "tick");
        node.unregister("clock");
        me.register("clock");

        assertThat(me.receive(WAIT)).contains("tick");
        assertThat(node.processInfo(former).orElseThrow().mailboxLength()).isZero();
      }
    }

    @Test
    @DisplayName("sendAfter to a name nobody has when it fires does nothing, and later timers still fire")
    void sendAfterToAFreeNameDoesNothing() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TimerRef lost = node.sendAfter(Duration.ZERO, "nobody", "lost");
        node.sendAfter(Duration.ofMillis(50), me.self(), "later");

        assertThat(me.receive(WAIT)).contains("later");
        assertThat(node.readTimer(lost)).isEmpty(); // it fired, without effect
      }
    }

    @Test
    @DisplayName("sendAfter to a dead process does nothing and raises no error")
    void sendAfterToADeadProcessDoesNothing() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> dead = deadProcess(me);

        TimerRef t = node.sendAfter(Duration.ZERO, dead, "x");
        node.sendAfter(Duration.ofMillis(50), me.self(), "later");

        assertThat(me.receive(WAIT)).contains("later");
        assertThat(node.cancelTimer(t)).isEmpty(); // it fired, without effect
      }
    }

    @Test
    @DisplayName("a timer whose process dies before it fires does nothing")
    void timerOfAProcessThatDiesBeforeItFiresDoesNothing() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Spawned<Object> p = me.spawnMonitor(ctx -> ctx.receive());
        TimerRef t = node.sendAfter(Duration.ofMillis(100), p.pid(), "too late");
        me.exit(p.pid(), ExitReason.KILL);
        awaitDown(me, p.ref());
        node.sendAfter(Duration.ofMillis(150), me.self(), "later");

        assertThat(me.receive(WAIT)).contains("later");
        assertThat(node.readTimer(t)).isEmpty();
      }
    }

    @Test
    @DisplayName("a negative delay is refused with IllegalArgumentException naming it")
    void negativeDelayIsRefused() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Duration negative = Duration.ofMillis(-5);

        assertThatThrownBy(() -> node.sendAfter(negative, me.self(), "x"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("delay")
            .hasMessageContaining(negative.toString());
        assertThatThrownBy(() -> node.sendAfter(negative, "name", "x"))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("delay")
            .hasMessageContaining(negative.toString());
        assertThat(me.receive(QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("a timer fires while every carrier thread is busy with a CPU loop")
    void timerFiresWhileAllCarriersAreBusy() {
      int carriers =
          Integer.getInteger(
              "jdk.virtualThreadScheduler.parallelism", Runtime.getRuntime().availableProcessors());
      AtomicBoolean stop = new AtomicBoolean();
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        try {
          Pid<Object> test = me.self();
          List<MonitorRef> spinners = new ArrayList<>();
          for (int i = 0; i < carriers; i++) {
            spinners.add(me.spawnMonitor(ctx -> {
              test.send("spinning");
              while (!stop.get()) {
                Thread.onSpinWait();
              }
            }).ref());
          }
          // Normally every spinner starts. A carrier already held by another test's stubborn
          // process keeps the last ones from starting, but then every carrier is busy anyway.
          await(me, String.class, "spinning"::equals);
          for (int i = 1; i < carriers; i++) {
            me.receive(String.class, "spinning"::equals, Duration.ofSeconds(1));
          }

          // This thread is a platform thread, and so is the timer's: neither needs a carrier.
          node.sendAfter(Duration.ofMillis(20), me.self(), "tick");

          assertThat(me.receive(String.class, "tick"::equals, WAIT)).contains("tick");
          stop.set(true);
          for (MonitorRef ref : spinners) { // each one stops (or, if it never ran, ends at once)
            assertThat(awaitDown(me, ref).reason()).isEqualTo(ExitReason.NORMAL);
          }
        } finally {
          stop.set(true);
        }
      }
    }
  }

  @Nested
  class CancelTimer {

    @Test
    @DisplayName("cancelTimer returns the time left, at most the delay, and the message never arrives")
    void cancelTimerReturnsTheTimeLeftAndTheMessageNeverArrives() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TimerRef t = node.sendAfter(LONG, me.self(), "cancelled");

        Optional<Duration> left = node.cancelTimer(t);

        assertThat(left).isPresent();
        assertThat(left.orElseThrow()).isBetween(Duration.ZERO, LONG);
        assertThat(me.receive(LONG.plus(QUIET))).isEmpty();
        assertThat(node.readTimer(t)).isEmpty();
      }
    }

    @Test
    @DisplayName("cancelTimer after the timer fired returns empty")
    void cancelTimerAfterFiringReturnsEmpty() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TimerRef t = node.sendAfter(Duration.ofMillis(10), me.self(), "tick");
        assertThat(me.receive(WAIT)).contains("tick");

        assertThat(node.cancelTimer(t)).isEmpty();
      }
    }

    @Test
    @DisplayName("cancelTimer right after receiving the timer's message returns empty, every time")
    void cancelTimerRightAfterReceivingTheMessageReturnsEmpty() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        for (int i = 0; i < 500; i++) {
          TimerRef t = node.sendAfter(Duration.ZERO, me.self(), i);
          assertThat(me.receive(WAIT)).contains(i);

          assertThat(node.cancelTimer(t)).as("round %d", i).isEmpty();
        }
      }
    }

    @Test
    @DisplayName("cancelTimer twice: the second returns empty")
    void cancelTimerTwiceReturnsEmptyTheSecondTime() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TimerRef t = node.sendAfter(LONG, me.self(), "cancelled");

        assertThat(node.cancelTimer(t)).isPresent();
        assertThat(node.cancelTimer(t)).isEmpty();
      }
    }
  }

  @Nested
  class ReadTimer {

    @Test
    @DisplayName("readTimer before firing returns the time left, at most the delay")
    void readTimerBeforeFiringReturnsTheTimeLeft() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TimerRef t = node.sendAfter(LONG, me.self(), "tick");

        Optional<Duration> left = node.readTimer(t);

        assertThat(left).isPresent();
        assertThat(left.orElseThrow()).isBetween(Duration.ZERO, LONG);
        assertThat(node.readTimer(t).orElseThrow()).isLessThanOrEqualTo(left.orElseThrow());
        node.cancelTimer(t);
      }
    }

    @Test
    @DisplayName("readTimer after the message was received returns empty, every time")
    void readTimerAfterFiringReturnsEmpty() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        for (int i = 0; i < 500; i++) {
          TimerRef t = node.sendAfter(Duration.ZERO, me.self(), i);
          assertThat(me.receive(WAIT)).contains(i);

          assertThat(node.readTimer(t)).as("round %d", i).isEmpty();
        }
      }
    }

    @Test
    @DisplayName("readTimer after cancelTimer returns empty")
    void readTimerAfterCancelReturnsEmpty() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        TimerRef t = node.sendAfter(LONG, me.self(), "tick");
        node.cancelTimer(t);

        assertThat(node.readTimer(t)).isEmpty();
      }
    }
  }
}
