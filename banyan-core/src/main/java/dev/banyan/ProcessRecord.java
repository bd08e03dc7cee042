package dev.banyan;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A process: its state, its mailbox (inherited from {@link Mailbox}) and the runtime operations
 * of its {@link ProcessContext}.
 *
 * <pre>
 * Implementation overview
 *
 * Every process has one lock. Every signal sent to a process — a message, an exit signal, a
 * link, a monitor, a DOWN — is applied by the SENDING thread while it holds the TARGET's lock,
 * never by the target's thread: a process busy in a CPU loop still dies when killed. No thread
 * ever holds two process locks at once, so there is no lock order to respect and no deadlock
 * between processes signalling each other.
 *
 * Death is the transition exitReason: null -> reason, made under the lock by markDeadLocked,
 * which also empties the mailbox and takes the name, links and monitors out as a Death; the
 * caller propagates the Death after releasing the lock (see Death). A dead process accepts
 * nothing more: every later signal to it is dropped under its lock.
 *
 * Ordering: a signal from a live process S to R is applied under R's lock only after checking,
 * under that lock, that S is still alive. S's death is marked before S's exit signals are
 * applied to R under R's lock, so either S's signal is applied first, or S is seen dead and the
 * signal is dropped: nothing from S ever lands in R after S's EXIT or DOWN (CC-033). Signals from
 * S are otherwise applied in S's program order (CC-003, CC-023).
 *
 * Links are kept on both sides. Creating one adds it to the caller's set first and then to the
 * peer's set; removing one removes it from the caller first. An exit signal that comes over a
 * link is acted on only if the receiver still has the link, which it removes, so after unlink
 * returns the link can have no further effect (CC-021).
 *
 * State of the owner thread: the private mailbox list, 'received' and 'body' are touched only by
 * the thread that runs the process.
 * </pre>
 *
 * @param <M> the type of messages the process accepts
 */
