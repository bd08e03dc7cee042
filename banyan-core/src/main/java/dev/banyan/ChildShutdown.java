package dev.banyan;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shutdown protocol of a supervisor's children (otp-semantics §5.8), and the supervisor
 * reports (§10), shared by {@link TaskSupervisor} and the supervisors to come. Runs on the
 * supervisor's own thread; the supervisor traps exits.
 *
 * <pre>
 * For each child: monitor it (the link stays, so a supervisor dying meanwhile cannot orphan
 * it, OTP 25); send 'kill' (brutal_kill) or 'shutdown'; wait for the Down up to the child's
 * shutdown time, then kill it and wait without limit; unlink and take a pending Exit, whose
 * reason (the child's own, when it died by itself just before) replaces the Down's.
 * </pre>
 */
final class ChildShutdown {
  static final Logger REPORTS = LoggerFactory.getLogger("dev.banyan.Supervisor");

  private ChildShutdown() {}

  /** Stops one child and returns the reason it ended with. */
  static ExitReason one(ProcessContext<Object> self, Pid<?> child, Shutdown how) {
    Map<Pid<?>, Shutdown> one = new HashMap<>();
    one.put(child, how);
    return all(self, one).get(child);
  }

  /**
   * Stops children concurrently, as a DynamicSupervisor does: every child gets its signal at
   * once, each has its own deadline; returns the reason each ended with.
   */
  static Map<Pid<?>, ExitReason> all(ProcessContext<Object> self, Map<Pid<?>, Shutdown> children) {
    Map<MonitorRef, Pid<?>> waiting = new HashMap<>();
    Map<MonitorRef, Long> deadlines = new HashMap<>();
    Map<Pid<?>, ExitReason> reasons = new HashMap<>();
    long now = System.nanoTime();
    for (Map.Entry<Pid<?>, Shutdown> e : children.entrySet()) {
      MonitorRef ref = self.monitor(e.getKey());
      waiting.put(ref, e.getKey());
      Shutdown how = e.getValue();
      self.exit(e.getKey(), how instanceof Shutdown.BrutalKill ? ExitReason.KILL : ExitReason.SHUTDOWN);
      deadlines.put(
          ref,
          switch (how) {
            case Shutdown.Timeout t -> now + ProcessRecord.timeoutNanos(t.timeout());
            case Shutdown.BrutalKill b -> Long.MAX_VALUE;
            case Shutdown.Infinity i -> Long.MAX_VALUE;
          });
    }
    while (!waiting.isEmpty()) {
      long next = deadlines.values().stream().mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
      Optional<Down> down =
          next == Long.MAX_VALUE
              ? Optional.of(self.receive(Down.class, d -> waiting.containsKey(d.ref())))
              : self.receive(
                  Down.class,
                  d -> waiting.containsKey(d.ref()),
                  Duration.ofNanos(Math.max(0, next - System.nanoTime())));
      if (down.isPresent()) {
        Pid<?> pid = waiting.remove(down.get().ref());
        deadlines.remove(down.get().ref());
        self.unlink(pid);
        ExitReason reason =
            self.receive(Exit.class, x -> x.from().equals(pid), Duration.ZERO)
                .map(Exit::reason)
                .orElse(down.get().reason());
        reasons.put(pid, reason);
      } else {
        long t = System.nanoTime();
        for (Map.Entry<MonitorRef, Long> d : deadlines.entrySet()) {
          if (d.getValue() <= t) {
            self.exit(waiting.get(d.getKey()), ExitReason.KILL); // too slow: kill it
            d.setValue(Long.MAX_VALUE);
          }
        }
      }
    }
    return reasons;
  }

  /**
   * {@return whether {@code reason} is an expected end of a child stopped with {@code how}}
   * (§5.8 step 5); anything else is a {@code shutdown_error}.
   */
  static boolean expected(ExitReason reason, Shutdown how, Restart restart) {
    if (how instanceof Shutdown.BrutalKill) {
      return reason instanceof ExitReason.Killed
          || (restart != Restart.PERMANENT
              && (reason instanceof ExitReason.Shutdown || reason instanceof ExitReason.Normal));
    }
    if (reason instanceof ExitReason.Shutdown s) {
      return s.detail().isEmpty() || restart != Restart.PERMANENT;
    }
    return restart != Restart.PERMANENT && reason instanceof ExitReason.Normal;
  }

  /** Logs a supervisor report: {@code child_terminated}, {@code start_error}, {@code shutdown_error} or {@code shutdown}. */
  static void report(Object supervisor, String context, Object reason, Object offender) {
    REPORTS.atError()
        .addKeyValue("supervisor", supervisor)
        .addKeyValue("errorContext", context)
        .addKeyValue("reason", reason)
        .addKeyValue("offender", offender)
        .log("Supervisor {} {}: {} (offender {})", supervisor, context, reason, offender);
  }
}
