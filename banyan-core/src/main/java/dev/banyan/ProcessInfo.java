package dev.banyan;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of a live process: Erlang's {@code process_info/1}. Returned by {@link
 * Node#processInfo(Pid)}; the observer and the testkit read it.
 *
 * {@snippet :
 * ProcessInfo info = node.processInfo(pid).orElseThrow();
 * System.out.println(info.pid() + " has " + info.mailboxLength() + " queued messages");
 * }
 *
 * <p>The fields are read one after another while the process keeps running, so they are an
 * estimate: use them for monitoring, not for synchronization.
 *
 * <h2>Thread safety</h2>
 * Immutable.
 *
 * @param pid the process
 * @param registeredName its registered name, if any
 * @param status what it is doing
 * @param mailboxLength how many messages are waiting in its mailbox
 * @param messagesReceived how many messages it has taken from its mailbox so far
 * @param links the processes it is linked to
 * @param monitors the processes it monitors
 * @param monitoredBy the processes that monitor it
 * @param trapExit whether it traps exits
 * @param stack the current stack of its thread, innermost frame first
 * @since 0.1
 */
public record ProcessInfo(
    Pid<?> pid,
    Optional<String> registeredName,
    Status status,
    int mailboxLength,
    long messagesReceived,
    List<Pid<?>> links,
    List<Pid<?>> monitors,
    List<Pid<?>> monitoredBy,
    boolean trapExit,
    List<StackTraceElement> stack) {

  /** Validates and copies the components. */
  public ProcessInfo {
    Objects.requireNonNull(pid, "pid");
    Objects.requireNonNull(registeredName, "registeredName");
    Objects.requireNonNull(status, "status");
    links = List.copyOf(links);
    monitors = List.copyOf(monitors);
    monitoredBy = List.copyOf(monitoredBy);
    stack = List.copyOf(stack);
  }

  /**
   * What a process is doing.
   *
   * @since 0.1
   */
  public enum Status {
    /** Running its code (or blocked outside the runtime, in I/O or a lock). */
    RUNNING,
    /** Waiting in {@code receive} for a message. */
    WAITING
  }
}
