package dev.banyan;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A node's table of processes whose threads have not ended: intrusive doubly linked lists, one
 * per stripe (the process number picks it), each under its own spin lock. Internal.
 *
 * <p>Why not a {@code ConcurrentHashMap} key set: that costs a 32-byte node and a share of the
 * bucket array per process (about 37 bytes), hashes on every add and remove, and grows by copying
 * the whole table, which a node that starts 10,000 supervised servers does several times while
 * the JIT has not compiled the copy yet (2% of a cold {@code suptree} start). Here a process
 * costs its two link fields (8 bytes), and adding or removing one is a lock of its stripe and a
 * few writes; nothing ever grows.
 *
 * <p>Thread-safety: {@link #add} and {@link #remove} may be called from any thread; {@link
 * #snapshot} and {@link #forEach} see each stripe at one moment (weakly consistent across
 * stripes, like a concurrent map's iterators). The links of a record are guarded by its
 * stripe's lock: a spin lock (no {@code synchronized}, which pins a carrier on JDK 21, see
 * CONCURRENCY.md), held for a few writes, or for one stripe's walk by a snapshot; a waiter
 * yields after a while.
 */
final class ProcessTable {
  private static final int STRIPES = 64; // a power of two

  private static final int SPINS_BEFORE_YIELD = 64;

  private static final class Stripe {
    volatile int locked; // 0 or 1
    ProcessRecord<?> head; // guarded by locked
    int size; // guarded by locked
  }

  private static final VarHandle LOCKED;

  static {
    try {
      LOCKED = MethodHandles.lookup().findVarHandle(Stripe.class, "locked", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static void lock(Stripe s) {
    int spins = 0;
    while (s.locked != 0 || !LOCKED.compareAndSet(s, 0, 1)) { // no CAS while it is held
      if (++spins < SPINS_BEFORE_YIELD) {
        Thread.onSpinWait();
      } else {
        spins = 0;
        Thread.yield();
      }
    }
  }

  private static void unlock(Stripe s) {
    LOCKED.setRelease(s, 0);
  }

  private final Stripe[] stripes = new Stripe[STRIPES];

  ProcessTable() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe();
    }
  }

  private Stripe stripeOf(ProcessRecord<?> p) {
    return stripes[p.pid.id() & (STRIPES - 1)];
  }

  /** Adds {@code p}, which must not be in a table. */
  void add(ProcessRecord<?> p) {
    Stripe s = stripeOf(p);
    lock(s);
    try {
      ProcessRecord<?> h = s.head;
      p.tableNext = h;
      p.tablePrev = null;
      if (h != null) {
        h.tablePrev = p;
      }
      s.head = p;
      s.size++;
    } finally {
      unlock(s);
    }
  }

  /** Removes {@code p} if it is in this table; a second call does nothing. */
  void remove(ProcessRecord<?> p) {
    Stripe s = stripeOf(p);
    lock(s);
    try {
      ProcessRecord<?> prev = p.tablePrev;
      ProcessRecord<?> next = p.tableNext;
      if (prev != null) {
        prev.tableNext = next;
      } else if (s.head == p) {
        s.head = next;
      } else {
        return; // not in the table (removed before)
      }
      if (next != null) {
        next.tablePrev = prev;
      }
      p.tablePrev = null;
      p.tableNext = null;
      s.size--;
    } finally {
      unlock(s);
    }
  }

  /** {@return the processes in the table now}, stripe by stripe */
  List<ProcessRecord<?>> snapshot() {
    ArrayList<ProcessRecord<?>> out = new ArrayList<>();
    for (Stripe s : stripes) {
      lock(s);
      try {
        out.ensureCapacity(out.size() + s.size);
        for (ProcessRecord<?> p = s.head; p != null; p = p.tableNext) {
          out.add(p);
        }
      } finally {
        unlock(s);
      }
    }
    return out;
  }

  /** Calls {@code action} with each process of a {@link #snapshot}, outside the locks. */
  void forEach(Consumer<ProcessRecord<?>> action) {
    snapshot().forEach(action);
  }
}
