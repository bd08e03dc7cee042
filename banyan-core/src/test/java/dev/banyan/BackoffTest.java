package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The restart backoff, Banyan's addition to OTP's supervisor (off by default). */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class BackoffTest {
  private static final Duration WAIT = Duration.ofSeconds(5);

  @Nested
  class Delays {
    @Test
    void theDelayDoublesUpToTheMax() {
      Backoff b = Backoff.exponential(Duration.ofMillis(100), Duration.ofMillis(700), 0);
      assertThat(List.of(b.delay(1), b.delay(2), b.delay(3), b.delay(4), b.delay(50)))
          .containsExactly(
              Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400),
              Duration.ofMillis(700), Duration.ofMillis(700));
      assertThat(Backoff.NONE.isOff()).isTrue();
    }

    @Test
    void badValuesAreRefusedByName() {
      assertThatThrownBy(() -> Backoff.exponential(Duration.ofSeconds(2), Duration.ofSeconds(1), 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("PT2S");
      assertThatThrownBy(() -> Backoff.exponential(Duration.ZERO, Duration.ZERO, 1.5))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("1.5");
    }
  }

  /** A child that tells the test it started, then waits to be told to crash. */
  private static ChildSpec crashOnRequest(Pid<Object> test, Backoff backoff) {
    return ChildSpec.worker(
            "flaky",
            ChildStart.process(
                c -> {
                  test.send(c.self());
                  c.receive(String.class, "crash"::equals);
                  throw new IllegalStateException("crash on request");
                }))
        .withBackoff(backoff);
  }

  @Test
  void whileItWaitsTheChildShowsAsRestarting() {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Supervisor sup =
          Supervisor.of(
              Supervisor.startLink(
                      me,
                      Supervisor.Flags.oneForOne(),
                      List.of(crashOnRequest(me.self(), Backoff.exponential(Duration.ofMinutes(1), Duration.ofMinutes(1), 0))))
                  .orElseThrow());
      @SuppressWarnings("unchecked")
      Pid<Object> child = me.receive(Pid.class, WAIT).orElseThrow();
      MonitorRef ref = me.monitor(child);
      child.send("crash");
      me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow();
      // The supervisor handled the Exit before this call (links before monitors); the delay is a minute.
      assertThat(sup.whichChildren())
          .containsExactly(new Supervisor.ChildInfo("flaky", new Supervisor.ChildState.Restarting(), ChildSpec.Type.WORKER));
      assertThat(sup.restartChild("flaky")).isEqualTo(new Supervisor.StartChild.Restarting());
      assertThat(sup.terminateChild("flaky")).isTrue(); // ends the wait
      assertThat(sup.whichChildren().get(0).state()).isEqualTo(new Supervisor.ChildState.Undefined());
    }
  }

  @Test
  void theChildComesBackAfterItsDelay() {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Supervisor.startLink(
              me,
              Supervisor.Flags.oneForOne().withIntensity(10, Duration.ofSeconds(5)),
              List.of(crashOnRequest(me.self(), Backoff.exponential(Duration.ofMillis(20), Duration.ofMillis(80), 0.5))))
          .orElseThrow();
      for (int i = 0; i < 4; i++) {
        @SuppressWarnings("unchecked")
        Pid<Object> child = me.receive(Pid.class, WAIT).orElseThrow();
        child.send("crash");
      }
      assertThat(me.receive(Pid.class, WAIT)).isPresent(); // restarted a fourth time
    }
  }

  @Test
  void theIntensityRuleStillApplies() {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      me.trapExit(true);
      AtomicLong clock = new AtomicLong(100);
      Supervisor.startLink(
              me,
              Supervisor.Flags.oneForOne().withIntensity(2, Duration.ofSeconds(5)),
              List.of(crashOnRequest(me.self(), Backoff.exponential(Duration.ofMillis(10), Duration.ofMillis(10), 0))),
              clock::get)
          .orElseThrow();
      AtomicInteger crashes = new AtomicInteger();
      for (int i = 0; i < 3; i++) {
        @SuppressWarnings("unchecked")
        Pid<Object> child = me.receive(Pid.class, WAIT).orElseThrow();
        child.send("crash");
        crashes.incrementAndGet();
      }
      Exit exit = me.receive(Exit.class, WAIT).orElseThrow(); // the third restart within 5 s
      assertThat(exit.reason()).isEqualTo(ExitReason.SHUTDOWN);
      assertThat(crashes).hasValue(3);
    }
  }
}
