package dev.banyan;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The engine of {@link Task#asyncStream}: a spliterator that runs the tasks on the consumer's
 * thread, which is the owner process's.
 *
 * <pre>
 * Implementation overview
 *
 * Elixir's async_stream puts a "monitor process" between the consumer and the tasks, which
 * spawns them, watches them and kills them on timeout. Here everything happens on the owner's
 * thread, inside tryAdvance: the owner spawns each task with Task.async (so the task is linked to
 * it and monitored with an alias), and waits for messages of its tasks with one selective
 * receive. No other thread touches this object.
 *
 * tryAdvance loops over:
 *   1. hand over the next result, if one is ready (ordered: the one at position 'delivered');
 *   2. fill: while fewer than maxConcurrency tasks are running and the input has more, pull one
 *      input and spawn its task;
 *   3. if nothing is running, the stream is over;
 *   4. expire: kill (unlink first) every running task past its deadline that has not replied;
 *   5. wait for one Reply or Down of a running task, at most until the next deadline.
 * A Reply is noted; the slot is freed by the Down that follows (the task's process has ended),
 * as in Elixir. On a Down the owner unlinks the dead task and drops its Exit message, if the
 * owner traps exits, so a trapping consumer sees Exited elements and no Exit messages.
 *
 * Kills go through Task.unlinkAndExit (unlink, then kill, with an enforcer process should the
 * owner die half-way). close() kills every running task and consumes what they leave behind: a
 * Down (certain: their monitors are live until it is received here), a Reply, an Exit.
 * </pre>
 */
final class TaskStream<T, R> implements Spliterator<Task.Result<R>> {

  /** A running task: spawned, its Down not yet received. */
  private static final class Running<R> {
    final long position;
    final Task<R> task;
    final long started; // System.nanoTime() at spawn
    Task.Result<R> reply; // null until its Reply arrives
    boolean timedOut; // killed for running out of time

    Running(long position, Task<R> task, long started) {
      this.position = position;
      this.task = task;
      this.started = started;
    }
  }

  private final ProcessContext<?> owner;
  private final Supplier<? extends Iterator<? extends T>> source;
  private final Function<? super T, ? extends R> fun;
  private final Task.StreamOptions options;
  private final boolean infinite; // the timeout is infinite
  private final long timeoutNanos;

  // All below: owner thread only.
  private Iterator<? extends T> inputs; // null until the first element is asked for
  private boolean inputsDone;
  private boolean closed;
  private long spawned; // positions handed out so far
  private long delivered; // results handed over so far; in order mode, the next position
  private final Map<MonitorRef, Running<R>> running = new HashMap<>();
  private final Map<Long, Task.Result<R>> finishedByPosition = new HashMap<>(); // ordered
  private final ArrayDeque<Task.Result<R>> finishedInOrder = new ArrayDeque<>(); // unordered

  TaskStream(
      ProcessContext<?> owner,
      Supplier<? extends Iterator<? extends T>> source,
      Function<? super T, ? extends R> fun,
      Task.StreamOptions options) {
    this.owner = owner;
    this.source = source;
    this.fun = fun;
    this.options = options;
    this.infinite = Task.isInfinite(options.timeout());
    this.timeoutNanos = infinite ? Long.MAX_VALUE : options.timeout().toNanos();
  }

  @Override
  public boolean tryAdvance(Consumer<? super Task.Result<R>> action) {
    Objects.requireNonNull(action, "action");
    if (closed) {
      return false;
    }
    owner.self(); // WrongThreadException before anything else, if not on the owner's thread
    Task.Result<R> next;
    try {
      next = advance();
    } catch (ProcessExitedException e) {
      throw e; // the owner is dead: nothing can be cleaned up, and its links did the work
    } catch (RuntimeException | Error e) {
      closeAfter(e); // the input's iterator failed (a stream timeout has already closed)
      throw e;
    }
    if (next == null) {
      return false;
    }
    try {
      action.accept(next);
    } catch (ProcessExitedException e) {
      throw e;
    } catch (RuntimeException | Error e) {
      closeAfter(e);
      throw e;
    }
    return true;
  }

  /** Returns the next element, or null when the stream is over (then it is closed). */
  private Task.Result<R> advance() {
    for (; ; ) {
      Task.Result<R> ready = takeReady();
      if (ready != null) {
        return ready;
      }
      fill();
      if (running.isEmpty()) {
        closed = true;
        return null;
      }
      expire();
      awaitEvent();
    }
  }

  private Task.Result<R> takeReady() {
    Task.Result<R> r =
        options.ordered() ? finishedByPosition.remove(delivered) : finishedInOrder.poll();
    if (r != null) {
      delivered++;
    }
    return r;
  }

  private void fill() {
    if (inputs == null) {
      inputs = Objects.requireNonNull(source.get(), "the inputs' iterator");
    }
    while (!inputsDone && running.size() < options.maxConcurrency()) {
      if (!inputs.hasNext()) {
        inputsDone = true;
        return;
      }
      T input = inputs.next();
      long started = System.nanoTime();
      Task<R> task = Task.async(owner, () -> fun.apply(input));
      running.put(task.ref(), new Running<>(spawned++, task, started));
    }
  }

  /** Kills the tasks that are past their deadline and have not replied. */
  private void expire() {
    if (infinite) {
      return;
    }
    long now = System.nanoTime();
    List<Pid<?>> late = new ArrayList<>();
    for (Running<R> r : running.values()) {
      if (r.reply == null && !r.timedOut && now - r.started >= timeoutNanos) {
        r.timedOut = true;
        late.add(r.task.pid());
      }
    }
    if (!late.isEmpty()) {
      Task.unlinkAndExit(owner, late, ExitReason.KILL);
    }
  }

  /** {@return how long until the next deadline of a task that is still computing} */
  private Duration untilNextDeadline() {
    if (infinite) {
      return Task.INFINITY;
    }
    long next = Long.MAX_VALUE;
    boolean any = false;
    for (Running<R> r : running.values()) {
      if (r.reply == null && !r.timedOut) {
        next = any ? Math.min(next, r.started + timeoutNanos) : r.started + timeoutNanos;
        any = true;
      }
    }
    // Only Downs (certain to come) are awaited when every running task replied or was killed.
    return any ? Duration.ofNanos(Math.max(0L, next - System.nanoTime())) : Task.INFINITY;
  }

  private boolean isEvent(Object m) {
    return (m instanceof Task.Reply r && running.containsKey(r.ref()))
        || (m instanceof Down d && running.containsKey(d.ref()));
  }

  /** Receives one Reply or Down of a running task, or returns at the next deadline. */
  private void awaitEvent() {
    Optional<Object> m = Task.receive(owner, Object.class, this::isEvent, untilNextDeadline());
    if (m.isEmpty()) {
      return; // a deadline passed: the next expire() deals with it
    }
    if (m.get() instanceof Task.Reply reply) {
      @SuppressWarnings("unchecked")
      R value = (R) reply.result();
      running.get(reply.ref()).reply = new Task.Ok<>(value);
      return;
    }
    Down down = (Down) m.get();
    Running<R> r = running.remove(down.ref());
    dropExit(r.task.pid());
    Task.Result<R> result;
    if (r.reply != null) {
      result = r.reply; // replied, then ended (or was killed at its deadline): a success
    } else if (!r.timedOut) {
      result = new Task.Exited<>(down.reason());
    } else if (options.onTimeout() == Task.StreamOptions.OnTimeout.KILL_TASK) {
      result = new Task.Exited<>(CallException.TIMEOUT);
    } else {
      close();
      throw new CallException(
          CallException.TIMEOUT, "Task.Supervised.stream", List.of(options.timeout()));
    }
    if (options.ordered()) {
      finishedByPosition.put(r.position, result);
    } else {
      finishedInOrder.add(result);
    }
  }

  /** Unlinks a dead task and removes its Exit message, which a trapping owner may have. */
  private void dropExit(Pid<?> pid) {
    owner.unlink(pid); // after this no Exit from pid can be added; one may already be queued
    owner.receive(Exit.class, e -> e.from().equals(pid), Duration.ZERO);
  }

  /**
   * Kills every running task and removes what they leave in the mailbox. Idempotent; must run on
   * the owner's thread when tasks are running.
   */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    finishedByPosition.clear();
    finishedInOrder.clear();
    if (running.isEmpty()) {
      return;
    }
    List<Pid<?>> pids = new ArrayList<>();
    for (Running<R> r : running.values()) {
      pids.add(r.task.pid());
    }
    Task.unlinkAndExit(owner, pids, ExitReason.KILL);
    for (Running<R> r : running.values()) {
      MonitorRef ref = r.task.ref();
      owner.receive(Down.class, d -> d.ref().equals(ref)); // queued already, or about to be
      Task.flushReply(owner, ref);
      dropExit(r.task.pid());
    }
    running.clear();
  }

  private void closeAfter(Throwable failure) {
    try {
      close();
    } catch (RuntimeException | Error e) {
      failure.addSuppressed(e);
    }
  }

  @Override
  public Spliterator<Task.Result<R>> trySplit() {
    return null; // sequential: everything happens on the owner's thread
  }

  @Override
  public long estimateSize() {
    return Long.MAX_VALUE;
  }

  @Override
  public int characteristics() {
    return (options.ordered() ? ORDERED : 0) | NONNULL;
  }
}
