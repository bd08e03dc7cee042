package dev.banyan;

import java.util.Objects;
import java.util.Optional;

/**
 * Why a process ended, or the reason carried by an exit signal.
 *
 * <p>The family mirrors Erlang's exit reasons: {@link #NORMAL} (the body returned), {@link
 * #SHUTDOWN} and {@link #shutdown(Object) shutdown with a detail} (an orderly stop requested by a
 * supervisor or by the process itself), {@link #KILL} (the untrappable signal) and {@link #KILLED}
 * (what a process killed by it dies with), {@link #NOPROC} and {@link #NOCONNECTION}, {@link
 * Crashed} (an exception escaped the process), and {@link Other} (any other value, as a remote
 * Erlang node may send any term).
 *
 * {@snippet :
 * ctx.trapExit(true);
 * switch (ctx.receive(Exit.class).reason()) {
 *   case ExitReason.Normal n -> System.out.println("peer finished");
 *   case ExitReason.Crashed c -> System.out.println("peer crashed: " + c.cause());
 *   case ExitReason other -> System.out.println("peer exited: " + other);
 * }
 * }
 *
 * <h2>Exit reasons and what they mean</h2>
 *
 * <table class="striped">
 * <caption>How each reason is treated</caption>
 * <thead><tr><th>reason</th><th>kills a linked, non-trapping process?</th>
 *     <th>{@link #isAbnormal()} (crash logged; a transient child restarted)</th></tr></thead>
 * <tbody>
 * <tr><td>{@code normal}</td><td>no</td><td>no</td></tr>
 * <tr><td>{@code shutdown}, {@code {shutdown, detail}}</td><td>yes</td><td>no</td></tr>
 * <tr><td>{@code kill} sent with {@code exit(pid, KILL)}</td><td>always, even when trapping;
 *     the target dies with {@code killed}</td><td>yes</td></tr>
 * <tr><td>anything else ({@code killed}, crashes, values)</td><td>yes</td><td>yes</td></tr>
 * </tbody>
 * </table>
 *
 * <p>The runtime itself treats only {@code normal} specially (otp-semantics §2.3); {@code
 * shutdown} is special only to the OTP layer (supervisors, loggers, transient restarts), which
 * asks {@link #isAbnormal()}.
 *
 * <h2>Thread safety</h2>
 * Immutable. Reasons compare by value, except {@link Crashed}, which compares its exception by
 * identity.
 *
 * @since 0.1
 */
public sealed interface ExitReason
    permits ExitReason.Normal,
        ExitReason.Shutdown,
        ExitReason.Kill,
        ExitReason.Killed,
        ExitReason.NoProc,
        ExitReason.NoConnection,
        ExitReason.Crashed,
        ExitReason.Other {

  /** {@code normal}: the process finished its work. */
  Normal NORMAL = new Normal();

  /** {@code shutdown}: an orderly stop. */
  Shutdown SHUTDOWN = new Shutdown(Optional.empty());

  /** {@code kill}: sent with {@code exit(pid, KILL)} it cannot be trapped. */
  Kill KILL = new Kill();

  /** {@code killed}: the reason of a process that received an untrappable {@link #KILL}. */
  Killed KILLED = new Killed();

  /** {@code noproc}: the process did not exist (link or monitor to a dead pid). */
  NoProc NOPROC = new NoProc();

  /** {@code noconnection}: reserved for the connection to a remote node being lost. */
  NoConnection NOCONNECTION = new NoConnection();

  /**
   * {@return {@code {shutdown, detail}}, an orderly stop that carries a detail}
   *
   * @param detail any value describing the stop; not null
   */
  static Shutdown shutdown(Object detail) {
    return new Shutdown(Optional.of(Objects.requireNonNull(detail, "detail")));
  }

  /**
   * {@return the exit reason for an arbitrary value}: the value itself when it already is an
   * {@code ExitReason}, otherwise {@link Other} wrapping it.
   *
   * @param value the reason; not null
   */
  static ExitReason of(Object value) {
    Objects.requireNonNull(value, "value");
    return value instanceof ExitReason r ? r : new Other(value);
  }

  /**
   * {@return whether this reason is a failure} for the OTP layer: everything except {@code normal},
   * {@code shutdown} and {@code {shutdown, detail}}. Crash reports are logged, and transient
   * children restarted, exactly for abnormal reasons.
   */
  default boolean isAbnormal() {
    return !(this instanceof Normal || this instanceof Shutdown);
  }

  /** {@code normal}. */
  record Normal() implements ExitReason {
    @Override
    public String toString() {
      return "normal";
    }
  }

  /**
   * {@code shutdown}, or {@code {shutdown, detail}} when a detail is present.
   *
   * @param detail the detail, if any
   */
  record Shutdown(Optional<Object> detail) implements ExitReason {
    /** Validates the component. */
    public Shutdown {
      Objects.requireNonNull(detail, "detail");
    }

    @Override
    public String toString() {
      return detail.map(d -> "{shutdown, " + d + "}").orElse("shutdown");
    }
  }

  /** {@code kill}. */
  record Kill() implements ExitReason {
    @Override
    public String toString() {
      return "kill";
    }
  }

  /** {@code killed}. */
  record Killed() implements ExitReason {
    @Override
    public String toString() {
      return "killed";
    }
  }

  /** {@code noproc}. */
  record NoProc() implements ExitReason {
    @Override
    public String toString() {
      return "noproc";
    }
  }

  /** {@code noconnection}. */
  record NoConnection() implements ExitReason {
    @Override
    public String toString() {
      return "noconnection";
    }
  }

  /**
   * An exception escaped the process (Erlang's {@code {Reason, Stacktrace}}).
   *
   * @param cause the exception, with its stack trace
   */
  record Crashed(Throwable cause) implements ExitReason {
    /** Validates the component. */
    public Crashed {
      Objects.requireNonNull(cause, "cause");
    }

    @Override
    public String toString() {
      return "{" + cause + "}";
    }
  }

  /**
   * Any other reason: a value given to {@code exit}.
   *
   * @param value the value; prefer immutable values (records, enums, strings)
   */
  record Other(Object value) implements ExitReason {
    /** Validates the component. */
    public Other {
      Objects.requireNonNull(value, "value");
      if (value instanceof ExitReason) {
        throw new IllegalArgumentException("Other wraps a plain value, not an ExitReason: " + value);
      }
    }

    @Override
    public String toString() {
      return String.valueOf(value);
    }
  }
}
