package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.banyan.Task.StreamOptions;
import dev.banyan.Task.StreamOptions.OnTimeout;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class AsyncStreamTest {
  /** How long to wait for something that must not come. */
  private static final Duration NOTHING = Duration.ofMillis(150);

  /** How long to wait for something that must come. */
  private static final Duration LONG = Duration.ofSeconds(5);

  private static final StreamOptions OPTIONS = StreamOptions.defaults();

  /** Blocks until {@code gate} opens; a killed task's thread is interrupted out of it. */
  private static void pass(CountDownLatch gate) {
    try {
      gate.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * A function whose tasks block until killed; each records its thread, so that the test can
   * check that every task that started was stopped.
   */
  private static Function<Integer, Integer> blockingRecorded(List<Thread> threads) {
    return i -> {
      threads.add(Thread.currentThread());
      pass(new CountDownLatch(1));
      return i;
    };
  }

  /** Asserts that every recorded task thread ends (it does once its process is killed). */
  private static void assertAllEnd(List<Thread> threads) throws InterruptedException {
    for (Thread t : threads) {
      assertThat(t.join(LONG)).as("thread %s ended", t.getName()).isTrue();
    }
  }

  private static <R> Task.Ok<R> ok(R value) {
    return new Task.Ok<>(value);
  }

  @Nested
  class Laziness {
    @Test
    void nothingRunsUntilTheStreamIsConsumed() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        AtomicInteger iterated = new AtomicInteger();
        AtomicInteger called = new AtomicInteger();
        Iterable<Integer> inputs =
            () -> {
              iterated.incrementAndGet();
              return List.of(1, 2, 3).iterator();
            };
        int before = node.processCount();
        Stream<Task.Result<Integer>> results =
            Task.asyncStream(
                me,
                inputs,
                i -> {
                  called.incrementAndGet();
                  return i * 10;
                });
        assertThat(iterated).hasValue(0);
        assertThat(called).hasValue(0);
        assertThat(node.processCount()).isEqualTo(before);
        assertThat(results.toList()).containsExactly(ok(10), ok(20), ok(30));
        assertThat(iterated).hasValue(1);
        assertThat(called).hasValue(3);
      }
    }

    @Test
    void anInputIsPulledOnlyWhenASlotIsFreeAndTheConsumerAsksForMore() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        AtomicInteger pulled = new AtomicInteger();
        Iterable<Integer> inputs =
            () ->
                new Iterator<>() {
                  private int next;

                  @Override
                  public boolean hasNext() {
                    return next < 3;
                  }

                  @Override
                  public Integer next() {
                    pulled.incrementAndGet();
                    return next++;
                  }
                };
        Iterator<Task.Result<Integer>> results =
            Task.asyncStream(me, inputs, i -> i * 10, OPTIONS.withMaxConcurrency(1)).iterator();
        assertThat(pulled).hasValue(0);
        assertThat(results.next()).isEqualTo(ok(0));
        assertThat(pulled).hasValue(1);
        assertThat(results.next()).isEqualTo(ok(10));
        assertThat(pulled).hasValue(2);
        assertThat(results.next()).isEqualTo(ok(20));
        assertThat(pulled).hasValue(3);
        assertThat(results.hasNext()).isFalse();
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void inputsCanComeFromAStreamWhichIsClosedWithTheResults() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        AtomicBoolean inputsClosed = new AtomicBoolean();
        Stream<Integer> inputs = Stream.of(1, 2, 3).onClose(() -> inputsClosed.set(true));
        try (Stream<Task.Result<Integer>> results =
            Task.asyncStream(me, inputs, i -> i + 1, OPTIONS.withMaxConcurrency(2))) {
          assertThat(results.toList()).containsExactly(ok(2), ok(3), ok(4));
        }
        assertThat(inputsClosed).isTrue();
      }
    }
  }

  @Nested
  class Concurrency {
    @Test
    void atMostMaxConcurrencyTasksRunAtOnce() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        List<CountDownLatch> gates =
            List.of(new CountDownLatch(1), new CountDownLatch(1), new CountDownLatch(1));
        node.spawn(
            ctx -> {
              Task.asyncStream(
                      ctx,
                      List.of(0, 1, 2),
                      i -> {
                        test.send("started " + i);
                        pass(gates.get(i));
                        return i;
                      },
                      OPTIONS.withMaxConcurrency(2))
                  .forEach(test::send);
              test.send("end");
            });
        assertThat(me.receive(String.class, s -> s.equals("started 0"), LONG)).isPresent();
        assertThat(me.receive(String.class, s -> s.equals("started 1"), LONG)).isPresent();
        assertThat(me.receive(NOTHING)).isEmpty(); // two run; the third waits for a free slot
        gates.get(1).countDown(); // frees a slot, while the consumer still waits for 0
        assertThat(me.receive(LONG)).contains("started 2");
        assertThat(me.receive(NOTHING)).isEmpty(); // 1 is kept until 0 is handed over
        gates.get(0).countDown();
        assertThat(me.receive(LONG)).contains(ok(0));
        assertThat(me.receive(LONG)).contains(ok(1));
        gates.get(2).countDown();
        assertThat(me.receive(LONG)).contains(ok(2));
        assertThat(me.receive(LONG)).contains("end");
      }
    }

    @Test
    @DisplayName("CC-166: maxConcurrency 0 is refused")
    void maxConcurrencyBelowOneIsRefused() {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> OPTIONS.withMaxConcurrency(0));
      assertThat(e.getMessage()).contains("maxConcurrency", "0");
    }

    @Test
    void theDefaultsAreOneTaskPerProcessorOrderedFiveSecondsAndExit() {
      StreamOptions d = StreamOptions.defaults();
      assertThat(d.maxConcurrency()).isEqualTo(Runtime.getRuntime().availableProcessors());
      assertThat(d.ordered()).isTrue();
      assertThat(d.timeout()).isEqualTo(Duration.ofSeconds(5));
      assertThat(d.onTimeout()).isEqualTo(OnTimeout.EXIT);
      assertThrows(IllegalArgumentException.class, () -> d.withTimeout(Duration.ofMillis(-1)));
    }
  }

  /**
   * Ordering: the consumer is another process, and the test opens the tasks' gates one by one.
   */
  @Nested
  class Ordering {
    private Pid<Object> consume(
        Node node, Pid<Object> test, List<CountDownLatch> gates, boolean ordered) {
      return node.spawn(
          ctx -> {
            List<Integer> inputs = List.of(0, 1, 2);
            StreamOptions options = OPTIONS.withMaxConcurrency(3).withOrdered(ordered);
            try (Stream<Task.Result<Integer>> results =
                Task.asyncStream(
                    ctx,
                    inputs,
                    i -> {
                      pass(gates.get(i));
                      return i;
                    },
                    options)) {
              results.forEach(test::send);
            }
            test.send("end");
          });
    }

    @Test
    @DisplayName("CC-166: ordered results come in input order")
    void orderedResultsComeInInputOrder() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        List<CountDownLatch> gates =
            List.of(new CountDownLatch(1), new CountDownLatch(1), new CountDownLatch(1));
        consume(node, me.self(), gates, true);
        gates.get(2).countDown();
        assertThat(me.receive(NOTHING)).isEmpty(); // 2 is done, but 0 is not
        gates.get(0).countDown();
        assertThat(me.receive(LONG)).contains(ok(0));
        gates.get(1).countDown();
        assertThat(me.receive(LONG)).contains(ok(1));
        assertThat(me.receive(LONG)).contains(ok(2));
        assertThat(me.receive(LONG)).contains("end");
      }
    }

    @Test
    @DisplayName("CC-166: unordered results come in completion order")
    void unorderedResultsComeInCompletionOrder() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        List<CountDownLatch> gates =
            List.of(new CountDownLatch(1), new CountDownLatch(1), new CountDownLatch(1));
        consume(node, me.self(), gates, false);
        gates.get(2).countDown();
        assertThat(me.receive(LONG)).contains(ok(2));
        gates.get(0).countDown();
        assertThat(me.receive(LONG)).contains(ok(0));
        gates.get(1).countDown();
        assertThat(me.receive(LONG)).contains(ok(1));
        assertThat(me.receive(LONG)).contains("end");
      }
    }
  }

  @Nested
  class Timeouts {
    @Test
    @DisplayName("CC-166: a timeout with EXIT fails the consumer, kills the tasks, leaves nothing")
    void aTimeoutWithExitFailsTheConsumerAndKillsEveryTask() throws InterruptedException {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        List<Thread> threads = new CopyOnWriteArrayList<>();
        StreamOptions options = OPTIONS.withMaxConcurrency(2).withTimeout(Duration.ZERO);
        CallException e =
            assertThrows(
                CallException.class,
                () -> {
                  try (Stream<Task.Result<Integer>> results =
                      Task.asyncStream(me, List.of(1, 2, 3), blockingRecorded(threads), options)) {
                    results.toList();
                  }
                });
        assertThat(e.failure()).isEqualTo(CallException.TIMEOUT);
        assertThat(e.call().function()).isEqualTo("Task.Supervised.stream");
        assertThat(e.call().args()).containsExactly(Duration.ZERO);
        assertAllEnd(threads);
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-166: a timeout with KILL_TASK gives Exited(timeout) elements")
    void aTimeoutWithKillTaskGivesExitedTimeout() throws InterruptedException {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        List<Thread> threads = new CopyOnWriteArrayList<>();
        StreamOptions options =
            OPTIONS.withMaxConcurrency(2).withTimeout(Duration.ZERO).withOnTimeout(OnTimeout.KILL_TASK);
        List<Task.Result<Integer>> results =
            Task.asyncStream(me, List.of(1, 2, 3), blockingRecorded(threads), options).toList();
        Task.Exited<Integer> timedOut = new Task.Exited<>(CallException.TIMEOUT);
        assertThat(results).containsExactly(timedOut, timedOut, timedOut);
        assertAllEnd(threads);
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void onlyTheTaskThatRunsOutOfTimeIsKilled() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        StreamOptions options =
            OPTIONS
                .withMaxConcurrency(2)
                .withTimeout(Duration.ofSeconds(1))
                .withOnTimeout(OnTimeout.KILL_TASK);
        List<Task.Result<String>> results =
            Task.asyncStream(
                    me,
                    List.of("fast", "slow"),
                    s -> {
                      if (s.equals("slow")) {
                        pass(new CountDownLatch(1));
                      }
                      return s;
                    },
                    options)
                .toList();
        assertThat(results).containsExactly(ok("fast"), new Task.Exited<>(CallException.TIMEOUT));
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }
  }

  @Nested
  class Crashes {
    @Test
    void aCrashingTaskKillsANonTrappingConsumerWithTheSameReason() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        IllegalStateException boom = new IllegalStateException("boom");
        Spawned<Object> consumer =
            me.spawnMonitor(
                ctx ->
                    Task.asyncStream(
                            ctx,
                            List.of(1, 2),
                            i -> {
                              if (i == 2) {
                                throw boom;
                              }
                              return i;
                            })
                        .toList());
        Down down = me.receive(Down.class, d -> d.ref().equals(consumer.ref()), LONG).orElseThrow();
        assertThat(down.reason()).isEqualTo(new ExitReason.Crashed(boom));
      }
    }

    @Test
    void aTrappingConsumerSeesExitedElementsAndNoExitMessages() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        IllegalStateException boom = new IllegalStateException("boom");
        List<Task.Result<Integer>> results =
            Task.asyncStream(
                    me,
                    List.of(1, 2, 3),
                    i -> {
                      if (i == 2) {
                        throw boom;
                      }
                      return i;
                    },
                    OPTIONS.withMaxConcurrency(2))
                .toList();
        assertThat(results)
            .containsExactly(ok(1), new Task.Exited<>(new ExitReason.Crashed(boom)), ok(3));
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }
  }

  @Nested
  class Closing {
    @Test
    void closingEarlyKillsTheRunningTasksAndLeavesNoMessages() throws InterruptedException {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        List<Thread> threads = new CopyOnWriteArrayList<>();
        Function<Integer, Integer> blocking = blockingRecorded(threads);
        Optional<Task.Result<Integer>> first;
        try (Stream<Task.Result<Integer>> results =
            Task.asyncStream(
                me,
                List.of(0, 1, 2, 3),
                i -> i == 0 ? 0 : blocking.apply(i),
                OPTIONS.withMaxConcurrency(4))) {
          first = results.findFirst();
        }
        assertThat(first).contains(ok(0));
        assertAllEnd(threads);
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void anExceptionInTheConsumerClosesTheStream() throws InterruptedException {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        List<Thread> threads = new CopyOnWriteArrayList<>();
        Function<Integer, Integer> blocking = blockingRecorded(threads);
        Stream<Task.Result<Integer>> results =
            Task.asyncStream(
                me,
                List.of(0, 1, 2),
                i -> i == 0 ? 0 : blocking.apply(i),
                OPTIONS.withMaxConcurrency(3));
        IllegalStateException e =
            assertThrows(
                IllegalStateException.class,
                () ->
                    results.forEach(
                        r -> {
                          throw new IllegalStateException("consumer failed on " + r);
                        }));
        assertThat(e.getMessage()).contains("Ok[value=0]");
        assertAllEnd(threads);
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void aStreamConsumedToTheEndLeavesNoMessagesEvenWhenTrappingExits() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        List<Task.Result<Integer>> results =
            Task.asyncStream(me, List.of(1, 2, 3, 4), i -> -i, OPTIONS.withOrdered(false)).toList();
        assertThat(results).containsExactlyInAnyOrder(ok(-1), ok(-2), ok(-3), ok(-4));
        assertThat(me.receive(NOTHING)).isEmpty();
      }
    }

    @Test
    void onlyTheOwnersThreadCanConsumeTheStream() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Stream<Task.Result<Integer>> results = Task.asyncStream(me, List.of(1), i -> i);
        node.spawn(
            c -> {
              try {
                results.toList();
              } catch (WrongThreadException e) {
                c.send(test, "refused");
              }
            });
        assertThat(me.receive(String.class, LONG)).contains("refused");
      }
    }
  }
}
