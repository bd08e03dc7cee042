package dev.banyan;

import java.util.Objects;

/**
 * Ends the current process with a chosen reason: Erlang's {@code exit(Reason)}. Throw it from a
 * process body (or call {@link ProcessContext#exit(ExitReason)}, which throws it); if nothing
 * catches it, the process terminates with {@link #reason()} and its links get that reason.
 *
 * {@snippet :
 * node.spawn(ctx -> {
 *   if (!ready()) {
 *     throw new ExitException(ExitReason.of("not_ready"));
 *   }
 * });
 * }
 *
 * <p>Like Erlang's {@code exit/1} it can be caught; unlike an exit signal from another process,
 * which is not an exception at all (see {@link ProcessExitedException}).
 *
 * <h2>Thread safety</h2>
 * Immutable once thrown.
 *
 * @since 0.1
 */
public sealed class ExitException extends BanyanException permits CallException {
  private static final long serialVersionUID = 1L;

  private final transient ExitReason reason;

  /**
   * Creates the exception.
   *
   * @param reason the reason the process should exit with; not null
   */
  public ExitException(ExitReason reason) {
    this("exit(" + Objects.requireNonNull(reason, "reason") + ")", reason);
  }

  ExitException(String message, ExitReason reason) {
    super(message, false);
    this.reason = reason;
  }

  /** {@return the exit reason} */
  public ExitReason reason() {
    return reason;
  }
}
