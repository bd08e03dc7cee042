package dev.banyan;

import java.util.Objects;

/**
 * An address that reaches the process that created it only while it is active: Erlang's process
 * alias (OTP 24). Messages sent to an inactive alias are dropped before they reach the mailbox;
 * messages already queued stay (CC-032).
 *
 * <p>Aliases solve the late-reply problem of request/response: the caller sends its request
 * with an alias, waits, and deactivates the alias when it gives up, so a reply that comes later
 * never lands in its mailbox.
 *
 * {@snippet :
 * Alias<String> replyTo = ctx.alias();
 * server.send(new Request("ping", replyTo));
 * Optional<String> answer = ctx.receive(String.class, Duration.ofSeconds(1));
 * ctx.unalias(replyTo);   // from now on, a late answer is dropped
 * }
 *
 * <p>An alias is created by {@link ProcessContext#alias()} (active until {@link
 * ProcessContext#unalias(Alias)}) or together with a monitor by {@link
 * ProcessContext#aliasMonitor(Pid, Mode)}.
 *
 * <h2>Thread safety</h2>
 * Thread-safe: {@link #send(Object)} may be called from any thread. Only the creating process can
 * deactivate it.
 *
 * <h2>Memory consistency effects</h2>
 * As for {@link Pid#send(Object)}.
 *
 * @param <M> the type of messages accepted through the alias
 * @since 0.1
 */
public final class Alias<M> {

  /**
   * When an alias created with a monitor stops working, besides {@link
   * ProcessContext#unalias(Alias)}: Erlang's {@code {alias, Mode}} monitor option.
   *
   * @since 0.1
   */
  public enum Mode {
    /** Only {@code unalias} deactivates it. */
    EXPLICIT_UNALIAS,
    /** Also deactivated when the monitor is removed, by {@code demonitor} or by firing. */
    DEMONITOR,
    /** As {@link #DEMONITOR}, and also when the first message through the alias arrives. */
    REPLY_DEMONITOR
  }

  final ProcessRecord<?> owner;
  final MonitorRef ref;
  final Mode mode;
  boolean active = true; // guarded by owner.lock
  Monitor monitor; // guarded by owner.lock; the monitor created with the alias, if any

  Alias(ProcessRecord<?> owner, MonitorRef ref, Mode mode) {
    this.owner = owner;
    this.ref = ref;
    this.mode = mode;
  }

  /**
   * Sends a message through the alias. It reaches the creating process if the alias is active
   * when the message arrives, and is dropped silently otherwise.
   *
   * @param message the message; not null
   * @throws ProcessExitedException if called by a process that has already died
   */
  public void send(M message) {
    Objects.requireNonNull(message, "message");
    ProcessRecord<?> sender = ProcessRecord.currentAlive();
    owner.deliverThroughAlias(this, message, sender);
  }

  /** {@return the reference of the alias}: for an alias made with a monitor, the monitor's */
  public MonitorRef ref() {
    return ref;
  }

  @Override
  public String toString() {
    return "alias " + ref + " of " + owner.pid;
  }
}
