package dev.banyan;

import java.util.Objects;

/**
 * A process started together with a monitor on it, returned by {@link
 * ProcessContext#spawnMonitor(ProcessBody)}: Erlang's {@code {Pid, Ref}}.
 *
 * {@snippet :
 * Spawned<String> s = ctx.spawnMonitor(c -> c.receive(String.class));
 * s.pid().send("done");
 * Down down = ctx.receive(Down.class, d -> d.ref().equals(s.ref()));
 * }
 *
 * <h2>Thread safety</h2>
 * Immutable.
 *
 * @param pid the new process
 * @param ref the monitor on it
 * @param <M> the type of messages the process accepts
 * @since 0.1
 */
public record Spawned<M>(Pid<M> pid, MonitorRef ref) {
  /** Validates the components. */
  public Spawned {
    Objects.requireNonNull(pid, "pid");
    Objects.requireNonNull(ref, "ref");
  }
}
