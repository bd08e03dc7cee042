package dev.banyan;

import java.util.Objects;

/**
 * The message a monitor produces when the monitored process ends, or at once when it did not
 * exist: Erlang's {@code {'DOWN', Ref, process, Object, Info}}.
 *
 * {@snippet :
 * Spawned<Object> s = ctx.spawnMonitor(c -> { throw new ExitException(ExitReason.of("x")); });
 * Down down = ctx.receive(Down.class, d -> d.ref().equals(s.ref()));
 * // down.target() is s.pid(); down.reason() is ExitReason.of("x")
 * }
 *
 * <p>Each monitor produces exactly one {@code Down}, unless it is removed first with {@link
 * ProcessContext#demonitor(MonitorRef)}.
 *
 * <h2>Thread safety</h2>
 * Immutable.
 *
 * @param ref the monitor's reference
 * @param target the pid, or the {@link RegisteredName} when the monitor was created by name
 * @param reason the exit reason, or {@link ExitReason#NOPROC} if the process did not exist
 * @since 0.1
 */
public record Down(MonitorRef ref, Address target, ExitReason reason) {
  /** Validates the components. */
  public Down {
    Objects.requireNonNull(ref, "ref");
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(reason, "reason");
  }
}
