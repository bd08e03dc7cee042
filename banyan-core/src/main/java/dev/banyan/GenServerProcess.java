package dev.banyan;

import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop of a {@link GenServer}: the body of its process, and the start protocol.
 *
 * <pre>
 * Implementation overview
 *
 * start: the starter creates the server's process, wires a request-style monitor (whose Down
 * completes a CallSlot) and, for startLink, the link, then starts it and waits on the slot. The
 * server registers its name, runs init and, on success, completes the slot with STARTED. On any
 * failure it leaves the kind of failure in 'initFailure' and exits; its Down completes the slot
 * only after its name is released and its link signal applied, so start returns after the
 * process is dead and its name free (OTP 26). A trapping starter's Exit from the link is then
 * flushed; a non-trapping starter killed through the link finds itself dead and unwinds.
 *
 * The loop: a pending continue runs first; otherwise one message is received (with the idle
 * timeout, if any) and dispatched: Call -> handleCall, Cast -> handleCast, Stop -> terminate and
 * exit, an Exit from the parent while trapping -> terminate and exit, anything else ->
 * handleInfo. Callback exceptions and null results crash the server with terminate run on the
 * last good state.
 * </pre>
 */
final class GenServerProcess<S, M> implements ProcessBody<Object> {
  private static final Logger LOG = LoggerFactory.getLogger("dev.banyan.GenServer");
  private static final Object STARTED = new Object();

  /** A request sent by {@link ServerRef#call}. */
  record Call(Object request, ReplyTo<?> from) {
    @Override
    public String toString() {
      return "{'$gen_call', " + from.caller() + ", " + request + "}";
    }
  }

  /** A request sent by {@link ServerRef#cast}. */
  record Cast(Object request) {
    @Override
    public String toString() {
      return "{'$gen_cast', " + request + "}";
    }
  }

  /** The stop request of {@link ServerRef#stop}. */
  record Stop(ExitReason reason) {
    @Override
    public String toString() {
      return "{system, stop, " + reason + "}";
    }
  }


  /** Why init did not start the server, other than by exiting with a reason. */
  private sealed interface InitFailure {}

  private record Ignored() implements InitFailure {}

  private record Failed(ExitReason reason) implements InitFailure {}

  private record NameTaken(Pid<?> holder) implements InitFailure {}

  private final GenServer<S, M> impl;
  private final Optional<ProcessName> name;
  private final Pid<?> parent; // null when started by a thread that is not a process
  private final CallSlot started;
  private volatile InitFailure initFailure; // written by the server before it exits

  private GenServerProcess(
      GenServer<S, M> impl, Optional<ProcessName> name, Pid<?> parent, CallSlot started) {
    this.impl = impl;
    this.name = name;
    this.parent = parent;
    this.started = started;
  }

  // ------------------------------------------------------------------------------------------
  // Start, on the starter's thread

  static <S, M> GenServer.Start<M> start(
      Node node, ProcessRecord<?> linkTo, GenServer<S, M> impl, GenServer.Options options) {
    java.util.Objects.requireNonNull(impl, "server");
    java.util.Objects.requireNonNull(options, "options");
    ProcessRecord<?> caller = ProcessRecord.currentAlive();
    if (options.name().isPresent()) {
      Optional<Pid<?>> holder = whereis(node, options.name().get());
      if (holder.isPresent()) {
        return new GenServer.Start.AlreadyStarted<>(ServerRef.of(holder.get()));
      }
    }
    CallSlot slot = new CallSlot(Thread.currentThread());
    GenServerProcess<S, M> body =
        new GenServerProcess<>(impl, options.name(), caller == null ? null : caller.pid, slot);
    ProcessRecord<Object> child = node.newProcess(body);
    Monitor m = new Monitor(node.newRef(), caller, child, child.pid, slot);
    node.startWired(child, linkTo, m);

    Optional<Duration> initTimeout = options.initTimeout();
    long timeout = initTimeout.isPresent() ? ProcessRecord.timeoutNanos(initTimeout.get()) : -1L;
    Object outcome = slot.await(timeout, caller);
    if (outcome == null) {
      outcome = slot.abandon();
    }
    if (outcome == null) {
      // init took too long: unlink first, so that the kill does not reach the starter (CC-040)
      if (linkTo != null) {
        linkTo.unlink(child.pid);
      }
      child.kill(ExitReason.KILLED);
      flushExit(linkTo, child.pid);
      return new GenServer.Start.Error<>(CallException.TIMEOUT);
    }
    if (outcome == STARTED) {
      child.forgetMonitor(m.ref);
      return new GenServer.Start.Ok<>(ServerRef.of(child.pid));
    }
    ExitReason reason = ((CallSlot.SlotDown) outcome).reason();
    if (caller != null) {
      caller.checkAlive(); // a non-trapping starter killed through the link (CC-042)
    }
    flushExit(linkTo, child.pid);
    return switch (body.initFailure) {
      case null -> new GenServer.Start.Error<>(reason);
      case Ignored i -> new GenServer.Start.Ignore<>();
      case Failed f -> new GenServer.Start.Error<>(f.reason());
      case NameTaken t -> new GenServer.Start.AlreadyStarted<>(ServerRef.of(t.holder()));
    };
  }

