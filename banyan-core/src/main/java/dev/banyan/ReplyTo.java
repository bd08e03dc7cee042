package dev.banyan;

import java.util.Objects;

/**
 * Where the answer to one request goes: Erlang's {@code From} of {@code handle_call}. A request
 * record that wants an answer carries one, and the compiler ties the type of the answer to the
 * request (house rule: the caller never chooses the reply type).
 *
 * {@snippet :
 * record Get(ReplyTo<Integer> replyTo) implements CounterMsg {}
 *
 * int value = counter.call(Get::new);            // the caller
 * return Result.reply(get.replyTo(), count, state);  // the server, in handleCall
 * }
 *
 * <p>A {@code ReplyTo} is created by {@link ServerRef#call} and is good for one answer: the first
 * {@link #reply(Object)} completes the call; later ones, and any reply after the caller gave up
 * (timed out), are dropped silently (CC-045, CC-053). Any process — or any thread — may reply,
 * so a server can keep the {@code ReplyTo} and answer later ("deferred reply").
 *
 * <h2>Thread safety</h2>
 * Thread-safe.
 *
 * <h2>Memory consistency effects</h2>
 * Actions of the replying thread before {@code reply} happen-before the caller's actions after
 * {@code call} returns the value.
 *
 * @param <R> the type of the answer
 * @since 0.1
 */
public final class ReplyTo<R> {
  private final CallSlot slot;
  private final Monitor monitor;
  private final Pid<?> caller;

  ReplyTo(CallSlot slot, Monitor monitor, Pid<?> caller) {
    this.slot = slot;
    this.monitor = monitor;
    this.caller = caller;
  }

  /**
   * Answers the request. Never fails: an answer nobody waits for any more is dropped.
   *
   * @param value the answer; not null
   */
  public void reply(R value) {
    Objects.requireNonNull(value, "value");
    if (slot.complete(value)) {
      monitor.target.forgetMonitor(monitor.ref);
    }
  }

  /** {@return the process that made the request} ({@code <0.0.0>} for a thread that is not one) */
  public Pid<?> caller() {
    return caller;
  }

  @Override
  public String toString() {
    return "ReplyTo{" + caller + ", " + monitor.ref + "}";
  }
}
