package dev.banyan;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.III_Result;

/**
 * The WAITING/WOKEN handshake of receive ({@code ProcessRecord.take}): the owner, finding no
 * message under its lock, sets WAITING, releases the lock and parks itself; a sender (or a death)
 * that finds WAITING sets WOKEN and unparks it. No wake-up may be lost (a parked owner with a
 * message, or dead, stays parked), no message lost or duplicated, and the owner's state is back
 * to RUNNING when receive returns.
 *
 * <p>The records are attached records owned by the actor thread (it sets {@code thread} before it
 * receives): their death does not interrupt the owner's thread, which here belongs to the harness;
 * the handshake is the same code as a spawned process's. The untimed tests run in termination
 * mode: a lost wake-up shows as STALE.
 */
public final class ReceiveWakeStress {
  private ReceiveWakeStress() {}

  private static final Node NODE = Node.start("jcstress@localhost");
  private static final AtomicLong NUMBERS = new AtomicLong(1_000);
  private static final VarHandle WAITING_STATE;

  static {
    try {
      WAITING_STATE =
          MethodHandles.privateLookupIn(ProcessRecord.class, MethodHandles.lookup())
              .findVarHandle(ProcessRecord.class, "waiting", byte.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** A timeout short enough to race the other actors (not a synchronization). */
  private static final Duration RACING_TIMEOUT = Duration.ofNanos(20_000);

  static AttachedRecord<Object> newRecord() {
    return new AttachedRecord<>(NODE, NUMBERS.getAndIncrement());
  }

  /** {@return the owner's receive state}: 0 RUNNING, 1 WAITING, 2 WOKEN. */
  static int waitingState(ProcessRecord<?> p) {
    p.lock();
    try {
      return (byte) WAITING_STATE.get(p);
    } finally {
      p.unlock();
    }
  }

  /** {@return the number of messages in the mailbox}, read under the lock. */
  static int mailboxLength(ProcessRecord<?> p) {
    p.lock();
    try {
      return p.lengthLocked();
    } finally {
      p.unlock();
    }
  }

  /** Receives as the owner, with the calling thread made the owner: 1 a message, 0 none, 2 dead. */
  static int receiveAsOwner(ProcessRecord<Object> p, Duration timeout) {
    p.thread = Thread.currentThread();
    try {
      if (timeout == null) {
        return p.receive() != null ? 1 : 0;
      }
      return p.receive(timeout).isPresent() ? 1 : 0;
    } catch (ProcessExitedException e) {
      return 2;
    }
  }

  /** A message (deliver: unpark after the unlock) wakes an owner parked with no timeout. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the message woke the owner")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up: a message waits, the owner sleeps")
  @State
  public static class MessageWakesParkedOwner {
    private final AttachedRecord<Object> p = newRecord();

    @Actor
    public void owner() {
      receiveAsOwner(p, null);
    }

    @Signal
    public void sender() {
      p.deliver("m", null);
    }
  }

  /** An exit signal to a trapping owner (appendAndWakeLocked: unpark under the lock) wakes it. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the Exit (or the death) woke the owner")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "lost wake-up")
  @State
  public static class TrappedExitWakesParkedOwner {
    private final AttachedRecord<Object> p = newRecord();

    @Actor
    public void owner() {
      p.thread = Thread.currentThread();
      try {
        p.trapExit(true);
      } catch (ProcessExitedException killedFirst) {
        return;
      }
      receiveAsOwner(p, null);
    }

    @Signal
    public void linkedPeer() {
      // Before trapExit(true) the signal kills the owner instead: its receive must end too.
      Death d = p.exitSignal(NODE.outsidePid(), null, new ExitReason.Other("bye"), false);
      if (d != null) {
        d.propagate();
      }
    }
  }

  /** A death (markDeadLocked: unpark under the lock) wakes an owner parked with no timeout. */
  @JCStressTest(Mode.Termination)
  @Outcome(id = "TERMINATED", expect = ACCEPTABLE, desc = "the death woke the owner")
  @Outcome(id = "STALE", expect = FORBIDDEN, desc = "a dead process's receive sleeps on")
  @State
  public static class DeathWakesParkedOwner {
    private final AttachedRecord<Object> p = newRecord();

    @Actor
    public void owner() {
      receiveAsOwner(p, null);
    }

    @Signal
    public void killer() {
      p.kill(ExitReason.KILLED);
    }
  }

  /** A message racing the owner's timeout: either it is received or it stays queued. */
  @JCStressTest
  @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "received before the deadline")
  @Outcome(id = "0, 1, 0", expect = ACCEPTABLE, desc = "timed out; the message stays queued")
  @Outcome(expect = FORBIDDEN, desc = "a message lost or kept twice, or the state left WAITING/WOKEN")
  @State
  public static class SenderVersusTimeout {
    private final AttachedRecord<Object> p = newRecord();

    @Actor
    public void owner(III_Result r) {
      r.r1 = receiveAsOwner(p, RACING_TIMEOUT);
    }

    @Actor
    public void sender() {
      p.deliver("m", null);
    }

    @Arbiter
    public void after(III_Result r) {
      r.r2 = mailboxLength(p);
      r.r3 = waitingState(p);
    }
  }

  /**
   * Two messages, sent one after the other, and an owner that waits without a timeout: the first
   * send that finds WAITING wakes it (WOKEN), the second finds WOKEN or RUNNING and must not be
   * needed; exactly one message is taken. A lost wake-up hangs this test (the owner never returns).
   * (Two concurrent senders would need three CPUs: the machine this runs on has two.)
   */
  @JCStressTest
  @Outcome(id = "1, 1, 0", expect = ACCEPTABLE, desc = "one received, one queued")
  @Outcome(expect = FORBIDDEN, desc = "messages lost or duplicated, or the state not RUNNING")
  @State
  public static class TwoMessagesOneParker {
    private final AttachedRecord<Object> p = newRecord();

    @Actor
    public void owner(III_Result r) {
      r.r1 = receiveAsOwner(p, null);
    }

    @Actor
    public void sender() {
      p.deliver("a", null);
      p.deliver("b", null);
    }

    @Arbiter
    public void after(III_Result r) {
      r.r2 = mailboxLength(p);
      r.r3 = waitingState(p);
    }
  }

  /** A kill racing the owner's timeout: the owner times out or sees its death, never sleeps on. */
  @JCStressTest
  @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "timed out, then killed")
  @Outcome(id = "2, 0, 0", expect = ACCEPTABLE, desc = "the receive saw the death")
  @Outcome(expect = FORBIDDEN, desc = "a message from nowhere, or the state not RUNNING")
  @State
  public static class KillVersusTimeout {
    private final AttachedRecord<Object> p = newRecord();

    @Actor
    public void owner(III_Result r) {
      r.r1 = receiveAsOwner(p, RACING_TIMEOUT);
    }

    @Actor
    public void killer() {
      p.kill(ExitReason.KILLED);
    }

    @Arbiter
    public void after(III_Result r) {
      r.r2 = mailboxLength(p);
      r.r3 = waitingState(p);
    }
  }

  /**
   * A message then a kill (from one thread, in that order), racing the owner's timeout: the owner
   * gets the message, times out or sees its death; a dead process's mailbox is empty; the state
   * is RUNNING at the end.
   */
  @JCStressTest
  @Outcome(id = "1, 0, 0", expect = ACCEPTABLE, desc = "received, then killed")
  @Outcome(id = "0, 0, 0", expect = ACCEPTABLE, desc = "timed out, then killed")
  @Outcome(id = "2, 0, 0", expect = ACCEPTABLE, desc = "the receive saw the death")
  @Outcome(expect = FORBIDDEN, desc = "a dead process kept a message, or the state is not RUNNING")
  @State
  public static class SendThenKillVersusTimeout {
    private final AttachedRecord<Object> p = newRecord();

    @Actor
    public void owner(III_Result r) {
      r.r1 = receiveAsOwner(p, RACING_TIMEOUT);
    }

    @Actor
    public void senderThenKiller() {
      p.deliver("m", null);
      p.kill(ExitReason.KILLED);
    }

    @Arbiter
    public void after(III_Result r) {
      r.r2 = mailboxLength(p);
      r.r3 = waitingState(p);
    }
  }
}
