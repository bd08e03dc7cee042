package dev.banyan;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Timespan;

/**
 * The JFR events of the supervisors: a restart, and the restart intensity exceeded. Like {@link
 * Events}, they cost next to nothing while no recording enables them.
 */
final class SupervisorEvents {
  private SupervisorEvents() {}

  @Name("dev.banyan.ChildRestart")
  @Label("Child Restart")
  @Category("Banyan")
  @Description("A supervisor restarted a child, or tried to")
  @StackTrace(false)
  static final class ChildRestart extends Event {
    @Label("Supervisor")
    String supervisor;

    @Label("Child")
    @Description("The pid of the child that ended")
    String child;

    @Label("Reason")
    @Description("Why it ended, or why the last restart failed")
    String reason;

    @Label("Outcome")
    @Description("The new pid, ignore, or the start's error (the child is then restarting)")
    String outcome;
  }

  @Name("dev.banyan.IntensityExceeded")
  @Label("Restart Intensity Exceeded")
  @Category("Banyan")
  @Description("A supervisor gave up: too many restarts in too short a time; it exits shutdown")
  @StackTrace(false)
  static final class IntensityExceeded extends Event {
    @Label("Supervisor")
    String supervisor;

    @Label("Child")
    @Description("The child whose restart exceeded the intensity")
    String child;

    @Label("Max Restarts")
    int maxRestarts;

    @Label("Max Seconds")
    @Timespan(Timespan.SECONDS)
    long maxSeconds;
  }

  static void restarted(Object supervisor, Pid<?> child, ExitReason reason, Object outcome) {
    if (!Events.jfrStarted()) {
      return;
    }
    ChildRestart e = new ChildRestart();
    if (e.isEnabled()) {
      e.supervisor = supervisor.toString();
      e.child = String.valueOf(child);
      e.reason = reason.toString();
      e.outcome = outcome.toString();
      e.commit();
    }
  }

  static void intensityExceeded(Object supervisor, Pid<?> child, int maxRestarts, long maxSeconds) {
    if (!Events.jfrStarted()) {
      return;
    }
    IntensityExceeded e = new IntensityExceeded();
    if (e.isEnabled()) {
      e.supervisor = supervisor.toString();
      e.child = String.valueOf(child);
      e.maxRestarts = maxRestarts;
      e.maxSeconds = maxSeconds;
      e.commit();
    }
  }
}
