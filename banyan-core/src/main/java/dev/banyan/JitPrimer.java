package dev.banyan;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the receive path a few thousand times, once per JVM, before the first node starts, so
 * that the JIT's profile of it has seen a message arrive. Internal.
 *
 * <p>Why: the JIT compiles a branch that its profile has never seen taken as a trap, and a
 * process parked in {@code receive} sleeps inside the compiled code it parked in. A program that
 * parks a million fresh processes before any of them has received a message (a server accepting
 * its first connections, a benchmark) can have them all park in a {@code receive} compiled that
 * way; the first message to each then costs a deoptimization of its frame, about 10 µs, and a
 * million of them took the spawn benchmark's teardown from 2.5 s to 11-18 s in about half of
 * the runs (docs/performance.md). After this, the profile of the mailbox test in {@code take}
 * has both of its outcomes from the start.
 *
 * <p>It runs one process on a node of its own, which is stopped before {@link Node#start()}
 * goes on: the user's node sees no trace of it (no pid, no process, no log; a JFR recording
 * already running shows its one process). It costs a few milliseconds. {@code
 * -Dbanyan.jit.prime=false} turns it off.
 */
final class JitPrimer {
  private static final Logger LOG = LoggerFactory.getLogger(JitPrimer.class);

  static final String PROPERTY = "banyan.jit.prime";
  /** Enough receives for the profile to exist: the JIT starts profiling after a few hundred. */
  private static final int ROUNDS = 3_000;

  private static final AtomicBoolean DONE = new AtomicBoolean();

  private JitPrimer() {}

  /** Primes the receive path, the first time only; never throws. */
  static void once() {
    if (DONE.get() || !DONE.compareAndSet(false, true)) {
      return;
    }
    if ("false".equals(System.getProperty(PROPERTY))) {
      return;
    }
    try {
      prime();
    } catch (RuntimeException | Error e) {
      // Only speed is at stake: the node starts anyway.
      LOG.debug("priming the receive path failed", e);
    }
  }

  /** Runs the primer's process to its end on a node of its own; {@return that node, stopped} */
  static Node prime() {
    Node node = new Node("banyan_jit_primer@nohost");
    try {
      ProcessRecord<Object> p = node.newProcess(JitPrimer::receiveLoop);
      node.startProcess(p);
      boolean interrupted = false;
      for (; ; ) {
        try {
          p.thread.join();
          break;
        } catch (InterruptedException e) {
          interrupted = true; // finish priming; the caller's interrupt is kept
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    } finally {
      node.stop();
    }
    return node;
  }

  /** {@return whether the first node of this JVM has started priming} (it may still be at it) */
  static boolean done() {
    return DONE.get();
  }

  /** Receives that find a message at once, with and without a filter, and ones that find none. */
  private static void receiveLoop(ProcessContext<Object> self) {
    Pid<Object> me = self.self();
    for (int i = 0; i < ROUNDS; i++) {
      self.send(me, i);
      if ((i & 1) == 0) {
        self.receive();
      } else {
        self.receive(Integer.class, n -> n >= 0);
      }
      self.receive(Duration.ZERO);
    }
  }
}
