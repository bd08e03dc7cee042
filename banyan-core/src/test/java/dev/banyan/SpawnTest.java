package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Creating processes and how they end: otp-semantics §1.1 and §1.6 (CC-001, CC-002, CC-011).
 *
 * <p>The timeout runs the test on a separate thread, so that a test stuck in an uninterruptible
 * {@code receive()} fails instead of blocking the build.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SpawnTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration QUIET = Duration.ofMillis(200);

  /** What a child reports about itself, from its own thread. */
  record Started(Pid<?> self, Thread thread) {}

  private static <T> T await(ProcessContext<?> me, Class<T> type) {
    return await(me, type, m -> true);
  }

  private static <T> T await(ProcessContext<?> me, Class<T> type, Predicate<? super T> filter) {
    return me.receive(type, filter, WAIT)
        .orElseThrow(
            () -> new AssertionError("no matching " + type.getSimpleName() + " in " + WAIT));
  }

  private static Down awaitDown(ProcessContext<?> me, MonitorRef ref) {
    return await(me, Down.class, d -> d.ref().equals(ref));
  }

  @Nested
  class Spawn {

    @Test
    void runsTheBodyOnAVirtualThreadNamedAfterThePid() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        Pid<Object> child =
            node.spawn(ctx -> parent.send(new Started(ctx.self(), Thread.currentThread())));

        Started s = await(me, Started.class);
        assertThat(s.self()).isEqualTo(child);
        assertThat(s.thread().isVirtual()).isTrue();
        assertThat(s.thread().getName()).isEqualTo(child.toString());
      }
    }

    @Test
    void pidIsPrintedLikeAnErlangLocalPidAndNamesItsNode() {
      try (Node node = Node.start("spawn@localhost");
          AttachedProcess<Object> me = node.attach()) {
        Pid<String> child = me.spawn(ctx -> ctx.receive());

        assertThat(child.toString())
            .matches("<0\\.\\d+\\.\\d+>")
            .isEqualTo("<0." + child.id() + "." + child.serial() + ">");
        assertThat(child.node()).isEqualTo("spawn@localhost");
        assertThat(child.creation()).isEqualTo(node.creation());
        assertThat(child.isAlive()).isTrue();
      }
    }

    @ParameterizedTest
    @MethodSource("dev.banyan.SpawnTest#pidNumbers")
    void pidTextHasEveryDigitOfIdAndSerial(long number) {
      Pid<Object> pid = new Pid<>("spawn@localhost", 1, number, null);

      assertThat(pid.toString()).isEqualTo("<0." + pid.id() + "." + pid.serial() + ">");
    }

    @Test
    void everySpawnGivesANewPid() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Set<Pid<?>> pids = new HashSet<>();
        for (int i = 0; i < 100; i++) {
          pids.add(node.spawn(ctx -> {}));
          pids.add(me.spawn(ctx -> {}));
        }
        assertThat(pids).hasSize(200).doesNotContain(me.self());
      }
    }

    @Test
    void worksFromAThreadThatIsNotAProcess() throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        Pid<Object> child =
            CompletableFuture.supplyAsync(
                    () ->
                        node.spawn(
                            ctx -> parent.send(new Started(ctx.self(), Thread.currentThread()))))
                .get(5, TimeUnit.SECONDS);

        assertThat(await(me, Started.class).self()).isEqualTo(child);
      }
    }

    @Test
    void countsTheProcessUntilItEnds() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Spawned<String> child = me.spawnMonitor(ctx -> ctx.receive(String.class));
        assertThat(node.processCount()).isEqualTo(2); // me and the child
        assertThat(node.processes()).containsExactlyInAnyOrder(me.self(), child.pid());

        child.pid().send("stop");
        awaitDown(me, child.ref());
        assertThat(node.processCount()).isEqualTo(1);
        assertThat(node.processes()).containsExactly(me.self());
      }
    }

    @Test
    void rejectsANullBody() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        assertThatNullPointerException()
            .isThrownBy(() -> node.spawn(null))
            .withMessageContaining("body");
        assertThatNullPointerException()
            .isThrownBy(() -> me.spawn(null))
            .withMessageContaining("body");
        assertThatNullPointerException()
            .isThrownBy(() -> me.spawnLink(null))
            .withMessageContaining("body");
        assertThatNullPointerException()
            .isThrownBy(() -> me.spawnMonitor(null))
            .withMessageContaining("body");
        assertThat(node.processCount()).isEqualTo(1);
      }
    }
  }

  @Nested
  class SpawnLink {

    @Test
    @DisplayName("CC-001: a child that exits at once kills its non-trapping parent with its reason")
    void childThatExitsAtOnceKillsNonTrappingParentWithItsReason() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        for (int i = 0; i < 20; i++) {
          Spawned<Object> parent =
              me.spawnMonitor(
                  ctx -> {
                    ctx.spawnLink(c -> c.exit(ExitReason.of("boom")));
                    ctx.receive(); // never matched: the link kills this process first
                  });
          assertThat(awaitDown(me, parent.ref()).reason()).isEqualTo(ExitReason.of("boom"));
        }
      }
    }

    @Test
    @DisplayName("CC-001: a trapping parent gets {'EXIT', Child, boom}, never noproc")
    void trappingParentGetsExitWithTheChildsReasonNeverNoproc() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        for (int i = 0; i < 20; i++) {
          Pid<Object> child = me.spawnLink(c -> c.exit(ExitReason.of("boom")));
          Exit exit = await(me, Exit.class);
          assertThat(exit).isEqualTo(new Exit(child, ExitReason.of("boom")));
        }
        assertThat(me.receive(Exit.class, QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-001: the link exists when the child runs its first instruction")
    void linkExistsWhenTheChildRunsItsFirstInstruction() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        Pid<Object> child =
            me.spawnLink(ctx -> parent.send(ctx.node().processInfo(ctx.self()).orElseThrow()));

        ProcessInfo seenByChild = await(me, ProcessInfo.class);
        assertThat(seenByChild.pid()).isEqualTo(child);
        assertThat(seenByChild.links()).containsExactly(parent);
      }
    }

    @Test
    @DisplayName(
        "CC-001, CC-011: a child that throws gives a trapping parent Crashed with the exception")
    void childThatThrowsGivesTrappingParentCrashedWithTheException() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        IllegalStateException failure = new IllegalStateException("deliberate failure");
        Pid<Object> child =
            me.spawnLink(
                c -> {
                  throw failure;
                });

        Exit exit = await(me, Exit.class);
        assertThat(exit.from()).isEqualTo(child);
        assertThat(exit.reason()).isInstanceOf(ExitReason.Crashed.class);
        assertThat(((ExitReason.Crashed) exit.reason()).cause()).isSameAs(failure);
      }
    }
  }

  @Nested
  class SpawnMonitor {

    @Test
    @DisplayName("CC-002: a child that exits at once with x yields exactly one DOWN(Ref, Pid, x)")
    void childThatExitsAtOnceYieldsExactlyOneDown() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Spawned<Object> child = me.spawnMonitor(c -> c.exit(ExitReason.of("x")));

        Down down = awaitDown(me, child.ref());
        assertThat(down).isEqualTo(new Down(child.ref(), child.pid(), ExitReason.of("x")));
        assertThat(me.receive(Down.class, QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-002: the monitor exists when the child runs its first instruction")
    void monitorExistsWhenTheChildRunsItsFirstInstruction() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        Spawned<Object> child =
            me.spawnMonitor(ctx -> parent.send(ctx.node().processInfo(ctx.self()).orElseThrow()));

        ProcessInfo seenByChild = await(me, ProcessInfo.class);
        assertThat(seenByChild.pid()).isEqualTo(child.pid());
        assertThat(seenByChild.monitoredBy()).containsExactly(parent);
        assertThat(seenByChild.links()).isEmpty();
      }
    }

    @Test
    @DisplayName("CC-002: every spawnMonitor creates a new reference")
    void everyCallCreatesANewReference() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Spawned<Object> a = me.spawnMonitor(c -> {});
        Spawned<Object> b = me.spawnMonitor(c -> {});
        assertThat(a.ref()).isNotEqualTo(b.ref());
        assertThat(awaitDown(me, a.ref()).target()).isEqualTo(a.pid());
        assertThat(awaitDown(me, b.ref()).target()).isEqualTo(b.pid());
      }
    }

    @Test
    @DisplayName("CC-002: a crashing monitored child does not affect the non-trapping parent")
    void crashingChildDoesNotAffectTheParent() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Spawned<Object> child = me.spawnMonitor(c -> c.exit(ExitReason.of("boom")));

        assertThat(awaitDown(me, child.ref()).reason()).isEqualTo(ExitReason.of("boom"));
        assertThat(me.self().isAlive()).isTrue();
        assertThat(me.receive(Exit.class, QUIET)).isEmpty();
      }
    }
  }

  /** CC-011: how the way a body ends becomes the process's exit reason. */
  @Nested
  class ExitReasons {

    static Stream<Arguments> endings() {
      RuntimeException runtime = new IllegalStateException("deliberate");
      Exception checked = new java.io.IOException("deliberate");
      Error error = new AssertionError("deliberate");
      return Stream.of(
          Arguments.of("return", (ProcessBody<Object>) c -> {}, ExitReason.NORMAL),
          // Erlang distinguishes error(E) and throw(V) ({E, Stack} vs {{nocatch, V}, Stack}); in
          // Java every Throwable that escapes the body is a crash carrying the Throwable itself.
          Arguments.of("throw unchecked", thrower(runtime), new ExitReason.Crashed(runtime)),
          Arguments.of("throw checked", thrower(checked), new ExitReason.Crashed(checked)),
          Arguments.of("throw Error", thrower(error), new ExitReason.Crashed(error)),
          Arguments.of("exit(r)", exiting(ExitReason.of("r")), ExitReason.of("r")),
          Arguments.of("exit(normal)", exiting(ExitReason.NORMAL), ExitReason.NORMAL),
          Arguments.of("exit(shutdown)", exiting(ExitReason.SHUTDOWN), ExitReason.SHUTDOWN),
          Arguments.of(
              "exit({shutdown, detail})",
              exiting(ExitReason.shutdown("detail")),
              ExitReason.shutdown("detail")),
          Arguments.of(
              "throw new ExitException(r)",
              thrower(new ExitException(ExitReason.of(List.of("r", 1)))),
              ExitReason.of(List.of("r", 1))));
    }

    private static ProcessBody<Object> thrower(Throwable t) {
      return c -> {
        if (t instanceof Exception e) {
          throw e;
        }
        throw (Error) t;
      };
    }

    private static ProcessBody<Object> exiting(ExitReason reason) {
      return c -> c.exit(reason);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("endings")
    @DisplayName("CC-011: the way the body ends gives the exit reason")
    void theWayTheBodyEndsGivesTheExitReason(
        String how, ProcessBody<Object> body, ExitReason expected) {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Spawned<Object> child = me.spawnMonitor(body);
        assertThat(awaitDown(me, child.ref()).reason()).isEqualTo(expected);
      }
    }

    @Test
    @DisplayName("CC-011: a crash reason carries the very exception the body threw")
    void crashReasonCarriesTheVeryException() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        UnsupportedOperationException thrown = new UnsupportedOperationException("deliberate");
        Spawned<Object> child =
            me.spawnMonitor(
                c -> {
                  throw thrown;
                });

        ExitReason reason = awaitDown(me, child.ref()).reason();
        assertThat(reason)
            .isInstanceOfSatisfying(
                ExitReason.Crashed.class, c -> assertThat(c.cause()).isSameAs(thrown));
        assertThat(reason.isAbnormal()).isTrue();
      }
    }

    @Test
    @DisplayName("CC-011: an ExitException that the body catches does not end the process")
    void caughtExitExceptionDoesNotEndTheProcess() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> parent = me.self();
        Spawned<Object> child =
            me.spawnMonitor(
                c -> {
                  try {
                    c.exit(ExitReason.of("caught"));
                  } catch (ExitException e) {
                    parent.send(e.reason());
                  }
                });

        assertThat(await(me, ExitReason.class)).isEqualTo(ExitReason.of("caught"));
        assertThat(awaitDown(me, child.ref()).reason()).isEqualTo(ExitReason.NORMAL);
      }
    }
  }

  /** Pid numbers at the digit boundaries of the id (28 bits) and the serial (the bits above). */
  static Stream<Long> pidNumbers() {
    return Stream.of(
        0L, 9L, 10L, 99L, 100L, 123_456L, 0x0FFF_FFFFL, 1L << 28, (10L << 28) | 7, (12_345L << 28) | 0x0FFF_FFFFL,
        (long) Integer.MAX_VALUE << 28, ((long) Integer.MAX_VALUE + 1) << 28);
  }
}
