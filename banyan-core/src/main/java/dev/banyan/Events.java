package dev.banyan;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Event;
import jdk.jfr.FlightRecorder;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;

/** The JFR events of the runtime. They cost next to nothing while no recording enables them. */
final class Events {
  private Events() {}

  @Name("dev.banyan.ProcessSpawn")
  @Label("Process Spawn")
  @Category("Banyan")
  @Description("A process was started")
  @StackTrace(false)
  static final class Spawn extends Event {
    @Label("Node")
    String node;

    @Label("Pid")
    String pid;
  }

  @Name("dev.banyan.ProcessExit")
  @Label("Process Exit")
  @Category("Banyan")
  @Description("A process ended")
  @StackTrace(false)
  static final class ProcessExit extends Event {
    @Label("Node")
    String node;

    @Label("Pid")
    String pid;

    @Label("Reason")
    String reason;
  }

  /**
   * {@return whether a recording may be on}: false until something in this JVM starts Flight
   * Recorder (a {@code Recording}, {@code jcmd JFR.start}, {@code -XX:StartFlightRecording}).
   * Until then the event classes stay unloaded: loading the first one costs about 100 ms, because
   * the JDK registers and instruments it, which loads Flight Recorder's JVM and metadata layer
   * (docs/processes.md, "Exit reasons").
   */
  static boolean jfrStarted() {
    return FlightRecorder.isInitialized();
  }

  /**
   * isEnabled() reads the event class's state, not the instance's: one instance answers it, so a
   * process's start and end allocate no event while no recording enables them.
   */
  private static final class Probes {
    static final Spawn SPAWN = new Spawn();
    static final ProcessExit EXIT = new ProcessExit();
  }

  static void spawned(Node node, Pid<?> pid) {
    if (jfrStarted() && Probes.SPAWN.isEnabled()) {
      Spawn e = new Spawn();
      e.node = node.name();
      e.pid = pid.toString();
      e.commit();
    }
  }

  static void exited(Node node, Pid<?> pid, ExitReason reason) {
    if (jfrStarted() && Probes.EXIT.isEnabled()) {
      ProcessExit e = new ProcessExit();
      e.node = node.name();
      e.pid = pid.toString();
      e.reason = reason.toString();
      e.commit();
    }
  }
}
