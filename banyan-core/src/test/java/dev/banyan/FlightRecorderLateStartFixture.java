package dev.banyan;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingStream;

/**
 * A {@code main} for {@link FlightRecorderLateStartTest}, run in a JVM of its own: a node spawns,
 * ends and restarts processes while Flight Recorder has never started, then starts a recording
 * and does it again. It prints {@code RECORDED spawn} and {@code RECORDED restart} for the events
 * of the second round, and loads {@link RecordingStarts} just before the recording starts, which
 * marks that moment in the JVM's class-loading log.
 */
final class FlightRecorderLateStartFixture {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private FlightRecorderLateStartFixture() {}

  /** What a supervised child tells the fixture when it starts. */
  record Up(Pid<Object> pid) {}

  /** Loaded only when the recording is about to start. */
  static final class RecordingStarts {
    private RecordingStarts() {}

    static void mark() {
      System.out.println("RECORDING");
    }
  }

  public static void main(String[] args) throws Exception {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Pid<Object> fixture = me.self();
      ChildSpec child =
          ChildSpec.worker(
              "w",
              ChildStart.process(
                  self -> {
                    fixture.send(new Up(self.self()));
                    self.receive();
                    throw new IllegalStateException("crash on request");
                  }));
      Supervisor sup =
          Supervisor.of(Supervisor.startLink(me, Supervisor.Flags.oneForOne(), List.of(child)).orElseThrow());
      Pid<Object> first = me.receive(Up.class, WAIT).orElseThrow().pid();
      first.send("crash");
      Pid<Object> second = me.receive(Up.class, WAIT).orElseThrow().pid(); // restarted, unrecorded

      RecordingStarts.mark();
      BlockingQueue<RecordedEvent> events = new LinkedBlockingQueue<>();
      try (RecordingStream rs = new RecordingStream()) {
        rs.enable("dev.banyan.ProcessSpawn");
        rs.enable("dev.banyan.ChildRestart");
        rs.onEvent(events::add);
        rs.startAsync();
        second.send("crash");
        Pid<Object> third = me.receive(Up.class, WAIT).orElseThrow().pid();
        boolean spawn = false;
        boolean restart = false;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // JFR flushes each second
        while (!(spawn && restart)) {
          RecordedEvent e = events.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          if (e == null) {
            break;
          }
          String type = e.getEventType().getName();
          if (!spawn && type.equals("dev.banyan.ProcessSpawn") && e.getString("pid").equals(third.toString())) {
            spawn = true;
            System.out.println("RECORDED spawn");
          } else if (!restart
              && type.equals("dev.banyan.ChildRestart")
              && e.getString("child").equals(second.toString())
              && e.getString("outcome").equals(third.toString())) {
            restart = true;
            System.out.println("RECORDED restart");
          }
        }
      }
      sup.stop();
    }
    System.out.println("DONE");
  }
}
