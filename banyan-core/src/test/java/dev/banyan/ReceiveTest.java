package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The mailbox, its ordering and selective receive: otp-semantics §1.2 and §1.3 (CC-003 to
 * CC-007).
 *
 * <p>The timeout runs the test on a separate thread, so that a test stuck in an uninterruptible
 * {@code receive()} fails instead of blocking the build.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReceiveTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration QUIET = Duration.ofMillis(200);

  /** A message tagged with its sender's number and its position in that sender's sequence. */
  record Seq(int sender, int n) {}

  private static <T> T await(ProcessContext<?> me, Class<T> type) {
    return await(me, type, m -> true);
  }

  private static <T> T await(ProcessContext<?> me, Class<T> type, Predicate<? super T> filter) {
    return me.receive(type, filter, WAIT)
        .orElseThrow(
            () -> new AssertionError("no matching " + type.getSimpleName() + " in " + WAIT));
  }

  /** Takes every message that is already in the mailbox, oldest first. */
  private static List<Object> drain(ProcessContext<?> me) {
    List<Object> out = new ArrayList<>();
    for (Optional<Object> m = me.receive(Duration.ZERO);
        m.isPresent();
        m = me.receive(Duration.ZERO)) {
      out.add(m.get());
    }
    return out;
  }

  private static void sendAll(ProcessContext<Object> me, Object... messages) {
    for (Object m : messages) {
      me.self().send(m);
    }
  }

  @Nested
  class Ordering {

    @Test
    @DisplayName("CC-003: messages 1..1000 from one sender arrive in exactly that order")
    void messagesFromOneSenderArriveInSendOrder() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        me.spawn(
            ctx -> {
              for (int i = 1; i <= 1000; i++) {
                ctx.send(parent, i);
              }
            });

        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          got.add(await(me, Integer.class));
        }
        assertThat(got).isEqualTo(IntStream.rangeClosed(1, 1000).boxed().toList());
      }
    }

    @Test
    @DisplayName("CC-003: order holds whether the sender uses ctx.send, Pid.send or the name")
    void orderHoldsAcrossTheWaysToSend() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        me.register("receive-test-parent");
        me.spawn(
            ctx -> {
              for (int i = 1; i <= 300; i++) {
                switch (i % 3) {
                  case 0 -> ctx.send(parent, i);
                  case 1 -> parent.send(i);
                  default -> ctx.send("receive-test-parent", i);
                }
              }
            });

        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
          got.add(await(me, Integer.class));
        }
        assertThat(got).isEqualTo(IntStream.rangeClosed(1, 300).boxed().toList());
      }
    }

    @Test
    @DisplayName("CC-003: a thread that is not a process also has its sends delivered in order")
    void sendsFromAThreadThatIsNotAProcessArriveInOrder() throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        CompletableFuture.runAsync(
                () -> {
                  for (int i = 1; i <= 1000; i++) {
                    parent.send(i);
                  }
                })
            .get(5, TimeUnit.SECONDS);

        List<Integer> got = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          got.add(await(me, Integer.class));
        }
        assertThat(got).isEqualTo(IntStream.rangeClosed(1, 1000).boxed().toList());
      }
    }

    @Test
    @DisplayName("CC-003: with several senders, each sender's messages keep their order")
    void eachSendersMessagesKeepTheirOrderAmongOtherSenders() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        int senders = 4;
        int each = 500;
        for (int s = 0; s < senders; s++) {
          int sender = s;
          me.spawn(
              ctx -> {
                for (int n = 1; n <= each; n++) {
                  ctx.send(parent, new Seq(sender, n));
                }
              });
        }

        List<List<Integer>> perSender = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
          perSender.add(new ArrayList<>());
        }
        for (int i = 0; i < senders * each; i++) {
          Seq m = await(me, Seq.class);
          perSender.get(m.sender()).add(m.n());
        }
        // No order between senders is defined (otp-semantics §1.2); only within each one.
        for (List<Integer> got : perSender) {
          assertThat(got).isEqualTo(IntStream.rangeClosed(1, each).boxed().toList());
        }
      }
    }

    @Test
    @DisplayName("CC-004: a message forwarded by a third process arrives, in either order")
    void forwardedMessageArrivesButOrderIsNotTransitive() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> b = me.self();
        Pid<String> c = me.spawn(ctx -> ctx.send(b, ctx.receive(String.class)));
        me.spawn(
            ctx -> {
              ctx.send(b, "m1");
              ctx.send(c, "m2");
            });

        // CC-004: B may see m2 (forwarded by C) before m1, or after it. Nothing about their order
        // is guaranteed, so the test asserts only that both arrive, each exactly once.
        List<String> got = List.of(await(me, String.class), await(me, String.class));
        assertThat(got).containsExactlyInAnyOrder("m1", "m2");
        assertThat(me.receive(QUIET)).isEmpty();
      }
    }
  }

  @Nested
  class SelectiveReceive {

    @Test
    @DisplayName("CC-005: in [a, b, c] a receive for c takes c; then a, then b")
    void receiveTakesTheMatchAndLeavesTheOthersInOrder() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        sendAll(me, "a", "b", "c");

        assertThat(me.receive(String.class, "c"::equals)).isEqualTo("c");
        assertThat(me.receive()).isEqualTo("a");
        assertThat(me.receive()).isEqualTo("b");
        assertThat(me.receive(Duration.ZERO)).isEmpty();
      }
    }

    @Test
    @DisplayName(
        "CC-005: a receive by type takes the oldest of that type and keeps the others in order")
    void receiveByTypeKeepsTheOrderOfTheOthers() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        sendAll(me, "a", 1, "b", 2.5, 3);

        assertThat(me.receive(Integer.class)).isEqualTo(1);
        assertThat(me.receive(Integer.class)).isEqualTo(3);
        assertThat(drain(me)).containsExactly("a", "b", 2.5);
      }
    }

    @Test
    @DisplayName("CC-005: a type matches its subtypes")
    void typeMatchesSubtypes() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        sendAll(me, "a", 1, 2L);

        assertThat(me.receive(Number.class)).isEqualTo(1);
        assertThat(me.receive(CharSequence.class)).isEqualTo("a");
        assertThat(me.receive(Number.class)).isEqualTo(2L);
      }
    }

    @Test
    @DisplayName("CC-005: a receive by predicate keeps the order of the others")
    void receiveByPredicateKeepsTheOrderOfTheOthers() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        sendAll(me, 1, 2, 3, 4, 5, 6);

        assertThat(me.receive(Integer.class, n -> n % 2 == 0)).isEqualTo(2);
        assertThat(me.receive(Integer.class, n -> n % 2 == 0)).isEqualTo(4);
        assertThat(drain(me)).containsExactly(1, 3, 5, 6);
      }
    }

    @Test
    @DisplayName("CC-005: the predicate sees messages oldest first and stops at the first match")
    void predicateSeesMessagesOldestFirstAndStopsAtTheFirstMatch() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        sendAll(me, "x", 1, 2, 3, 4);
        List<Integer> seen = new ArrayList<>();

        int got = me.receive(Integer.class, n -> seen.add(n) && n == 3);

        assertThat(got).isEqualTo(3);
        assertThat(seen).containsExactly(1, 2, 3); // "x" is not an Integer: not shown to it
      }
    }

    @Test
    @DisplayName("CC-005: a receive that times out leaves the mailbox as it was")
    void receiveThatTimesOutLeavesTheMailboxAsItWas() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        sendAll(me, "a", 1, "b");

        assertThat(me.receive(Long.class, Duration.ofMillis(50))).isEmpty();
        assertThat(me.receive(String.class, "z"::equals, Duration.ofMillis(50))).isEmpty();
        assertThat(drain(me)).containsExactly("a", 1, "b");
      }
    }

    @Test
    @DisplayName("CC-005: a waiting receive takes a matching message that arrives after others")
    void waitingReceiveTakesAMatchThatArrivesAfterNonMatchingOnes() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        Pid<String> sender =
            me.spawn(
                ctx -> {
                  ctx.receive(String.class);
                  for (int i = 0; i < 10; i++) {
                    ctx.send(parent, "noise-" + i);
                  }
                  ctx.send(parent, 42);
                });

        me.send(sender, "go");
        assertThat(me.receive(Integer.class, WAIT)).contains(42);
        assertThat(drain(me))
            .containsExactlyElementsOf(IntStream.range(0, 10).mapToObj(i -> "noise-" + i).toList());
      }
    }

    @Test
    @DisplayName("A predicate's exception propagates out of receive and leaves the mailbox intact")
    void predicateExceptionPropagatesAndLeavesTheMailboxIntact() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        sendAll(me, "a", "b", "c");
        IllegalStateException failure = new IllegalStateException("deliberate predicate failure");

        assertThatThrownBy(
                () ->
                    me.receive(
                        String.class,
                        s -> {
                          if (s.equals("b")) {
                            throw failure;
                          }
                          return false;
                        }))
            .isSameAs(failure);

        assertThat(me.self().isAlive()).isTrue();
        assertThat(node.processInfo(me.self()).orElseThrow().mailboxLength()).isEqualTo(3);
        assertThat(drain(me)).containsExactly("a", "b", "c");
      }
    }

    @Test
    @DisplayName("A predicate's exception on a message that arrives while waiting ends the wait")
    void predicateExceptionOnALateArrivalEndsTheWait() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        Pid<String> sender = me.spawn(ctx -> ctx.send(parent, ctx.receive(String.class) + "-bad"));
        sendAll(me, "early");
        me.send(sender, "late");

        assertThatThrownBy(
                () ->
                    me.receive(
                        String.class,
                        s -> {
                          if (s.endsWith("-bad")) {
                            throw new IllegalStateException("deliberate: " + s);
                          }
                          return false;
                        },
                        WAIT))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("deliberate: late-bad");

        assertThat(drain(me)).containsExactly("early", "late-bad");
      }
    }

    @Test
    void rejectsNullArguments() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        sendAll(me, "kept");
        Predicate<Object> any = m -> true;

        assertThatNullPointerException()
            .isThrownBy(() -> me.receive((Duration) null))
            .withMessage("timeout");
        assertThatNullPointerException()
            .isThrownBy(() -> me.receive((Class<?>) null))
            .withMessage("type");
        assertThatNullPointerException()
            .isThrownBy(() -> me.receive(null, WAIT))
            .withMessage("type");
        assertThatNullPointerException()
            .isThrownBy(() -> me.receive(String.class, (Duration) null))
            .withMessage("timeout");
        assertThatNullPointerException()
            .isThrownBy(() -> me.receive(null, any))
            .withMessage("type");
        assertThatNullPointerException()
            .isThrownBy(() -> me.receive(Object.class, (Predicate<Object>) null))
            .withMessage("filter");
        assertThatNullPointerException()
            .isThrownBy(() -> me.receive(Object.class, null, WAIT))
            .withMessage("filter");
        assertThatNullPointerException()
            .isThrownBy(() -> me.receive(Object.class, any, null))
            .withMessage("timeout");

        assertThat(drain(me)).containsExactly("kept");
      }
    }
  }

  @Nested
  class Timeouts {

    @Test
    @DisplayName("CC-006: after 0 on an empty mailbox returns empty without blocking")
    void zeroTimeoutOnAnEmptyMailboxReturnsEmpty() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        assertThat(me.receive(Duration.ZERO)).isEmpty();
        assertThat(me.receive(String.class, Duration.ZERO)).isEmpty();
        assertThat(me.receive(String.class, s -> true, Duration.ZERO)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-006: after 0 with a matching message present returns it")
    void zeroTimeoutWithAMatchPresentReturnsIt() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        sendAll(me, "a", 1, "b", 2);

        assertThat(me.receive(Integer.class, Duration.ZERO)).contains(1);
        assertThat(me.receive(Integer.class, n -> n == 2, Duration.ZERO)).contains(2);
        assertThat(me.receive(Duration.ZERO)).contains("a");
        assertThat(me.receive(Duration.ZERO)).contains("b");
      }
    }

    @Test
    @DisplayName("CC-006: after 0 with only non-matching messages returns empty and keeps them")
    void zeroTimeoutWithoutAMatchReturnsEmptyAndKeepsTheMessages() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        sendAll(me, "a", 1, "b");

        assertThat(me.receive(Long.class, Duration.ZERO)).isEmpty();
        assertThat(me.receive(String.class, "z"::equals, Duration.ZERO)).isEmpty();
        assertThat(drain(me)).containsExactly("a", 1, "b");
      }
    }

    @Test
    @DisplayName("CC-006: after 0 sees a message another process sent before it")
    void zeroTimeoutSeesAMessageAlreadyDelivered() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        Spawned<Object> sender = me.spawnMonitor(ctx -> ctx.send(parent, "delivered"));
        // The sender's message precedes its DOWN (otp-semantics §1.2), so once the DOWN is here
        // the message is already in the mailbox.
        await(me, Down.class, d -> d.ref().equals(sender.ref()));

        assertThat(me.receive(String.class, Duration.ZERO)).contains("delivered");
      }
    }

    @Test
    @DisplayName("CC-007: non-matching arrivals (by predicate) do not extend a receive's timeout")
    void nonMatchingArrivalsDoNotExtendTheTimeout() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Spawned<String> noisy = startNoise(me);
        try {
          // If arrivals reset the timer, this never returns and the test times out.
          assertThat(me.receive(String.class, "x"::equals, QUIET)).isEmpty();
        } finally {
          noisy.pid().send("stop");
        }
        await(me, Down.class, d -> d.ref().equals(noisy.ref()));
        assertThat(drain(me)).isNotEmpty().allMatch("noise"::equals); // it was noisy meanwhile
      }
    }

    @Test
    @DisplayName("CC-007: non-matching arrivals (by type) do not extend a receive's timeout")
    void nonMatchingArrivalsByTypeDoNotExtendTheTimeout() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Spawned<String> noisy = startNoise(me);
        try {
          assertThat(me.receive(Integer.class, QUIET)).isEmpty();
        } finally {
          noisy.pid().send("stop");
        }
        await(me, Down.class, d -> d.ref().equals(noisy.ref()));
        assertThat(drain(me)).isNotEmpty().allMatch("noise"::equals);
      }
    }

    /**
     * Starts a process that sends "noise" to {@code me} every few milliseconds until it receives
     * "stop"; returns once the first noise has arrived (and been taken), so the noise is flowing.
     */
    private Spawned<String> startNoise(AttachedProcess<Object> me) {
      Pid<Object> parent = me.self();
      Spawned<String> noisy =
          me.spawnMonitor(
              ctx -> {
                do {
                  ctx.send(parent, "noise");
                } while (ctx.receive(String.class, "stop"::equals, Duration.ofMillis(3)).isEmpty());
              });
      await(me, String.class, "noise"::equals);
      return noisy;
    }

    static Stream<Duration> negativeTimeouts() {
      return Stream.of(Duration.ofNanos(-1), Duration.ofMillis(-1), Duration.ofDays(-1));
    }

    @ParameterizedTest
    @MethodSource("negativeTimeouts")
    @DisplayName("CC-007: a negative timeout is refused, naming the value, on every overload")
    void negativeTimeoutIsRefusedNamingTheValue(Duration negative) {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        sendAll(me, "kept");

        assertThatIllegalArgumentException()
            .isThrownBy(() -> me.receive(negative))
            .withMessageContaining(negative.toString());
        assertThatIllegalArgumentException()
            .isThrownBy(() -> me.receive(String.class, negative))
            .withMessageContaining(negative.toString());
        assertThatIllegalArgumentException()
            .isThrownBy(() -> me.receive(String.class, s -> true, negative))
            .withMessageContaining(negative.toString());

        assertThat(drain(me)).containsExactly("kept"); // a refused receive takes nothing
      }
    }

    /*
     * JVM difference (CC-007): Erlang accepts only 0..4294967295 ms (about 49.7 days) or
     * 'infinity' in 'after'. A Duration has no such limit: every non-negative Duration is
     * accepted, and one too long to count in nanoseconds is as good as infinity.
     */
    static Stream<Duration> longTimeouts() {
      return Stream.of(
          Duration.ofMillis(4_294_967_296L), // one past Erlang's largest 'after' value
          Duration.ofDays(50),
          Duration.ofDays(365_000),
          Duration.ofSeconds(Long.MAX_VALUE, 999_999_999)); // the longest Duration
    }

    @ParameterizedTest
    @MethodSource("longTimeouts")
    @DisplayName("CC-007: timeouts beyond Erlang's limit are accepted (a JVM difference)")
    void timeoutsBeyondErlangsLimitAreAccepted(Duration longTimeout) {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        sendAll(me, "present");
        assertThat(me.receive(longTimeout)).contains("present");

        Pid<Object> parent = me.self();
        Pid<String> sender =
            me.spawn(ctx -> ctx.send(parent, ctx.receive(String.class) + "-reply"));
        me.send(sender, "late");
        assertThat(me.receive(String.class, longTimeout)).contains("late-reply");
      }
    }
  }
}
