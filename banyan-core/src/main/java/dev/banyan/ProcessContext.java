package dev.banyan;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * What a running process can do with itself: its pid, its mailbox, links, monitors, exit signals
 * and the processes it starts. Erlang's BIFs that act on {@code self()} are the methods of this
 * interface.
 *
 * <p>A context is handed to the {@link ProcessBody} of each process, or obtained for the calling
 * thread with {@link Node#attach()}.
 *
 * {@snippet :
 * Pid<Object> parent = node.spawn(ctx -> {
 *   ctx.trapExit(true);
 *   Pid<String> child = ctx.spawnLink(c -> {
 *     String order = c.receive(String.class);
 *     throw new IllegalStateException("cannot handle " + order);
 *   });
 *   child.send("work");
 *   Exit exit = ctx.receive(Exit.class);
 *   System.out.println(exit.from() + " died: " + exit.reason());
 * });
 * }
 *
 * <h2>Receiving</h2>
 * {@code receive} is Erlang's selective receive: it takes the oldest message that matches (by
 * type, and by predicate when one is given) and leaves the others in the mailbox, in order
 * (CC-005). The timeout is counted from the moment {@code receive} is entered and is not reset by
 * messages that do not match (CC-007). {@link Duration#ZERO} looks only at what is already in the
 * mailbox and never blocks (Erlang's {@code after 0}). A negative timeout is refused with {@link
 * IllegalArgumentException}. Predicates run on the process's own thread, without any runtime lock
 * held; they should be quick and free of side effects.
 *
 * <p>A process's own thread ignores interrupts in {@code receive} (its death wakes it directly).
 * A thread attached with {@link Node#attach()} is not Banyan's: when its host interrupts it (a
 * test timeout, an executor shutting down) while it waits in {@code receive}, the receive throws
 * {@link java.util.concurrent.CancellationException}, takes no message, and leaves the
 * interrupt status set.
 *
 * <h2>Thread safety</h2>
 * Process-confined: every method must be called from the process's own thread, and throws {@link
 * WrongThreadException} otherwise. Every method throws {@link ProcessExitedException} when the
 * process has already died (killed by a signal while its code was still running). Passing null
 * throws {@link NullPointerException}.
 *
 * <h2>The process's thread</h2>
 * A spawned process runs on a virtual thread of its own, named after its pid. Banyan keeps its
 * record of the process in that thread's uncaught-exception handler (no thread-local, which
 * would cost 136 bytes a process); the handler is never called, since every throwable of the
 * body becomes the process's exit reason. Do not replace it: code that does (a library
 * installing its crash handler on the current thread) makes {@link Pid#send}, {@link
 * ServerRef#call} and {@link Node#spawn} take the thread for one that is not a process, until the
 * process's next call on this context, which puts Banyan's handler back.
 *
 * <h2>Memory consistency effects</h2>
 * Actions of a sender before it sends a message happen-before the actions of this process after
 * it receives that message.
 *
 * @param <M> the type of messages this process accepts
 * @since 0.1
 */
public sealed interface ProcessContext<M> permits ProcessRecord, AttachedProcess {

  /** {@return this process's pid} */
  Pid<M> self();

  /** {@return the node this process runs on} */
  Node node();

  // ---- receive ----

  /**
   * Waits for the next message, whatever its type.
   *
   * @return the oldest message in the mailbox
   */
  Object receive();

  /**
   * Waits up to {@code timeout} for the next message, whatever its type.
   *
   * @param timeout how long to wait; {@link Duration#ZERO} does not wait
   * @return the oldest message, or empty on timeout
   */
  Optional<Object> receive(Duration timeout);

  /**
   * Waits for the oldest message of the given type; messages of other types stay in the mailbox.
   *
   * @param type the class of message wanted
   * @param <T> the type wanted
   * @return the message
   */
  <T> T receive(Class<T> type);

  /**
   * Waits up to {@code timeout} for the oldest message of the given type.
   *
   * @param type the class of message wanted
   * @param timeout how long to wait; {@link Duration#ZERO} does not wait
   * @param <T> the type wanted
   * @return the message, or empty on timeout
   */
  <T> Optional<T> receive(Class<T> type, Duration timeout);

  /**
   * Waits for the oldest message of the given type that satisfies {@code filter}.
   *
   * @param type the class of message wanted
   * @param filter which messages of that type match
   * @param <T> the type wanted
   * @return the message
   */
  <T> T receive(Class<T> type, Predicate<? super T> filter);

  /**
   * Waits up to {@code timeout} for the oldest message of the given type that satisfies {@code
   * filter}.
   *
   * @param type the class of message wanted
   * @param filter which messages of that type match
   * @param timeout how long to wait; {@link Duration#ZERO} does not wait
   * @param <T> the type wanted
   * @return the message, or empty on timeout
   */
  <T> Optional<T> receive(Class<T> type, Predicate<? super T> filter, Duration timeout);

  // ---- send ----

  /**
   * Sends a message to a process: the same as {@link Pid#send(Object)}.
   *
   * @param to the receiver
   * @param message the message
   * @param <T> the receiver's message type
   */
  <T> void send(Pid<T> to, T message);

  /**
   * Sends a message to the process registered under {@code name}.
   *
   * @param name the registered name
   * @param message the message
   * @throws BadArgException if no process is registered under the name (CC-008)
   */
  void send(String name, Object message);

  // ---- spawn ----

  /**
   * Starts a new process on this node.
   *
   * @param body what it runs
   * @param <C> the child's message type
   * @return its pid
   */
  <C> Pid<C> spawn(ProcessBody<C> body);

  /**
   * Starts a new process linked to this one. The link exists before the child runs a single
   * instruction (CC-001).
   *
   * @param body what it runs
   * @param <C> the child's message type
   * @return its pid
   */
  <C> Pid<C> spawnLink(ProcessBody<C> body);

  /**
   * Starts a new process monitored by this one. The monitor exists before the child runs (CC-002).
   *
   * @param body what it runs
   * @param <C> the child's message type
   * @return its pid and the monitor's reference
   */
  <C> Spawned<C> spawnMonitor(ProcessBody<C> body);

  // ---- links ----

  /**
   * Links this process to another: when either dies, the other gets an exit signal. Linking twice
   * or to oneself does nothing (CC-020).
   *
   * @param pid the process to link to
   * @throws NoProcException if the process does not exist and this process does not trap exits;
   *     a trapping process gets an {@link Exit} message with {@code noproc} instead (CC-019)
   */
  void link(Pid<?> pid);

  /**
   * Removes the link to another process, if there is one. Once it returns the link has no more
   * effect on this process; an {@link Exit} message already queued stays (CC-021, CC-022).
   *
   * @param pid the process to unlink from
   */
  void unlink(Pid<?> pid);

  /**
   * Sets whether exit signals are turned into {@link Exit} messages: Erlang's {@code
   * process_flag(trap_exit, Flag)}. Off by default.
   *
   * @param trap the new value
   * @return the previous value
   */
  boolean trapExit(boolean trap);

  /** {@return whether this process traps exits} */
  boolean trapsExits();

  // ---- exit signals ----

  /**
   * Sends an exit signal to a process: Erlang's {@code exit(Pid, Reason)}. What it does depends on
   * the reason and on whether the target traps exits (otp-semantics §2.3): {@link ExitReason#KILL}
   * always kills (reason {@code killed}); {@code normal} is ignored by others unless they trap,
   * but ends this process itself when sent to itself; any other reason kills a non-trapping
   * target or becomes an {@link Exit} message for a trapping one.
   *
   * @param pid the target
   * @param reason the reason
   * @throws ProcessExitedException if this call made this very process exit
   */
  void exit(Pid<?> pid, ExitReason reason);

  /**
   * Ends this process with a reason: Erlang's {@code exit(Reason)}. It throws {@link
   * ExitException}; if nothing catches it the process terminates with the reason.
   *
   * @param reason the reason
   * @throws ExitException always
   */
  void exit(ExitReason reason);

  // ---- monitors ----

  /**
   * Starts monitoring a process. When it ends, this process receives a {@link Down} message; if
   * it is not alive, the {@code Down} with {@code noproc} arrives at once (CC-026). Each call
   * creates a new monitor (CC-029).
   *
   * @param pid the process to monitor
   * @return the monitor's reference
   */
  MonitorRef monitor(Pid<?> pid);

  /**
   * Starts monitoring the process registered under {@code name} on this node. The name is looked
   * up once, now (CC-028); the {@link Down} names the target as a {@link RegisteredName}, and
   * comes at once with {@code noproc} if no process has the name (CC-027).
   *
   * @param name the registered name
   * @return the monitor's reference
   */
  MonitorRef monitor(String name);

  /**
   * Removes a monitor: after it returns, no {@link Down} for it is added to the mailbox; one that
   * is already there stays (CC-030). Removing an unknown or fired monitor does nothing.
   *
   * @param ref the monitor
   * @return {@code true} if the monitor was still active, {@code false} if it had already fired
   *     (Erlang's {@code [info]} option, CC-031)
   */
  boolean demonitor(MonitorRef ref);

  /**
   * Removes a monitor and also any {@link Down} message it already put in the mailbox (Erlang's
   * {@code demonitor(Ref, [flush])}).
   *
   * @param ref the monitor
   * @return {@code true} if the monitor was still active, {@code false} if it had already fired
   */
  boolean demonitorFlush(MonitorRef ref);

  // ---- aliases ----

  /**
   * Creates an alias of this process, active until {@link #unalias(Alias)}: Erlang's {@code
   * alias()}.
   *
   * @param <A> the type of messages accepted through the alias
   * @return the new alias
   */
  <A> Alias<A> alias();

  /**
   * Deactivates an alias of this process: messages sent to it from now on are dropped; messages
   * already queued stay (CC-032).
   *
   * @param alias an alias created by this process
   * @return {@code true} if the alias was active
   * @throws IllegalArgumentException if another process created the alias
   */
  boolean unalias(Alias<?> alias);

  /**
   * Monitors a process and creates an alias with the monitor's reference: Erlang's {@code
   * monitor(process, Pid, [{alias, Mode}])}. With {@link Alias.Mode#DEMONITOR} the alias stops
   * working when the monitor is removed or fires; with {@link Alias.Mode#REPLY_DEMONITOR}, also
   * when the first message through it arrives (the monitor is then removed too).
   *
   * @param pid the process to monitor
   * @param mode when the alias is deactivated
   * @param <A> the type of messages accepted through the alias
   * @return the monitor's reference and the alias
   */
  <A> AliasMonitor<A> aliasMonitor(Pid<?> pid, Alias.Mode mode);

  // ---- names ----

  /**
   * Registers this process under {@code name}: {@code node().register(name, self())}.
   *
   * @param name the name
   * @throws BadArgException if the name is taken or this process already has a name
   */
  void register(String name);
}
