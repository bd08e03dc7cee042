package dev.banyan;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Applications#runMain} in a JVM of its own, stopped by a real SIGTERM. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ApplicationMainTest {

  @Test
  @DisplayName("SIGTERM stops every application in reverse start order through the shutdown hook")
  void sigtermStopsApplicationsInReverseOrder() throws Exception {
    Path err = Files.createTempFile("banyan-main", ".err");
    Process jvm =
        new ProcessBuilder(
                ForkedJvm.javaExecutable(),
                "-Xmx64m",
                "-Dbanyan.a.greeting=hello", // a system property override, as documented
                "-cp",
                ForkedJvm.classPath(ApplicationMainFixture.class),
                ApplicationMainFixture.class.getName())
            .redirectError(err.toFile())
            .start();
    List<String> out = new ArrayList<>();
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(jvm.getInputStream(), UTF_8))) {
      for (String line = lines.readLine(); line != null && !line.equals("READY"); line = lines.readLine()) {
        out.add(line);
      }
      assertThat(out).containsExactly("start a hello", "start b hi");

      jvm.toHandle().destroy(); // SIGTERM (Process.destroy would also close our end of stdout)

      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        out.add(line);
      }
    } finally {
      if (!jvm.waitFor(30, TimeUnit.SECONDS)) {
        jvm.destroyForcibly();
      }
    }
    assertThat(out)
        .containsExactly(
            "start a hello", "start b hi", "prep_stop b", "stop b", "prep_stop a", "stop a");
    assertThat(jvm.exitValue()).isEqualTo(143); // 128 + SIGTERM: the JVM ended by the signal
    assertThat(Files.readString(err))
        .contains("application_controller exit: application: b, exited: stopped, type: permanent")
        .contains("application_controller exit: application: a, exited: stopped, type: permanent");
    Files.delete(err);
  }
}
