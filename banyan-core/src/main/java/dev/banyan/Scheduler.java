package dev.banyan;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.util.Arrays;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler of process threads: the carriers that run Banyan's virtual threads, built for
 * message passing. Internal; see docs/processes.md, "Schedulers", and CONCURRENCY.md,
 * "The scheduler".
 *
 * <p>The JDK's scheduler (a {@code ForkJoinPool}) wakes an idle carrier for every virtual thread
 * made runnable, so that a message sent from one process to a waiting one usually crosses to
 * the other core, and both carriers pay a futex wake-up per hop. This one keeps a hand-off on the
 * carrier, as Erlang's and Go's schedulers do:
 *
 * <ul>
 *   <li>Each carrier has a <b>next</b> slot. A process that wakes another (a send to a process
 *       waiting in receive, a call's reply) puts it there, and wakes no other carrier: the sender
 *       usually waits next, and its carrier then runs the woken process at once. The task that was
 *       in the slot moves to the carrier's queue.
 *   <li>Each carrier has a <b>queue</b> (a ring of 256, one producer, stolen from by idle
 *       carriers). Putting a task there wakes an idle carrier, which steals it.
 *   <li>Tasks from other threads (timers, socket pollers, threads that are not processes) go to a
 *       <b>global</b> queue and wake an idle carrier.
 *   <li>Fairness: a carrier takes its next slot at most 64 times in a row before its queue, and
 *       looks at the global queue every 64 tasks.
 *   <li>A <b>monitor</b> thread ticks every millisecond while a carrier is busy:
 *       <ul>
 *         <li>a carrier that started no task during a tick (a process computing, or blocked in a
 *             way that pins its carrier) has its next slot moved to the global queue, so that a
 *             woken process does not wait behind a busy one for more than a tick or two;
 *         <li>idle carriers are woken while any queue has work;
 *         <li>when every carrier has been held so for 5 ticks and work waits, a spare carrier
 *             starts (it ends after a second idle);
 *         <li>timed waits of processes that are due end (see {@link Sleeper}).
 *       </ul>
 *       When everything has been idle for 100 ticks the monitor sleeps until a carrier wakes or
 *       a timed wait is due.
 * </ul>
 *
 * <p>Virtual threads with a scheduler of one's own are not public API in JDK 25: this needs
 * {@code java.lang} open to Banyan ({@code --add-opens java.base/java.lang=ALL-UNNAMED}, or
 * {@code =dev.banyan} on the module path). Without it, or with {@code -Dbanyan.scheduler=jdk},
 * processes run on the JDK's scheduler, with the same semantics.
 */
final class Scheduler implements Executor {

  private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

  static final String PROPERTY = "banyan.scheduler";
  static final String PARALLELISM_PROPERTY = "banyan.scheduler.parallelism";

  private static final int CAPACITY = 256; // of a carrier's queue; a power of two
  private static final int NEXT_STREAK = 64;
  private static final int GLOBAL_EVERY = 64; // a power of two
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /**
   * Timed waits shorter than this keep the JDK's timed park (a {@code ScheduledThreadPoolExecutor}
   * task, precise to tens of microseconds); longer ones, such as a call's 5 s, go through the
   * monitor, which ends them within a tick or two of their deadline at the cost of two writes.
   */
  static final long PRECISE_BELOW_NANOS = 2 * TICK_NANOS;
  private static final int IDLE_TICKS_BEFORE_SLEEP = 100;
  private static final int IDLE_SPINS = 256;

  private static final int RUNNING = 0;
  private static final int IDLE = 1;
  private static final int SIGNALLED = 2;
  private static final int RETIRED = 3; // a spare that ended

  // Spare carriers: started while every carrier is held (by a process computing, or blocked in a
  // way that pins it) and work waits; ended after a second idle.
  private static final int STUCK_TICKS = 5;
  private static final int MAX_CARRIERS = 256;
  private static final long SPARE_IDLE_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final VarHandle NEXT;
  private static final VarHandle STATE;
  private static final VarHandle RUNS;
  private static final VarHandle ENTRY_AT;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      NEXT = l.findVarHandle(Worker.class, "next", Runnable.class);
      STATE = l.findVarHandle(Worker.class, "state", int.class);
      RUNS = l.findVarHandle(Worker.class, "runs", long.class);
      ENTRY_AT = l.findVarHandle(Sleeper.class, "entryAt", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Access to the JDK: Thread.currentCarrierThread() and a virtual thread with this scheduler

  /** The JDK's hooks, or why they cannot be had. */
  private static final class Jdk {
    static final MethodHandle CURRENT_CARRIER; // () -> Thread
    static final MethodHandle NEW_VIRTUAL_THREAD; // (Executor, String, int, Runnable) -> Thread
    static final String UNAVAILABLE; // null when both were found

    static {
      MethodHandle carrier = null;
      MethodHandle newThread = null;
      String why = null;
      Module banyan = Scheduler.class.getModule();
      if (!Thread.class.getModule().isOpen("java.lang", banyan)) {
        why =
            "java.lang is not open to "
                + (banyan.isNamed() ? banyan.getName() : "the unnamed module")
                + " (add --add-opens java.base/java.lang="
                + (banyan.isNamed() ? banyan.getName() : "ALL-UNNAMED")
                + ")";
      } else {
        try {
          MethodHandles.Lookup lang =
              MethodHandles.privateLookupIn(Thread.class, MethodHandles.lookup());
          carrier =
              lang.findStatic(Thread.class, "currentCarrierThread", MethodType.methodType(Thread.class));
          Class<?> builders = Class.forName("java.lang.ThreadBuilders");
          newThread =
              MethodHandles.privateLookupIn(builders, MethodHandles.lookup())
                  .findStatic(
                      builders,
                      "newVirtualThread",
                      MethodType.methodType(
                          Thread.class, Executor.class, String.class, int.class, Runnable.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
          why = "this JDK (" + Runtime.version() + ") does not offer what it needs: " + e;
          carrier = null;
          newThread = null;
        }
      }
      CURRENT_CARRIER = carrier;
      NEW_VIRTUAL_THREAD = newThread;
      UNAVAILABLE = why;
    }
  }

  /** The scheduler of this JVM's processes, or null for the JDK's. */
  private static final class Holder {
    static final Scheduler INSTANCE = create();

    private static Scheduler create() {
      String wanted = System.getProperty(PROPERTY, "banyan");
      if (wanted.equals("jdk")) {
        LOG.debug("processes run on the JDK's virtual-thread scheduler (-D{}=jdk)", PROPERTY);
        return null;
      }
      if (!wanted.equals("banyan")) {
        LOG.warn(
            "-D{}={} is neither banyan nor jdk; using banyan's scheduler if it can", PROPERTY, wanted);
      }
      if (Jdk.UNAVAILABLE != null) {
        LOG.info(
            "processes run on the JDK's virtual-thread scheduler, because {}; Banyan's own hands"
                + " a message to a waiting process on the sender's carrier (docs/processes.md,"
                + " \"Schedulers\")",
            Jdk.UNAVAILABLE);
        return null;
      }
      int parallelism = parallelism();
      LOG.debug("processes run on Banyan's scheduler with {} carriers", parallelism);
      return new Scheduler(parallelism);
    }

    private static int parallelism() {
      for (String key : new String[] {PARALLELISM_PROPERTY, "jdk.virtualThreadScheduler.parallelism"}) {
        String value = System.getProperty(key);
        if (value != null) {
          try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1 && n <= 32_767) {
              return n;
            }
          } catch (NumberFormatException ignored) {
            // reported below
          }
          LOG.warn("-D{}={} is not a number of carriers from 1 to 32767; ignored", key, value);
        }
      }
      return Runtime.getRuntime().availableProcessors();
    }
  }

  /** {@return why processes run on the JDK's scheduler}, when they do */
  static String whyNot() {
    return "jdk".equals(System.getProperty(PROPERTY))
        ? "-D" + PROPERTY + "=jdk"
        : Jdk.UNAVAILABLE == null ? "not chosen" : Jdk.UNAVAILABLE;
  }

  /** {@return the scheduler of processes, or null when they run on the JDK's scheduler} */
  static Scheduler instance() {
    return Holder.INSTANCE;
  }

  /** {@return a new, unstarted virtual thread for a process} on this JVM's scheduler of processes. */
  static Thread newThread(String name, Thread.UncaughtExceptionHandler handler, Runnable task) {
    Scheduler s = Holder.INSTANCE;
    if (s == null) {
      return Thread.ofVirtual().name(name).uncaughtExceptionHandler(handler).unstarted(task);
    }
    Thread t;
    try {
      t = (Thread) Jdk.NEW_VIRTUAL_THREAD.invokeExact((Executor) s, name, 0, task);
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException("could not make a virtual thread", e);
    }
    t.setUncaughtExceptionHandler(handler);
    return t;
  }

  /**
   * Unparks (or interrupts) {@code t}, a process's thread woken only to end: on Banyan's scheduler
   * it goes behind the tasks of the calling process's carrier, not into its next slot, and wakes
   * no carrier: a supervisor stopping 10,000 children keeps its carrier, which unwinds them when
   * the supervisor waits, or an idle carrier steals them at the monitor's next tick.
   */
  static void wakeBehind(Thread t, boolean interrupt) {
    Scheduler s = Holder.INSTANCE;
    Worker w = null;
    if (s != null
        && Thread.currentThread().isVirtual()
        && currentCarrier() instanceof Worker c
        && c.pool == s) {
      w = c;
      w.behind = true; // read by execute, on this carrier, before this thread can leave it
    }
    try {
      if (interrupt) {
        t.interrupt();
      } else {
        LockSupport.unpark(t);
      }
    } finally {
      if (w != null) {
        w.behind = false;
      }
    }
  }

  private static Thread currentCarrier() {
    try {
      return (Thread) Jdk.CURRENT_CARRIER.invokeExact();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Throwable e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------------------------------

  private final int parallelism;
  private volatile Worker[] workers; // copy on write, under workersLock
  private final ReentrantLock workersLock = new ReentrantLock();
  private int nextIndex;
  private final ConcurrentLinkedQueue<Runnable> global = new ConcurrentLinkedQueue<>();
  private final AtomicInteger idle = new AtomicInteger(); // workers in state IDLE
  private final Thread monitor;
  private volatile boolean monitorAsleep;
  // Timed waits of processes: entries queued here by their threads, moved by the monitor into
  // its heap (the monitor's own), woken by it when due.
  private final ConcurrentLinkedQueue<Entry> newEntries = new ConcurrentLinkedQueue<>();

  private Scheduler(int parallelism) {
    this.parallelism = parallelism;
    Worker[] ws = new Worker[parallelism];
    for (int i = 0; i < parallelism; i++) {
      ws[i] = new Worker(this, nextIndex++, false);
    }
    workers = ws;
    for (Worker w : ws) {
      w.start();
    }
    monitor =
        Thread.ofPlatform().daemon().name("banyan-scheduler-monitor").unstarted(this::monitorLoop);
    monitor.start();
  }

  /** {@return the number of carriers, spares not counted} */
  int parallelism() {
    return parallelism;
  }

  /** {@return the number of carriers now, spares included} */
  int carriers() {
    return workers.length;
  }

  private void addSpare() {
    workersLock.lock();
    try {
      Worker[] ws = workers;
      if (ws.length >= MAX_CARRIERS) {
        return;
      }
      Worker spare = new Worker(this, nextIndex++, true);
      try {
        spare.start(); // before it is published: a thread that did not start must not be counted
      } catch (Throwable e) { // OutOfMemoryError: unable to create native thread
        LOG.warn("no spare carrier could be started ({} carriers)", ws.length, e);
        return;
      }
      Worker[] more = Arrays.copyOf(ws, ws.length + 1);
      more[ws.length] = spare;
      workers = more;
    } finally {
      workersLock.unlock();
    }
  }

  private void removeSpare(Worker spare) {
    workersLock.lock();
    try {
      Worker[] ws = workers;
      Worker[] fewer = new Worker[ws.length - 1];
      int j = 0;
      for (Worker w : ws) {
        if (w != spare) {
          fewer[j++] = w;
        }
      }
      workers = fewer;
    } finally {
      workersLock.unlock();
    }
  }

  /**
   * Makes a virtual thread's continuation runnable. Called by the JDK with the calling virtual
   * thread pinned to its carrier (so that the carrier found here stays the caller's).
   */
  @Override
  public void execute(Runnable task) {
    Thread carrier = currentCarrier();
    if (carrier instanceof Worker w && w.pool == this) {
      if (w.behind) {
        // A thread woken only to end: cleanup, behind the others, and no carrier is woken for
        // it. This carrier takes it when its process waits; an idle one steals it at the
        // monitor's next tick. A supervisor stopping 10,000 children would otherwise pay a
        // futex wake-up of the other carrier per child.
        w.pushLocal(task);
      } else if (Thread.currentThread() == w) {
        // On the carrier itself, after a continuation yielded (Thread.yield(), or a park that an
        // unpark overtook): behind the others; the carrier takes it next if it is alone.
        w.pushLocal(task);
        if (w.queue.size() > 1 || w.next != null) {
          signalWork();
        }
      } else {
        // A process woke (or started) another: the hand-off.
        Runnable displaced = (Runnable) NEXT.getAndSet(w, task);
        if (displaced != null) {
          w.pushLocal(displaced);
          signalWork();
        }
      }
    } else {
      global.offer(task);
      signalWork();
    }
  }

  /** Wakes one idle carrier, if there is one. */
  private void signalWork() {
    if (idle.get() == 0) {
      return;
    }
    for (Worker w : workers) {
      if (w.state == IDLE && STATE.compareAndSet(w, IDLE, SIGNALLED)) {
        idle.decrementAndGet();
        LockSupport.unpark(w);
        return;
      }
    }
  }

  /** {@return whether every carrier is IDLE} (none running, none signalled) */
  private boolean allParkedIdle() {
    for (Worker w : workers) {
      if (w.state != IDLE) {
        return false;
      }
    }
    return true;
  }

  /** {@return whether a queue holds a task an idle carrier could take} */
  private boolean visibleWork() {
    if (!global.isEmpty()) {
      return true;
    }
    for (Worker w : workers) {
      if (w.queue.size() > 0) {
        return true;
      }
    }
    return false;
  }

  private Runnable steal(Worker thief) {
    Worker[] ws = workers;
    int n = ws.length;
    if (n == 1) {
      return null;
    }
    int start = thief.random(n);
    for (int i = 0; i < n; i++) {
      Worker victim = ws[(start + i) % n];
      if (victim != thief) {
        Runnable r = victim.queue.poll();
        if (r != null) {
          return r;
        }
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------
  // Timed waits

  /**
   * The timed waits of one process, made by its thread when it first waits with a timeout. The
   * JDK's timed park on a scheduler of one's own puts a task in a {@code
   * ScheduledThreadPoolExecutor} and cancels it on every wake-up (a lock and a heap on each side:
   * it doubled the cost of a call, which always has a timeout). Here a wait writes its deadline,
   * and queues an entry for the monitor only when no entry is due at or before it; the monitor,
   * when an entry is due, wakes the process if its current wait is due, or puts an entry back
   * for the current wait's deadline. A call every microsecond with a 5 s timeout thus costs one
   * entry per 5 s.
   */
  static final class Sleeper {
    volatile Thread thread; // null once the process's thread has ended
    volatile long wakeAt; // the current wait's deadline (System.nanoTime()), 0 when not waiting
    volatile long entryAt; // the key of the entry that stands for it in the monitor's heap; 0: none

    Sleeper(Thread thread) {
      this.thread = thread;
    }
  }

  /** An entry of the monitor's heap; stale once its sleeper's {@code entryAt} is another key. */
  private record Entry(Sleeper sleeper, long key) {}

  /**
   * Parks the calling thread, whose sleeper is {@code s}, for up to {@code nanos} (more than 0)
   * or until unparked. May return early (as {@link LockSupport#parkNanos} may).
   */
  void parkNanos(Sleeper s, Object blocker, long nanos) {
    long deadline = System.nanoTime() + nanos;
    if (deadline == 0) {
      deadline = 1;
    }
    s.wakeAt = deadline;
    for (; ; ) {
      long e = s.entryAt;
      if (e != 0 && deadline - e >= 0) {
        break; // an entry due no later stands for this wait: the monitor looks then
      }
      if (ENTRY_AT.compareAndSet(s, e, deadline)) {
        newEntries.offer(new Entry(s, deadline)); // an earlier entry, if any, is now stale
        break;
      }
    }
    try {
      LockSupport.park(blocker);
    } finally {
      s.wakeAt = 0;
    }
  }

  /** The process of {@code s} has ended: its entries are dropped when due or purged. */
  static void release(Sleeper s) {
    s.thread = null;
    s.wakeAt = 0;
  }

  private static final Comparator<Entry> BY_KEY =
      (a, b) -> Long.compare(a.key - b.key, 0);

  private int purgeAt = 4096;

  /** Wakes the due sleepers; returns the nanoseconds to the next deadline (or Long.MAX_VALUE). */
  private long wakeSleepers(PriorityQueue<Entry> heap, long now) {
    for (Entry e; (e = newEntries.poll()) != null; ) {
      heap.add(e);
    }
    if (heap.size() > purgeAt) {
      heap.removeIf(e -> e.sleeper.thread == null || e.sleeper.entryAt != e.key);
      purgeAt = Math.max(4096, 2 * heap.size());
    }
    for (Entry x; (x = heap.peek()) != null && x.key - now <= 0; ) {
      heap.poll();
      Sleeper s = x.sleeper;
      if (s.entryAt != x.key) {
        continue; // stale: a wait with an earlier deadline queued its own entry
      }
      Thread t = s.thread;
      long w = s.wakeAt;
      if (t != null && w != 0 && w - now > 0) {
        // A later wait of the same process: an entry for it, unless the process queued one.
        if (ENTRY_AT.compareAndSet(s, x.key, w)) {
          heap.add(new Entry(s, w));
        }
        continue;
      }
      if (t != null && w != 0) {
        LockSupport.unpark(t);
      }
      if (ENTRY_AT.compareAndSet(s, x.key, 0)) {
        // A wait that began meanwhile either sees entryAt 0 and queues its entry, or is seen
        // here (its wakeAt was written before it read entryAt).
        long again = s.wakeAt;
        if (t != null && again != 0 && again != w && ENTRY_AT.compareAndSet(s, 0, again)) {
          heap.add(new Entry(s, again));
        }
      }
    }
    Entry first = heap.peek();
    return first == null ? Long.MAX_VALUE : Math.max(first.key - now, 0);
  }

  private void wakeMonitor() {
    if (monitorAsleep) {
      monitorAsleep = false;
      LockSupport.unpark(monitor);
    }
  }

  private void monitorLoop() {
    PriorityQueue<Entry> heap = new PriorityQueue<>(BY_KEY);
    for (; ; ) {
      try {
        monitorTicks(heap);
      } catch (Throwable e) { // nothing may end the monitor: timed waits depend on it
        LOG.error("Banyan's scheduler monitor failed; it goes on", e);
        LockSupport.parkNanos(this, TICK_NANOS);
      }
    }
  }

  private int idleTicks;

  private void monitorTicks(PriorityQueue<Entry> heap) {
    for (; ; ) {
      long untilSleeper = wakeSleepers(heap, System.nanoTime());
      boolean allIdle = true;
      int held = 0; // carriers busy with one task for STUCK_TICKS or more
      Worker[] ws = workers;
      for (Worker w : ws) {
        long runs = (long) RUNS.getVolatile(w);
        if (w.state == RUNNING) {
          allIdle = false;
          if (runs == w.seenRuns) {
            if (++w.stuckTicks >= STUCK_TICKS) {
              held++;
            }
            if (w.next != null) {
              // Busy with one task for a whole tick: its hand-off would wait behind it.
              Runnable r = (Runnable) NEXT.getAndSet(w, null);
              if (r != null) {
                global.offer(r);
              }
            }
          } else {
            w.stuckTicks = 0;
          }
        } else {
          w.stuckTicks = 0;
        }
        w.seenRuns = runs;
      }
      if (visibleWork()) {
        allIdle = false;
        if (idle.get() > 0) {
          signalWork();
        } else if (held == ws.length) {
          // Work waits and every carrier is held (computing, or blocked in a way that pins it):
          // one more. Not while any carrier makes progress: a spare would take a core from it.
          addSpare();
        }
      }
      idleTicks = allIdle ? idleTicks + 1 : 0;
      if (idleTicks >= IDLE_TICKS_BEFORE_SLEEP) {
        // Everything idle: sleep until a carrier wakes, or the first sleeper is due. Each
        // carrier's state, not the idle count: a signaller CASes a carrier to SIGNALLED before
        // it decrements the count, and the carrier may already be running (its wakeMonitor()
        // having seen the monitor awake). monitorAsleep is written before the states are read,
        // and a carrier writes its state before it reads monitorAsleep: one sees the other.
        monitorAsleep = true;
        if (allParkedIdle() && !visibleWork() && newEntries.isEmpty()) {
          if (untilSleeper == Long.MAX_VALUE) {
            while (monitorAsleep) {
              LockSupport.park(this);
            }
          } else {
            LockSupport.parkNanos(this, untilSleeper);
          }
        }
        monitorAsleep = false;
        idleTicks = 0;
      } else {
        LockSupport.parkNanos(this, Math.min(TICK_NANOS, untilSleeper));
      }
    }
  }

  // ------------------------------------------------------------------------------------------

  /** A carrier: a platform thread that runs virtual threads' continuations. */
  private static final class Worker extends Thread {
    final Scheduler pool;
    final RunQueue queue = new RunQueue(CAPACITY);
    volatile Runnable next; // the hand-off slot
    volatile long runs; // tasks started; written by this worker only
    volatile int state = RUNNING;
    final boolean spare;
    boolean behind; // set by the process running on this carrier around a wakeBehind
    long seenRuns; // the monitor's
    int stuckTicks; // the monitor's
    private int tick;
    private int streak;
    private int seed;

    Worker(Scheduler pool, int index, boolean spare) {
      super(null, null, "banyan-carrier-" + index, 0, false);
      this.pool = pool;
      this.spare = spare;
      this.seed = index * 0x9E3779B9 + 1;
      setDaemon(true);
    }

    int random(int bound) {
      int x = seed;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      seed = x;
      return (x & Integer.MAX_VALUE) % bound;
    }

    /** Puts a task at the tail of this worker's queue (or the global queue if it is full). */
    void pushLocal(Runnable task) {
      if (!queue.offer(task)) {
        pool.global.offer(task);
      }
    }

    private Runnable takeNext() {
      return next == null ? null : (Runnable) NEXT.getAndSet(this, null);
    }

    private Runnable find() {
      Runnable r;
      if ((++tick & (GLOBAL_EVERY - 1)) == 0 && (r = pool.global.poll()) != null) {
        return r;
      }
      if (streak < NEXT_STREAK && (r = takeNext()) != null) {
        streak++;
        return r;
      }
      streak = 0;
      if ((r = queue.poll()) != null
          || (r = takeNext()) != null
          || (r = pool.global.poll()) != null) {
        return r;
      }
      return pool.steal(this);
    }

    /** Waits, idle, until there is a task; returns it. */
    private Runnable await() {
      for (; ; ) {
        state = IDLE;
        pool.idle.incrementAndGet();
        Runnable r = find();
        // A short spin before parking (as the ForkJoinPool's workers do): work that comes within
        // a few microseconds is taken, or signalled, without a futex wake-up on either side.
        for (int k = IDLE_SPINS; r == null && k > 0 && state == IDLE; k--) {
          Thread.onSpinWait();
          if ((k & 31) == 0) {
            r = find();
          }
        }
        if (r == null) {
          long idleSince = spare ? System.nanoTime() : 0L;
          while (state == IDLE) {
            if (!spare) {
              LockSupport.park(pool);
            } else if (System.nanoTime() - idleSince < SPARE_IDLE_NANOS) {
              LockSupport.parkNanos(pool, SPARE_IDLE_NANOS);
            } else if (STATE.compareAndSet(this, IDLE, RETIRED)) {
              pool.idle.decrementAndGet();
              pool.removeSpare(this);
              if (pool.visibleWork()) {
                pool.signalWork(); // one that counted this spare as idle may have found none
              }
              return null; // its queue and next slot are empty: only it fills them
            }
          }
          // Signalled: the signaller counted this worker out of the idle ones.
          state = RUNNING;
          pool.wakeMonitor();
          r = find();
          if (r == null) {
            continue;
          }
        } else {
          if (STATE.compareAndSet(this, IDLE, RUNNING)) {
            pool.idle.decrementAndGet();
          } else {
            state = RUNNING; // signalled meanwhile
          }
          pool.wakeMonitor();
        }
        // Leaving idle with a task: if there is more, another idle carrier should look.
        if (pool.visibleWork()) {
          pool.signalWork();
        }
        return r;
      }
    }

    @Override
    public void run() {
      for (; ; ) {
        Runnable task = find();
        if (task == null) {
          task = await();
          if (task == null) {
            return; // a spare, retired
          }
        }
        RUNS.setRelease(this, runs + 1);
        try {
          task.run();
        } catch (Throwable e) {
          // A continuation's task handles its own failures; anything here is the JDK's.
          LOG.error("a process carrier's task failed", e);
        }
      }
    }
  }
}
