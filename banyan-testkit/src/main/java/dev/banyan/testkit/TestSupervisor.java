package dev.banyan.testkit;

import dev.banyan.AttachedProcess;
import dev.banyan.CallException;
import dev.banyan.ChildSpec;
import dev.banyan.ExitReason;
import dev.banyan.GenServer;
import dev.banyan.Pid;
import dev.banyan.ServerRef;
import dev.banyan.Supervisor;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.opentest4j.AssertionFailedError;

/**
 * The test's own supervisor: starts children for one test and stops them when the test ends —
 * ExUnit's {@code start_supervised!} and {@code stop_supervised!}. Declare it as a parameter of a
 * test (or of its {@code @BeforeEach} method) that runs with {@link BanyanExtension}.
 *
 * {@snippet :
 * @BanyanTest
 * class RecorderTest {
 *   @Test
 *   void returnsThePidOfTheRunningChild(TestSupervisor supervised) {
 *     EventLog log = new EventLog();
 *
 *     Pid<?> pid = supervised.startChild(ChildSpec.worker("a", ChildStart.genServer(() -> new Recorder("a", log))));
 *
 *     assertThat(pid.isAlive()).isTrue();
 *     assertThat(log.events()).containsExactly("start a"); // init ran before startChild returned
 *   }   // after the test, the extension stops "a" (its terminate runs), then the node
 * }
 * }
 *
 * <h2>Start and shutdown</h2>
 * The supervisor itself starts with the first {@link #startChild(ChildSpec)} (or {@link
 * #supervisor()}), linked to the test process, as ExUnit's does: a test that never starts a
 * child has no extra process. It is a
 * {@link Supervisor} with the flags {@link #FLAGS} (one_for_one, 1,000,000 restarts in 1 s, like
 * ExUnit's test supervisor), so a child that crashes is restarted as its {@link ChildSpec} says
 * and does not fail the test by itself; children are not linked to the test process.
 *
 * <p>After the test and its {@code @AfterEach} methods, the extension stops the supervisor
 * (reason {@code normal}) before it closes the test process and stops the node: the children
 * stop one at a time in reverse start order, each as its {@link ChildSpec#shutdown()} says, so a
 * GenServer that traps exits runs its {@code terminate}. It waits up to {@link #STOP_TIMEOUT} for
 * that and fails the test if the supervisor is still running then (the node's stop then kills
 * what is left). If the test process was killed during the test, the link has already made the
 * supervisor stop its children the same way; the extension waits for it.
 *
 * <h2>Thread safety</h2>
 * Process-confined: like the test's {@link dev.banyan.ProcessContext}, it may be used only on
 * the test thread (the test method and its {@code @BeforeEach} and {@code @AfterEach} methods);
 * on any other thread its methods throw {@link WrongThreadException}. The {@link Supervisor}
 * handle that {@link #supervisor()} returns is thread-safe.
 *
 * <h2>General exceptions</h2>
 * A child that does not start fails the test with an {@link AssertionFailedError} that names the
 * child and the reason. Once the test process has died, the methods throw {@link
 * dev.banyan.ProcessExitedException}, as its context does.
 *
 * @since 0.1
 */
public final class TestSupervisor {

  /**
   * The test supervisor's flags: one_for_one, at most 1,000,000 restarts in 1 second (ExUnit's),
   * so it does not give up during a test.
   */
  public static final Supervisor.Flags FLAGS =
      Supervisor.Flags.oneForOne().withIntensity(1_000_000, Duration.ofSeconds(1));

  /** How long the extension waits for the supervisor to stop its children: 30 seconds. */
  public static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

  private final AttachedProcess<Object> test;
  private final Thread owner;
  private ServerRef<Supervisor.Call> server; // written only by the owner thread; null until started

  TestSupervisor(AttachedProcess<Object> test, Thread owner) {
    this.test = test;
    this.owner = owner;
  }

