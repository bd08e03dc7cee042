package dev.banyan;

/**
 * A runtime call got an argument that is well-formed but not acceptable in the current state:
 * Erlang's {@code badarg}. Examples: registering a name that is taken, registering a dead process,
 * sending to a name nobody has registered, unregistering an unknown name.
 *
 * <p>The message names the operation and the offending value, for example {@code
 * register("db", <0.12.0>): the name is already registered to <0.9.0>}.
 *
 * {@snippet :
 * assertThrows(BadArgException.class, () -> node.send("nobody", "hello"));
 * }
 *
 * <h2>Thread safety</h2>
 * Immutable once thrown.
 *
 * @since 0.1
 */
public final class BadArgException extends BanyanException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was called with which value, and why it was refused
   */
  public BadArgException(String message) {
    super(message);
  }
}
