package dev.banyan.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banyan.Pid;
import dev.banyan.ProcessContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.opentest4j.AssertionFailedError;

@BanyanTest
@Timeout(10)
class EventLogTest {

  private static final Duration SHORT = Duration.ofMillis(50);

  /** A process that records {@code events} into {@code log} once it receives anything. */
  private static Pid<Object> recorderOnSignal(ProcessContext<Object> me, EventLog log, Object... events) {
    return me.spawn(
        ctx -> {
          ctx.receive();
          for (Object e : events) {
            log.record(e);
          }
        });
  }

  @Nested
  class Record {
    @Test
    void eventsKeepTheOrderOfTheRecordCalls() {
      EventLog log = new EventLog();
      log.record("a");
      log.record(2);
      log.record("c");

      assertThat(log.events()).containsExactly("a", 2, "c");
      assertThat(log).hasToString("EventLog[a, 2, c]");
    }

    @Test
    void eventsFromManyThreadsAreAllKept() throws InterruptedException {
      EventLog log = new EventLog();
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int base = t * 1000;
        threads.add(Thread.ofVirtual().start(() -> IntStream.range(base, base + 1000).forEach(log::record)));
      }
      for (Thread t : threads) {
        t.join();
      }

      assertThat(log.events()).hasSize(8000).doesNotHaveDuplicates();
    }

    @Test
    void nullEventThrowsNullPointerException() {
      assertThatThrownBy(() -> new EventLog().record(null))
          .isInstanceOf(NullPointerException.class)
          .hasMessage("event");
    }
  }

  @Nested
  class Events {
    @Test
    void returnsAnUnmodifiableCopy() {
      EventLog log = new EventLog();
      log.record("a");
      List<Object> before = log.events();

      log.record("b");

      assertThat(before).containsExactly("a");
      assertThatThrownBy(() -> before.add("x")).isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Nested
  class AwaitCount {
    @Test
    void returnsOnceEnoughEventsArriveFromAnotherProcess(ProcessContext<Object> me) {
      EventLog log = new EventLog();
      recorderOnSignal(me, log, "a", "b", "c").send("go");

      assertThat(log.awaitCount(2)).startsWith("a", "b");
    }

    @Test
    void zeroReturnsAtOnce() {
      assertThat(new EventLog().awaitCount(0, SHORT)).isEmpty();
    }

    @Test
    void tooFewEventsFailListingTheRecordedOnes() {
      EventLog log = new EventLog();
      log.record("a");

      assertThatThrownBy(() -> log.awaitCount(2, SHORT))
          .isInstanceOf(AssertionFailedError.class)
          .hasMessage("expected at least 2 events within 50 ms, but the log holds [a]");
    }

    @Test
    void negativeArgumentsThrowIllegalArgumentException() {
      EventLog log = new EventLog();
      assertThatThrownBy(() -> log.awaitCount(-1))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("count must not be negative: -1");
      assertThatThrownBy(() -> log.awaitCount(1, Duration.ofMillis(-1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("timeout must not be negative: PT-0.001S");
    }
  }

  @Nested
  class AwaitSequence {
    @Test
    void passesWhenTheEventsArriveLaterInOrder(ProcessContext<Object> me) {
      EventLog log = new EventLog();
      log.record("start a");
      recorderOnSignal(me, log, "start b", "stop b", "stop a").send("go");

      log.awaitSequence("start a", "start b", "stop b", "stop a");
    }

    @Test
    void eventInTheWrongOrderFailsWithoutWaitingForTheRest() {
      EventLog log = new EventLog();
      log.record("stop b");

      // It must not wait a day: the class's @Timeout fails the test if it does.
      assertThatThrownBy(() -> log.awaitSequence(List.of("start a", "stop b", "stop a"), Duration.ofDays(1)))
          .isInstanceOf(AssertionFailedError.class)
          .hasMessage("expected exactly the events [start a, stop b, stop a] in this order, but the log holds [stop b]");
    }

    @Test
    void moreEventsThanExpectedFail() {
      EventLog log = new EventLog();
      log.record("a");
      log.record("b");
      log.record("c");

      assertThatThrownBy(() -> log.awaitSequence("a", "b"))
          .isInstanceOf(AssertionFailedError.class)
          .hasMessage("expected exactly the events [a, b] in this order, but the log holds [a, b, c]");
    }

    @Test
    void tooFewEventsFailWithThoseRecorded() {
      EventLog log = new EventLog();
      log.record("a");

      assertThatThrownBy(() -> log.awaitSequence(List.of("a", "b"), SHORT))
          .isInstanceOf(AssertionFailedError.class)
          .hasMessage("expected the events [a, b] within 50 ms, but only these were recorded: [a]");
    }

    @Test
    void failureCarriesTheExpectedAndActualListsForIdeDiffs() {
      EventLog log = new EventLog();
      log.record("b");

      assertThatThrownBy(() -> log.awaitSequence("a"))
          .isInstanceOfSatisfying(
              AssertionFailedError.class,
              e -> {
                assertThat(e.getExpected().getValue()).isEqualTo(List.of("a"));
                assertThat(e.getActual().getValue()).isEqualTo(List.of("b"));
              });
    }

    @Test
    void emptySequenceMatchesAnEmptyLog() {
      new EventLog().awaitSequence();
    }

    @Test
    void nullExpectedEventThrowsNullPointerException() {
      assertThatThrownBy(() -> new EventLog().awaitSequence("a", null))
          .isInstanceOf(NullPointerException.class);
    }
  }
}
