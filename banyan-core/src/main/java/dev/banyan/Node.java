package dev.banyan;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Banyan runtime: its processes, its registered names and its timers. Erlang calls this a
 * node.
 *
 * {@snippet :
 * try (Node node = Node.start()) {
 *   try (AttachedProcess<Object> me = node.attach()) {
 *     Pid<String> greeter = me.spawnLink(ctx -> {
 *       String who = ctx.receive(String.class);
 *       System.out.println("hello, " + who);
 *     });
 *     greeter.send("world");
 *   }
 * }
 * }
 *
 * <p>Several nodes can run in one JVM; they share nothing (each test can start its own). {@link
 * #stop()} kills every process of the node and waits for their threads to end.
 *
 * <h2>Processes and threads</h2>
 * Each process runs on its own virtual thread, named after its pid ({@code <0.42.0>}). Its code
 * may block freely — in {@code receive}, in I/O, in a call to another process — since a blocked
 * virtual thread costs no platform thread.
 *
 * <h2>Death is a state change of the runtime, not of the thread</h2>
 * Java cannot stop a thread. When a process dies — its body returns or throws, or it receives an
 * exit signal it does not trap, or {@code kill} — the runtime at once marks it dead and records
 * the reason, frees its registered name, sends exit signals to its links and {@link Down}
 * messages to its monitors, and drops its mailbox; then it interrupts the thread. Links,
 * monitors and supervisors therefore proceed exactly as in Erlang, without waiting for the
 * thread. A thread that keeps running after that (it ignores interrupts or is in a CPU loop) is a
 * <em>zombie</em>: every runtime call it makes throws {@link ProcessExitedException} and has no
 * effect, so its sends are dropped; {@link #zombies()} lists them.
 *
 * <h2>CPU-heavy work</h2>
 * The JVM does not preempt virtual threads: a process in a long CPU loop keeps its carrier thread
 * (there are as many carriers as cores). Banyan's own timing does not depend on a free carrier —
 * timers fire on a platform thread of the node, and signals are delivered by the sending thread —
 * but other processes wait for a carrier. Run long computations on an executor of platform
 * threads and send the result back as a message, or split them into steps.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: every method may be called from any thread, including threads that are not
 * processes. Operations that Erlang performs on behalf of a process ({@link #exit(Pid,
 * ExitReason)}, {@link #send(String, Object)}) act as the calling process when called from one.
 *
 * <h2>Memory consistency effects</h2>
 * Registering a name happens-before any {@link #whereis(String)} that returns it. A timer's
 * message is delivered as if sent by the thread that started the timer at the moment it fires.
 *
 * @since 0.1
 */
public final class Node implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(Node.class);
  private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9_\\-]+@[A-Za-z0-9_.\\-]+");
  private static final AtomicInteger CREATIONS =
      new AtomicInteger(ThreadLocalRandom.current().nextInt(1, 1 << 20));
  private static final Duration STOP_GRACE = Duration.ofSeconds(5);

  private final String name;
  private final int creation;
  private final Pid<Object> outside; // the sender of signals from threads that are not processes
  private final AtomicLong nextPid = new AtomicLong(1);
  private final AtomicLong nextRef = new AtomicLong(1);
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger live = new AtomicInteger();
  private final long startedNanos = System.nanoTime();
  // Every process whose thread has not ended: the live ones and the zombies.
  private final ProcessTable table = new ProcessTable();
  private final AtomicLong threadsEnded = new AtomicLong(); // for stop's grace period
  private final ConcurrentHashMap<String, ProcessRecord<?>> names = new ConcurrentHashMap<>();
  private final ScheduledThreadPoolExecutor timers;
  private final Applications applications = new Applications(this);
  final Introspection.Journal journal = new Introspection.Journal(); // for Introspection

  /** Internal: public starts go through {@link #start()}, which primes the JIT first. */
  Node(String name) {
    this.name = name;
    this.creation = CREATIONS.getAndIncrement();
    this.outside = new Pid<>(name, creation, 0, null);
    this.timers =
        new ScheduledThreadPoolExecutor(
            1, r -> Thread.ofPlatform().daemon().name("banyan-timer-" + name).unstarted(r));
    this.timers.setRemoveOnCancelPolicy(true);
  }

  /**
   * Starts a node named {@code nonode@nohost}, as an Erlang node that is not distributed.
   *
   * @return the running node
   */
  public static Node start() {
    JitPrimer.once();
    return new Node("nonode@nohost");
  }

  /**
   * Starts a node with the given name.
   *
   * @param name {@code name@host}, for example {@code kv@localhost}
   * @return the running node
   * @throws IllegalArgumentException if the name is not of the form {@code name@host}
   */
  public static Node start(String name) {
    Objects.requireNonNull(name, "name");
    if (!NODE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a node name must look like name@host (for example kv@localhost), not \"" + name + "\"");
    }
    JitPrimer.once();
    return new Node(name);
  }

  /** {@return the node's name} */
  public String name() {
    return name;
  }

  /** {@return the creation: a number that tells this incarnation of the node from others} */
  public int creation() {
    return creation;
  }

  /** {@return how long the node has been running} */
  public Duration uptime() {
    return Duration.ofNanos(System.nanoTime() - startedNanos);
  }

  /** {@return whether the node is running (not stopped)} */
  public boolean isRunning() {
    return running.get();
  }

  /** {@return the node's application controller}: loads, starts and stops its applications */
  public Applications applications() {
    return applications;
  }

  // ------------------------------------------------------------------------------------------
  // Processes

  /**
   * Starts a process: Erlang's {@code spawn/1}. To link to it or monitor it atomically, spawn it
   * from a process with {@link ProcessContext#spawnLink} or {@link ProcessContext#spawnMonitor}.
   *
   * @param body what the process runs
   * @param <M> the type of messages it accepts
   * @return its pid
   * @throws IllegalStateException if the node is stopped
   */
  public <M> Pid<M> spawn(ProcessBody<M> body) {
    Objects.requireNonNull(body, "body");
    ProcessRecord.currentAlive(); // a dead caller's calls fail
    ProcessRecord<M> p = newProcess(body);
    startProcess(p);
    return p.pid;
  }

  /**
   * Makes the calling thread a process of this node, until {@link AttachedProcess#close()}. Use it
   * from {@code main}, from tests, or from any thread that needs to receive messages, link or
   * monitor.
   *
   * @param <M> the type of messages the process accepts
   * @return the context of the new process, confined to the calling thread
   * @throws IllegalStateException if the thread already is a process, or the node is stopped
   */
  public <M> AttachedProcess<M> attach() {
    ProcessRecord<?> already = ProcessRecord.current();
    if (already != null) {
      throw new IllegalStateException(
          "thread " + Thread.currentThread() + " already is process " + already.pid);
    }
    checkRunning();
    AttachedRecord<M> p = new AttachedRecord<>(this, nextPid.getAndIncrement());
    addToTable(p);
    ProcessRecord.setAttached(p);
    Events.spawned(this, p.pid);
    return p;
  }

  /**
   * {@return a snapshot of a live process}, or empty if it is dead: Erlang's {@code
   * process_info/1}.
   *
   * @param pid a process of this node
   * @throws BadArgException if the pid belongs to another node
   */
  public Optional<ProcessInfo> processInfo(Pid<?> pid) {
    Objects.requireNonNull(pid, "pid");
    return Optional.ofNullable(local(pid, "processInfo").info());
  }

  /** {@return the pids of the live processes}, an estimate while processes come and go */
  public List<Pid<?>> processes() {
    List<Pid<?>> out = new ArrayList<>();
    for (ProcessRecord<?> p : table.snapshot()) {
      if (p.isAliveNow()) {
        out.add(p.pid);
      }
    }
    return out;
  }

  /** {@return the number of live processes}, for monitoring */
  public int processCount() {
    return live.get();
  }

  /**
   * {@return the zombies}: processes that are dead but whose threads still run (they ignored the
   * interrupt). Threads attached with {@link #attach()} are never counted.
   */
  public List<Pid<?>> zombies() {
    List<Pid<?>> out = new ArrayList<>();
    for (ProcessRecord<?> p : table.snapshot()) {
      if (!p.isAliveNow() && !(p instanceof AttachedRecord) && p.thread.isAlive()) {
        out.add(p.pid);
      }
    }
    return out;
  }

  /**
   * Sends an exit signal to a process: Erlang's {@code exit(Pid, Reason)}. Called from a process,
   * the signal comes from that process; from any other thread it comes from a placeholder pid,
   * {@code <0.0.0>}. See {@link ProcessContext#exit(Pid, ExitReason)} for what it does.
   *
   * @param pid the target
   * @param reason the reason; {@link ExitReason#KILL} kills even a trapping process
   */
  public void exit(Pid<?> pid, ExitReason reason) {
    Objects.requireNonNull(pid, "pid");
    Objects.requireNonNull(reason, "reason");
    ProcessRecord<?> caller = ProcessRecord.current();
    if (caller != null && caller.node == this) {
      caller.exit(pid, reason);
      return;
    }
    Death d = local(pid, "exit").exitSignal(outside, null, reason, false);
    if (d != null) {
      d.propagate();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Names

  /**
   * Registers a process under a name: Erlang's {@code register/2}. A process has at most one name
   * and a name at most one process; the name is freed the moment the process dies, before its
   * links and monitors are told (CC-010).
   *
   * @param name the name: not empty, and not {@code undefined}
   * @param pid a live process of this node
   * @throws BadArgException if the name is taken by a live process, the process is dead, or it
   *     already has a name (CC-009)
   * @throws IllegalArgumentException if the name is empty or {@code undefined}
   */
  public void register(String name, Pid<?> pid) {
    checkName(name);
    Objects.requireNonNull(pid, "pid");
    String call = "register(\"" + name + "\", " + pid + ")";
    ProcessRecord.currentAlive(); // a dead caller's calls fail
    local(pid, call).register(name, call);
  }

  /**
   * Removes a registered name: Erlang's {@code unregister/1}. Messages already sent to the name
   * may still arrive.
   *
   * @param name the name
   * @throws BadArgException if no live process is registered under the name (CC-009)
   */
  public void unregister(String name) {
    Objects.requireNonNull(name, "name");
    ProcessRecord.currentAlive(); // a dead caller's calls fail
    ProcessRecord<?> p = names.get(name);
    if (p == null || !p.unregister(name)) {
      throw new BadArgException("unregister(\"" + name + "\"): the name is not registered");
    }
  }

  /**
   * {@return the process registered under {@code name}}, or empty: Erlang's {@code whereis/1}
   * (which never fails).
   *
   * @param name the name
   */
  public Optional<Pid<?>> whereis(String name) {
    Objects.requireNonNull(name, "name");
    ProcessRecord<?> p = lookupName(name);
    return p == null ? Optional.empty() : Optional.of(p.pid);
  }

  /** {@return the names registered on this node}: Erlang's {@code registered/0} */
  public List<String> registered() {
    List<String> out = new ArrayList<>();
    names.forEach(
        (n, p) -> {
          if (p.isAliveNow()) {
            out.add(n);
          }
        });
    return out;
  }

  /**
   * Sends a message to the process registered under {@code name}: Erlang's {@code Name ! Msg}.
   *
   * @param name the registered name
   * @param message the message
   * @throws BadArgException if no process is registered under the name (CC-008)
   */
  public void send(String name, Object message) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(message, "message");
    ProcessRecord<?> caller = ProcessRecord.currentAlive();
    sendNamed(name, message, caller);
  }

  // ------------------------------------------------------------------------------------------
  // Timers

  /**
   * Sends {@code message} to {@code dest} after {@code delay}: Erlang's {@code erlang:send_after/3}.
   * Timers fire on a platform thread of the node, so they fire on time even when every carrier
   * thread is busy. If the process is dead when the timer fires, nothing happens.
   *
   * @param delay how long to wait; zero sends (almost) at once
   * @param dest the receiver
   * @param message the message
   * @param <M> the receiver's message type
   * @return a reference for {@link #cancelTimer(TimerRef)} and {@link #readTimer(TimerRef)}
   * @throws IllegalArgumentException if the delay is negative
   */
  public <M> TimerRef sendAfter(Duration delay, Pid<M> dest, M message) {
    Objects.requireNonNull(dest, "dest");
    Objects.requireNonNull(message, "message");
    ProcessRecord<M> target = local(dest, "sendAfter");
    return schedule(delay, () -> target.deliver(message, null));
  }

  /**
   * Sends {@code message} to the process registered under {@code name} when {@code delay} has
   * passed. The name is looked up when the timer fires; if nobody has it then, nothing happens.
   *
   * @param delay how long to wait
   * @param name the registered name
   * @param message the message
   * @return a reference for {@link #cancelTimer(TimerRef)} and {@link #readTimer(TimerRef)}
   * @throws IllegalArgumentException if the delay is negative
   */
  public TimerRef sendAfter(Duration delay, String name, Object message) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(message, "message");
    return schedule(
        delay,
        () -> {
          ProcessRecord<?> p = lookupName(name);
          if (p != null) {
            p.deliver(message, null);
          }
        });
  }

  private TimerRef schedule(Duration delay, Runnable fire) {
    Objects.requireNonNull(delay, "delay");
    if (delay.isNegative()) {
      throw new IllegalArgumentException("delay must not be negative: " + delay);
    }
    checkRunning();
    long nanos = ProcessRecord.timeoutNanos(delay);
    if (nanos < 0) {
      nanos = Long.MAX_VALUE / 4; // centuries: as good as never
    }
    TimerRef ref = new TimerRef(this, System.nanoTime() + nanos);
    ref.scheduled(
        timers.schedule(
            () -> {
              if (ref.fire()) {
                fire.run();
              }
            },
            nanos,
            TimeUnit.NANOSECONDS));
    return ref;
  }

  /**
   * Cancels a timer: Erlang's {@code erlang:cancel_timer/1}.
   *
   * @param timer a timer of this node
   * @return the time that was left, or empty if the timer had already fired or been cancelled
   */
  public Optional<Duration> cancelTimer(TimerRef timer) {
    checkTimer(timer);
    return timer.cancel() ? Optional.of(left(timer)) : Optional.empty();
  }

  /**
   * Reads a timer: Erlang's {@code erlang:read_timer/1}.
   *
   * @param timer a timer of this node
   * @return the time left, or empty if it has fired or been cancelled
   */
  public Optional<Duration> readTimer(TimerRef timer) {
    checkTimer(timer);
    return timer.isPending() ? Optional.of(left(timer)) : Optional.empty();
  }

  private static Duration left(TimerRef timer) {
    return Duration.ofNanos(Math.max(0, timer.deadlineNanos - System.nanoTime()));
  }

  private void checkTimer(TimerRef timer) {
    Objects.requireNonNull(timer, "timer");
    if (timer.node != this) {
      throw new BadArgException("timer " + timer + " belongs to " + timer.node + ", not to " + this);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Stop

  /**
   * Stops the node: stops its running applications in reverse start order ({@link
   * Applications#stop(String)}), then kills every process (reason {@code killed}), cancels every
   * timer, and waits
   * for the process threads to end, for as long as they keep ending; once none has ended for 5
   * seconds, the threads still running (they ignore interrupts) are logged and listed by {@link
   * #zombies()}. Stopping a stopped node does nothing.
   */
  public void stop() {
    if (!running.get()) {
      return;
    }
    applications.stopAll();
    if (!running.compareAndSet(true, false)) {
      return;
    }
    for (ProcessRecord<?> p : table.snapshot()) {
      p.kill(ExitReason.KILLED);
      if (p instanceof AttachedRecord) {
        table.remove(p); // its thread is not ours to wait for
      }
    }
    timers.shutdownNow();
    boolean interrupted = !awaitThreads(STOP_GRACE);
    List<Pid<?>> stuck = zombies();
    ProcessRecord<?> caller = ProcessRecord.current();
    if (caller != null) {
      stuck.remove(caller.pid); // a process that stops its own node is still in this call
    }
    if (!stuck.isEmpty()) {
      LOG.warn(
          "node {} stopped, but the threads of {} processes still run (they ignore interrupts): {}{}",
          name,
          stuck.size(),
          stuck.subList(0, Math.min(10, stuck.size())),
          stuck.size() > 10 ? " and more" : "");
    }
    applications.nodeStopped();
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Waits for the threads of the killed processes to end, for as long as they keep ending: the
   * wait gives up once no thread has ended for {@code grace}. A million cooperative processes
   * take longer than 5 s to unwind on two carriers, in an order that is not the table's, and
   * they are not zombies. {@return false if the calling thread was interrupted}
   */
  boolean awaitThreads(Duration grace) {
    long graceNanos = grace.toNanos();
    long slice = Math.max(1, Math.min(graceNanos, 10_000_000L)); // a join never waits longer
    long ended = threadsEnded.get();
    long deadline = System.nanoTime() + graceNanos;
    for (; ; ) {
      boolean waiting = false;
      for (ProcessRecord<?> p : table.snapshot()) {
        Thread t = p.thread;
        if (t == Thread.currentThread() || !t.isAlive()) {
          continue;
        }
        waiting = true;
        long now = System.nanoTime();
        long e = threadsEnded.get();
        if (e != ended) {
          ended = e;
          deadline = now + graceNanos; // progress: the grace period starts again
        }
        if (deadline - now <= 0) {
          return true;
        }
        try {
          t.join(Duration.ofNanos(Math.min(slice, deadline - now)));
        } catch (InterruptedException x) {
          return false;
        }
      }
      if (!waiting) {
        return true;
      }
    }
  }

  /** Stops the node: the same as {@link #stop()}. */
  @Override
  public void close() {
    stop();
  }

  @Override
  public String toString() {
    return "node " + name;
  }

  // ------------------------------------------------------------------------------------------
  // Internals used by ProcessRecord and Death

  <M> ProcessRecord<M> newProcess(ProcessBody<M> body) {
    checkRunning();
    ProcessRecord<M> p = new ProcessRecord<>(this, nextPid.getAndIncrement(), body);
    p.thread = Scheduler.newThread(p.pid.toString(), p, p);
    addToTable(p);
    return p;
  }

  private void addToTable(ProcessRecord<?> p) {
    table.add(p);
    live.incrementAndGet();
    if (!running.get()) {
      p.kill(ExitReason.KILLED); // lost a race with stop(): stop() may not have seen it
    }
  }

  /**
   * Starts {@code child} linked to {@code linkTo} (if not null) and watched by the request-style
   * monitor {@code m} (if not null), both wired before it runs. If {@code linkTo} died meanwhile,
   * the child is killed before it runs, as for spawn_link.
   */
  void startWired(ProcessRecord<?> child, ProcessRecord<?> linkTo, Monitor m) {
    if (m != null) {
      child.addMonitorOnSelf(m);
    }
    if (linkTo != null) {
      linkTo.linkUnstarted(child);
    } else {
      startProcess(child);
    }
  }

  void startProcess(ProcessRecord<?> p) {
    Events.spawned(this, p.pid);
    p.thread.start();
  }

  void threadEnded(ProcessRecord<?> p) {
    table.remove(p);
    threadsEnded.incrementAndGet();
  }

  void processDied(ProcessRecord<?> p, ExitReason reason, String regName) {
    live.decrementAndGet();
    journal.died(this, p, reason, regName);
    Events.exited(this, p.pid, reason);
  }

  /** Calls {@code action} with every process whose thread has not ended (for Introspection). */
  void forEachRecord(java.util.function.Consumer<ProcessRecord<?>> action) {
    table.forEach(action);
  }

  /** {@return the placeholder pid of signals from threads that are not processes} */
  Pid<Object> outsidePid() {
    return outside;
  }

  MonitorRef newRef() {
    return new MonitorRef(name, creation, nextRef.getAndIncrement());
  }

  /** {@return the live process registered under {@code regName}, or null} */
  ProcessRecord<?> lookupName(String regName) {
    ProcessRecord<?> p = names.get(regName);
    return p != null && p.isAliveNow() ? p : null;
  }

  /** Maps {@code regName} to {@code p}, unless a live process has it. Caller holds p's lock. */
  void claimName(String regName, ProcessRecord<?> p, String call) {
    for (; ; ) {
      ProcessRecord<?> holder = names.putIfAbsent(regName, p);
      if (holder == null) {
        return;
      }
      if (holder.isAliveNow()) {
        throw new BadArgException(call + ": the name is already registered to " + holder.pid);
      }
      // The holder is dead and its Death has not released the name yet: it is free.
      if (names.replace(regName, holder, p)) {
        return;
      }
    }
  }

  void releaseName(String regName, ProcessRecord<?> p) {
    names.remove(regName, p);
  }

  void sendNamed(String regName, Object message, ProcessRecord<?> sender) {
    ProcessRecord<?> p = lookupName(regName);
    if (p == null) {
      throw new BadArgException(
          "send(\"" + regName + "\", " + message + "): no process is registered as \"" + regName + "\"");
    }
    p.deliver(message, sender);
  }

  /** {@return the process of a pid of this node}, or throws naming the call. */
  @SuppressWarnings("unchecked")
  <M> ProcessRecord<M> local(Pid<M> pid, String call) {
    ProcessRecord<M> p = pid.record;
    if (p == null || p.node != this) {
      throw new BadArgException(
          call + ": " + pid + " is not a process of " + this + (p == null ? "" : " but of " + p.node));
    }
    return p;
  }

  private void checkRunning() {
    if (!running.get()) {
      throw new IllegalStateException(this + " is stopped");
    }
  }

  private static void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("a registered name must not be empty");
    }
    if (name.equals("undefined")) {
      throw new IllegalArgumentException(
          "\"undefined\" cannot be registered: Erlang reserves it for \"no process\"");
    }
  }
}
