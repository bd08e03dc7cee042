package dev.banyan;

import java.util.Objects;

/**
 * The message a process that traps exits receives instead of dying from an exit signal: Erlang's
 * {@code {'EXIT', From, Reason}}.
 *
 * {@snippet :
 * ctx.trapExit(true);
 * Pid<Object> child = ctx.spawnLink(c -> { throw new IllegalStateException("boom"); });
 * Exit exit = ctx.receive(Exit.class, e -> e.from().equals(child));
 * // exit.reason() is ExitReason.Crashed with the IllegalStateException
 * }
 *
 * <p>It arrives when a linked process dies (with any reason but {@code normal}, or {@code normal}
 * too), when another process calls {@code exit(pid, reason)} with any reason but {@link
 * ExitReason#KILL}, or when a trapping process links to a dead pid ({@code noproc}).
 *
 * <h2>Thread safety</h2>
 * Immutable.
 *
 * @param from the process the signal came from
 * @param reason its reason
 * @since 0.1
 */
public record Exit(Pid<?> from, ExitReason reason) {
  /** Validates the components. */
  public Exit {
    Objects.requireNonNull(from, "from");
    Objects.requireNonNull(reason, "reason");
  }
}
