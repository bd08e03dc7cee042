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

  /**
   * Stops one child and returns the reason it ended with: {@link #all} for a single child, without
   * its maps, as a supervisor stops its children one at a time (a supervisor of 10,000 children
   * runs this 10,000 times on its way down, mostly before the JIT has compiled it).
   */
  static ExitReason one(ProcessContext<Object> self, Pid<?> child, Shutdown how) {
    long deadline = deadline(how, System.nanoTime());
    MonitorRef ref = self.monitor(child);
    self.exit(child, how instanceof Shutdown.BrutalKill ? ExitReason.KILL : ExitReason.SHUTDOWN);
    Down down = null;
    if (deadline != Long.MAX_VALUE) {
      Optional<Down> inTime =
          self.receive(Down.class, d -> ref.equals(d.ref()), Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      if (inTime.isPresent()) {
        down = inTime.get();
      } else {
        self.exit(child, ExitReason.KILL); // too slow: kill it
      }
    }
    if (down == null) {
      down = self.receive(Down.class, d -> ref.equals(d.ref()));
    }
    return reasonOf(self, child, down);
  }

  /**
   * {@return when a child stopped at {@code now} with {@code how} is killed; MAX_VALUE: never} A
   * timeout too long to count in nanoseconds is as good as infinity.
   */
  private static long deadline(Shutdown how, long now) {
    return switch (how) {
      case Shutdown.Timeout t -> {
        long nanos = ProcessRecord.timeoutNanos(t.timeout());
        yield nanos < 0 ? Long.MAX_VALUE : now + nanos;
      }
      case Shutdown.BrutalKill b -> Long.MAX_VALUE;
      case Shutdown.Infinity i -> Long.MAX_VALUE;
    };
  }

  /**
   * Unlinks a child whose Down has come and {@return the reason it ended with}: that of a pending
   * Exit, if it died by itself before the stop, else the Down's.
   */
  private static ExitReason reasonOf(ProcessContext<Object> self, Pid<?> child, Down down) {
    self.unlink(child);
    Optional<Exit> exit = self.receive(Exit.class, x -> x.from().equals(child), Duration.ZERO);
    return exit.isPresent() ? exit.get().reason() : down.reason();
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
      deadlines.put(ref, deadline(how, now));
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
        reasons.put(pid, reasonOf(self, pid, down.get()));
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
