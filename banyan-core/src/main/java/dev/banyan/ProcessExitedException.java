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
 * Immutable once thrown. The message is built on first use, not when the error is thrown: a
 * killed process throws it to unwind, and nobody reads it then.
 *
 * @since 0.1
 */
public final class ProcessExitedException extends Error {
  private static final long serialVersionUID = 1L;

  private final transient Pid<?> pid;
  private final transient ExitReason reason;
  /** The message, built on first use (a race builds the same text twice); serialised. */
  private String message;

  ProcessExitedException(Pid<?> pid, ExitReason reason) {
    super(null, null, false, false);
    this.pid = pid;
    this.reason = reason;
  }

  /** {@return "process PID has exited with reason REASON"} */
  @Override
  public String getMessage() {
    String m = message;
    if (m == null) {
      m = "process " + pid + " has exited with reason " + reason;
      message = m;
    }
    return m;
  }

  /**
   * Builds the message before the default serialisation writes it (the pid and the reason are
   * not serialised).
   *
   * @param out the stream
   * @throws java.io.IOException if writing fails
   */
  private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
    getMessage();
    out.defaultWriteObject();
  }

  /** {@return the reason the process died with} */
  public ExitReason reason() {
    return reason;
  }
}