  /**
   * Starts a child under the test supervisor and returns its pid: ExUnit's {@code
   * start_supervised!}. The child is added after the children already started, so it stops
   * before them.
   *
   * @param spec the child; its id must differ from the ids of the children already there
   * @return the child's pid
   * @throws AssertionFailedError if the child did not start: its start failed (the message
   *     gives the reason; a crash is also the cause), returned ignore, or another child has the
   *     same id
   * @throws WrongThreadException if not called on the test thread
   */
  public Pid<?> startChild(ChildSpec spec) {
    Objects.requireNonNull(spec, "spec");
    Supervisor.StartChild outcome = started().startChild(spec);
    return switch (outcome) {
      case Supervisor.StartChild.Ok ok ->
          ok.pid()
              .orElseThrow(
                  () ->
                      new AssertionFailedError(
                          "the start of child " + spec.id() + " returned ignore: it did not start"));
      case Supervisor.StartChild.AlreadyStarted already ->
          throw new AssertionFailedError(
              "failed to start child "
                  + spec.id()
                  + ": a child with this id already runs under the test supervisor ("
                  + already.pid()
                  + "); give each child its own id (ChildSpec.withId)");
      case Supervisor.StartChild.AlreadyPresent present ->
          throw new AssertionFailedError(
              "failed to start child "
                  + spec.id()
                  + ": the test supervisor already has a child with this id (not running);"
                  + " give each child its own id (ChildSpec.withId)");
      case Supervisor.StartChild.Error error -> {
        ExitReason reason = error.reason();
        AssertionFailedError failure =
            new AssertionFailedError("failed to start child " + spec.id() + ": " + reason);
        if (reason instanceof ExitReason.Crashed crashed) {
          failure.initCause(crashed.cause());
        }
        throw failure;
      }
      case Supervisor.StartChild.Running r -> throw new AssertionError("startChild returned " + r);
      case Supervisor.StartChild.Restarting r -> throw new AssertionError("startChild returned " + r);
      case Supervisor.StartChild.NotFound r -> throw new AssertionError("startChild returned " + r);
    };
  }

  /**
   * Stops a child started with {@link #startChild(ChildSpec)} and removes it, so its id can be
   * used again: ExUnit's {@code stop_supervised!}. The child stops as its {@link
   * ChildSpec#shutdown()} says; this returns once it has.
   *
   * @param id the child's id
   * @throws AssertionFailedError if there is no child with this id
   * @throws WrongThreadException if not called on the test thread
   */
  public void stopChild(Object id) {
    Objects.requireNonNull(id, "id");
    checkOwner();
    if (server == null || !supervisor().terminateChild(id)) {
      throw new AssertionFailedError(
          "stopChild(" + id + "): the test supervisor has no child with this id");
    }
    supervisor().deleteChild(id);
  }

  /**
   * {@return the test supervisor, started if it was not yet}, e.g. for {@link
   * Supervisor#whichChildren()}
   *
   * @throws WrongThreadException if not called on the test thread
   */
  public Supervisor supervisor() {
    return started();
  }

  private Supervisor started() {
    checkOwner();
    if (server == null) {
      server = Supervisor.startLink(test, FLAGS, List.of()).orElseThrow();
    }
    return Supervisor.of(server);
  }

  private void checkOwner() {
    if (Thread.currentThread() != owner) {
      throw new WrongThreadException(
          "the TestSupervisor of a test can only be used by the test thread "
              + owner
              + ", not by "
              + Thread.currentThread());
    }
  }

  /**
   * Stops the supervisor, if it was started, and waits for it; called by the extension on the
   * test thread after the test. The stop runs on a thread of its own, which is no process: the
   * test process may be dead already.
   *
   * @return why the stop failed, if it did
   */
  Optional<String> stop() {
    ServerRef<Supervisor.Call> sup = server;
    if (sup == null) {
      return Optional.empty();
    }
    AtomicReference<String> failure = new AtomicReference<>();
    Thread stopper =
        Thread.ofVirtual()
            .name("banyan-testkit-stop-" + sup)
            .start(
                () -> {
                  try {
                    sup.stop(ExitReason.NORMAL, STOP_TIMEOUT);
                  } catch (CallException e) {
                    if (e.failure().equals(CallException.TIMEOUT)) {
                      failure.set(
                          "the test supervisor "
                              + sup
                              + " did not stop its children within "
                              + STOP_TIMEOUT.toMillis()
                              + " ms");
                    }
                    // Otherwise it had already exited (noproc), or exited with another reason
                    // meanwhile (its parent, the test process, died): it is gone either way.
                  }
                });
    try {
      stopper.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while stopping the test supervisor " + sup);
    }
    return Optional.ofNullable(failure.get());
  }
}
