package dev.banyan;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Banyan's JFR events cost nothing at startup: their classes, and with them Flight Recorder's
 * machinery, stay unloaded until something starts Flight Recorder. A recording started later
 * still gets them. Run in a JVM of its own, since Flight Recorder, once started, stays started.
 */
@Timeout(value = 90, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FlightRecorderLateStartTest {

  @Test
  @DisplayName("no JFR class loads before a recording starts, and a late recording gets the events")
  void eventsLoadOnlyOnceARecordingStarts() throws Exception {
    Path dir = Files.createTempDirectory("banyan-jfr-late");
    Path classLog = dir.resolve("classes.log");
    Path out = dir.resolve("out.txt");
    Process jvm =
        new ProcessBuilder(
                ForkedJvm.javaExecutable(),
                "-Xmx128m",
                "-Xlog:class+load=info:file=" + classLog,
                "-cp",
                ForkedJvm.classPath(FlightRecorderLateStartFixture.class),
                FlightRecorderLateStartFixture.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    if (!jvm.waitFor(75, TimeUnit.SECONDS)) {
      jvm.destroyForcibly();
    }
    List<String> printed = Files.readAllLines(out, UTF_8);
    assertThat(jvm.exitValue()).as("the fixture's exit; it printed %s", printed).isZero();
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
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.delete(f);
      }
    }
    Files.delete(dir);
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
