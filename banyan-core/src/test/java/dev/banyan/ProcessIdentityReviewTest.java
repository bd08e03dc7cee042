package dev.banyan;

import static dev.banyan.SignalProbe.WAIT;
import static dev.banyan.SignalProbe.awaitDown;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How the runtime finds the calling process, and that no runtime path takes the (non-reentrant)
 * process lock twice. A process's virtual thread carries its record as its uncaught-exception
 * handler, and {@code ProcessRecord.current()} reads it back; code that installs a handler of its
 * own on the thread (a library that logs crashes, one that chains to the previous handler) hides
 * it until the process's next {@link ProcessContext} call, which puts it back (documented on
 * {@link ProcessContext}, "The process's thread").
 */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ProcessIdentityReviewTest {

  /** What a process does after it was killed, reported to the test. */
  private static String attemptPidSend(Pid<Object> to) {
    try {
      to.send("late message");
      return "Pid.send returned";
    } catch (ProcessExitedException e) {
      return "Pid.send threw ProcessExitedException: " + e.reason();
    } catch (Throwable t) {
      return "Pid.send threw " + t;
    }
  }

  /**
   * Spawns a process (that first installs a handler of its own on its thread if {@code
   * ownHandler}), kills it while it ignores the interrupt, then lets it try {@code Pid.send} to
   * the test; returns what that send did, after checking that nothing arrived.
   */
  private static String zombieSendAttempt(boolean ownHandler) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<String> attempt = new CompletableFuture<>();
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      Pid<Object> p =
          node.spawn(
              ctx -> {
                if (ownHandler) {
                  // What a crash-logging library does on the thread it runs on.
                  Thread.currentThread().setUncaughtExceptionHandler((t, e) -> {});
                }
                ctx.send(test, "ready");
                // Ignores the interrupt its death causes: a zombie until released.
                while (release.getCount() > 0) {
                  try {
                    release.await();
                  } catch (InterruptedException ignored) {
                    // the kill's wake-up; keep waiting for the test
                  }
                }
                attempt.complete(attemptPidSend(test));
              });
      MonitorRef ref = me.monitor(p);
      assertThat(me.receive(String.class, WAIT)).contains("ready");

      me.exit(p, ExitReason.KILL);
      assertThat(awaitDown(me, ref).reason()).isEqualTo(ExitReason.KILLED);
      release.countDown();

      String outcome = attempt.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      // Nothing a dead process sent may come after its Down.
      assertThat(me.receive(String.class, Duration.ZERO)).as("after: %s", outcome).isEmpty();
      return outcome;
    }
  }

  @Test
  @DisplayName(
      "CC-033: a zombie that installed its own uncaught-exception handler still has its sends"
          + " dropped (it is still its process for Pid.send)")
  void aZombieWithItsOwnUncaughtExceptionHandlerCannotSend() throws Exception {
    assertThat(zombieSendAttempt(true))
        .isEqualTo("Pid.send threw ProcessExitedException: " + ExitReason.KILLED);
  }

  @Test
  @DisplayName(
      "CC-033: the same zombie without its own handler: its Pid.send throws and is dropped (the"
          + " control)")
  void aZombieWithTheDefaultHandlerCannotSend() throws Exception {
    assertThat(zombieSendAttempt(false))
        .isEqualTo("Pid.send threw ProcessExitedException: " + ExitReason.KILLED);
  }

  @Test
  @DisplayName(
      "a process that installed its own uncaught-exception handler, then used its context, cannot"
          + " attach its thread as a second process")
  void aProcessWithItsOwnHandlerCannotAttachItsThread() throws Exception {
    CompletableFuture<String> outcome = new CompletableFuture<>();
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      node.spawn(
          ctx -> {
            Thread.UncaughtExceptionHandler previous =
                Thread.currentThread().getUncaughtExceptionHandler();
            // A library chaining to the previous handler, as such libraries do.
            Thread.currentThread()
                .setUncaughtExceptionHandler((t, e) -> previous.uncaughtException(t, e));
            ctx.trapsExits(); // any call on the context puts Banyan's handler back
            if (Thread.currentThread().getUncaughtExceptionHandler() != previous) {
              outcome.complete("the handler was not put back");
              return;
            }
            try {
              AttachedProcess<Object> second = node.attach();
              outcome.complete("attached as " + second.self() + " while being " + ctx.self());
              second.close();
            } catch (IllegalStateException e) {
              outcome.complete("refused");
            } catch (Throwable t) {
              outcome.complete("threw " + t);
            }
            ctx.send(test, "done");
          });
      assertThat(outcome.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isEqualTo("refused");
      assertThat(me.receive(String.class, WAIT)).contains("done");
    }
  }

  @Test
  @DisplayName(
      "an attached thread whose toString asks about its own process gets the CancellationException"
          + " of a host interrupt (no user code under the process lock)")
  void cancellingAReceiveRunsNoUserCodeUnderTheLock() throws Exception {
    try (Node node = Node.start()) {
      CompletableFuture<Object> outcome = new CompletableFuture<>();
      // A host thread with a diagnostic toString (user code): it reports its process's state.
      final class DiagnosticThread extends Thread {
        volatile Pid<Object> self;

        DiagnosticThread() {
          super("diagnostic-host");
        }

        @Override
        public void run() {
          try (AttachedProcess<Object> me = node.attach()) {
            self = me.self();
            interrupt(); // the host cancels the thread: the receive below must not wait
            try {
              me.receive(Integer.class);
              outcome.complete("returned");
            } catch (Throwable t) {
              outcome.complete(t);
            }
          }
        }

        @Override
        public String toString() {
          Pid<Object> p = self;
          return "diagnostic-host " + (p == null ? "" : node.processInfo(p));
        }
      }
      DiagnosticThread host = new DiagnosticThread();
      host.start();
      assertThat(outcome.get(WAIT.toMillis(), TimeUnit.MILLISECONDS))
          .isInstanceOf(CancellationException.class);
      assertThat(host.join(WAIT)).isTrue();
    }
  }

  /** Tells the process of {@link #runtimeCallsAboutOneselfDoNotReenterTheLock} to begin. */
  private record Go() {}

  @Test
  @DisplayName(
      "CC-018: a process's runtime calls about itself (info, self-monitor, self-alias, name, self"
          + " exit signal) never take its lock twice")
  void runtimeCallsAboutOneselfDoNotReenterTheLock() throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> test = me.self();
      Pid<Object> p =
          node.spawn(
              ctx -> {
                ctx.receive(Go.class); // the test monitors it first: its Down must say killed
                StringBuilder log = new StringBuilder();
                log.append(node.processInfo(ctx.self()).isPresent()).append(' ');
                MonitorRef self = ctx.monitor(ctx.self());
                log.append(ctx.demonitor(self)).append(' ');
                Alias<Object> alias = ctx.alias();
                alias.send("via alias");
                log.append(ctx.receive(String.class, Duration.ZERO).orElse("none")).append(' ');
                ctx.register("reviewed");
                ctx.send("reviewed", "by name");
                log.append(ctx.receive(String.class, Duration.ZERO).orElse("none")).append(' ');
                ctx.trapExit(true);
                ctx.exit(ctx.self(), new ExitReason.Other("self")); // trapped: an Exit
                log.append(ctx.receive(Exit.class, Duration.ZERO).isPresent());
                ctx.send(test, log.toString());
                ctx.exit(ctx.self(), ExitReason.KILL); // kills itself under its own signal
              });
      MonitorRef ref = me.monitor(p);
      p.send(new Go());
      assertThat(me.receive(String.class, WAIT)).contains("true true via alias by name true");
      assertThat(awaitDown(me, ref).reason()).isEqualTo(ExitReason.KILLED);
    }
  }
}
