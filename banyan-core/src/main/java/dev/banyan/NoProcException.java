package dev.banyan;

/**
 * A process that does not trap exits tried to link to a process that does not exist (Erlang's
 * {@code link/1} raising {@code noproc}, otp-semantics CC-019). A process that traps exits gets an
 * {@link Exit} message with reason {@link ExitReason#NOPROC} instead.
 *
 * {@snippet :
 * try {
 *   ctx.link(maybeDead);
 * } catch (NoProcException e) {
 *   // the peer is gone
 * }
 * }
 *
 * <h2>Thread safety</h2>
 * Immutable once thrown.
 *
 * @since 0.1
 */
public final class NoProcException extends BanyanException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which call, on which pid
   */
  public NoProcException(String message) {
    super(message);
  }
}