  /** Removes the Exit of a failed start from a trapping starter's mailbox (CC-036, CC-041). */
  private static void flushExit(ProcessRecord<?> starter, Pid<?> child) {
    if (starter != null) {
      starter.unlink(child);
      starter.receive(Exit.class, e -> e.from().equals(child), Duration.ZERO);
    }
  }

  // ------------------------------------------------------------------------------------------
  // The server's process

  @Override
  public void run(ProcessContext<Object> ctx) throws Exception {
    ProcessRecord<Object> self = (ProcessRecord<Object>) ctx;
    self.label = Introspection.labelOf(impl, parent);
    try {
      serve(self, ctx);
    } finally {
      self.label = null;
    }
  }

  private void serve(ProcessRecord<Object> self, ProcessContext<Object> ctx) throws Exception {
    if (name.isPresent() && !register(self, name.get())) {
      Optional<Pid<?>> holder = whereis(self.node, name.get());
      initFailure =
          holder.isPresent()
              ? new NameTaken(holder.get())
              : new Failed(ExitReason.of("could not register as " + name.get()));
      return; // exit normal, before init (CC-035)
    }
    GenServer.Init<S> init;
    try {
      init = impl.init(ctx);
    } catch (Exception | Error e) {
      unregisterVia(); // the start fails: free a via name at once, as gen.erl does
      throw e;
    }
    switch (init) {
      case GenServer.Init.Ok<S> ok -> {
        started.complete(STARTED);
        loop(self, ok.state(), ok.action());
        return;
      }
      case null -> {}
      default -> unregisterVia();
    }
    switch (init) {
      case null -> throw new ExitException(ExitReason.of(new GenServer.BadReturnValue("init")));
      case GenServer.Init.Ignore<S> i -> initFailure = new Ignored();
      case GenServer.Init.Error<S> e -> initFailure = new Failed(e.reason());
      case GenServer.Init.Stop<S> s -> throw new ExitException(s.reason());
      case GenServer.Init.Ok<S> ok -> throw new AssertionError(ok);
    }
  }

  /**
   * Unregisters a via name before a failed start returns: a registry forgets a dead process only
   * when its exit signal is handled, and the starter must find the name free (CC-036, CC-037). A
   * local name is freed by the death itself.
   */
  private void unregisterVia() {
    if (name.isPresent() && name.get() instanceof ProcessName.Via v) {
      v.registry().unregisterName(v.key());
    }
  }

  /** Registers the server under its name; false if the name is taken. */
  private static boolean register(ProcessRecord<?> self, ProcessName name) {
    return switch (name) {
      case ProcessName.Local l -> {
        try {
          self.node.register(l.name(), self.pid);
          yield true;
        } catch (BadArgException taken) {
          yield false;
        }
      }
      case ProcessName.Via v -> v.registry().registerName(v.key(), self.pid);
    };
  }

  /** {@return the live process that has {@code name}} */
  static Optional<Pid<?>> whereis(Node node, ProcessName name) {
    return switch (name) {
      case ProcessName.Local l -> node.whereis(l.name());
      case ProcessName.Via v -> v.registry().whereisName(v.key()).filter(Pid::isAlive);
    };
  }

