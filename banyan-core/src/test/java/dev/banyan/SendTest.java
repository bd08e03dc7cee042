package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Sending messages to pids and to registered names: otp-semantics §1.2 (CC-008), and sends from a
 * process that has already died.
 *
 * <p>The timeout runs the test on a separate thread, so that a test stuck in an uninterruptible
 * {@code receive()} fails instead of blocking the build.
 */
@Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SendTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Duration QUIET = Duration.ofMillis(200);

  private static <T> T await(ProcessContext<?> me, Class<T> type, Predicate<? super T> filter) {
    return me.receive(type, filter, WAIT)
        .orElseThrow(
            () -> new AssertionError("no matching " + type.getSimpleName() + " in " + WAIT));
  }

  private static Down awaitDown(ProcessContext<?> me, MonitorRef ref) {
    return await(me, Down.class, d -> d.ref().equals(ref));
  }

  /** Runs {@code action} on a thread that is not a process, and waits for it. */
  private static void fromOutside(Runnable action) throws Exception {
    CompletableFuture.runAsync(action).get(5, TimeUnit.SECONDS);
  }

  /** A process that sends back whatever it receives, tagged "echo:". */
  private static Pid<Object> echo(ProcessContext<Object> me) {
    Pid<Object> parent = me.self();
    return me.spawn(
        ctx -> {
          while (true) {
            ctx.send(parent, "echo:" + ctx.receive());
          }
        });
  }

  @Nested
  class ToAPid {

    @Test
    void deliversFromAProcessAndFromAnyThread() throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> echo = echo(me);

        me.send(echo, "ctx");
        assertThat(await(me, String.class, s -> true)).isEqualTo("echo:ctx");
        echo.send("pid");
        assertThat(await(me, String.class, s -> true)).isEqualTo("echo:pid");
        fromOutside(() -> echo.send("outside"));
        assertThat(await(me, String.class, s -> true)).isEqualTo("echo:outside");
      }
    }

    @Test
    @DisplayName("CC-008: sending to a dead pid raises nothing, from a process or any thread")
    void sendingToADeadPidIsSilent() throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Spawned<Object> child = me.spawnMonitor(ctx -> {});
        awaitDown(me, child.ref());
        Pid<Object> dead = child.pid();

        dead.send("lost");
        me.send(dead, "lost");
        fromOutside(() -> dead.send("lost"));

        assertThat(dead.isAlive()).isFalse();
        assertThat(node.processInfo(dead)).isEmpty();
        assertThat(me.self().isAlive()).isTrue();
      }
    }

    @Test
    void rejectsNullArgumentsNamingThem() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> echo = echo(me);

        assertThatNullPointerException().isThrownBy(() -> echo.send(null)).withMessage("message");
        assertThatNullPointerException()
            .isThrownBy(() -> me.send(echo, null))
            .withMessage("message");
        assertThatNullPointerException()
            .isThrownBy(() -> me.send((Pid<Object>) null, "x"))
            .withMessage("to");
        assertThat(me.receive(QUIET)).isEmpty(); // the echo got nothing
      }
    }
  }

  @Nested
  class ToAName {

    @Test
    void deliversToTheRegisteredProcessFromAProcessAndFromAnyThread() throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        node.register("echo", echo(me));

        me.send("echo", "ctx");
        assertThat(await(me, String.class, s -> true)).isEqualTo("echo:ctx");
        node.send("echo", "node");
        assertThat(await(me, String.class, s -> true)).isEqualTo("echo:node");
        fromOutside(() -> node.send("echo", "outside"));
        assertThat(await(me, String.class, s -> true)).isEqualTo("echo:outside");
      }
    }

    @Test
    @DisplayName("CC-008: sending to an unregistered name throws BadArgException naming the name")
    void sendingToAnUnregisteredNameThrowsBadArgNamingTheName() throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        assertThatThrownBy(() -> me.send("nobody", "x"))
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining("\"nobody\"");
        assertThatThrownBy(() -> node.send("nobody", "x"))
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining("\"nobody\"");
        CompletableFuture<Throwable> outside = new CompletableFuture<>();
        fromOutside(
            () -> {
              try {
                node.send("nobody", "x");
                outside.complete(null);
              } catch (Throwable t) {
                outside.complete(t);
              }
            });
        assertThat(outside.get())
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining("\"nobody\"");
        assertThat(me.self().isAlive()).isTrue(); // badarg is an exception, not a death
      }
    }

    @Test
    @DisplayName("CC-008: the name of a process that has died is unregistered: badarg")
    void sendingToTheNameOfADeadProcessThrowsBadArg() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Spawned<String> child = me.spawnMonitor(ctx -> ctx.receive(String.class));
        node.register("short-lived", child.pid());
        child.pid().send("stop");
        awaitDown(me, child.ref());

        assertThatThrownBy(() -> me.send("short-lived", "x"))
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining("\"short-lived\"");
      }
    }

    @Test
    @DisplayName("CC-008: after unregister, sending to the name throws BadArgException")
    void sendingToAnUnregisteredNameAfterUnregisterThrowsBadArg() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        node.register("echo", echo(me));
        node.unregister("echo");

        assertThatThrownBy(() -> node.send("echo", "x"))
            .isInstanceOf(BadArgException.class)
            .hasMessageContaining("\"echo\"");
        assertThat(me.receive(QUIET)).isEmpty();
      }
    }

    @Test
    void rejectsNullArgumentsNamingThem() {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        node.register("echo", echo(me));

        assertThatNullPointerException()
            .isThrownBy(() -> node.send("echo", null))
            .withMessage("message");
        assertThatNullPointerException()
            .isThrownBy(() -> me.send("echo", null))
            .withMessage("message");
        assertThatNullPointerException().isThrownBy(() -> node.send(null, "x")).withMessage("name");
        assertThatNullPointerException()
            .isThrownBy(() -> me.send((String) null, "x"))
            .withMessage("name");
        assertThat(me.receive(QUIET)).isEmpty();
      }
    }
  }

  @Nested
  class FromADeadProcess {

    @Test
    @DisplayName("A zombie's sends throw ProcessExitedException and are dropped")
    void zombieSendsThrowProcessExitedExceptionAndAreDropped() throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        me.register("parent");
        Pid<Object> parent = me.self();
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<List<Throwable>> outcome = new CompletableFuture<>();
        Spawned<Object> zombie =
            me.spawnMonitor(
                ctx -> {
                  ctx.send(parent, "ready");
                  awaitIgnoringInterrupts(release); // killed meanwhile, and ignores it
                  List<Throwable> thrown = new ArrayList<>();
                  List<ThrowingCallable> sends =
                      List.of(
                          () -> ctx.send(parent, "from-zombie"),
                          () -> parent.send("from-zombie"),
                          () -> ctx.send("parent", "from-zombie"),
                          () -> node.send("parent", "from-zombie"));
                  for (ThrowingCallable send : sends) {
                    try {
                      send.call();
                    } catch (Throwable t) {
                      thrown.add(t);
                    }
                  }
                  outcome.complete(thrown);
                });
        try {
          await(me, String.class, "ready"::equals);
          me.exit(zombie.pid(), ExitReason.KILL);
          assertThat(awaitDown(me, zombie.ref()).reason()).isEqualTo(ExitReason.KILLED);
          assertThat(node.zombies()).contains(zombie.pid());
        } finally {
          release.countDown();
        }

        List<Throwable> thrown = outcome.get(5, TimeUnit.SECONDS);
        assertThat(thrown)
            .hasSize(4)
            .allSatisfy(
                t ->
                    assertThat(t)
                        .isInstanceOfSatisfying(
                            ProcessExitedException.class,
                            e -> assertThat(e.reason()).isEqualTo(ExitReason.KILLED))
                        .hasMessageContaining(zombie.pid().toString()));
        assertThat(me.receive(String.class, "from-zombie"::equals, QUIET)).isEmpty();
      }
    }

    @Test
    @DisplayName("A killed attached process's sends throw ProcessExitedException and are dropped")
    void killedAttachedProcessSendsThrowAndAreDropped() throws Exception {
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        CompletableFuture<List<Object>> sinkGot = new CompletableFuture<>();
        Pid<Object> sink =
            node.spawn(
                ctx -> {
                  ctx.receive(String.class, "go"::equals);
                  List<Object> got = new ArrayList<>();
                  for (Optional<Object> m = ctx.receive(Duration.ZERO);
                      m.isPresent();
                      m = ctx.receive(Duration.ZERO)) {
                    got.add(m.get());
                  }
                  sinkGot.complete(got);
                });
        node.register("sink", sink);
        Pid<Object> self = me.self();
        fromOutside(() -> node.exit(self, ExitReason.KILL));
        assertThat(self.isAlive()).isFalse();

        List<ThrowingCallable> sends =
            List.of(
                () -> me.send(sink, "dropped"),
                () -> sink.send("dropped"),
                () -> me.send("sink", "dropped"),
                () -> node.send("sink", "dropped"));
        for (ThrowingCallable send : sends) {
          assertThatThrownBy(send)
              .isInstanceOfSatisfying(
                  ProcessExitedException.class,
                  e -> assertThat(e.reason()).isEqualTo(ExitReason.KILLED))
              .hasMessageContaining(self.toString());
        }

        fromOutside(() -> sink.send("go")); // after the refused sends, from a live sender
        assertThat(sinkGot.get(5, TimeUnit.SECONDS)).isEmpty();
      }
    }

    private static void awaitIgnoringInterrupts(CountDownLatch latch) {
      while (true) {
        try {
          latch.await();
          return;
        } catch (InterruptedException ignored) {
          // deliberately deaf to the interrupt that follows the kill: this makes a zombie
        }
      }
    }
  }
}
