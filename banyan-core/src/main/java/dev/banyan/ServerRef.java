package dev.banyan;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The client's handle on a {@link GenServer}: call it, cast to it, stop it. It names the server
 * either by pid or by registered name (looked up again on every use, as Erlang does).
 *
 * {@snippet :
 * sealed interface CounterMsg {}
 * record Inc(int by) implements CounterMsg {}
 * record Get(ReplyTo<Integer> replyTo) implements CounterMsg {}
 *
 * ServerRef<CounterMsg> counter = GenServer.start(node, new Counter()).orElseThrow();
 * counter.cast(new Inc(2));
 * int value = counter.call(Get::new);   // 2
 * counter.stop();
 * }
 *
 * <h2>Calls</h2>
 * {@link #call(Function, Duration)} sends the request built by the factory (which receives the
 * {@link ReplyTo} of this call) and waits for the answer. The caller monitors the server for the
 * duration of the call, so it learns at once if the server dies; the answer goes to a channel of
 * its own, never through the caller's mailbox, so a call does not scan the mailbox and a late
 * answer (after a timeout) is dropped. A failed call throws {@link CallException} with {@link
 * CallException#TIMEOUT} (the server keeps running), {@link ExitReason#NOPROC} (no such server),
 * {@link CallException#CALLING_SELF}, or the reason the server died with before answering; an
 * answer sent just before dying is still returned (CC-052). The default timeout is 5 seconds.
 * A call that fails before it sends anything — the server is not running, or is the caller —
 * never runs the request factory; in place of the request, its {@link CallException} names the
 * server and the cause: {@code {noproc, {GenServer.call, [KV.Registry, <request not sent:
 * KV.Registry is not running>, PT5S]}}}.
 *
 * <h2>Thread safety</h2>
 * Immutable and thread-safe: any thread may call, cast and stop, whether it is a process or not.
 *
 * <h2>Memory consistency effects</h2>
 * Actions before {@code call} or {@code cast} happen-before the server handles the request; the
 * server's actions before it replies happen-before {@code call} returns.
 *
 * @param <M> the type of the server's requests
 * @since 0.1
 */
public final class ServerRef<M> {
  /** The default timeout of {@link #call(Function)}: 5 seconds, as in Erlang and Elixir. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  private final Pid<?> pid; // null when named
  private final Node node; // for a local name; null otherwise
  private final ProcessName name; // null when by pid

  private ServerRef(Pid<?> pid, Node node, ProcessName name) {
    this.pid = pid;
    this.node = node;
    this.name = name;
  }

  /**
   * {@return a handle on the server with this pid}. The message type is not checked (a pid does
   * not carry it): pass the pid of a server of {@code M}.
   *
   * @param pid the server's pid
   * @param <M> the type of the server's requests
   */
  public static <M> ServerRef<M> of(Pid<?> pid) {
    return new ServerRef<>(Objects.requireNonNull(pid, "pid"), null, null);
  }

  /**
   * {@return a handle on the server registered under {@code name} on {@code node}}, looked up on
   * every use.
   *
   * @param node the node
   * @param name the registered name
   * @param <M> the type of the server's requests
   */
  public static <M> ServerRef<M> named(Node node, String name) {
    return new ServerRef<>(null, Objects.requireNonNull(node, "node"), ProcessName.local(name));
  }

  /**
   * {@return a handle on the server registered under {@code key} in {@code registry}}, looked up
   * on every use (Elixir's {@code {:via, Registry, {registry, key}}}). A call when nobody has the
   * key fails with {@code noproc}; a cast is dropped.
   *
   * @param registry the registry
   * @param key the key
   * @param <M> the type of the server's requests
   */
  public static <M> ServerRef<M> via(NameRegistry registry, Object key) {
    return new ServerRef<>(null, null, ProcessName.via(registry, key));
  }

  /** {@return the pid this handle was made with}, or null for a named handle (no lookup) */
  Pid<?> pidOrNull() {
    return pid;
  }

  /** {@return the server's pid}, or empty if it is named and nobody has the name now */
  public Optional<Pid<?>> whereis() {
    ProcessRecord<?> p = resolve();
    return p == null ? Optional.empty() : Optional.of(p.pid);
  }

  /**
   * Calls the server with the default timeout of 5 seconds.
   *
   * @param request builds the request from the {@link ReplyTo} of this call, e.g. {@code Get::new}
   * @param <R> the type of the answer
   * @return the answer
   * @throws CallException if the call fails (see the class description)
   */
  public <R> R call(Function<ReplyTo<R>, ? extends M> request) {
    return call(request, DEFAULT_TIMEOUT);
  }

  /**
   * Calls the server: Erlang's {@code gen_server:call/3}.
   *
   * @param request builds the request from the {@link ReplyTo} of this call, e.g. {@code Get::new}
   * @param timeout how long to wait for the answer; a duration too long to count in nanoseconds
   *     waits forever
   * @param <R> the type of the answer
   * @return the answer
   * @throws CallException if the call fails (see the class description)
   * @throws IllegalArgumentException if the timeout is negative
   */
  @SuppressWarnings("unchecked")
  public <R> R call(Function<ReplyTo<R>, ? extends M> request, Duration timeout) {
    Objects.requireNonNull(request, "request");
    long nanos = ProcessRecord.timeoutNanos(timeout);
    ProcessRecord<?> caller = ProcessRecord.currentAlive();
    ProcessRecord<?> server = resolve();
    if (server == null) {
      throw failed(ExitReason.NOPROC, "GenServer.call", notSent("is not running"), timeout);
    }
    if (server == caller) {
      throw failed(
          CallException.CALLING_SELF, "GenServer.call", notSent("is the calling process"), timeout);
    }
    CallSlot slot = new CallSlot(Thread.currentThread());
    Monitor m = new Monitor(server.node.newRef(), caller, server, server.pid, slot);
    ReplyTo<R> replyTo = new ReplyTo<>(slot, m, caller == null ? server.node.outsidePid() : caller.pid);
    M req = Objects.requireNonNull(request.apply(replyTo), "the request factory returned null");
    Object outcome = request(server, new GenServerProcess.Call(req, replyTo), m, caller, nanos);
    if (outcome == null) {
      throw failed(ExitReason.NOPROC, "GenServer.call", req, timeout);
    }
    if (outcome == TIMED_OUT) {
      throw failed(CallException.TIMEOUT, "GenServer.call", req, timeout);
    }
    if (outcome instanceof CallSlot.SlotDown down) {
      throw failed(down.reason(), "GenServer.call", req, timeout);
    }
    return (R) outcome;
  }

  private static final Object TIMED_OUT = new Object();

  /**
   * {@return the request argument of a call that failed before its request was built} (the request
   * needs the call's {@link ReplyTo}, so there is none to show): which server and why, for example
   * {@code <request not sent: KV.Registry is not running>}
   */
  private String notSent(String why) {
    return "<request not sent: " + this + " " + why + ">";
  }

  /**
   * Delivers a request envelope with the monitor of its slot and waits for the outcome: the
   * answer or a SlotDown; {@link #TIMED_OUT}; or null if the server was already dead. However
   * the wait ends — also by the caller's death or a host's interrupt — a pending request is
   * abandoned and its monitor removed from the server.
   */
  private static Object request(
      ProcessRecord<?> server, Object envelope, Monitor m, ProcessRecord<?> caller, long nanos) {
    if (!server.deliverRequest(envelope, m, caller)) {
      return null;
    }
    Object outcome = null;
    try {
      outcome = m.slot.await(nanos, caller);
    } finally {
      if (outcome == null) {
        outcome = m.slot.abandon(); // a late outcome may have won the race
        if (outcome == null) {
          m.target.forgetMonitor(m.ref);
        }
      }
    }
    return outcome == null ? TIMED_OUT : outcome;
  }

  /**
   * Sends a request that wants no answer: Erlang's {@code gen_server:cast/2}. It never fails: if
   * the server does not exist, the request is dropped (CC-054).
   *
   * @param request the request
   */
  public void cast(M request) {
    Objects.requireNonNull(request, "request");
    ProcessRecord<?> caller = ProcessRecord.currentAlive();
    ProcessRecord<?> server = resolve();
    if (server != null) {
      server.deliver(new GenServerProcess.Cast(request), caller);
    }
  }

  /**
   * Stops the server with reason {@code normal}, waiting as long as it takes.
   *
   * @throws CallException if there is no such server, or it exited with another reason
   */
  public void stop() {
    stop(ExitReason.NORMAL, Duration.ofNanos(Long.MAX_VALUE));
  }

  /**
   * Stops the server with {@code reason}, waiting as long as it takes.
   *
   * @param reason the reason the server is to exit with
   * @throws CallException if there is no such server, or it exited with another reason
   */
  public void stop(ExitReason reason) {
    stop(reason, Duration.ofNanos(Long.MAX_VALUE));
  }

  /**
   * Stops the server: Erlang's {@code gen_server:stop/3}. The server runs {@link
   * GenServer#terminate} — whether or not it traps exits — and exits with {@code reason}; this
   * returns once it is dead (CC-065, CC-067).
   *
   * @param reason the reason the server is to exit with
   * @param timeout how long to wait for it to end
   * @throws CallException with {@link ExitReason#NOPROC} if there is no such server, {@link
   *     CallException#TIMEOUT} if it did not end in time (it may still be running), {@link
   *     CallException#CALLING_SELF} if a server stops itself, or the reason it exited with if that
   *     is not {@code reason}
   */
  public void stop(ExitReason reason, Duration timeout) {
    Objects.requireNonNull(reason, "reason");
    long nanos = ProcessRecord.timeoutNanos(timeout);
    ProcessRecord<?> caller = ProcessRecord.currentAlive();
    ProcessRecord<?> server = resolve();
    if (server == null) {
      throw failed(ExitReason.NOPROC, "GenServer.stop", reason, timeout);
    }
    if (server == caller) {
      throw failed(CallException.CALLING_SELF, "GenServer.stop", reason, timeout);
    }
    CallSlot slot = new CallSlot(Thread.currentThread());
    Monitor m = new Monitor(server.node.newRef(), caller, server, server.pid, slot);
    Object outcome = request(server, new GenServerProcess.Stop(reason), m, caller, nanos);
    if (outcome == null) {
      throw failed(ExitReason.NOPROC, "GenServer.stop", reason, timeout);
    }
    if (outcome == TIMED_OUT) {
      throw failed(CallException.TIMEOUT, "GenServer.stop", reason, timeout);
    }
    ExitReason actual = ((CallSlot.SlotDown) outcome).reason();
    if (!actual.equals(reason)) {
      throw failed(actual, "GenServer.stop", reason, timeout);
    }
  }

  private CallException failed(ExitReason failure, String function, Object arg, Duration timeout) {
    return new CallException(failure, function, List.of(this, arg, timeout));
  }

  /** {@return the live server process, or null} */
  private ProcessRecord<?> resolve() {
    Pid<?> target =
        switch (name) {
          case null -> pid;
          case ProcessName.Local l -> node.whereis(l.name()).orElse(null);
          case ProcessName.Via v -> v.registry().whereisName(v.key()).orElse(null);
        };
    ProcessRecord<?> p = target == null ? null : target.record;
    return p != null && p.isAliveNow() ? p : null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServerRef<?> r
        && Objects.equals(r.pid, pid)
        && Objects.equals(r.name, name)
        && r.node == node;
  }


  @Override
  public int hashCode() {
    return Objects.hash(pid, name);
  }

  /** {@return the pid, or the name} */
  @Override
  public String toString() {
    return pid != null ? pid.toString() : name.toString();
  }
}
