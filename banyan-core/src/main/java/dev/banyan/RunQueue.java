package dev.banyan;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A carrier's queue of runnable tasks in {@link Scheduler}: a ring with one producer (its
 * carrier, at the tail) and many consumers (its carrier and idle carriers stealing, at the head,
 * by CAS). Internal; tested by {@code RunQueueStress} (banyan-jcstress).
 *
 * <pre>
 * The producer writes a slot, then publishes it by a volatile write of tail. A consumer reads
 * head, then tail, then the slot (acquire), then CASes head from what it read: the producer
 * rewrites a slot only after head has passed it, so a consumer whose CAS succeeds took what it
 * read, and a consumer that read a slot being rewritten fails its CAS. The taker then clears
 * the slot by CAS (from its task to null), so that a finished task is not kept reachable; the
 * task cannot be queued again before it has run, so the CAS cannot clear a newer entry.
 * head and tail are ints compared by difference: they may wrap around.
 * </pre>
 */
final class RunQueue {
  private static final VarHandle HEAD;
  private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Runnable[].class);

  static {
    try {
      HEAD = MethodHandles.lookup().findVarHandle(RunQueue.class, "head", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Runnable[] ring;
  private final int mask;
  private volatile int head; // the next slot to take; CAS by consumers
  private volatile int tail; // the next slot to fill; written by the producer only

  /** A queue of {@code capacity} tasks, a power of two. */
  RunQueue(int capacity) {
    if (capacity < 1 || Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two, not " + capacity);
    }
    ring = new Runnable[capacity];
    mask = capacity - 1;
  }

  /** For tests: a queue whose head and tail start at {@code start} (to cross the int wrap). */
  RunQueue(int capacity, int start) {
    this(capacity);
    head = start;
    tail = start;
  }

  /** Appends {@code task}; returns false if the queue is full. By the producer only. */
  boolean offer(Runnable task) {
    int t = tail;
    if (t - head >= ring.length) {
      return false;
    }
    ring[t & mask] = task;
    tail = t + 1; // publishes the slot
    return true;
  }

  /** Takes the task at the head, or returns null if empty. By the producer or a thief. */
  Runnable poll() {
    for (; ; ) {
      int h = head;
      if (h - tail >= 0) {
        return null;
      }
      Runnable r = (Runnable) SLOT.getAcquire(ring, h & mask);
      if (HEAD.compareAndSet(this, h, h + 1)) {
        SLOT.compareAndSet(ring, h & mask, r, null);
        return r;
      }
    }
  }

  /** {@return how many tasks it holds}, an estimate while others take from it. */
  int size() {
    int n = tail - head;
    return Math.max(n, 0);
  }
}
