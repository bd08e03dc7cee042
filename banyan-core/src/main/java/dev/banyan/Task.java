package dev.banyan;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A process that computes one value for the process that started it: Elixir's {@code Task}.
 *
 * <p>{@link #async(ProcessContext, Callable)} starts the task, linked to its owner (the calling
 * process), and {@link #await()} waits for its result:
 *
 * {@snippet :
 * try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
 *   Task<Integer> task = Task.async(me, () -> expensiveSum());
 *   int other = somethingElse();
 *   int total = other + task.await(); // the result, or a CallException after 5 s
 * }
 * }
 *
 * <p>The task runs the function in its own process and sends its result to the owner as a
 * {@link Reply} message, tagged with {@link #ref()}, then ends with reason {@code normal}. The
 * owner monitors the task with a monitor that is also an alias ({@link Alias.Mode#DEMONITOR}):
 * once the owner stops waiting (the monitor is removed or fires), a late reply is dropped before
 * it reaches the mailbox. A process that does not block in {@link #await()} — a server, for
 * example — can receive the {@link Reply} itself, followed by the task's {@link Down}:
 *
 * {@snippet :
 * Object m = ctx.receive();
 * if (m instanceof Task.Reply reply && reply.ref().equals(task.ref())) {
 *   ctx.demonitorFlush(task.ref()); // drop the Down that follows
 *   handleResult(reply.result());
 * }
 * }
 *
 * <h2>Only the owner can query a task</h2>
 * {@link #await()}, {@link #yield()}, {@link #shutdown()} and {@link #awaitMany(List, Duration)}
 * must be called by the owner, on its own thread; any other caller gets {@link
 * IllegalArgumentException} (CC-162). A task can be awaited once: after {@code await} or a
 * successful {@code yield}, the reply and the monitor are gone, and a second {@code await} waits
 * out its timeout.
 *
 * <h2>Exit reasons and links</h2>
 * The task is linked to its owner. If the task crashes, a non-trapping owner dies with the same
 * reason (CC-165); an owner that traps exits gets an {@link Exit} message and {@code await} throws
 * a {@link CallException} carrying the reason. If the owner dies, the task gets its exit signal
 * and dies too, unless it traps exits (or the owner ended {@code normal}). When {@code await}
 * times out and the owner does not catch the {@link CallException}, the owner exits and takes the
 * task with it; if the owner catches it, the task keeps running and its result is dropped.
 *
 * <h2>Timeouts</h2>
 * Every wait takes a {@link Duration}; {@link Duration#ZERO} looks only at what has arrived, a
 * negative duration is refused with {@link IllegalArgumentException}, and {@link #INFINITY} (or
 * any duration over about 146 years) waits for ever — Elixir's {@code :infinity}. The variants without a duration wait {@link #DEFAULT_TIMEOUT}, 5 seconds.
 *
 * <h2>Null results</h2>
 * A task's function may return null (a {@code Callable<Void>}, for example): {@link #await()}
 * then returns null, and {@link Ok#value()} and {@link Reply#result()} are null. This is the one
 * exception to the package's rule that no method returns null.
 *
 * <h2>Streams</h2>
 * {@link #asyncStream(ProcessContext, Iterable, Function, StreamOptions)} runs a function on
 * every element of a sequence, each in its own task, at most {@link
 * StreamOptions#maxConcurrency()} at once: Elixir's {@code Task.async_stream}.
 *
 * <h2>Thread safety</h2>
 * Process-confined: {@code await}, {@code yield}, {@code shutdown} and the streams must be used
 * on the owner's thread. {@link #pid()}, {@link #ref()}, {@link #owner()} and {@link #toString()}
 * are thread-safe.
 *
 * <h2>Memory consistency effects</h2>
 * Actions of the task before it returns its result happen-before the owner's actions after
 * {@code await}, {@code yield}, {@code shutdown} or a stream hands that result over.
 *
 * @param <R> the type of the result
 * @since 0.1
 */
public final class Task<R> {

  /*
   * Implementation overview
   *
   * A task is a library over the public process API, as Elixir's Task is over Erlang's BIFs.
   *
   * Start-up order. The child is spawned linked to the owner, but does not run the function
   * straight away: it first waits for a Go message that carries the alias to reply to. The owner
   * creates the monitor-alias (aliasMonitor, Mode.DEMONITOR) after the spawn and only then sends
   * Go. So the monitor always exists before the task can finish, and its Down carries the real
   * exit reason; with "spawnLink, then aliasMonitor" alone, a fast task could end before the
   * monitor was set up, which would then report noproc and lose both the reply and the reason.
   * (Creating a plain alias first and passing it to the child would not do: an alias made by
   * alias() is not tied to the monitor, so it would not be deactivated when the monitor fires or
   * is removed.) This is what Elixir does too (Task.Supervised.reply/3 waits for the owner's
   * message). If the owner dies before sending Go, the link takes the waiting child with it.
   *
   * Owner check. The public API has no way to ask "which process is the calling thread?", so the
   * task remembers the owner's thread at async() (where owner.self() has just proved that the
   * caller is the owner) and compares threads. A process's thread is named after its pid, so the
   * error names the caller's pid.
   *
   * The 'resolved' flag records that this Task object no longer has a live monitor to wait on
   * (await, yield, awaitMany or shutdown consumed its reply or its Down, or demonitored it).
   * shutdown() waits on the task's own monitor while it is live, and on a fresh monitor only
   * otherwise. Elixir always takes a fresh monitor and, when that says noproc, looks for the
   * task's own Down in the mailbox to learn the real reason. That relies on Erlang's signal
   * order (the dead task's DOWN is queued before the noproc DOWN of a later monitor), which this
   * runtime does not give: a process's death is propagated after it is marked dead, so a monitor
   * taken meanwhile can report noproc before the task's own Down has been queued. Waiting on the
   * task's own monitor, which is certain to fire, avoids the race.
   *
   * Shutdown signal. shutdown() must unlink the task before sending the exit signal (otherwise
   * the task's death would come back over the link), and the signal must reach the task even if
   * the owner is killed between the two steps: the owner's exit(pid, reason) is applied by the
   * owner's own thread, and a dead owner's call throws ProcessExitedException without sending
   * anything, leaving an unlinked task running for ever. As in Elixir, a short-lived helper
   * process ("enforcer") monitors the owner and sends the signal itself if the owner dies before
   * telling it that the signal was sent. See unlinkAndExit.
   */

  /** The default timeout of {@code await}, {@code yield}, {@code shutdown}: 5 seconds. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  /** A timeout that never runs out: Elixir's {@code :infinity}. */
  public static final Duration INFINITY = ChronoUnit.FOREVER.getDuration();

  private final ProcessContext<?> owner; // used only on ownerThread
  private final Thread ownerThread;
  private final Pid<?> ownerPid;
  private final Pid<Object> pid;
  private final MonitorRef ref;
  private boolean resolved; // owner thread only: the monitor 'ref' is no longer live

  private Task(ProcessContext<?> owner, Pid<?> ownerPid, Pid<Object> pid, MonitorRef ref) {
    this.owner = owner;
    this.ownerThread = Thread.currentThread();
    this.ownerPid = ownerPid;
    this.pid = pid;
    this.ref = ref;
  }

  /**
   * The code of a task that needs its own process: to trap exits, or to receive messages sent to
   * {@link Task#pid()}. Most tasks are a plain {@link Callable}.
   *
   * {@snippet :
   * Task<String> task = Task.async(me, self -> {
   *   self.trapExit(true);
   *   return self.receive(String.class);
   * });
   * task.pid().send("hello");
   * }
   *
   * <h2>Thread safety</h2>
   * Runs on the task's own thread; the context it is given is confined to it.
   *
   * @param <R> the type of the result
   * @since 0.1
   */
  @FunctionalInterface
  public interface Body<R> {
    /**
     * Computes the task's result.
     *
     * @param self the task's own process context
     * @return the result; may be null
     * @throws Exception anything; the task then crashes with it as the reason
     */
    R run(ProcessContext<Object> self) throws Exception;
  }

  /**
   * The message a task sends its owner when it has its result: Elixir's {@code {ref, result}}.
   * {@link #await()} and {@link #yield()} receive it for you; a process that does not block in
   * them (a server) matches it by {@link #ref()}.
   *
   * {@snippet :
   * if (message instanceof Task.Reply r && r.ref().equals(task.ref())) {
   *   ctx.demonitorFlush(task.ref());
   *   use(r.result());
   * }
   * }
   *
   * <h2>Thread safety</h2>
   * Immutable, as far as the result is.
   *
   * @param ref the task's {@link Task#ref()}
   * @param result what the task's function returned; null if it returned null
   * @since 0.1
   */
  public record Reply(MonitorRef ref, Object result) {
    /** Validates the reference. */
    public Reply {
      Objects.requireNonNull(ref, "ref");
    }
  }

  /**
   * How a task ended, as {@link #yield()}, {@link #shutdown()} and {@link #asyncStream} report
   * it: Elixir's {@code {:ok, value}} or {@code {:exit, reason}}.
   *
   * {@snippet :
   * switch (task.yield(Duration.ofSeconds(1)).orElseThrow()) {
   *   case Task.Ok<Integer> ok -> System.out.println("result " + ok.value());
   *   case Task.Exited<Integer> ex -> System.out.println("task exited: " + ex.reason());
   * }
   * }
   *
   * <h2>Thread safety</h2>
   * Immutable, as far as the value is.
   *
   * @param <R> the type of the result
   * @since 0.1
   */
  public sealed interface Result<R> permits Ok, Exited {}

  /**
   * The task replied with a value.
   *
   * @param value the value; null if the task's function returned null
   * @param <R> the type of the result
   * @since 0.1
   */
  public record Ok<R>(R value) implements Result<R> {}

  /**
   * The task ended without replying.
   *
   * @param reason its exit reason, or {@link CallException#TIMEOUT} for a stream task killed
   *     because it ran out of time ({@link StreamOptions.OnTimeout#KILL_TASK})
   * @param <R> the type the result would have had
   * @since 0.1
   */
  public record Exited<R>(ExitReason reason) implements Result<R> {
    /** Validates the reason. */
    public Exited {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * The options of {@link #asyncStream(ProcessContext, Iterable, Function, StreamOptions)}: Elixir's
   * {@code max_concurrency}, {@code ordered}, {@code timeout} and {@code on_timeout}. Start from
   * {@link #defaults()} and change what you need:
   *
   * {@snippet :
   * StreamOptions options = StreamOptions.defaults()
   *     .withMaxConcurrency(16)
   *     .withOrdered(false)
   *     .withTimeout(Duration.ofSeconds(30))
   *     .withOnTimeout(StreamOptions.OnTimeout.KILL_TASK);
   * }
   *
   * <h2>Thread safety</h2>
   * Immutable.
   *
   * @param maxConcurrency how many tasks may run at once, at least 1; default: {@link
   *     Runtime#availableProcessors()}
   * @param ordered whether results come in input order (buffering results that finish early) or
   *     in completion order; default {@code true}
   * @param timeout how long each task may run, counted from its spawn; not negative; {@link
   *     Task#INFINITY} for no limit; default 5 seconds
   * @param onTimeout what happens when a task runs out of time; default {@link OnTimeout#EXIT}
   * @since 0.1
   */
  public record StreamOptions(
      int maxConcurrency, boolean ordered, Duration timeout, OnTimeout onTimeout) {

    /**
     * What a stream does when one of its tasks runs out of time. Either way the task is killed.
     *
     * @since 0.1
     */
    public enum OnTimeout {
      /**
       * The consumer throws {@link CallException} with {@link CallException#TIMEOUT} and {@code
       * Task.Supervised.stream}, after killing every running task of the stream.
       */
      EXIT,
      /** The stream goes on, with an {@link Exited} element whose reason is {@link CallException#TIMEOUT}. */
      KILL_TASK
    }

    /**
     * Validates the options.
     *
     * @throws IllegalArgumentException if {@code maxConcurrency} is less than 1 or {@code timeout}
     *     is negative
     */
    public StreamOptions {
      if (maxConcurrency < 1) {
        throw new IllegalArgumentException(
            "maxConcurrency must be at least 1, not " + maxConcurrency);
      }
      checkTimeout(timeout);
      Objects.requireNonNull(onTimeout, "onTimeout");
    }

    /** {@return the default options}: one task per available processor, ordered, 5 s, exit */
    public static StreamOptions defaults() {
      return new StreamOptions(
          Runtime.getRuntime().availableProcessors(), true, DEFAULT_TIMEOUT, OnTimeout.EXIT);
    }

    /**
     * {@return these options with another maximum number of concurrent tasks}
     *
     * @param max at least 1
     */
    public StreamOptions withMaxConcurrency(int max) {
      return new StreamOptions(max, ordered, timeout, onTimeout);
    }

    /**
     * {@return these options with another ordering}
     *
     * @param inOrder whether results come in input order
     */
    public StreamOptions withOrdered(boolean inOrder) {
      return new StreamOptions(maxConcurrency, inOrder, timeout, onTimeout);
    }

    /**
     * {@return these options with another per-task timeout}
     *
     * @param perTask not negative; {@link Task#INFINITY} for none
     */
    public StreamOptions withTimeout(Duration perTask) {
      return new StreamOptions(maxConcurrency, ordered, perTask, onTimeout);
    }

    /**
     * {@return these options with another reaction to a timeout}
     *
     * @param action what to do
     */
    public StreamOptions withOnTimeout(OnTimeout action) {
      return new StreamOptions(maxConcurrency, ordered, timeout, action);
    }
  }

  /** The owner's go-ahead: the child runs its function only once it has the alias to reply to. */
  private record Go(Alias<Reply> replyTo) {}

  /** Tells an enforcer that the owner sent its exit signals itself. */
  private enum Sent {
    SIGNALS
  }

  // ---------------------------------------------------------------------------------------------
  // Starting

  /**
   * Starts a task that computes {@code fun} for {@code owner}: Elixir's {@code Task.async/1}. The
   * task is linked to the owner and monitored by it (see the class documentation).
   *
   * @param owner the calling process; it alone may await the task
   * @param fun the computation; if it throws, the task crashes with the exception as reason
   * @param <R> the type of the result
   * @return the task
   * @throws WrongThreadException if not called on {@code owner}'s thread
   */
  public static <R> Task<R> async(ProcessContext<?> owner, Callable<? extends R> fun) {
    Objects.requireNonNull(fun, "fun");
    return async(owner, (Body<R>) self -> fun.call());
  }

  /**
   * Starts a task whose code gets its own process context, for example to trap exits or to
   * receive messages sent to {@link #pid()}. Otherwise as {@link #async(ProcessContext,
   * Callable)}.
   *
   * @param owner the calling process; it alone may await the task
   * @param body the computation
   * @param <R> the type of the result
   * @return the task
   * @throws WrongThreadException if not called on {@code owner}'s thread
   */
  public static <R> Task<R> async(ProcessContext<?> owner, Body<? extends R> body) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(body, "body");
    owner.self(); // proves that we run on the owner's thread
    return adopt(owner, owner.spawnLink(childBody(body)));
  }

  /**
   * The body of a task's process: wait for the owner's go-ahead, run, reply. Used by {@link
   * #async} and by {@link TaskSupervisor}, whose children are started by the supervisor.
   */
  static ProcessBody<Object> childBody(Body<?> body) {
    return self -> {
      Go go = self.receive(Go.class);
      Object result = body.run(self);
      go.replyTo().send(new Reply(go.replyTo().ref(), result));
    };
  }

  /**
   * Makes a started {@link #childBody} process the task of {@code owner}: monitor it with an
   * alias, then give it the go-ahead. Runs on the owner's thread.
   */
  static <R> Task<R> adopt(ProcessContext<?> owner, Pid<Object> pid) {
    Pid<?> ownerPid = owner.self();
    AliasMonitor<Reply> am = owner.aliasMonitor(pid, Alias.Mode.DEMONITOR);
    owner.send(pid, new Go(am.alias()));
    return new Task<>(owner, ownerPid, pid, am.ref());
  }

  // ---------------------------------------------------------------------------------------------
  // Accessors

  /** {@return the task's process}; messages sent to it reach a {@link Body} that receives them */
  public Pid<Object> pid() {
    return pid;
  }

  /** {@return the reference of the owner's monitor on the task}, which tags its {@link Reply} */
  public MonitorRef ref() {
    return ref;
  }

  /** {@return the process that started the task}, the only one that may query it */
  public Pid<?> owner() {
    return ownerPid;
  }

  /** {@return the task's pid, reference and owner}, for reports */
  @Override
  public String toString() {
    return "Task{pid=" + pid + ", ref=" + ref + ", owner=" + ownerPid + "}";
  }

  // ---------------------------------------------------------------------------------------------
  // await

  /**
   * Waits up to {@link #DEFAULT_TIMEOUT} (5 s) for the task's result. See {@link #await(Duration)}.
   *
   * @return the result
   * @throws CallException if the task exited without replying, or on timeout
   * @throws IllegalArgumentException if the caller is not the owner
   */
  public R await() {
    return await(DEFAULT_TIMEOUT);
  }

  /**
   * Waits for the task's result: Elixir's {@code Task.await/2}.
   *
   * <ul>
   *   <li>The task replied: its monitor is removed, and no {@link Down} is left behind; the result
   *       is returned (CC-159).
   *   <li>The task exited without replying (with any reason, {@code normal} included): throws
   *       {@link CallException} with that reason and {@code Task.await} (CC-161).
   *   <li>Nothing came in time: the monitor is removed, which deactivates the alias, then {@link
   *       CallException} with {@link CallException#TIMEOUT} is thrown. If the owner catches it,
   *       the task keeps running, and neither its reply nor its {@code Down} ever arrives
   *       (CC-160).
   * </ul>
   *
   * @param timeout how long to wait; {@link #INFINITY} for ever
   * @return the result; null if the task's function returned null
   * @throws CallException if the task exited without replying, or on timeout
   * @throws IllegalArgumentException if the caller is not the owner (CC-162), or the timeout is
   *     negative
   */
  public R await(Duration timeout) {
    checkTimeout(timeout);
    checkOwner();
    Optional<Object> m = receive(owner, Object.class, this::isReplyOrDown, timeout);
    resolved = true;
    if (m.isEmpty()) {
      forget(owner, ref);
      throw new CallException(CallException.TIMEOUT, "Task.await", List.of(this, timeout));
    }
    if (m.get() instanceof Reply reply) {
      owner.demonitorFlush(ref);
      return result(reply);
    }
    Down down = (Down) m.get();
    throw new CallException(down.reason(), "Task.await", List.of(this, timeout));
  }

  /**
   * Waits for the results of several tasks of the calling process: Elixir's {@code
   * Task.await_many/2}. The results come in the order of {@code tasks}. As soon as any task exits
   * without replying, or when the timeout runs out, the monitors of the tasks still awaited are
   * removed (their late replies are dropped) and {@link CallException} is thrown with the reason
   * (or {@link CallException#TIMEOUT}) and {@code Task.await_many}.
   *
   * {@snippet :
   * List<Task<Integer>> tasks = List.of(Task.async(me, () -> 1 + 1), Task.async(me, () -> 2 + 3));
   * List<Integer> results = Task.awaitMany(tasks, Duration.ofSeconds(5)); // [2, 5]
   * }
   *
   * @param tasks tasks owned by the calling process
   * @param timeout how long to wait for all of them; {@link #INFINITY} for ever
   * @param <R> the type of the results
   * @return the results, in the order of {@code tasks}; unmodifiable, and holding null where a
   *     task's function returned null
   * @throws CallException if a task exited without replying, or on timeout
   * @throws IllegalArgumentException if a task is not owned by the caller, or the timeout is
   *     negative
   */
  public static <R> List<R> awaitMany(List<? extends Task<? extends R>> tasks, Duration timeout) {
    Objects.requireNonNull(tasks, "tasks");
    checkTimeout(timeout);
    List<Task<? extends R>> all = List.copyOf(tasks);
    for (Task<? extends R> t : all) {
      t.checkOwner();
    }
    if (all.isEmpty()) {
      return List.of();
    }
    ProcessContext<?> owner = all.get(0).owner;
    Map<MonitorRef, Task<? extends R>> awaiting = new HashMap<>();
    for (Task<? extends R> t : all) {
      awaiting.put(t.ref, t);
    }
    Map<MonitorRef, Object> replies = new HashMap<>();
    List<Object> args = List.of(all, timeout);
    Deadline deadline = new Deadline(timeout);
    Predicate<Object> awaited =
        m ->
            (m instanceof Reply r && awaiting.containsKey(r.ref()))
                || (m instanceof Down d && awaiting.containsKey(d.ref()));
    while (!awaiting.isEmpty()) {
      Optional<Object> m = receive(owner, Object.class, awaited, deadline.left());
      if (m.isPresent() && m.get() instanceof Reply reply) {
        owner.demonitorFlush(reply.ref());
        awaiting.remove(reply.ref()).resolved = true;
        replies.put(reply.ref(), reply.result());
        continue;
      }
      for (Task<? extends R> t : awaiting.values()) {
        forget(owner, t.ref);
        t.resolved = true;
      }
      ExitReason failure = m.isEmpty() ? CallException.TIMEOUT : ((Down) m.get()).reason();
      throw new CallException(failure, "Task.await_many", args);
    }
    List<R> results = new ArrayList<>(all.size());
    for (Task<? extends R> t : all) {
      @SuppressWarnings("unchecked")
      R r = (R) replies.get(t.ref);
      results.add(r);
    }
    return Collections.unmodifiableList(results);
  }

  /**
   * As {@link #awaitMany(List, Duration)}, with a timeout of 5 seconds.
   *
   * @param tasks tasks owned by the calling process
   * @param <R> the type of the results
   * @return the results, in the order of {@code tasks}
   * @throws CallException if a task exited without replying, or on timeout
   */
  public static <R> List<R> awaitMany(List<? extends Task<? extends R>> tasks) {
    return awaitMany(tasks, DEFAULT_TIMEOUT);
  }

  // ---------------------------------------------------------------------------------------------
  // yield

  /**
   * Waits up to 5 seconds for the task to reply or exit. See {@link #yield(Duration)}.
   *
   * @return the result, the exit, or empty if neither came in time
   * @throws IllegalArgumentException if the caller is not the owner
   */
  public Optional<Result<R>> yield() {
    return this.yield(DEFAULT_TIMEOUT);
  }

  /**
   * Waits for the task to reply or exit, without failing on timeout: Elixir's {@code
   * Task.yield/2}. Returns {@link Ok} with the result (the monitor is then removed, no {@link
   * Down} is left), {@link Exited} if the task exited without replying, or empty if neither
   * happened in time: the task keeps running, and {@code yield} can be called again (CC-163).
   *
   * {@snippet :
   * Optional<Task.Result<Report>> r = task.yield(Duration.ofSeconds(1));
   * if (r.isEmpty()) {
   *   r = task.shutdown(); // still nothing? Stop it, but take a reply that came meanwhile
   * }
   * }
   *
   * @param timeout how long to wait; {@link #INFINITY} for ever
   * @return the result, the exit, or empty on timeout
   * @throws CallException if the connection to the task's node was lost ({@code noconnection})
   * @throws IllegalArgumentException if the caller is not the owner (CC-162), or the timeout is
   *     negative
   */
  public Optional<Result<R>> yield(Duration timeout) {
    checkTimeout(timeout);
    checkOwner();
    Optional<Object> m = receive(owner, Object.class, this::isReplyOrDown, timeout);
    if (m.isEmpty()) {
      return Optional.empty();
    }
    resolved = true;
    if (m.get() instanceof Reply reply) {
      owner.demonitorFlush(ref);
      return Optional.of(new Ok<>(result(reply)));
    }
    ExitReason reason = ((Down) m.get()).reason();
    if (reason instanceof ExitReason.NoConnection) {
      throw new CallException(reason, "Task.yield", List.of(this, timeout));
    }
    return Optional.of(new Exited<>(reason));
  }

  // ---------------------------------------------------------------------------------------------
  // shutdown

  /**
   * Shuts the task down, giving it 5 seconds to stop. See {@link #shutdown(Duration)}.
   *
   * @return the reply that came meanwhile, the exit, or empty if the task was shut down
   * @throws IllegalArgumentException if the caller is not the owner
   */
  public Optional<Result<R>> shutdown() {
    return shutdown(DEFAULT_TIMEOUT);
  }

  /**
   * Unlinks the task and stops it with a {@code shutdown} exit signal, killing it if it has not
   * stopped within {@code timeout}: Elixir's {@code Task.shutdown/2}. The result tells what
   * happened (CC-164):
   *
   * <ul>
   *   <li>{@link Ok}: the task had replied, or replied while being shut down;
   *   <li>empty: the task stopped with reason {@code shutdown}, as asked;
   *   <li>{@link Exited}: the task had already exited with another reason ({@code normal}
   *       included), or it ignored the signal (it traps exits) and was killed after {@code
   *       timeout}: {@code Exited(killed)}. A task that has ended and whose reply or exit was
   *       already taken by {@code await} or {@code yield} gives {@code Exited(noproc)}.
   * </ul>
   *
   * <p>Afterwards neither a reply nor a {@link Down} of the task is left in the mailbox, and the
   * task cannot be awaited any more. The signal reaches the task even if the owner is killed
   * while sending it.
   *
   * @param timeout how long the task has to stop before it is killed; {@link #INFINITY} waits for
   *     ever
   * @return the reply, the exit, or empty if the task was shut down
   * @throws IllegalArgumentException if the caller is not the owner (CC-162), or the timeout is
   *     negative
   */
  public Optional<Result<R>> shutdown(Duration timeout) {
    checkTimeout(timeout);
    checkOwner();
    return shutdown(ExitReason.SHUTDOWN, timeout, List.of(this, timeout));
  }

  /**
   * Unlinks the task and kills it at once: Elixir's {@code Task.shutdown(task, :brutal_kill)}.
   * Returns {@link Ok} if the task had replied, empty if it was killed, and {@link Exited} if it
   * had already exited with another reason.
   *
   * @return the reply, the exit, or empty if the task was killed
   * @throws IllegalArgumentException if the caller is not the owner (CC-162)
   */
  public Optional<Result<R>> shutdownBrutalKill() {
    checkOwner();
    return shutdown(ExitReason.KILL, INFINITY, List.of(this, "brutal_kill"));
  }

  private Optional<Result<R>> shutdown(ExitReason signal, Duration timeout, List<Object> args) {
    // Wait on the task's own monitor while it is live: its Down is certain to come and carries
    // the real reason. Once it is gone (awaited, yielded), a fresh monitor tells when the task is
    // dead, and says noproc if it already was. See the overview.
    MonitorRef watch = resolved ? owner.monitor(pid) : ref;
    resolved = true;
    unlinkAndExit(owner, List.of(pid), signal);
    Predicate<Down> isWatch = d -> d.ref().equals(watch);
    Down down =
        receive(owner, Down.class, isWatch, timeout)
            .orElseGet(
                () -> {
                  owner.exit(pid, ExitReason.KILL); // it did not stop in time
                  return owner.receive(Down.class, isWatch);
                });
    owner.demonitorFlush(ref); // deactivates the alias: the reply, if any, is queued by now
    Optional<Result<R>> reply = flushReply(owner, ref).map(r -> new Ok<>(result(r)));
    if (reply.isPresent()) {
      return reply;
    }
    ExitReason reason = down.reason();
    if (reason instanceof ExitReason.NoConnection) {
      throw new CallException(reason, "Task.shutdown", args);
    }
    boolean asAsked =
        signal instanceof ExitReason.Kill
            ? reason instanceof ExitReason.Killed
            : reason.equals(ExitReason.SHUTDOWN);
    return asAsked ? Optional.empty() : Optional.of(new Exited<>(reason));
  }

  // ---------------------------------------------------------------------------------------------
  // async_stream

  /**
   * Returns a lazy stream that runs {@code fun} on every input, each in its own task linked to
   * {@code owner}, at most {@link StreamOptions#maxConcurrency()} at a time: Elixir's {@code
   * Task.async_stream/3}. Each element is {@link Ok} with the function's result, or {@link
   * Exited} when the task exited without replying.
   *
   * {@snippet :
   * try (Stream<Task.Result<Integer>> lengths =
   *     Task.asyncStream(me, urls, url -> fetch(url).length(),
   *         StreamOptions.defaults().withMaxConcurrency(8))) {
   *   int total = lengths.mapToInt(r -> ((Task.Ok<Integer>) r).value()).sum();
   * }
   * }
   *
   * <h4>Laziness and back-pressure</h4>
   * Nothing runs until the stream is consumed. The work is driven by the consumer: when it asks
   * for an element, the stream fills the free slots — pulling one input per free slot and
   * spawning its task — then waits for a task to finish. No input is pulled while the consumer
   * is not asking for an element, nor while {@code maxConcurrency} tasks are running. A slot is
   * freed when its task's process has ended, so at most {@code maxConcurrency} task processes are
   * alive at any time. With {@code ordered} (the default), a result that is ready early is kept
   * until the results before it have been handed over; otherwise results come in the order the
   * tasks end (CC-166).
   *
   * <h4>Timeouts</h4>
   * Each task has {@link StreamOptions#timeout()} from its spawn. The stream checks it while the
   * consumer waits for an element; a task found past its deadline is killed. A task that replied
   * before it was killed counts as a success. Then, with {@link StreamOptions.OnTimeout#EXIT}
   * (the default), every other running task is killed too and the consumer throws {@link
   * CallException} with {@link CallException#TIMEOUT} and {@code Task.Supervised.stream}, leaving
   * no message of the stream behind (CC-166); with {@link StreamOptions.OnTimeout#KILL_TASK} the
   * element is {@code Exited(CallException.TIMEOUT)}.
   *
   * <h4>Crashes</h4>
   * The tasks are linked to the owner: a crashing task kills an owner that does not trap exits,
   * with the same reason. An owner that traps exits sees an {@link Exited} element instead; the
   * {@link Exit} messages of the stream's tasks are removed from its mailbox.
   *
   * <h4>Closing</h4>
   * A stream consumed to its end leaves nothing behind. A stream that is not — {@code limit},
   * {@code findFirst}, {@code anyMatch}, or an exception thrown by the consumer's code — must be
   * closed (use try-with-resources): closing kills the running tasks, waits for their deaths and
   * removes their replies, {@code Down} and {@code Exit} messages. Java streams do not tell their
   * source that a short-circuiting operation is done, so without {@code close} the running tasks
   * finish on their own and their late replies are dropped, but their {@code Down} messages stay.
   * An exception thrown by the consumer's own code, or by the input's iterator, closes the stream
   * before it propagates.
   *
   * <h4>Thread safety</h4>
   * The stream must be consumed and closed on the owner's thread (it is sequential; {@code
   * parallel()} is not supported): elsewhere its operations throw {@link WrongThreadException}.
   *
   * @param owner the consuming process
   * @param inputs the inputs; iterated lazily, on the owner's thread
   * @param fun what to compute for each input; a throw crashes that task
   * @param options concurrency, ordering and timeout
   * @param <T> the type of the inputs
   * @param <R> the type of the results
   * @return the stream of results
   * @throws CallException from the stream's terminal operation, on a timeout with {@link
   *     StreamOptions.OnTimeout#EXIT}
   */
  public static <T, R> Stream<Result<R>> asyncStream(
      ProcessContext<?> owner,
      Iterable<? extends T> inputs,
      Function<? super T, ? extends R> fun,
      StreamOptions options) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(fun, "fun");
    Objects.requireNonNull(options, "options");
    return stream(new TaskStream<T, R>(owner, inputs::iterator, fun, options));
  }

  /**
   * As {@link #asyncStream(ProcessContext, Iterable, Function, StreamOptions)} with {@link
   * StreamOptions#defaults()}.
   *
   * @param owner the consuming process
   * @param inputs the inputs
   * @param fun what to compute for each input
   * @param <T> the type of the inputs
   * @param <R> the type of the results
   * @return the stream of results
   */
  public static <T, R> Stream<Result<R>> asyncStream(
      ProcessContext<?> owner, Iterable<? extends T> inputs, Function<? super T, ? extends R> fun) {
    return asyncStream(owner, inputs, fun, StreamOptions.defaults());
  }

  /**
   * As {@link #asyncStream(ProcessContext, Iterable, Function, StreamOptions)}, taking the inputs
   * from a stream, which is consumed lazily and closed when the returned stream is closed.
   *
   * @param owner the consuming process
   * @param inputs the inputs
   * @param fun what to compute for each input
   * @param options concurrency, ordering and timeout
   * @param <T> the type of the inputs
   * @param <R> the type of the results
   * @return the stream of results
   */
  public static <T, R> Stream<Result<R>> asyncStream(
      ProcessContext<?> owner,
      Stream<? extends T> inputs,
      Function<? super T, ? extends R> fun,
      StreamOptions options) {
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(inputs, "inputs");
    Objects.requireNonNull(fun, "fun");
    Objects.requireNonNull(options, "options");
    Iterable<T> lazily = () -> iteratorOf(inputs);
    return stream(new TaskStream<T, R>(owner, lazily::iterator, fun, options))
        .onClose(inputs::close);
  }

  /**
   * As {@link #asyncStream(ProcessContext, Stream, Function, StreamOptions)} with {@link
   * StreamOptions#defaults()}.
   *
   * @param owner the consuming process
   * @param inputs the inputs
   * @param fun what to compute for each input
   * @param <T> the type of the inputs
   * @param <R> the type of the results
   * @return the stream of results
   */
  public static <T, R> Stream<Result<R>> asyncStream(
      ProcessContext<?> owner, Stream<? extends T> inputs, Function<? super T, ? extends R> fun) {
    return asyncStream(owner, inputs, fun, StreamOptions.defaults());
  }

  private static <T> Iterator<T> iteratorOf(Stream<? extends T> s) {
    @SuppressWarnings("unchecked")
    Iterator<T> it = (Iterator<T>) s.iterator();
    return it;
  }

  private static <T, R> Stream<Result<R>> stream(TaskStream<T, R> engine) {
    return StreamSupport.stream(engine, false).onClose(engine::close);
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers, shared with TaskStream

  /** Whether {@code m} is this task's reply or the Down of its monitor. */
  private boolean isReplyOrDown(Object m) {
    return (m instanceof Reply r && r.ref().equals(ref))
        || (m instanceof Down d && d.ref().equals(ref));
  }

  @SuppressWarnings("unchecked")
  private R result(Reply reply) {
    return (R) reply.result();
  }

  /** Throws unless the calling thread is the owner's. */
  private void checkOwner() {
    if (Thread.currentThread() != ownerThread) {
      throw new IllegalArgumentException(
          "task "
              + this
              + " must be queried from its owner "
              + ownerPid
              + " but was queried from "
              + Thread.currentThread().getName());
    }
  }

  static void checkTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must not be negative: " + timeout);
    }
  }

  /**
   * Whether a timeout means "for ever": too long to count in nanoseconds from now (over about 146
   * years, as the runtime's receive counts it).
   */
  static boolean isInfinite(Duration timeout) {
    try {
      return timeout.toNanos() > Long.MAX_VALUE / 2;
    } catch (ArithmeticException tooLong) {
      return true;
    }
  }

  /** A selective receive that waits for ever when the timeout is infinite. */
  static <T> Optional<T> receive(
      ProcessContext<?> ctx, Class<T> type, Predicate<? super T> filter, Duration timeout) {
    return isInfinite(timeout)
        ? Optional.of(ctx.receive(type, filter))
        : ctx.receive(type, filter, timeout);
  }

  /**
   * Stops waiting for a task: removes its monitor (deactivating its alias) and any Down of it,
   * and drops a reply that slipped in before the alias was deactivated.
   */
  static void forget(ProcessContext<?> owner, MonitorRef ref) {
    owner.demonitorFlush(ref);
    flushReply(owner, ref);
  }

  /** Takes a task's reply out of the mailbox, if it is there; never waits. */
  static Optional<Reply> flushReply(ProcessContext<?> owner, MonitorRef ref) {
    return owner.receive(Reply.class, r -> r.ref().equals(ref), Duration.ZERO);
  }

  /**
   * Unlinks {@code owner} from each target and sends it the exit signal {@code reason}, making
   * sure the signals are sent even if the owner is killed half-way: a helper process monitors the
   * owner and sends them itself if the owner dies before telling it that it is done. Elixir's
   * {@code Task.shutdown_send/2}.
   */
  static void unlinkAndExit(ProcessContext<?> owner, List<Pid<?>> targets, ExitReason reason) {
    Pid<?> ownerPid = owner.self();
    List<Pid<?>> pids = List.copyOf(targets);
    Pid<Object> enforcer =
        owner.spawn(
            self -> {
              MonitorRef watch = self.monitor(ownerPid);
              Object m =
                  self.receive(
                      Object.class,
                      x -> x == Sent.SIGNALS || (x instanceof Down d && d.ref().equals(watch)));
              if (m instanceof Down) {
                for (Pid<?> p : pids) {
                  self.exit(p, reason);
                }
              }
            });
    for (Pid<?> p : pids) {
      owner.unlink(p);
      owner.exit(p, reason);
    }
    owner.send(enforcer, Sent.SIGNALS);
  }

  /** A deadline for a sequence of waits. */
  static final class Deadline {
    private final boolean infinite;
    private final long at;

    Deadline(Duration timeout) {
      this.infinite = isInfinite(timeout);
      this.at = infinite ? 0L : System.nanoTime() + timeout.toNanos();
    }

    /** {@return the time left}: zero once passed, {@link #INFINITY} if there is no deadline */
    Duration left() {
      return infinite ? INFINITY : Duration.ofNanos(Math.max(0L, at - System.nanoTime()));
    }
  }
}