sealed class ProcessRecord<M> extends Mailbox
    implements ProcessContext<M>, Runnable, Thread.UncaughtExceptionHandler permits AttachedRecord {

  private static final Logger LOG = LoggerFactory.getLogger("dev.banyan.Process");
  // The process of an attached thread (a thread Banyan does not own). A process's own virtual
  // thread is found without it: its uncaught-exception handler is its record (see current()).
  private static final ThreadLocal<ProcessRecord<?>> ATTACHED = new ThreadLocal<>();

  // The owner's state in receive ('waiting'), guarded by the lock.
  static final byte RUNNING = 0; // not in receive's wait
  static final byte WAITING = 1; // parked, or about to park, in receive; nobody has woken it
  static final byte WOKEN = 2; // still in receive's wait, but a sender has unparked it

  final Node node;
  final Pid<M> pid;
  Thread thread; // set once, before the process can be reached by another thread

  private ProcessBody<M> body; // owner thread only; cleared when it starts
  private long received; // written by the owner only; read racily for process info

  private volatile ExitReason exitReason; // null while alive; written under lock, once
  private byte waiting; // guarded by lock: RUNNING, WAITING or WOKEN
  private boolean trapExit; // guarded by lock
  private String name; // guarded by lock; the registered name
  private Object links; // guarded by lock; the linked processes: see addLinkLocked
  private HashMap<MonitorRef, Monitor> monitors; // guarded by lock; monitors held by this process
  private Object monitoredBy; // guarded by lock; monitors on this process: see addWatcherLocked
  private Death dying; // guarded by lock; this process's Death while it propagates
  volatile Introspection.ProcessLabel label; // a server's label, set by its own thread; else null
  private Scheduler.Sleeper sleeper; // owner thread only; made by its first timed wait
  ProcessRecord<?> tablePrev; // guarded by the node's ProcessTable stripe
  ProcessRecord<?> tableNext; // guarded by the node's ProcessTable stripe

  ProcessRecord(Node node, long number, ProcessBody<M> body) {
    this.node = node;
    this.pid = new Pid<>(node.name(), node.creation(), number, this);
    this.body = body;
  }

  /**
   * {@return the process the calling thread runs, or null}. A process's virtual thread carries
   * its record as its uncaught-exception handler (set when the thread is made, and never used
   * as a handler: {@link #run()} catches everything), which costs no memory and one field read;
   * a thread-local would cost a map per thread (136 bytes per process). Attached threads, which
   * are not Banyan's to configure, are found through a thread-local.
   *
   * <p>Code in a process that replaces its thread's handler hides the record until its next
   * {@link ProcessContext} call, which puts it back ({@link #checkOwner()}); in between, the
   * calls that find the caller from its thread ({@code Pid.send}, {@code ServerRef.call}, {@code
   * Node.spawn}, {@code Node.attach}) take it for a thread that is not a process. The public
   * javadoc of {@link ProcessContext} says so.
   */
  static ProcessRecord<?> current() {
    Thread t = Thread.currentThread();
    if (t.getUncaughtExceptionHandler() instanceof ProcessRecord<?> p && p.thread == t) {
      return p;
    }
    return ATTACHED.get();
  }

  /**
   * {@return the process the calling thread runs, or null}; throws {@link
   * ProcessExitedException} if that process is dead (a zombie's runtime calls fail).
   */
  static ProcessRecord<?> currentAlive() {
    ProcessRecord<?> p = current();
    if (p != null) {
      p.checkAlive();
    }
    return p;
  }

  /** Makes {@code p} the process of the calling (attached) thread, or none when null. */
  static void setAttached(ProcessRecord<?> p) {
    if (p == null) {
      ATTACHED.remove();
    } else {
      ATTACHED.set(p);
    }
  }

  /**
   * Not used as a handler: {@link #run()} catches every throwable. Should the thread's end
   * (after the process died) throw, the thread group reports it as it would without this handler.
   */
  @Override
  public final void uncaughtException(Thread t, Throwable e) {
    Thread.UncaughtExceptionHandler fallback = Thread.getDefaultUncaughtExceptionHandler();
    if (fallback != null) {
      fallback.uncaughtException(t, e);
    } else {
      t.getThreadGroup().uncaughtException(t, e);
    }
  }

  // ------------------------------------------------------------------------------------------
  // The process's thread

  @Override
  public final void run() {
    // Read before the body runs: a million processes parked in the body sit in the code the JIT
    // compiled before any of them ended, and a field of a class not yet initialized then (no
    // process had ended normally yet) would deoptimize each of them on its way out.
    final ExitReason normal = ExitReason.NORMAL;
    ExitReason reason = null;
    try {
      ProcessBody<M> b = body;
      body = null;
      if (exitReason == null) {
        b.run(this);
        reason = normal;
      }
    } catch (ProcessExitedException e) {
      // Already dead: killed by a signal while its code was running.
    } catch (ExitException e) {
      reason = e.reason();
    } catch (Throwable t) {
      reason = new ExitReason.Crashed(t);
    }
    try {
      END.invokeExact(this, reason);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e); // end() throws nothing checked
    }
  }

  /**
   * {@link #end} through a method handle in a field that is not final, which the JIT cannot
   * inline: the way out of a process stays out of the compiled code of {@link #run()}.
   *
   * <p>Why: {@code run()} is the lowest of Banyan's frames in every process, and a million
   * processes parked in receive all sit in the code the JIT compiled for it, with whatever it had
   * inlined. When they end, each frame runs that old code. Had the JIT inlined the way out (the
   * death's notifications, the process table's lock, a JFR event's writer) and compiled a branch
   * it had never seen taken as a trap, every one of those frames would deoptimize on its own,
   * about 10 µs each. Ending 20,000 parked processes that wait with a timeout, after others that
   * waited without one, took 20,000 deoptimizations ({@code ParkedFramesTest}). A spawn
   * benchmark's slow teardowns with a JFR recording on (15–19 s instead of 2.5 s) had a
   * deoptimization per process in the event writer, inlined this way (docs/performance.md,
   * "Parked frames and the JIT"). Called through this handle, the way out is compiled on its
   * own, and recompiled once when a branch turns; the parked frames only call it.
   */
  @SuppressWarnings("FieldMayBeFinal") // not final on purpose: see above
  private static MethodHandle END = endHandle();

  private static MethodHandle endHandle() {
    try {
      return MethodHandles.lookup()
          .findVirtual(
              ProcessRecord.class,
              "end",
              MethodType.methodType(void.class, ExitReason.class));
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The end of the process's thread: its death, if it is not dead yet, and its table entry. */
  private void end(ExitReason reason) {
    try {
      if (reason != null) {
        terminate(reason);
      }
      clearPrivate();
    } finally {
      if (sleeper != null) {
        Scheduler.release(sleeper);
      }
      node.threadEnded(this);
    }
  }

  /** Ends this process with {@code reason}, by its own doing; logs a crash report if abnormal. */
  final void terminate(ExitReason reason) {
    Death d;
    lock();
    try {
      d = markDeadLocked(reason);
    } finally {
      unlock();
    }
    if (d != null) {
      if (reason.isAbnormal()) {
        logCrash(reason, d.name());
      }
      d.propagate();
    }
  }

  private void logCrash(ExitReason reason, String registeredName) {
    var event =
        LOG.atError()
            .addKeyValue("pid", pid)
            .addKeyValue("registered_name", registeredName == null ? "[]" : registeredName)
            .addKeyValue("reason", reason);
    if (reason instanceof ExitReason.Crashed c) {
      event = event.setCause(c.cause());
    }
    event.log(
        "Process {}{} crashed with reason {}",
        pid,
        registeredName == null ? "" : " (" + registeredName + ")",
        reason);
  }

  /**
   * Marks this process dead and takes out what its death must notify. Returns null if it was
   * already dead. Caller holds the lock.
   */
  final Death markDeadLocked(ExitReason reason) {
    assert isHeldByCurrentThread();
    if (exitReason != null) {
      return null;
    }
    exitReason = reason;
    // A process waiting in receive is unparked below; only one that is elsewhere (its own code,
    // I/O, sleep) needs its thread interrupted.
    Death d = new Death(this, reason, name, links, monitoredBy, monitors, waiting == RUNNING);
    dying = d;
    name = null;
    links = null;
    monitoredBy = null;
    monitors = null;
    clearInboundLocked();
    if (waiting == WAITING) {
      waiting = WOKEN;
      Scheduler.wakeBehind(thread, false); // woken only to end: not a hand-off
    }
    return d;
  }

  /**
   * Parks the owner's thread for up to {@code nanos} (more than 0), or until unparked; may return
   * early. On Banyan's scheduler, a wait of 2 ms or more goes through its timed waits (see {@link
   * Scheduler.Sleeper}).
   */
  final void parkNanos(Object blocker, long nanos) {
    Scheduler s;
    if (nanos < Scheduler.PRECISE_BELOW_NANOS
        || ownsNoThread()
        || (s = Scheduler.instance()) == null) {
      // A short wait keeps the JDK's timer, which is precise; the monitor's is a tick late.
      LockSupport.parkNanos(blocker, nanos);
      return;
    }
    Scheduler.Sleeper sl = sleeper;
    if (sl == null) {
      sleeper = sl = new Scheduler.Sleeper(thread);
    }
    s.parkNanos(sl, blocker, nanos);
  }

  /**
   * {@return whether this process runs on a thread Banyan does not own} (attached): its blocking
   * calls answer an interrupt with {@link java.util.concurrent.CancellationException}.
   */
  boolean ownsNoThread() {
    return false;
  }

  /**
   * The exception of a host interrupt. Built under the process's lock, so it runs no user code:
   * the thread is named by its final getters, not by a {@code toString} a subclass may override
   * (which could come back into this process's lock, and the lock is not reentrant).
   */
  static java.util.concurrent.CancellationException cancelled(String what) {
    Thread t = Thread.currentThread();
    return new java.util.concurrent.CancellationException(
        what
            + " was interrupted on thread "
            + t.getName()
            + " (#"
            + t.threadId()
            + "), which Banyan does not own");
  }

  /**
   * Ends the propagation of this process's death: monitors requested while it propagated (kept
   * in the Death, so that their noproc Down comes after the Downs of older monitors) are taken
   * out under the lock, together with the end of the 'dying' state.
   */
  final java.util.List<Monitor> finishDying(Death d) {
    lock();
    try {
      if (dying == d) {
        dying = null;
      }
      return d.takeLateMonitors();
    } finally {
      unlock();
    }
  }

  /** Wakes the thread of a process that has just died outside receive, so that it stops. */
  void interruptAfterDeath() {
    Thread t = thread;
    if (t != null && t != Thread.currentThread()) {
      Scheduler.wakeBehind(t, true);
    }
  }

  final boolean isAliveNow() {
    return exitReason == null;
  }

  final ExitReason exitReasonOrNull() {
    return exitReason;
  }

  /** Throws if this process is dead. */
  final void checkAlive() {
    ExitReason r = exitReason;
    if (r != null) {
      throw new ProcessExitedException(pid, r);
    }
  }

  /**
   * Throws unless called by this process's own thread, alive. Also puts this record back as its
   * thread's uncaught-exception handler if code in the process replaced it (see {@link
   * #current()}): a process's thread never reaches that handler, since {@link #run()} turns every
   * throwable into an exit reason, so nothing of the replacement is lost.
   */
  final void checkOwner() {
    Thread t = Thread.currentThread();
    if (t != thread) {
      throw new WrongThreadException(
          "the context of process " + pid + " can only be used by its own thread, not by " + t);
    }
    if (t.getUncaughtExceptionHandler() != this && !ownsNoThread()) {
      t.setUncaughtExceptionHandler(this);
    }
    checkAlive();
  }

  // ------------------------------------------------------------------------------------------
  // Signals applied by other threads (under this process's lock)

  /** Delivers a message; drops it if this process, or the sending process, is dead. */
  final void deliver(Object message, ProcessRecord<?> sender) {
    boolean wake;
    lock();
    try {
      if (exitReason != null || (sender != null && sender.exitReason != null)) {
        return;
      }
      wake = appendLocked(message);
    } finally {
      unlock();
    }
    wakeIf(wake);
  }

  /**
   * Appends a message; returns whether the owner waits in receive and must be unparked, which
   * the caller does with {@link #wakeIf} after releasing the lock (so that the owner does not
   * wake into a held lock, only to park again in the lock's queue). Caller holds the lock.
   */
  private boolean appendLocked(Object message) {
    appendInboundLocked(message);
    if (waiting == WAITING) {
      waiting = WOKEN;
      return true;
    }
    return false;
  }

  /** Unparks the owner if {@code wake}; called after the lock is released. */
  private void wakeIf(boolean wake) {
    if (wake) {
      LockSupport.unpark(thread);
    }
  }

  /** Appends a message and unparks the owner if it waits, under the lock: for rare signals. */
  private void appendAndWakeLocked(Object message) {
    wakeIf(appendLocked(message));
  }

  /**
   * Applies an exit signal (otp-semantics §2.3). Returns the Death of this process when the signal
   * killed it; the caller must propagate it after this returns.
   *
   * @param from the pid the signal comes from
   * @param sender the sending process, or null for a thread that is not a process
   * @param viaLink whether the signal comes from the death of a linked process
   */
  final Death exitSignal(Pid<?> from, ProcessRecord<?> sender, ExitReason reason, boolean viaLink) {
    lock();
    try {
      if (exitReason != null) {
        return null;
      }
      if (viaLink) {
        if (!removeLinkLocked(sender)) {
          return null; // unlinked meanwhile: the signal has no effect
        }
      } else if (sender != null && sender.exitReason != null) {
        return null; // sent by a process that died before the signal took effect
      }
      if (!viaLink && reason instanceof ExitReason.Kill) {
        return markDeadLocked(ExitReason.KILLED);
      }
      if (trapExit) {
        appendAndWakeLocked(new Exit(from, reason));
        return null;
      }
      if (reason instanceof ExitReason.Normal) {
        return !viaLink && sender == this ? markDeadLocked(reason) : null;
      }
      return markDeadLocked(reason);
    } finally {
      unlock();
    }
  }

  /** Delivers the Down of a monitor held by this process, unless it was removed meanwhile. */
  final void deliverDown(Monitor m, ExitReason reason) {
    boolean wake;
    lock();
    try {
      if (exitReason != null || monitors == null || monitors.remove(m.ref) == null) {
        return;
      }
      deactivateWithMonitorLocked(m);
      wake = appendLocked(new Down(m.ref, m.reportedAs, reason));
    } finally {
      unlock();
    }
    wakeIf(wake);
  }

  /** Deactivates the alias made with monitor {@code m}, unless it only ends by unalias. */
  private void deactivateWithMonitorLocked(Monitor m) {
    assert isHeldByCurrentThread();
    if (m.alias != null && m.alias.mode != Alias.Mode.EXPLICIT_UNALIAS) {
      m.alias.active = false;
    }
  }

  /** Delivers a message sent through one of this process's aliases, if the alias is active. */
  final void deliverThroughAlias(Alias<?> alias, Object message, ProcessRecord<?> sender) {
    Monitor removed = null;
    boolean wake;
    lock();
    try {
      if (!alias.active
          || exitReason != null
          || (sender != null && sender.exitReason != null)) {
        return;
      }
      if (alias.mode == Alias.Mode.REPLY_DEMONITOR) {
        alias.active = false;
        if (alias.monitor != null && monitors != null) {
          removed = monitors.remove(alias.ref);
        }
      }
      wake = appendLocked(message);
    } finally {
      unlock();
    }
    wakeIf(wake);
    if (removed != null) {
      removed.target.forgetMonitor(removed.ref);
    }
  }

  /**
   * Delivers a request together with the monitor of its slot, in one step: returns false (and
   * does nothing) if this process is dead, so the caller can report {@code noproc}.
   */
  final boolean deliverRequest(Object envelope, Monitor m, ProcessRecord<?> sender) {
    boolean wake = false;
    lock();
    try {
      if (exitReason != null) {
        return false;
      }
      if (sender == null || sender.exitReason == null) {
        addWatcherLocked(m);
        wake = appendLocked(envelope);
      }
    } finally {
      unlock();
    }
    wakeIf(wake);
    return true;
  }

  /** Forgets a monitor on this process (its watcher removed it or died). */
  final void forgetMonitor(MonitorRef ref) {
    lock();
    try {
      Object w = monitoredBy;
      if (w instanceof Monitor one) {
        if (one.ref.equals(ref)) {
          monitoredBy = null;
        }
      } else if (w != null) {
        HashMap<MonitorRef, Monitor> all = watcherMap(w);
        all.remove(ref);
        if (all.isEmpty()) {
          monitoredBy = null;
        }
      }
    } finally {
      unlock();
    }
  }

  /** Kills this process from outside (node stop, kill signal). */
  final void kill(ExitReason reason) {
    Death d;
    lock();
    try {
      d = markDeadLocked(reason);
    } finally {
      unlock();
    }
    if (d != null) {
      d.propagate();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Names

  /** Registers this process under {@code regName}; see {@link Node#register(String, Pid)}. */
  final void register(String regName, String call) {
    lock();
    try {
      if (exitReason != null) {
        throw new BadArgException(call + ": the process is not alive");
      }
      if (name != null) {
        throw new BadArgException(call + ": the process is already registered as \"" + name + "\"");
      }
      node.claimName(regName, this, call);
      name = regName;
    } finally {
      unlock();
    }
  }

  /** Unregisters this process if its name is {@code regName}; returns whether it was. */
  final boolean unregister(String regName) {
    lock();
    try {
      if (exitReason == null && regName.equals(name)) {
        name = null;
        node.releaseName(regName, this);
        return true;
      }
      return false;
    } finally {
      unlock();
    }
  }

  // ------------------------------------------------------------------------------------------
  // ProcessContext: the operations of the process itself

  @Override
  public final Pid<M> self() {
    checkOwner();
    return pid;
  }

  @Override
  public final Node node() {
    checkOwner();
    return node;
  }

  @Override
  public final Object receive() {
    return take(Object.class, null, -1L);
  }

  @Override
  public final Optional<Object> receive(Duration timeout) {
    return Optional.ofNullable(take(Object.class, null, timeoutNanos(timeout)));
  }

  @Override
  public final <T> T receive(Class<T> type) {
    Objects.requireNonNull(type, "type");
    return take(type, null, -1L);
  }

  @Override
  public final <T> Optional<T> receive(Class<T> type, Duration timeout) {
    Objects.requireNonNull(type, "type");
    return Optional.ofNullable(take(type, null, timeoutNanos(timeout)));
  }

  @Override
  public final <T> T receive(Class<T> type, Predicate<? super T> filter) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(filter, "filter");
    return take(type, filter, -1L);
  }

  @Override
  public final <T> Optional<T> receive(
      Class<T> type, Predicate<? super T> filter, Duration timeout) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(filter, "filter");
    return Optional.ofNullable(take(type, filter, timeoutNanos(timeout)));
  }

  /**
   * Converts a receive timeout to nanoseconds: -1 means wait forever (a duration too long to count
   * in nanoseconds, about 292 years, is as good as forever).
   */
  static long timeoutNanos(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
    try {
      long n = timeout.toNanos();
      return n > Long.MAX_VALUE / 2 ? -1L : n;
    } catch (ArithmeticException tooLong) {
      return -1L;
    }
  }

  /**
   * Selective receive. Returns the oldest message of {@code type} that passes {@code filter}, or
   * null when {@code timeoutNanos} (0: do not wait; -1: forever) runs out.
   */
  private <T> T take(Class<T> type, Predicate<? super T> filter, long timeoutNanos) {
    checkOwner();
    final long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0L;
    boolean interrupted = false;
    Cell prev = null; // the last private cell examined by this receive
    try {
      for (; ; ) {
        for (Cell c = privateAfter(prev); c != null; prev = c, c = c.next) {
          Object m = c.message;
          if (type.isInstance(m)) {
            T t = type.cast(m);
            if (filter == null || filter.test(t)) {
              removePrivate(prev, c);
              received++;
              return t;
            }
          }
        }
        lock();
        try {
          // One test for the first look and for every wake-up: the JIT compiles the wake-up path
          // by the profile of this branch, and a branch only ever reached after a park has no
          // profile until some process has woken. A million processes parked in code compiled
          // before that would each deoptimize when woken. Here a receive that finds a message
          // at once counts as well, and Node primes it once per JVM (JitPrimer).
          boolean parked = false;
          while (!hasInboundLocked()) {
            checkAlive();
            // The interrupt status is looked at only here, when a park returned without a
            // message: a receive woken with a message never calls Thread.interrupted(), whose
            // compiled form, inlined here and speculating on the thread classes its profile
            // saw, would otherwise deoptimize the frame of every process woken.
            if (parked && Thread.interrupted()) {
              // Not a death (that unparks). A thread Banyan does not own is being cancelled
              // by its host; a process thread ignores it (restored below).
              interrupted = true;
              if (ownsNoThread()) {
                throw cancelled("receive");
              }
            }
            if (timeoutNanos == 0) {
              return null;
            }
            long left = 0L;
            if (timeoutNanos > 0) {
              left = deadline - System.nanoTime();
              if (left <= 0) {
                return null;
              }
            }
            // The owner is the only thread that waits on its process: it parks itself. A
            // sender (or a death) that finds WAITING sets WOKEN and unparks it; the park
            // permit keeps an unpark that comes before the park. Whatever made park return
            // is re-checked under the lock.
            waiting = WAITING;
            unlock();
            try {
              if (timeoutNanos < 0) {
                LockSupport.park(this);
              } else {
                parkNanos(this, left);
              }
            } finally {
              lock();
              waiting = RUNNING;
            }
            parked = true;
          }
          drainInboundLocked();
        } finally {
          unlock();
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public final <T> void send(Pid<T> to, T message) {
    Objects.requireNonNull(to, "to");
    Objects.requireNonNull(message, "message");
    checkOwner();
    if (to.record == null) {
      throw new BadArgException("send(" + to + "): not a process that can receive messages");
    }
    to.record.deliver(message, this);
  }

  @Override
  public final void send(String regName, Object message) {
    Objects.requireNonNull(regName, "name");
    Objects.requireNonNull(message, "message");
    checkOwner();
    node.sendNamed(regName, message, this);
  }

  @Override
  public final <C> Pid<C> spawn(ProcessBody<C> childBody) {
    Objects.requireNonNull(childBody, "body");
    checkOwner();
    ProcessRecord<C> child = node.newProcess(childBody);
    node.startProcess(child);
    return child.pid;
  }

  @Override
  public final <C> Pid<C> spawnLink(ProcessBody<C> childBody) {
    Objects.requireNonNull(childBody, "body");
    checkOwner();
    ProcessRecord<C> child = node.newProcess(childBody);
    linkUnstarted(child);
    return child.pid;
  }

  /** Adds a monitor on this not yet started process. */
  final void addMonitorOnSelf(Monitor m) {
    lock();
    try {
      addWatcherLocked(m);
    } finally {
      unlock();
    }
  }

  /** Links this process to a child that has not started yet, then starts it. Owner only. */
  final void linkUnstarted(ProcessRecord<?> child) {
    // The child is not running yet, so nothing can happen to it between these two steps; the
    // parent's side is added second, under its lock, so that a parent killed meanwhile either
    // sees the link in its Death (and kills the child) or is seen dead here.
    child.lock();
    try {
      child.addLinkLocked(this);
    } finally {
      child.unlock();
    }
    lock();
    try {
      if (exitReason == null) {
        addLinkLocked(child);
      }
    } finally {
      unlock();
    }
    startOrAbandon(child);
  }

  @Override
  public final <C> Spawned<C> spawnMonitor(ProcessBody<C> childBody) {
    Objects.requireNonNull(childBody, "body");
    checkOwner();
    ProcessRecord<C> child = node.newProcess(childBody);
    Monitor m = new Monitor(node.newRef(), this, child, child.pid);
    child.lock();
    try {
      child.addWatcherLocked(m);
    } finally {
      child.unlock();
    }
    lock();
    try {
      if (exitReason == null) {
        monitors().put(m.ref, m);
      }
    } finally {
      unlock();
    }
    startOrAbandon(child);
    return new Spawned<>(child.pid, m.ref);
  }

  /** Starts a just-linked or just-monitored child, or kills it if this process died meanwhile. */
  private void startOrAbandon(ProcessRecord<?> child) {
    if (exitReason != null) {
      // Died while linking: this death did not include the child, which must not outlive it.
      child.kill(ExitReason.KILLED);
    }
    node.startProcess(child); // a child that is already dead ends at once
    checkAlive();
  }

  @Override
  public final void link(Pid<?> other) {
    Objects.requireNonNull(other, "pid");
    checkOwner();
    ProcessRecord<?> peer = node.local(other, "link");
    if (peer == this) {
      return; // CC-020: linking to oneself does nothing
    }
    // The peer's liveness is checked before the caller's entry is added. A peer already dead
    // never gets an entry here, so an exit signal still in flight from its death (captured while
    // an earlier, since unlinked, link existed) finds nothing to act on (CC-021). A peer alive at
    // this check takes any later death snapshot after the old link was removed from its side.
    boolean added = false;
    lock();
    try {
      checkAlive();
      if (linkedLocked(peer)) {
        return; // CC-020: already linked, nothing to do (a pending exit over it stays valid)
      }
      if (peer.isAliveNow()) {
        added = addLinkLocked(peer);
      }
    } finally {
      unlock();
    }
    boolean peerAlive = false;
    if (added) {
      peer.lock();
      try {
        peerAlive = peer.exitReason == null;
        if (peerAlive && exitReason == null) {
          peer.addLinkLocked(this);
        }
      } finally {
        peer.unlock();
      }
    }
    checkAlive();
    if (!peerAlive) {
      boolean trapping;
      lock();
      try {
        if (added) {
          removeLinkLocked(peer);
        }
        trapping = trapExit;
        if (trapping) {
          appendAndWakeLocked(new Exit(other, ExitReason.NOPROC));
        }
      } finally {
        unlock();
      }
      if (!trapping) {
        throw new NoProcException("link(" + other + "): no such process");
      }
    }
  }

  @Override
  public final void unlink(Pid<?> other) {
    Objects.requireNonNull(other, "pid");
    checkOwner();
    ProcessRecord<?> peer = node.local(other, "unlink");
    if (peer == this) {
      return;
    }
    lock();
    try {
      removeLinkLocked(peer);
    } finally {
      unlock();
    }
    peer.lock();
    try {
      peer.removeLinkLocked(this);
    } finally {
      peer.unlock();
    }
  }

  @Override
  public final boolean trapExit(boolean trap) {
    checkOwner();
    lock();
    try {
      boolean old = trapExit;
      trapExit = trap;
      return old;
    } finally {
      unlock();
    }
  }

  @Override
  public final boolean trapsExits() {
    checkOwner();
    lock();
    try {
      return trapExit;
    } finally {
      unlock();
    }
  }

  @Override
  public final void exit(Pid<?> target, ExitReason reason) {
    Objects.requireNonNull(target, "pid");
    Objects.requireNonNull(reason, "reason");
    checkOwner();
    Death d = node.local(target, "exit").exitSignal(pid, this, reason, false);
    if (d != null) {
      d.propagate();
    }
    checkAlive(); // the signal may have been to this very process
  }

  @Override
  public final void exit(ExitReason reason) {
    Objects.requireNonNull(reason, "reason");
    checkOwner();
    throw new ExitException(reason);
  }

  @Override
  public final MonitorRef monitor(Pid<?> target) {
    Objects.requireNonNull(target, "pid");
    checkOwner();
    return monitorRecord(node.local(target, "monitor"), target);
  }

  @Override
  public final MonitorRef monitor(String regName) {
    Objects.requireNonNull(regName, "name");
    checkOwner();
    RegisteredName as = new RegisteredName(regName, node.name());
    ProcessRecord<?> target = node.lookupName(regName);
    if (target == null) {
      MonitorRef ref = node.newRef();
      lock();
      try {
        appendAndWakeLocked(new Down(ref, as, ExitReason.NOPROC)); // CC-027
      } finally {
        unlock();
      }
      return ref;
    }
    return monitorRecord(target, as);
  }

  private MonitorRef monitorRecord(ProcessRecord<?> target, Address as) {
    return monitorRecord(new Monitor(node.newRef(), this, target, as));
  }

  private MonitorRef monitorRecord(Monitor m) {
    ProcessRecord<?> target = m.target;
    lock();
    try {
      checkAlive();
      monitors().put(m.ref, m);
    } finally {
      unlock();
    }
    boolean answerNow = false;
    target.lock();
    try {
      if (target.exitReason == null) {
        if (exitReason == null) {
          target.addWatcherLocked(m);
        }
      } else if (target.dying != null) {
        target.dying.addLateMonitor(m); // its noproc Down follows the Downs of the death
      } else {
        answerNow = true;
      }
    } finally {
      target.unlock();
    }
    if (answerNow) {
      deliverDown(m, ExitReason.NOPROC); // CC-026
    }
    return m.ref;
  }

  @Override
  public final boolean demonitor(MonitorRef ref) {
    return demonitor(ref, false);
  }

  @Override
  public final boolean demonitorFlush(MonitorRef ref) {
    return demonitor(ref, true);
  }

  private boolean demonitor(MonitorRef ref, boolean flush) {
    Objects.requireNonNull(ref, "ref");
    checkOwner();
    Monitor m;
    lock();
    try {
      m = monitors == null ? null : monitors.remove(ref);
      if (m != null) {
        deactivateWithMonitorLocked(m);
      }
      if (m == null && flush) {
        // Fired already: its Down is queued (or was received). Drop it from either list.
        if (!removeFirstPrivate(msg -> Monitor.isDownOf(msg, ref))) {
          removeFirstInboundLocked(msg -> Monitor.isDownOf(msg, ref));
        }
      }
    } finally {
      unlock();
    }
    if (m == null) {
      return false;
    }
    m.target.forgetMonitor(ref);
    return true;
  }

  @Override
  public final <A> Alias<A> alias() {
    checkOwner();
    return new Alias<>(this, node.newRef(), Alias.Mode.EXPLICIT_UNALIAS);
  }

  @Override
  public final boolean unalias(Alias<?> alias) {
    Objects.requireNonNull(alias, "alias");
    checkOwner();
    if (alias.owner != this) {
      throw new IllegalArgumentException(
          "unalias(" + alias + "): only its creator " + alias.owner.pid + " can deactivate it");
    }
    lock();
    try {
      boolean was = alias.active;
      alias.active = false;
      return was;
    } finally {
      unlock();
    }
  }

  @Override
  public final <A> AliasMonitor<A> aliasMonitor(Pid<?> target, Alias.Mode mode) {
    Objects.requireNonNull(target, "pid");
    Objects.requireNonNull(mode, "mode");
    checkOwner();
    Monitor m = new Monitor(node.newRef(), this, node.local(target, "aliasMonitor"), target);
    Alias<A> alias = new Alias<>(this, m.ref, mode);
    alias.monitor = m;
    m.alias = alias;
    monitorRecord(m);
    return new AliasMonitor<>(m.ref, alias);
  }

  @Override
  public final void register(String regName) {
    checkOwner();
    node.register(regName, pid);
  }

  // ------------------------------------------------------------------------------------------
  // Introspection

  /** {@return a snapshot of this process, or null if it is dead} */
  final ProcessInfo info() {
    ProcessInfo.Status status;
    String regName;
    int length;
    List<Pid<?>> linked = new ArrayList<>();
    List<Pid<?>> monitoring = new ArrayList<>();
    List<Pid<?>> watchers = new ArrayList<>();
    boolean trapping;
    lock();
    try {
      if (exitReason != null) {
        return null;
      }
      status = waiting == WAITING ? ProcessInfo.Status.WAITING : ProcessInfo.Status.RUNNING;
      regName = name;
      length = lengthLocked();
      trapping = trapExit;
      for (ProcessRecord<?> p : linked(links)) {
        linked.add(p.pid);
      }
      if (monitors != null) {
        monitors.values().forEach(m -> monitoring.add(m.target.pid));
      }
      for (Monitor m : watchers(monitoredBy)) {
        if (m.watcher != null) {
          watchers.add(m.watcher.pid);
        }
      }
    } finally {
      unlock();
    }
    Thread t = thread;
    List<StackTraceElement> stack = t == null ? List.of() : List.of(t.getStackTrace());
    return new ProcessInfo(
        pid,
        Optional.ofNullable(regName),
        status,
        length,
        received,
        linked,
        monitoring,
        watchers,
        trapping,
        stack);
  }

  /**
   * {@return a summary of this process read without the lock (every field an estimate), or null
   * if it is dead}: for {@link Introspection}, cheap enough to call for every process.
   */
  final Introspection.ProcessSummary summary() {
    Object l = links;
    HashMap<MonitorRef, Monitor> m = monitors;
    String regName = name;
    boolean inReceive = waiting == WAITING;
    int length = lengthLocked();
    if (exitReason != null) {
      return null;
    }
    return new Introspection.ProcessSummary(
        pid,
        Optional.ofNullable(regName),
        inReceive ? ProcessInfo.Status.WAITING : ProcessInfo.Status.RUNNING,
        Math.max(0, length),
        received,
        l == null ? 0 : l instanceof ProcessRecord<?> ? 1 : linkSet(l).size(), // no list per process
        m == null ? 0 : m.size(),
        trapExit);
  }

  /** {@return how many messages this process has taken from its mailbox}, read racily */
  final long receivedCount() {
    return received;
  }

  /**
   * Adds a link to {@code peer} unless there is one, and {@return whether it added it}. The
   * table is null when empty and the peer itself while it holds one (a supervised child's link
   * to its supervisor: most processes never have more), a set from the second on.
   */
  private boolean addLinkLocked(ProcessRecord<?> peer) {
    assert isHeldByCurrentThread();
    Object l = links;
    if (l == null) {
      links = peer;
      return true;
    }
    if (l instanceof ProcessRecord<?> one) {
      if (one == peer) {
        return false;
      }
      HashSet<ProcessRecord<?>> all = new HashSet<>(4);
      all.add(one);
      all.add(peer);
      links = all;
      return true;
    }
    return linkSet(l).add(peer);
  }

  /** Removes the link to {@code peer}, and {@return whether there was one}. */
  private boolean removeLinkLocked(ProcessRecord<?> peer) {
    assert isHeldByCurrentThread();
    Object l = links;
    if (l instanceof ProcessRecord<?> one) {
      if (one != peer) {
        return false;
      }
      links = null;
      return true;
    }
    if (l == null) {
      return false;
    }
    HashSet<ProcessRecord<?>> all = linkSet(l);
    boolean removed = all.remove(peer);
    if (all.isEmpty()) {
      links = null;
    }
    return removed;
  }

  private boolean linkedLocked(ProcessRecord<?> peer) {
    assert isHeldByCurrentThread();
    Object l = links;
    return l == peer || (l instanceof HashSet<?> all && all.contains(peer));
  }

  @SuppressWarnings("unchecked")
  private static HashSet<ProcessRecord<?>> linkSet(Object l) {
    return (HashSet<ProcessRecord<?>>) l;
  }

  /** {@return the processes in a table of links}: null, one process, or a set */
  static java.util.Collection<ProcessRecord<?>> linked(Object table) {
    if (table == null) {
      return List.of();
    }
    return table instanceof ProcessRecord<?> one ? List.of(one) : linkSet(table);
  }

  private HashMap<MonitorRef, Monitor> monitors() {
    assert isHeldByCurrentThread();
    if (monitors == null) {
      monitors = new HashMap<>(4);
    }
    return monitors;
  }

  /**
   * Adds a monitor on this process. The table is null when empty and the monitor itself while
   * it holds one (a server's start monitor, a call's monitor: most processes never have more),
   * a map from the second on: no map is made, filled and emptied per start or call.
   */
  private void addWatcherLocked(Monitor m) {
    assert isHeldByCurrentThread();
    Object w = monitoredBy;
    if (w == null || (w instanceof Monitor one && one.ref.equals(m.ref))) {
      monitoredBy = m;
    } else if (w instanceof Monitor one) {
      HashMap<MonitorRef, Monitor> all = new HashMap<>(4);
      all.put(one.ref, one);
      all.put(m.ref, m);
      monitoredBy = all;
    } else {
      watcherMap(w).put(m.ref, m);
    }
  }

  @SuppressWarnings("unchecked")
  private static HashMap<MonitorRef, Monitor> watcherMap(Object w) {
    return (HashMap<MonitorRef, Monitor>) w;
  }

  /** {@return the monitors in a table of monitors on a process}: null, one, or a map */
  static java.util.Collection<Monitor> watchers(Object table) {
    if (table == null) {
      return List.of();
    }
    return table instanceof Monitor one ? List.of(one) : watcherMap(table).values();
  }

  @Override
  public String toString() {
    return "process " + pid;
  }
}
