package dev.banyan;

/**
 * The root of the exceptions Banyan throws for expected runtime conditions (a name already
 * taken, a link to a process that does not exist, an explicit exit).
 *
 * <p>Programming errors are reported with the JDK's exceptions instead: {@link
 * NullPointerException} for a null argument and {@link IllegalArgumentException} for a value out
 * of range (a negative timeout), each naming the bad value. The death of the calling process is
 * {@link ProcessExitedException}, which is deliberately not a subclass of this type.
 *
 * {@snippet :
 * try {
 *   node.register("db", pid);
 * } catch (BanyanException e) {
 *   log.warn("could not register: {}", e.getMessage());
 * }
 * }
 *
 * <h2>Thread safety</h2>
 * Instances are immutable once thrown.
 *
 * @since 0.1
 */
public abstract sealed class BanyanException extends RuntimeException
    permits BadArgException, NoProcException, ExitException, ApplicationException {
  private static final long serialVersionUID = 1L;

  BanyanException(String message) {
    super(message);
  }

  BanyanException(String message, boolean writableStackTrace) {
    super(message, null, true, writableStackTrace);
  }
}