  @SuppressWarnings("unchecked")
  private void loop(ProcessRecord<Object> self, S state, GenServer.Action action) {
    for (; ; ) {
      Object message;
      ReplyTo<?> client = null; // the caller, while a call is handled
      GenServer.Result<S> result;
      if (action instanceof GenServer.Action.Continue c) {
        message = c;
        result = invoke(self, Callback.CONTINUE, c.argument(), state, message, null);
      } else {
        message =
            action instanceof GenServer.Action.IdleTimeout t
                ? self.receive(t.after()).orElse(GenServer.Timeout.TIMEOUT)
                : self.receive();
        switch (message) {
          case Call call when call.request() instanceof Introspection.Query q -> {
            q.replyTo().reply(describe(state, q)); // sys:get_state: no callback, no state change
            continue;
          }
          case Call call -> {
            client = call.from();
            result = invoke(self, Callback.CALL, call.request(), state, message, client);
          }
          case Cast cast -> result = invoke(self, Callback.CAST, cast.request(), state, message, null);
          case Stop stop -> throw exit(self, stop.reason(), state, message, null);
          case Exit exit when exit.from().equals(parent) && self.trapsExits() ->
              throw exit(self, exit.reason(), state, message, null);
          default -> result = invoke(self, Callback.INFO, message, state, message, null);
        }
      }
      switch (result) {
        case GenServer.Result.Reply<S> r -> {
          r.response().send();
          state = r.state();
          action = r.action();
        }
        case GenServer.Result.NoReply<S> n -> {
          state = n.state();
          action = n.action();
        }
        case GenServer.Result.Stop<S> s -> {
          ExitException e = exit(self, s.reason(), s.state(), message, client);
          s.response().ifPresent(GenServer.Response::send); // after terminate (CC-051)
          throw e;
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private Object describe(S state, Introspection.Query q) {
    return impl instanceof Introspection.Described<?> d
        ? ((Introspection.Described<S>) d).describe(state, q)
        : BoundedText.of(state, q.limit());
  }

  private enum Callback {
    CALL("handleCall"),
    CAST("handleCast"),
    INFO("handleInfo"),
    CONTINUE("handleContinue");

    final String method;

    Callback(String method) {
      this.method = method;
    }
  }

  /** Runs a callback; a throw or a null result crashes the server (terminate runs first). */
  @SuppressWarnings("unchecked")
  private GenServer.Result<S> invoke(
      ProcessRecord<?> self,
      Callback callback,
      Object argument,
      S state,
      Object message,
      ReplyTo<?> client) {
    ExitReason crash;
    try {
      GenServer.Result<S> r =
          switch (callback) {
            case CALL -> impl.handleCall((M) argument, state);
            case CAST -> impl.handleCast((M) argument, state);
            case INFO -> impl.handleInfo(argument, state);
            case CONTINUE -> impl.handleContinue(argument, state);
          };
      if (r != null) {
        return r;
      }
      crash = ExitReason.of(new GenServer.BadReturnValue(callback.method));
    } catch (ProcessExitedException dead) {
      throw dead;
    } catch (ExitException e) {
      crash = e.reason();
    } catch (Throwable t) {
      crash = new ExitReason.Crashed(t);
    }
    throw exit(self, crash, state, message, client);
  }

  /**
   * Runs terminate and returns the exception that ends the process with the final reason: the
   * given one, or terminate's own crash. Logs the server's error report for abnormal reasons.
   */
  private ExitException exit(
      ProcessRecord<?> self, ExitReason reason, S state, Object lastMessage, ReplyTo<?> client) {
    // A server killed while a callback ran (its exception may just be the interrupt) is dead
    // already: terminate is not run after a kill or an untrapped exit signal (§4.8).
    self.checkAlive();
    ExitReason finalReason = reason;
    try {
      impl.terminate(reason, state);
    } catch (ProcessExitedException dead) {
      throw dead;
    } catch (ExitException e) {
      finalReason = e.reason();
    } catch (Throwable t) {
      finalReason = new ExitReason.Crashed(t);
    }
    if (finalReason.isAbnormal()) {
      logTermination(self, finalReason, state, lastMessage, client);
    }
    return new ExitException(finalReason);
  }

  private void logTermination(
      ProcessRecord<?> self, ExitReason reason, S state, Object lastMessage, ReplyTo<?> client) {
    var event =
        LOG.atError()
            .addKeyValue("pid", self.pid)
            .addKeyValue("name", name.map(Object::toString).orElse("[]"))
            .addKeyValue("last_message", lastMessage)
            .addKeyValue("state", state)
            .addKeyValue("reason", reason);
    if (client != null) {
      event = event.addKeyValue("client", client.caller());
    }
    if (reason instanceof ExitReason.Crashed c) {
      event = event.setCause(c.cause());
    }
    event.log(
        "GenServer {} terminating\n** Last message in was {}\n** When server state == {}\n** Reason for termination == {}{}",
        name.map(n -> n + " " + self.pid).orElse(self.pid.toString()),
        lastMessage,
        state,
        reason,
        client == null ? "" : "\n** Client " + client.caller() + " is waiting for a reply");
  }
}
