package dev.banyan;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A process that holds one value, read and changed by functions sent to it: Elixir's {@code
 * Agent}. It is a {@link GenServer} whose callbacks run the functions you pass, one at a time, so
 * concurrent updates never race.
 *
 * {@snippet :
 * Agent<Integer> counter = Agent.start(node, () -> 0);
 * counter.update(n -> n + 1);
 * counter.cast(n -> n + 1);
 * int value = counter.get(n -> n);                                  // 2
 * int before = counter.getAndUpdate(n -> new Agent.GetAndUpdate<>(n, n * 10));  // 2; now 20
 * counter.stop();
 * }
 *
 * <p>This example is {@code AgentTest.Example} in the project's tests, where it runs.
 *
 * <h2>The functions run inside the agent</h2>
 * The initial function of {@code start} and the functions of {@link #get}, {@link #update},
 * {@link #getAndUpdate} and {@link #cast} all run on the agent's process thread (otp-semantics
 * §8.1), one at a time, in the order the agent receives them. A slow function holds up every other
 * client of the agent; to compute on the caller's side, get the state ({@code get(s -> s)}) and
 * work on the copy — but then the state may change meanwhile.
 *
 * <p>A function that throws crashes the agent, exactly as a crashing {@link GenServer} callback:
 * the agent exits with {@link ExitReason.Crashed} (or with the reason of an {@link
 * ExitException}), an error report is logged, its links get the reason, and the waiting caller
 * gets a {@link CallException} whose {@link CallException#failure()} is that reason (CC-169).
 *
 * <h2>Null</h2>
 * The state is never null, and no function may return null: a function that returns null (the
 * initial function, an update, a cast, a get, or a get-and-update that returns no {@link
 * GetAndUpdate}) stops the agent with the reason {@code {bad_return_value, ...}}, and the waiting
 * caller gets a {@link CallException} with that reason (CC-169; Elixir stops the agent the same
 * way for a get-and-update that does not return a pair). For "no value", return an {@link
 * Optional}.
 *
 * <h2>Start and stop</h2>
 * {@link #start(Node, Callable, GenServer.Options)} and {@link #startLink(ProcessContext,
 * Callable, GenServer.Options)} return only once the initial function has returned in the new
 * process. Elixir returns {@code {ok, Pid} | {error, Reason}}; here a start that fails throws
 * {@link CallException} instead, with the function {@code "Agent.start"} and the reason as its
 * {@link CallException#failure()}: the initial function's crash ({@link ExitReason.Crashed}), a
 * {@code bad_return_value} for null, {@link CallException#TIMEOUT} when an {@linkplain
 * GenServer.Options#withInitTimeout init timeout} expires, or {@code ExitReason.of(}{@link
 * GenServer.Start.AlreadyStarted}{@code )} when the name is taken. An exception, because a failed
 * start of an agent is rarely expected, and a handle that is always usable reads better than an
 * outcome to unwrap at every start; the failure is still a value for code that does expect it.
 * A failed start leaves no process behind, and no {@link Exit} message in a trapping parent's
 * mailbox (as {@link GenServer#startLink(ProcessContext, GenServer, GenServer.Options)}).
 * {@link #stop(ExitReason, Duration)} stops the agent and waits for it to end.
 *
 * <h2>Defaults</h2>
 * {@code get}, {@code update} and {@code getAndUpdate} wait {@link ServerRef#DEFAULT_TIMEOUT} (5
 * seconds) for the answer, as Elixir's; when it expires the caller gets a {@link CallException}
 * with {@link CallException#TIMEOUT} and the agent keeps running (its late answer is dropped).
 * {@code stop} waits as long as it takes. {@code start} uses {@link GenServer.Options#DEFAULTS}: no
 * name, no init timeout.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: an {@code Agent} is an immutable handle that any thread may use, whether it is a
 * process or not. The state itself is confined to the agent's process; prefer an immutable state,
 * and never let a function leak a mutable state to a caller (a {@code get(s -> s)} on a mutable
 * state shares it with the caller's thread).
 *
 * <h2>Memory consistency effects</h2>
 * Actions of a thread before it calls {@code get}, {@code update}, {@code getAndUpdate}, {@code
 * cast} or {@code stop} happen-before the function runs in the agent. Actions of the agent before
 * it answers (everything every earlier function did) happen-before {@code get}, {@code update} or
 * {@code getAndUpdate} returns; for {@code start}, the initial function's actions happen-before
 * {@code start} returns.
 *
 * <h2>General exceptions</h2>
 * Unless otherwise specified, passing {@code null} to any method throws {@link
 * NullPointerException}, and a negative timeout throws {@link IllegalArgumentException}.
 *
 * @param <S> the type of the state: an immutable value is best; never null
 * @since 0.1
 */
public final class Agent<S> {
  private final ServerRef<Request<S>> server;

  private Agent(ServerRef<Request<S>> server) {
    this.server = server;
  }

  // ---------------------------------------------------------------------------------------------
  // Starting

  /**
   * Starts an agent that is not linked to the caller: Elixir's {@code Agent.start/2}.
   *
   * @param node the node to start it on
   * @param initial computes the first state, inside the new process
   * @param <S> the state type
   * @return the agent
   * @throws CallException if the start fails (see the class description)
   */
  public static <S> Agent<S> start(Node node, Callable<? extends S> initial) {
    return start(node, initial, GenServer.Options.DEFAULTS);
  }

  /**
   * Starts an agent that is not linked to the caller, with options (a name, an init timeout).
   *
   * @param node the node to start it on
   * @param initial computes the first state, inside the new process
   * @param options the options
   * @param <S> the state type
   * @return the agent
   * @throws CallException if the start fails (see the class description)
   */
  public static <S> Agent<S> start(
      Node node, Callable<? extends S> initial, GenServer.Options options) {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(options, "options");
    return started(GenServer.start(node, new Server<S>(initial), options), initial, options);
  }

  /**
   * Starts an agent linked to the calling process: Elixir's {@code Agent.start_link/2}.
   *
   * @param parent the calling process, which becomes the agent's parent
   * @param initial computes the first state, inside the new process
   * @param <S> the state type
   * @return the agent
   * @throws CallException if the start fails (see the class description)
   * @throws ProcessExitedException if the start failed with an abnormal reason and the parent,
   *     not trapping exits, was killed through the link (CC-042)
   * @throws WrongThreadException if {@code parent} is not the calling thread's process
   */
  public static <S> Agent<S> startLink(ProcessContext<?> parent, Callable<? extends S> initial) {
    return startLink(parent, initial, GenServer.Options.DEFAULTS);
  }

  /**
   * Starts an agent linked to the calling process, with options. If the agent later crashes, the
   * link kills the parent unless it traps exits.
   *
   * @param parent the calling process, which becomes the agent's parent
   * @param initial computes the first state, inside the new process
   * @param options the options
   * @param <S> the state type
   * @return the agent
   * @throws CallException if the start fails (see the class description)
   * @throws ProcessExitedException if the start failed with an abnormal reason and the parent,
   *     not trapping exits, was killed through the link (CC-042)
   * @throws WrongThreadException if {@code parent} is not the calling thread's process
   */
  public static <S> Agent<S> startLink(
      ProcessContext<?> parent, Callable<? extends S> initial, GenServer.Options options) {
    Objects.requireNonNull(parent, "parent");
    Objects.requireNonNull(initial, "initial");
    Objects.requireNonNull(options, "options");
    return started(GenServer.startLink(parent, new Server<S>(initial), options), initial, options);
  }

  private static <S> Agent<S> started(
      GenServer.Start<Request<S>> outcome, Callable<?> initial, GenServer.Options options) {
    ExitReason failure =
        switch (outcome) {
          case GenServer.Start.Ok<Request<S>> ok -> null;
          case GenServer.Start.Error<Request<S>> error -> error.reason();
          case GenServer.Start.AlreadyStarted<Request<S>> taken -> ExitReason.of(taken);
          case GenServer.Start.Ignore<Request<S>> ignore -> ExitReason.of("ignore"); // not returned by Server.init
        };
    if (failure != null) {
      throw new CallException(failure, "Agent.start", List.of(initial, options));
    }
    return new Agent<>(outcome.orElseThrow());
  }

  /**
   * {@return a handle on the agent registered under {@code name} on {@code node}}, looked up on
   * every use (as {@link ServerRef#named(Node, String)}). The state type is not checked: a
   * function given the state of another type crashes that agent with a {@link
   * ClassCastException}.
   *
   * @param node the node
   * @param name the registered name (see {@link GenServer.Options#named(String)})
   * @param <S> the state type of that agent
   */
  public static <S> Agent<S> named(Node node, String name) {
    return new Agent<>(ServerRef.named(node, name));
  }

  /**
   * {@return a handle on the agent with this pid}: Elixir's {@code Agent.get(pid, fun)}. The state
   * type is not checked (a pid does not carry it), as for {@link #named(Node, String)}; a pid that
   * is not an agent's makes every call fail (a GenServer crashes on the request) or time out.
   *
   * {@snippet :
   * Pid<?> pid = counter.whereis().orElseThrow();   // sent to another process, say
   * Agent<Integer> same = Agent.of(pid);
   * same.update(n -> n + 1);
   * }
   *
   * @param pid the agent's pid
   * @param <S> the state type of that agent
   */
  public static <S> Agent<S> of(Pid<?> pid) {
    return new Agent<>(ServerRef.of(pid));
  }

  /**
   * {@return a handle on the agent that {@code server} names}, by pid or name as the handle was
   * made: the inverse of {@link #server()}, for example for the {@link ServerRef} that a
   * supervisor's {@link ChildStart} returned. Not checked, as {@link #of(Pid)}.
   *
   * @param server the agent's server handle
   * @param <S> the state type of that agent
   */
  @SuppressWarnings("unchecked")
  public static <S> Agent<S> of(ServerRef<?> server) {
    return new Agent<>((ServerRef<Request<S>>) Objects.requireNonNull(server, "server"));
  }

  /**
   * {@return a handle on the agent registered under {@code key} in {@code registry}}, looked up
   * on every use: Elixir's {@code Agent.get({:via, Registry, {registry, key}}, fun)}. Not checked,
   * as {@link #of(Pid)}.
   *
   * @param registry the registry
   * @param key the key (see {@link GenServer.Options#via(NameRegistry, Object)})
   * @param <S> the state type of that agent
   */
  public static <S> Agent<S> via(NameRegistry registry, Object key) {
    return new Agent<>(ServerRef.via(registry, key));
  }

  // ---------------------------------------------------------------------------------------------
  // Client functions

  /**
   * Runs {@code fun} on the state, in the agent, and returns its result, waiting at most 5
   * seconds: Elixir's {@code Agent.get/2}.
   *
   * @param fun computes the answer from the state; must not return null
   * @param <R> the type of the answer
   * @return what {@code fun} returned
   * @throws CallException with {@link CallException#TIMEOUT} (the agent keeps running), {@link
   *     ExitReason#NOPROC} (no such agent), or the reason the agent died with — for instance
   *     because {@code fun} threw or returned null
   */
  public <R> R get(Function<? super S, ? extends R> fun) {
    return get(fun, ServerRef.DEFAULT_TIMEOUT);
  }

  /**
   * Runs {@code fun} on the state, in the agent, and returns its result: Elixir's {@code
   * Agent.get/3}.
   *
   * @param fun computes the answer from the state; must not return null
   * @param timeout how long to wait for the answer
   * @param <R> the type of the answer
   * @return what {@code fun} returned
   * @throws CallException as {@link #get(Function)}
   */
  public <R> R get(Function<? super S, ? extends R> fun, Duration timeout) {
    Objects.requireNonNull(fun, "fun");
    return server.call(replyTo -> new Get<S, R>(fun, replyTo), timeout);
  }

  /**
   * Replaces the state with {@code fun}'s result, in the agent, waiting at most 5 seconds for it
   * to be done: Elixir's {@code Agent.update/2}.
   *
   * @param fun computes the new state; must not return null
   * @throws CallException as {@link #get(Function)}
   */
  public void update(UnaryOperator<S> fun) {
    update(fun, ServerRef.DEFAULT_TIMEOUT);
  }

  /**
   * Replaces the state with {@code fun}'s result, in the agent: Elixir's {@code Agent.update/3}.
   * When this returns, the new state is in place.
   *
   * @param fun computes the new state; must not return null
   * @param timeout how long to wait for the update to be done
   * @throws CallException as {@link #get(Function)}
   */
  public void update(UnaryOperator<S> fun, Duration timeout) {
    Objects.requireNonNull(fun, "fun");
    server.<Done>call(replyTo -> new Update<>(fun, replyTo), timeout);
  }

  /**
   * Gets an answer and replaces the state in one step, in the agent, waiting at most 5 seconds:
   * Elixir's {@code Agent.get_and_update/2}.
   *
   * @param fun computes the answer and the new state; must not return null
   * @param <R> the type of the answer
   * @return the answer {@code fun} returned
   * @throws CallException as {@link #get(Function)}; a {@code fun} that returns null stops the
   *     agent with {@code bad_return_value} (CC-169)
   */
  public <R> R getAndUpdate(Function<? super S, ? extends GetAndUpdate<? extends R, ? extends S>> fun) {
    return getAndUpdate(fun, ServerRef.DEFAULT_TIMEOUT);
  }

  /**
   * Gets an answer and replaces the state in one step, in the agent: Elixir's {@code
   * Agent.get_and_update/3}.
   *
   * @param fun computes the answer and the new state; must not return null
   * @param timeout how long to wait for the answer
   * @param <R> the type of the answer
   * @return the answer {@code fun} returned
   * @throws CallException as {@link #getAndUpdate(Function)}
   */
  public <R> R getAndUpdate(
      Function<? super S, ? extends GetAndUpdate<? extends R, ? extends S>> fun, Duration timeout) {
    Objects.requireNonNull(fun, "fun");
    return server.call(replyTo -> new GetAndUpdateRequest<S, R>(fun, replyTo), timeout);
  }

  /**
   * Replaces the state with {@code fun}'s result, in the agent, without waiting: Elixir's {@code
   * Agent.cast/2}. It returns at once and never fails: if the agent does not exist, the function
   * is dropped. A {@code fun} that throws or returns null still crashes the agent, but nobody is
   * waiting to be told.
   *
   * @param fun computes the new state; must not return null
   */
  public void cast(UnaryOperator<S> fun) {
    Objects.requireNonNull(fun, "fun");
    server.cast(new Cast<>(fun));
  }

  /**
   * Stops the agent with reason {@code normal}, waiting as long as it takes.
   *
   * @throws CallException as {@link #stop(ExitReason, Duration)}
   */
  public void stop() {
    server.stop();
  }

  /**
   * Stops the agent with {@code reason}, waiting as long as it takes.
   *
   * @param reason the reason the agent is to exit with
   * @throws CallException as {@link #stop(ExitReason, Duration)}
   */
  public void stop(ExitReason reason) {
    server.stop(reason);
  }

  /**
   * Stops the agent: Elixir's {@code Agent.stop/3}. The agent exits with {@code reason} (its links
   * get it); this returns once it is dead. Requests queued before the stop are handled first.
   *
   * @param reason the reason the agent is to exit with
   * @param timeout how long to wait for it to end
   * @throws CallException with {@link ExitReason#NOPROC} if there is no such agent, {@link
   *     CallException#TIMEOUT} if it did not end in time, {@link CallException#CALLING_SELF} if a
   *     function of the agent stops the agent itself, or the reason it exited with if that is not
   *     {@code reason}
   */
  public void stop(ExitReason reason, Duration timeout) {
    server.stop(reason, timeout);
  }

  /**
   * {@return the agent's server handle}: to {@linkplain ServerRef#stop() stop} it or find its
   * {@linkplain ServerRef#whereis() pid}. Its request type is private to the agent.
   */
  public ServerRef<?> server() {
    return server;
  }

  /**
   * {@return the agent's pid, to link to or monitor it}, or empty if the agent has exited (or, for
   * a {@linkplain #named named} handle, nobody has the name now)
   */
  public Optional<Pid<?>> whereis() {
    return server.whereis();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Agent<?> a && a.server.equals(server);
  }

  @Override
  public int hashCode() {
    return server.hashCode();
  }

  /** {@return {@code Agent} and the pid, or the name} */
  @Override
  public String toString() {
    return "Agent" + server;
  }

  // ---------------------------------------------------------------------------------------------
  // Values

  /**
   * What the function of {@link #getAndUpdate} returns: the answer for the caller and the agent's
   * new state (Elixir's {@code {reply, new_state}}).
   *
   * @param reply the answer; not null
   * @param newState the new state; not null
   * @param <R> the type of the answer
   * @param <S> the state type
   * @since 0.1
   */
  public record GetAndUpdate<R, S>(R reply, S newState) {
    /**
     * Validates the components. A null component throws {@link NullPointerException} — inside
     * the agent, so the agent crashes with it.
     */
    public GetAndUpdate {
      Objects.requireNonNull(reply, "reply");
      Objects.requireNonNull(newState, "newState");
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The server

  /*
   * Implementation overview
   *
   * Each client function becomes one request record carrying the user's function; the Server
   * (a GenServer) runs it on the state in handleCall/handleCast. A null result is turned into
   * Result.stop with {bad_return_value, ...} (the caller's monitor then reports that reason); a
   * throw is left to GenServerProcess, which crashes the server with it. Replies and states are
   * never null, as GenServer requires.
   */

  /** The requests the agent's server handles. */
  private sealed interface Request<S> {}

  private record Get<S, R>(Function<? super S, ? extends R> fun, ReplyTo<R> replyTo)
      implements Request<S> {
    @Override
    public String toString() {
      return "{get, " + fun + "}";
    }
  }

  private record Update<S>(UnaryOperator<S> fun, ReplyTo<Done> replyTo) implements Request<S> {
    @Override
    public String toString() {
      return "{update, " + fun + "}";
    }
  }

  private record GetAndUpdateRequest<S, R>(
      Function<? super S, ? extends GetAndUpdate<? extends R, ? extends S>> fun, ReplyTo<R> replyTo)
      implements Request<S> {
    @Override
    public String toString() {
      return "{get_and_update, " + fun + "}";
    }
  }

  private record Cast<S>(UnaryOperator<S> fun) implements Request<S> {
    @Override
    public String toString() {
      return "{cast, " + fun + "}";
    }
  }

  /** The answer of an update: Elixir's {@code :ok}. */
  private enum Done {
    OK
  }

  private static ExitReason badReturnValue(String function) {
    return ExitReason.of(new GenServer.BadReturnValue(function));
  }

  private static final class Server<S>
      implements GenServer<S, Request<S>>, Introspection.Described<S> {
    private final Callable<? extends S> initial;

    @Override
    public Introspection.ProcessLabel.Kind kind() {
      return Introspection.ProcessLabel.Kind.AGENT;
    }

    @Override
    public Class<?> implementation() {
      return Agent.class;
    }

    Server(Callable<? extends S> initial) {
      this.initial = initial;
    }

    @Override
    public Init<S> init(ProcessContext<Object> self) throws Exception {
      S state = initial.call();
      return state == null ? Init.stop(badReturnValue("the Agent.start function")) : Init.ok(state);
    }

    @Override
    public Result<S> handleCall(Request<S> request, S state) {
      return switch (request) {
        case Get<S, ?> get -> get(get, state);
        case Update<S> update -> {
          S next = update.fun().apply(state);
          yield next == null
              ? Result.stop(badReturnValue("the Agent.update function"), state)
              : Result.reply(update.replyTo(), Done.OK, next);
        }
        case GetAndUpdateRequest<S, ?> gu -> getAndUpdate(gu, state);
        case Cast<S> cast -> throw new IllegalStateException("not a call: " + cast); // Agent never calls a Cast
      };
    }

    private static <S, R> Result<S> get(Get<S, R> get, S state) {
      R value = get.fun().apply(state);
      return value == null
          ? Result.stop(badReturnValue("the Agent.get function"), state)
          : Result.reply(get.replyTo(), value, state);
    }

    private static <S, R> Result<S> getAndUpdate(GetAndUpdateRequest<S, R> gu, S state) {
      GetAndUpdate<? extends R, ? extends S> result = gu.fun().apply(state);
      if (result == null) {
        return Result.stop(badReturnValue("the Agent.getAndUpdate function"), state);
      }
      return Result.reply(gu.replyTo(), result.reply(), result.newState());
    }

    @Override
    public Result<S> handleCast(Request<S> request, S state) {
      if (!(request instanceof Cast<S> cast)) {
        throw new IllegalStateException("not a cast: " + request); // Agent only casts Cast
      }
      S next = cast.fun().apply(state);
      return next == null
          ? Result.stop(badReturnValue("the Agent.cast function"), state)
          : Result.noreply(next);
    }
  }
}
