package dev.banyan;

import static dev.banyan.SignalProbe.WAIT;
import static dev.banyan.SignalProbe.awaitDown;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Stress of receive's park/wake handshake on virtual threads (review of branch perf): receivers
 * that wait with and without timeouts, woken by matching and non-matching messages from two
 * senders, and by kills. Seeded and bounded; a lost wake-up shows as a receiver that never
 * finishes (the class timeout) or a thread that does not end after its kill.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReceiveWakeStressTest {

  private static final long SEED = 0x5EED_BA4A4L;
  private static final int ROUNDS = 1_000;
  private static final int PER_SENDER = 40;
  private static final Duration[] TIMEOUTS = {
    Duration.ZERO, Duration.ofNanos(20_000), Duration.ofMillis(1), null // null: no timeout
  };

  private record Numbered(int sender, int seq) {}

  /** Sends {@code count} numbered messages, each followed now and then by a non-matching one. */
  private static ProcessBody<Object> sender(Pid<Object> to, int id, int count, long seed) {
    return ctx -> {
      Random r = new Random(seed);
      for (int i = 0; i < count; i++) {
        to.send(new Numbered(id, i));
        if (r.nextInt(4) == 0) {
          to.send("noise"); // wakes the receiver without a match
        }
      }
    };
  }

  /** Receives a {@code Numbered} with a timeout drawn from {@link #TIMEOUTS}. */
  private static Optional<Numbered> receiveWithRandomTimeout(ProcessContext<Object> ctx, Random r) {
    Duration t = TIMEOUTS[r.nextInt(TIMEOUTS.length)];
    return t == null ? Optional.of(ctx.receive(Numbered.class)) : ctx.receive(Numbered.class, t);
  }

  @Test
  @DisplayName(
      "CC-003: every message of two senders is received once, in each sender's order, whatever"
          + " the receiver's timeouts")
  void noWakeUpIsLostAndNoMessageTwice() throws Exception {
    Random random = new Random(SEED);
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      for (int round = 0; round < ROUNDS; round++) {
        long seed = random.nextLong();
        Pid<Object> receiver =
            node.spawn(
                ctx -> {
                  Random r = new Random(seed);
                  List<Numbered> got = new ArrayList<>();
                  while (got.size() < 2 * PER_SENDER) {
                    receiveWithRandomTimeout(ctx, r).ifPresent(got::add);
                  }
                  ctx.send(test, List.copyOf(got));
                });
        node.spawn(sender(receiver, 0, PER_SENDER, random.nextLong()));
        node.spawn(sender(receiver, 1, PER_SENDER, random.nextLong()));

        List<?> got = me.receive(List.class, WAIT).orElseThrow(
            () -> new AssertionError("lost wake-up: the receiver did not finish"));
        for (int s = 0; s < 2; s++) {
          int sender = s;
          List<Integer> seqs =
              got.stream()
                  .map(Numbered.class::cast)
                  .filter(n -> n.sender() == sender)
                  .map(Numbered::seq)
                  .toList();
          assertThat(seqs).as("round %d, sender %d", round, s).hasSize(PER_SENDER).isSorted();
          assertThat(seqs).doesNotHaveDuplicates();
        }
      }
    }
  }

  @Test
  @DisplayName(
      "CC-014: a receiver killed while messages wake it ends its thread (no receive sleeps on"
          + " after the death)")
  void aKillEndsAReceiverBeingWoken() throws Exception {
    Random random = new Random(SEED + 1);
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      for (int round = 0; round < ROUNDS; round++) {
        long seed = random.nextLong();
        Pid<Object> receiver =
            node.spawn(
                ctx -> {
                  ctx.send(test, Thread.currentThread());
                  Random r = new Random(seed);
                  for (; ; ) {
                    receiveWithRandomTimeout(ctx, r);
                  }
                });
        MonitorRef ref = me.monitor(receiver);
        Thread thread = me.receive(Thread.class, WAIT).orElseThrow();
        node.spawn(sender(receiver, 0, PER_SENDER, random.nextLong()));
        int killAfter = random.nextInt(PER_SENDER);
        node.spawn(
                ctx -> {
                  for (int i = 0; i < killAfter; i++) {
                    receiver.send(new Numbered(1, i));
                  }
                  ctx.exit(receiver, ExitReason.KILL);
                });
        assertThat(awaitDown(me, ref).reason()).isEqualTo(ExitReason.KILLED);
        assertThat(thread.join(WAIT)).as("round %d: the killed receiver's thread ended", round).isTrue();
      }
    }
  }
}
