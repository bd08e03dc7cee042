package dev.banyan;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Banyan's JFR events cost nothing at startup: their classes, and with them Flight Recorder's
 * machinery, stay unloaded until something starts Flight Recorder. A recording started later
 * still gets them. Run in a JVM of its own, since Flight Recorder, once started, stays started.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FlightRecorderLateStartTest {

  @Test
  @DisplayName("no JFR class loads before a recording starts, and a late recording gets the events")
  void eventsLoadOnlyOnceARecordingStarts(@TempDir Path dir) throws Exception {
    Path classLog = dir.resolve("classes.log");
    Path out = dir.resolve("out.txt");
    List<String> command = new ArrayList<>();
    command.add(ForkedJvm.javaExecutable());
    command.add("-Xmx128m");
    command.add("-Xlog:class+load=info:file=" + classLog);
    command.addAll(ForkedJvm.schedulerOptions());
    command.addAll(
        List.of(
            "-cp",
            ForkedJvm.classPath(FlightRecorderLateStartFixture.class),
            FlightRecorderLateStartFixture.class.getName()));
    List<String> printed = ForkedJvm.runToTheEnd(command, out, 75);
    assertThat(printed).contains("RECORDING", "RECORDED spawn", "RECORDED restart", "DONE");

    List<String> loaded = Files.readAllLines(classLog, UTF_8);
    int recordingStarts = indexOf(loaded, FlightRecorderLateStartFixture.RecordingStarts.class.getName());
    assertThat(recordingStarts).as("the marker class in the class-loading log").isPositive();
    for (String jfrClass :
        List.of(
            "dev.banyan.Events$Spawn",
            "dev.banyan.Events$ProcessExit",
            "dev.banyan.SupervisorEvents$ChildRestart",
            "jdk.jfr.internal.JVM")) {
      assertThat(indexOf(loaded, jfrClass))
          .as("%s is loaded only after the recording starts", jfrClass)
          .satisfiesAnyOf(i -> assertThat(i).isEqualTo(-1), i -> assertThat(i).isGreaterThan(recordingStarts));
    }
    assertThat(indexOf(loaded, "dev.banyan.Events$Spawn")).isGreaterThan(recordingStarts);
  }

  /** {@return the index of the line that logs the loading of this class}, or -1 */
  private static int indexOf(List<String> classLog, String className) {
    for (int i = 0; i < classLog.size(); i++) {
      if (classLog.get(i).contains(" " + className + " source:")) {
        return i;
      }
    }
    return -1;
  }
}
