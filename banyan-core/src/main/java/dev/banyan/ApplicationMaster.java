package dev.banyan;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application master of one started application: a process (trapping exits) that runs the
 * module's callbacks and to which the top supervisor is linked. Erlang splits this into the
 * {@code application_master} and its {@code loop_it} helper; one process is enough here, since
 * nothing else (group leader I/O) is asked of it.
 *
 * <pre>
 *   spawn ─► start(ctx) ─► link(top) ─► controller.running ─► loop:
 *              │ throws                                        Stop    → prepStop, exit(top, shutdown),
 *              ▼                                                         await EXIT top, stop   → end normal
 *            outcome = failure, exit shutdown                  EXIT top → prepStop, stop,
 *                                                                         controller.terminated → end normal
 * </pre>
 */
final class ApplicationMaster {
  private static final Logger LOG = LoggerFactory.getLogger(Application.class);

  /** The controller's request to stop the application. */
  private record StopRequest() {}

  private final Applications controller;
  private final ApplicationSpec spec;
  private final Application.Type type;
  // Completed once by the master: an Application.Started, or the ExitReason of a failed start.
  private final CompletableFuture<Object> outcome = new CompletableFuture<>();
  // Completed when the master's body has ended, whatever the way.
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final Pid<Object> pid;
  // The module's class name, once the supplier has made it; written by the master before outcome.
  private volatile String moduleName;

  private ApplicationMaster(Applications controller, ApplicationSpec spec, Application.Type type) {
    this.controller = controller;
    this.spec = spec;
    this.type = type;
    // The pid is assigned before the master runs: its body publishes this object to the
    // controller, whose stop() reads the pid.
    ProcessRecord.currentAlive(); // a dead caller's calls fail, as for spawn
    ProcessRecord<Object> record = controller.node().newProcess(this::run);
    this.pid = record.pid;
    controller.node().startProcess(record);
  }

  /**
   * Starts the master and waits for the module's start to finish.
   *
   * @return the running master
   * @throws ApplicationException {@link ApplicationException.StartFailed} if the start failed
   */
  static ApplicationMaster start(Applications controller, ApplicationSpec spec, Application.Type type) {
    ApplicationMaster master = new ApplicationMaster(controller, spec, type);
    Object result = await(master.outcome);
    if (result instanceof ExitReason reason) {
      master.awaitEnd(); // the master is gone: the caller sees a clean slate (as OTP 26's start)
      String module = master.moduleName;
      throw new ApplicationException(
          "application " + spec.name() + " failed to start: " + reason + " in " + module + ".start",
          new ApplicationException.StartFailed(spec.name(), module, reason));
    }
    return master;
  }

  Pid<Object> pid() {
    return pid;
  }

  /** Asks the master to stop the application and waits until it has ended. */
  void stop() {
    if (pid.isAlive()) {
      pid.send(new StopRequest());
    }
    awaitEnd();
  }

  /** Waits until the master has ended and is dead (its thread has ended). */
  void awaitEnd() {
    await(done);
    boolean interrupted = false;
    Thread thread = pid.record.thread;
    // The body has returned; what is left is the runtime recording its death: not interruptible.
    while (thread.isAlive() && thread != Thread.currentThread()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void run(ProcessContext<Object> ctx) {
    try {
      ctx.trapExit(true);
      Application module;
      Application.Started started;
      try {
        moduleName = spec.name() + " module supplier";
        module =
            Objects.requireNonNull(
                spec.module().orElseThrow().get(), () -> "the module supplier of " + spec.name() + " returned null");
        moduleName = module.getClass().getName();
        started =
            Objects.requireNonNull(
                module.start(new ApplicationContext(controller, spec, type, ctx)),
                () -> moduleName + ".start returned null");
        ctx.link(started.topSupervisor());
      } catch (ExitException e) {
        outcome.complete(e.reason());
        throw new ExitException(ExitReason.SHUTDOWN); // takes down what start linked to us
      } catch (ProcessExitedException e) {
        throw e;
      } catch (Exception e) {
        outcome.complete(new ExitReason.Crashed(e));
        throw new ExitException(ExitReason.SHUTDOWN);
      }
      controller.running(spec.name(), this, started.topSupervisor());
      outcome.complete(started);
      loop(ctx, module, started);
    } finally {
      outcome.complete(ExitReason.KILLED); // killed during the start (the node stopped)
      done.complete(null);
    }
  }

  private void loop(ProcessContext<Object> ctx, Application module, Application.Started started) {
    Pid<?> top = started.topSupervisor();
    while (true) {
      Object m = ctx.receive();
      if (m instanceof StopRequest) {
        Object state = prepStop(module, started.state());
        ctx.exit(top, ExitReason.SHUTDOWN);
        ctx.receive(Exit.class, e -> e.from().equals(top));
        stop(module, state);
        return;
      }
      if (m instanceof Exit e && e.from().equals(top)) {
        // The top supervisor exited by itself: OTP's loop_it forwards every reason, normal too.
        stop(module, prepStop(module, started.state()));
        controller.terminated(spec.name(), this, e.reason());
        return;
      }
      // Anything else (an EXIT from some other process linked to the master) is dropped, as OTP does.
    }
  }

  private Object prepStop(Application module, Object state) {
    try {
      return Objects.requireNonNull(module.prepStop(state), "prepStop returned null");
    } catch (RuntimeException e) {
      LOG.atError()
          .addKeyValue("application", spec.name())
          .addKeyValue("error", e)
          .log("application {}: prepStop failed, stop gets the start state: {}", spec.name(), e.toString(), e);
      return state;
    }
  }

  private void stop(Application module, Object state) {
    try {
      module.stop(state);
    } catch (RuntimeException e) {
      LOG.atError()
          .addKeyValue("application", spec.name())
          .addKeyValue("error", e)
          .log("application {}: stop failed: {}", spec.name(), e.toString(), e);
    }
  }

  /** Waits for a future the master completes; a dying calling process stops waiting. */
  private static <T> T await(CompletableFuture<T> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      ProcessRecord.currentAlive(); // a killed caller gets ProcessExitedException
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for an application master", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }
}
