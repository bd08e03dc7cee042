package dev.banyan;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * A generic server: a process that holds a state and handles requests one at a time, as
 * Erlang's {@code gen_server} and Elixir's {@code GenServer}. You write the callbacks; Banyan
 * runs the loop — receiving, dispatching, replying, timeouts, continues and termination.
 *
 * <p>The Stack server: push is a cast, pop is a call, and a pop on an empty stack crashes the
 * server (the caller gets a {@link CallException} with the crash as its failure):
 *
 * {@snippet :
 * sealed interface StackMsg {}
 * record Push(String item) implements StackMsg {}
 * record Pop(ReplyTo<String> replyTo) implements StackMsg {}
 *
 * final class Stack implements GenServer<List<String>, StackMsg> {
 *   private final List<String> initial;
 *
 *   Stack(List<String> initial) {
 *     this.initial = List.copyOf(initial);
 *   }
 *
 *   @Override
 *   public Init<List<String>> init(ProcessContext<Object> self) {
 *     return Init.ok(initial);
 *   }
 *
 *   @Override
 *   public Result<List<String>> handleCall(StackMsg msg, List<String> stack) {
 *     return switch (msg) {
 *       // On an empty stack getFirst() throws: the server crashes, and the caller is told why.
 *       case Pop pop -> Result.reply(pop.replyTo(), stack.getFirst(), stack.subList(1, stack.size()));
 *       case Push push -> throw new IllegalArgumentException("push is a cast: " + push);
 *     };
 *   }
 *
 *   @Override
 *   public Result<List<String>> handleCast(StackMsg msg, List<String> stack) {
 *     return switch (msg) {
 *       case Push push -> {
 *         List<String> pushed = new ArrayList<>(stack.size() + 1);
 *         pushed.add(push.item());
 *         pushed.addAll(stack);
 *         yield Result.noreply(List.copyOf(pushed));
 *       }
 *       case Pop pop -> throw new IllegalArgumentException("pop is a call: " + pop);
 *     };
 *   }
 * }
 *
 * ServerRef<StackMsg> stack = GenServer.start(node, new Stack(List.of("hello"))).orElseThrow();
 * stack.cast(new Push("world"));
 * stack.call(Pop::new);   // "world"
 * stack.call(Pop::new);   // "hello"
 * stack.call(Pop::new);   // throws CallException: the server crashed with NoSuchElementException
 * }
 *
 * <p>This example is {@code GenServerExamplesTest} in the project's tests, where it runs.
 *
 * <h2>Starting</h2>
 * {@link #start(Node, GenServer, Options)} and {@link #startLink(ProcessContext, GenServer,
 * Options)} return a {@link Start}: {@link Start.Ok} with the server's {@link ServerRef}, {@link
 * Start.Ignore}, {@link Start.AlreadyStarted} (the name is taken) or {@link Start.Error} with the
 * reason. A failed start returns only once the server process is dead and its name free, and
 * leaves no {@link Exit} message in a trapping caller's mailbox (OTP 26 semantics).
 *
 * <h2>The callback contract</h2>
 * <ul>
 *   <li>{@link #init} runs inside the new process before {@code start} returns (CC-034). It
 *       returns {@link Init#ok(Object)} with the first state (optionally with an action: an idle
 *       timeout, a continue, hibernate), {@link Init#ignore()}, {@link Init#stop(ExitReason)} or
 *       {@link Init#error(ExitReason)}. If a name is given, it is registered before {@code init}
 *       runs (CC-035).
 *   <li>{@link #handleCall} handles a request sent with {@link ServerRef#call}; the request
 *       carries its {@link ReplyTo}. Return {@link Result#reply(ReplyTo, Object, Object)}, or
 *       {@link Result#noreply(Object)} and answer later through the kept {@code ReplyTo} (from
 *       this or any other process).
 *   <li>{@link #handleCast} handles a request sent with {@link ServerRef#cast}.
 *   <li>{@link #handleInfo} handles every other message: plain sends, {@link Exit} messages from
 *       linked processes other than the parent when trapping exits, {@link Down} messages,
 *       timer messages, and {@link Timeout} when an idle timeout expires. The default logs an
 *       error and keeps the state, as Elixir's does.
 *   <li>{@link #handleContinue} runs right after the callback that returned the continue action,
 *       before any message is read (CC-057, CC-058).
 *   <li>{@link #terminate} runs when the server stops in an orderly way (see below); it is not
 *       run when {@code init} fails, nor when the server is killed or dies of an exit signal it
 *       does not trap.
 * </ul>
 * Callbacks return sealed results, not exceptions, for control flow. A callback that throws
 * crashes the server: {@code terminate} runs with the crash as reason (and the last state), the
 * process exits with it, and an error report names the server, the last message, the state and
 * the reason. A callback that returns {@code null} is a {@code bad_return_value}.
 *
 * <h2>When terminate runs</h2>
 * Exactly as in OTP (otp-semantics §4.8): when a callback returns {@link Result#stop}; when a
 * callback throws or returns null; when {@link ServerRef#stop} is called (even if the server does
 * not trap exits, CC-067); and when the parent (the process that started it) sends an exit
 * signal while the server traps exits (CC-068) — after every message queued before that signal
 * has been handled (CC-071). Not on {@code kill}.
 *
 * <h2>Thread safety</h2>
 * All callbacks of one server run on that server's process thread, one at a time; the state
 * needs no locking. Give each started server its own instance if the implementation has fields.
 *
 * @param <S> the type of the state: an immutable value is best; never null
 * @param <M> the type of the requests (calls and casts): usually a sealed interface of records
 * @since 0.1
 */
public interface GenServer<S, M> {

  /**
   * Initialises the server, inside its new process.
   *
   * @param self the server process's context: its pid, links, monitors, trap_exit...
   * @return what to do next
   * @throws Exception anything: the start fails with it as the reason
   */
  Init<S> init(ProcessContext<Object> self) throws Exception;

  /**
   * Handles a call. The default crashes the server: a server that accepts calls must override
   * it.
   *
   * @param request the request; it carries the {@link ReplyTo} of the call
   * @param state the current state
   * @return what to do next
   * @throws Exception anything: the server crashes with it
   */
  default Result<S> handleCall(M request, S state) throws Exception {
    throw new IllegalStateException(
        getClass().getName() + " received the call " + request + " but does not implement handleCall");
  }

  /**
   * Handles a cast. The default crashes the server: a server that accepts casts must override it.
   *
   * @param request the request
   * @param state the current state
   * @return what to do next
   * @throws Exception anything: the server crashes with it
   */
  default Result<S> handleCast(M request, S state) throws Exception {
    throw new IllegalStateException(
        getClass().getName() + " received the cast " + request + " but does not implement handleCast");
  }

  /**
   * Handles any other message. The default logs an error (logger {@code dev.banyan.GenServer})
   * and keeps the state.
   *
   * @param message the message
   * @param state the current state
   * @return what to do next
   * @throws Exception anything: the server crashes with it
   */
  default Result<S> handleInfo(Object message, S state) throws Exception {
    LoggerFactory.getLogger("dev.banyan.GenServer")
        .error("{} received an unexpected message in handleInfo: {}", getClass().getName(), message);
    return Result.noreply(state);
  }

  /**
   * Handles a continue action. The default crashes the server (Erlang: {@code undef}).
   *
   * @param argument the argument given to {@code withContinue}
   * @param state the current state
   * @return what to do next
   * @throws Exception anything: the server crashes with it
   */
  default Result<S> handleContinue(Object argument, S state) throws Exception {
    throw new IllegalStateException(
        getClass().getName() + " returned a continue (" + argument + ") but does not implement handleContinue");
  }

  /**
   * Cleans up before the server exits in an orderly way (see the class description). The
   * default does nothing. If it throws, the server exits with that exception instead.
   *
   * @param reason why the server stops
   * @param state the last state
   * @throws Exception anything: the server then exits with it
   */
  default void terminate(ExitReason reason, S state) throws Exception {}

  // ---------------------------------------------------------------------------------------------
  // Starting

  /**
   * Starts a server that is not linked to the caller: Erlang's {@code gen_server:start/3}.
   *
   * @param node the node to start it on
   * @param server the callbacks (a fresh instance if it has fields)
   * @param <S> the state type
   * @param <M> the request type
   * @return the outcome: {@link Start.Ok} with the server's handle, or why it did not start
   */
  static <S, M> Start<M> start(Node node, GenServer<S, M> server) {
    return start(node, server, Options.DEFAULTS);
  }

  /**
   * Starts a server that is not linked to the caller, with options (a name, an init timeout).
   *
   * @param node the node to start it on
   * @param server the callbacks
   * @param options the options
   * @param <S> the state type
   * @param <M> the request type
   * @return the outcome
   */
  static <S, M> Start<M> start(Node node, GenServer<S, M> server, Options options) {
    Objects.requireNonNull(node, "node");
    return GenServerProcess.start(node, null, server, options);
  }

  /**
   * Starts a server linked to the calling process: Erlang's {@code gen_server:start_link/3}. If
   * {@code init} fails with an abnormal reason, the link kills the caller unless it traps exits
   * (CC-042); a trapping caller gets the outcome and no {@link Exit} message is left in its
   * mailbox.
   *
   * @param parent the calling process, which becomes the server's parent
   * @param server the callbacks
   * @param <S> the state type
   * @param <M> the request type
   * @return the outcome
   */
  static <S, M> Start<M> startLink(ProcessContext<?> parent, GenServer<S, M> server) {
    return startLink(parent, server, Options.DEFAULTS);
  }

  /**
   * Starts a server linked to the calling process, with options.
   *
   * @param parent the calling process, which becomes the server's parent
   * @param server the callbacks
   * @param options the options
   * @param <S> the state type
   * @param <M> the request type
   * @return the outcome
   */
  static <S, M> Start<M> startLink(
      ProcessContext<?> parent, GenServer<S, M> server, Options options) {
    Objects.requireNonNull(parent, "parent");
    ProcessRecord<?> p = (ProcessRecord<?>) parent;
    p.checkOwner();
    return GenServerProcess.start(p.node, p, server, options);
  }

  // ---------------------------------------------------------------------------------------------
  // Values

  /**
   * The message {@link #handleInfo} receives when an idle timeout expires: Erlang's {@code
   * timeout}.
   *
   * @since 0.1
   */
  enum Timeout {
    /** The only value. */
    TIMEOUT
  }

  /**
   * The exit reason of a server whose callback returned {@code null}: Erlang's {@code
   * {bad_return_value, X}} (the only value a typed callback can return that is not a result).
   *
   * @param callback the callback that returned it, e.g. {@code handleCall}
   * @since 0.1
   */
  record BadReturnValue(String callback) {
    /** Validates the component. */
    public BadReturnValue {
      Objects.requireNonNull(callback, "callback");
    }

    @Override
    public String toString() {
      return "{bad_return_value, null from " + callback + "}";
    }
  }

  /**
   * Start options.
   *
   * @param name the name to register the server under before {@code init} runs: local, or via
   *     a {@link NameRegistry}; default none
   * @param initTimeout how long {@code start} waits for {@code init}; default forever. When it
   *     expires the server is killed and the start fails with {@code timeout} (CC-040)
   * @since 0.1
   */
  record Options(Optional<ProcessName> name, Optional<Duration> initTimeout) {
    /** No name, no init timeout. */
    public static final Options DEFAULTS = new Options(Optional.empty(), Optional.empty());

    /** Validates the components. */
    public Options {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(initTimeout, "initTimeout");
      initTimeout.ifPresent(ProcessRecord::timeoutNanos);
    }

    /**
     * {@return options that register the server under a local {@code name}}
     *
     * @param name the name
     */
    public static Options named(String name) {
      return DEFAULTS.withName(name);
    }

    /**
     * {@return options that register the server under {@code key} in {@code registry}}
     *
     * @param registry the registry, e.g. a unique {@code Registry}
     * @param key the key
     */
    public static Options via(NameRegistry registry, Object key) {
      return DEFAULTS.withName(ProcessName.via(registry, key));
    }

    /**
     * {@return these options with a local name}
     *
     * @param name the name
     */
    public Options withName(String name) {
      return withName(ProcessName.local(name));
    }

    /**
     * {@return these options with a name}
     *
     * @param name the name, local or via a registry
     */
    public Options withName(ProcessName name) {
      return new Options(Optional.of(Objects.requireNonNull(name, "name")), initTimeout);
    }

    /**
     * {@return these options with an init timeout}
     *
     * @param timeout how long to wait for {@code init}
     */
    public Options withInitTimeout(Duration timeout) {
      return new Options(name, Optional.of(Objects.requireNonNull(timeout, "timeout")));
    }
  }

  /**
   * What to do after a callback, besides handling the next message.
   *
   * @since 0.1
   */
  sealed interface Action {
    /** Nothing special: wait for the next message. */
    Action NONE = new None();

    /** Nothing special. */
    record None() implements Action {}

    /**
     * If no message arrives within {@code after}, call {@code handleInfo(Timeout.TIMEOUT)}. Any
     * message cancels it.
     *
     * @param after the idle time
     */
    record IdleTimeout(Duration after) implements Action {
      /** Validates the component. */
      public IdleTimeout {
        ProcessRecord.timeoutNanos(after);
      }
    }

    /**
     * Call {@code handleContinue(argument)} before reading any message.
     *
     * @param argument passed to handleContinue
     */
    record Continue(Object argument) implements Action {
      /** Validates the component. */
      public Continue {
        Objects.requireNonNull(argument, "argument");
      }
    }

    /** Hibernate: on the JVM, a hint with no effect (the state is kept as it is). */
    record Hibernate() implements Action {}
  }

  /**
   * What {@link #init} returns.
   *
   * @param <S> the state type
   * @since 0.1
   */
  sealed interface Init<S> {
    /**
     * {@return start with this state}
     *
     * @param state the first state
     * @param <S> the state type
     */
    static <S> Ok<S> ok(S state) {
      return new Ok<>(state, Action.NONE);
    }

    /**
     * {@return do not start: {@code start} returns {@link Start.Ignore}; the process exits
     * normal} (CC-036)
     *
     * @param <S> the state type
     */
    static <S> Init<S> ignore() {
      return new Ignore<>();
    }

    /**
     * {@return fail the start with {@code reason}, the process exiting with it} (CC-037)
     *
     * @param reason the reason
     * @param <S> the state type
     */
    static <S> Init<S> stop(ExitReason reason) {
      return new Stop<>(reason);
    }

    /**
     * {@return fail the start with {@code reason}, the process exiting {@code normal}}: nothing
     * is logged and a linked caller is not killed (OTP 26, CC-038)
     *
     * @param reason the reason start returns
     * @param <S> the state type
     */
    static <S> Init<S> error(ExitReason reason) {
      return new Error<>(reason);
    }

    /**
     * Start with a state.
     *
     * @param state the first state
     * @param action what to do first
     * @param <S> the state type
     */
    record Ok<S>(S state, Action action) implements Init<S> {
      /** Validates the components. */
      public Ok {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(action, "action");
      }

      /**
       * {@return the same, with an idle timeout}
       *
       * @param after the idle time
       */
      public Ok<S> withTimeout(Duration after) {
        return new Ok<>(state, new Action.IdleTimeout(after));
      }

      /**
       * {@return the same, continuing with {@code handleContinue(argument)}}
       *
       * @param argument for handleContinue
       */
      public Ok<S> withContinue(Object argument) {
        return new Ok<>(state, new Action.Continue(argument));
      }

      /** {@return the same, hibernating} */
      public Ok<S> withHibernate() {
        return new Ok<>(state, new Action.Hibernate());
      }
    }

    /**
     * Do not start.
     *
     * @param <S> the state type
     */
    record Ignore<S>() implements Init<S> {}

    /**
     * Fail, exiting with the reason.
     *
     * @param reason the reason
     * @param <S> the state type
     */
    record Stop<S>(ExitReason reason) implements Init<S> {
      /** Validates the component. */
      public Stop {
        Objects.requireNonNull(reason, "reason");
      }
    }

    /**
     * Fail, exiting normal.
     *
     * @param reason the reason start returns
     * @param <S> the state type
     */
    record Error<S>(ExitReason reason) implements Init<S> {
      /** Validates the component. */
      public Error {
        Objects.requireNonNull(reason, "reason");
      }
    }
  }

  /**
   * What {@code handleCall}, {@code handleCast}, {@code handleInfo} and {@code handleContinue}
   * return.
   *
   * @param <S> the state type
   * @since 0.1
   */
  sealed interface Result<S> {
    /**
     * {@return answer the call and continue with {@code state}}
     *
     * @param to where the answer goes: the request's {@link ReplyTo}
     * @param value the answer
     * @param state the new state
     * @param <S> the state type
     * @param <R> the answer type
     */
    static <S, R> Reply<S> reply(ReplyTo<R> to, R value, S state) {
      return new Reply<>(new Response<>(to, value), state, Action.NONE);
    }

    /**
     * {@return continue with {@code state}}; a call handled this way is answered later through
     * its kept {@link ReplyTo}
     *
     * @param state the new state
     * @param <S> the state type
     */
    static <S> NoReply<S> noreply(S state) {
      return new NoReply<>(state, Action.NONE);
    }

    /**
     * {@return stop: run {@code terminate(reason, state)}, then exit with {@code reason}}
     *
     * @param reason the reason
     * @param state the state for terminate
     * @param <S> the state type
     */
    static <S> Stop<S> stop(ExitReason reason, S state) {
      return new Stop<>(reason, Optional.empty(), state);
    }

    /**
     * {@return stop after answering: run {@code terminate(reason, state)}, then send the answer,
     * then exit with {@code reason}} (CC-051)
     *
     * @param reason the reason
     * @param to where the answer goes
     * @param value the answer
     * @param state the state for terminate
     * @param <S> the state type
     * @param <R> the answer type
     */
    static <S, R> Stop<S> stop(ExitReason reason, ReplyTo<R> to, R value, S state) {
      return new Stop<>(reason, Optional.of(new Response<>(to, value)), state);
    }

    /**
     * Answer, then continue.
     *
     * @param response the answer
     * @param state the new state
     * @param action what to do next
     * @param <S> the state type
     */
    record Reply<S>(Response<?> response, S state, Action action) implements Result<S> {
      /** Validates the components. */
      public Reply {
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(action, "action");
      }

      /**
       * {@return the same, with an idle timeout}
       *
       * @param after the idle time
       */
      public Reply<S> withTimeout(Duration after) {
        return new Reply<>(response, state, new Action.IdleTimeout(after));
      }

      /**
       * {@return the same, continuing with {@code handleContinue(argument)}}
       *
       * @param argument for handleContinue
       */
      public Reply<S> withContinue(Object argument) {
        return new Reply<>(response, state, new Action.Continue(argument));
      }

      /** {@return the same, hibernating} */
      public Reply<S> withHibernate() {
        return new Reply<>(response, state, new Action.Hibernate());
      }
    }

    /**
     * Continue without answering.
     *
     * @param state the new state
     * @param action what to do next
     * @param <S> the state type
     */
    record NoReply<S>(S state, Action action) implements Result<S> {
      /** Validates the components. */
      public NoReply {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(action, "action");
      }

      /**
       * {@return the same, with an idle timeout}
       *
       * @param after the idle time
       */
      public NoReply<S> withTimeout(Duration after) {
        return new NoReply<>(state, new Action.IdleTimeout(after));
      }

      /**
       * {@return the same, continuing with {@code handleContinue(argument)}}
       *
       * @param argument for handleContinue
       */
      public NoReply<S> withContinue(Object argument) {
        return new NoReply<>(state, new Action.Continue(argument));
      }

      /** {@return the same, hibernating} */
      public NoReply<S> withHibernate() {
        return new NoReply<>(state, new Action.Hibernate());
      }
    }

    /**
     * Stop.
     *
     * @param reason the reason
     * @param response an answer to send after terminate, if any
     * @param state the state for terminate
     * @param <S> the state type
     */
    record Stop<S>(ExitReason reason, Optional<Response<?>> response, S state)
        implements Result<S> {
      /** Validates the components. */
      public Stop {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(state, "state");
      }
    }
  }

  /**
   * An answer bound to where it goes.
   *
   * @param to where it goes
   * @param value the answer
   * @param <R> the answer type
   * @since 0.1
   */
  record Response<R>(ReplyTo<R> to, R value) {
    /** Validates the components. */
    public Response {
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(value, "value");
    }

    void send() {
      to.reply(value);
    }
  }

  /**
   * The outcome of starting a server.
   *
   * @param <M> the request type
   * @since 0.1
   */
  sealed interface Start<M> {
    /**
     * {@return the server's handle}
     *
     * @throws IllegalStateException naming the outcome, if the server did not start
     */
    default ServerRef<M> orElseThrow() {
      if (this instanceof Ok<M> ok) {
        return ok.server();
      }
      throw new IllegalStateException("the server did not start: " + this);
    }

    /**
     * Started.
     *
     * @param server its handle
     * @param <M> the request type
     */
    record Ok<M>(ServerRef<M> server) implements Start<M> {}

    /**
     * {@code init} returned ignore.
     *
     * @param <M> the request type
     */
    record Ignore<M>() implements Start<M> {}

    /**
     * The name is taken: Erlang's {@code {error, {already_started, Pid}}}.
     *
     * @param server the server that has the name
     * @param <M> the request type
     */
    record AlreadyStarted<M>(ServerRef<M> server) implements Start<M> {}

    /**
     * The start failed.
     *
     * @param reason why: the init's stop or error reason, its crash, or {@code timeout}
     * @param <M> the request type
     */
    record Error<M>(ExitReason reason) implements Start<M> {}
  }
}
