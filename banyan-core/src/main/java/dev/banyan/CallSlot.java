package dev.banyan;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * The one-shot channel of a request: it receives either the reply, or the Down of the monitor
 * the caller put on the callee, whichever comes first; later completions are ignored.
 *
 * <pre>
 * Implementation overview
 *
 * 'outcome' goes once from null to its final value by CAS: the reply value, a SlotDown (the
 * monitor fired), or ABANDONED (the caller gave up). Completing unparks the waiting thread. The
 * reply and the Down both come from the callee's side in its program order (a reply sent before
 * the callee died is completed before its Down is propagated), so the first completion is the
 * right one (CC-052). A reply that arrives after ABANDONED is dropped (CC-045). The caller never
 * scans its mailbox for the reply.
 * </pre>
 */
final class CallSlot {
  private static final VarHandle OUTCOME;
  private static final Object ABANDONED = new Object();

  static {
    try {
      OUTCOME = MethodHandles.lookup().findVarHandle(CallSlot.class, "outcome", Object.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** The outcome when the monitored process died first. */
  record SlotDown(ExitReason reason) {}

  private final Thread waiter;
  private volatile Object outcome; // null while pending; CAS once

  CallSlot(Thread waiter) {
    this.waiter = waiter;
  }

  /** Completes with {@code value}; returns false if already completed or abandoned. */
  boolean complete(Object value) {
    if (OUTCOME.compareAndSet(this, null, value)) {
      LockSupport.unpark(waiter);
      return true;
    }
    return false;
  }

  /** Gives up: returns null if nothing came, or the outcome that won the race. */
  Object abandon() {
    Object o = (Object) OUTCOME.compareAndExchange(this, null, ABANDONED);
    return o;
  }

  /**
   * Waits for the outcome, up to {@code timeoutNanos} (-1: forever). Returns null on timeout.
   * Throws {@link ProcessExitedException} if {@code caller} (a process, or null) dies meanwhile.
   */
  Object await(long timeoutNanos, ProcessRecord<?> caller) {
    long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0L;
    boolean interrupted = false;
    try {
      for (; ; ) {
        Object o = outcome;
        if (o != null) {
          return o;
        }
        if (caller != null) {
          caller.checkAlive();
        }
        if (timeoutNanos == 0) {
          return null;
        }
        if (timeoutNanos < 0) {
          LockSupport.park(this);
        } else {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return null;
          }
          if (caller != null) {
            caller.parkNanos(this, left); // the caller is the calling thread's process
          } else {
            LockSupport.parkNanos(this, left);
          }
        }
        if (Thread.interrupted()) {
          interrupted = true; // a death interrupts too: checked above on the next turn
          if (outcome == null && (caller == null || (caller.isAliveNow() && caller.ownsNoThread()))) {
            throw ProcessRecord.cancelled("waiting for an answer"); // the host cancels its thread
          }
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
