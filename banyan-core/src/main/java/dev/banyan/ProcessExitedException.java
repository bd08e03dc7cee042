package dev.banyan;

/**
 * Thrown by every runtime call made by a process that is already dead.
 *
 * <p>Java cannot stop a thread, so in Banyan the death of a process is a state change of the
 * runtime (see {@link Node}, "Death is a state change"). When a process is killed, its links and
 * monitors are told at once, its name is freed and its mailbox dropped, and its thread is
 * interrupted. If that thread keeps running — it ignores the interrupt, or it is in a CPU loop —
 * it has become a <em>zombie</em>: the next runtime call it makes ({@code send}, {@code receive},
 * {@code link}, {@code monitor}, {@code register}, ...) throws this error and has no effect.
 *
 * <p>It extends {@link Error}, like the JDK's old {@code ThreadDeath}, so that a {@code catch
 * (Exception e)} in user code does not swallow the death of its process. Do not catch it.
 *
 * {@snippet :
 * node.spawn(ctx -> {
 *   while (true) {
 *     Object m = ctx.receive();   // throws ProcessExitedException once the process is killed
 *     handle(m);
 *   }
 * });
 * }
 *
 * <h2>Thread safety</h2>
 * Immutable once thrown.
 *
 * @since 0.1
 */
public final class ProcessExitedException extends Error {
  private static final long serialVersionUID = 1L;

  private final transient ExitReason reason;

  ProcessExitedException(Pid<?> pid, ExitReason reason) {
    super("process " + pid + " has exited with reason " + reason, null, false, false);
    this.reason = reason;
  }

  /** {@return the reason the process died with} */
  public ExitReason reason() {
    return reason;
  }
}
