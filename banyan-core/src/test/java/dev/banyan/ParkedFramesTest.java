package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Processes parked in code the JIT compiled earlier end without a deoptimization each: the way
 * out of a process is not compiled into the frame it parks in (see {@code ProcessRecord.END}).
 * Run in a JVM of its own, with background compilation off, so that the JIT has compiled the
 * first phase's code before the second phase parks in it.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ParkedFramesTest {

  private static final int PROCESSES = 20_000;

  @Test
  @DisplayName(
      "20,000 parked processes whose end takes a branch no process took before deoptimize a few"
          + " times, not each")
  void parkedProcessesEndWithoutADeoptimizationEach(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("out.txt");
    List<String> command = new ArrayList<>();
    command.add(ForkedJvm.javaExecutable());
    command.add("-Xmx512m");
    command.add("-XX:-BackgroundCompilation");
    command.addAll(ForkedJvm.schedulerOptions());
    command.addAll(
        List.of(
            "-cp",
            ForkedJvm.classPath(ParkedFramesFixture.class),
            ParkedFramesFixture.class.getName(),
            "30",
            "2000",
            Integer.toString(PROCESSES)));
    List<String> printed = ForkedJvm.runToTheEnd(command, out, 100);
    assertThat(printed).contains("DONE");
    long deoptimizations =
        printed.stream()
            .filter(l -> l.startsWith("DEOPTIMIZATIONS "))
            .mapToLong(l -> Long.parseLong(l.substring("DEOPTIMIZATIONS ".length())))
            .findFirst()
            .orElseThrow();
    // Without the barrier: about one per process (20,000). With it: the JIT's usual few dozen.
    assertThat(deoptimizations)
        .as(
            "deoptimizations while %d parked processes ended; the fixture printed %s",
            PROCESSES,
            printed)
        .isLessThan(PROCESSES / 10);
  }
}
