package dev.banyan.examples.tour;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TourTest {

  private static String runTour() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      Tour.run(out);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Nested
  class Run {
    @Test
    void narratesEveryStepInOrderAndStopsTheNode() {
      String printed = runTour();

      assertThat(printed)
          .containsSubsequence(
              "1. Spawn a process",
              "main received Reply(by=",
              "\"HELLO\")",
              "2. spawnLink",
              "main, trapping, received Exit(from=",
              "reason={java.lang.IllegalStateException: boom}) and lives on",
              "was killed by the exit signal, with the same reason: "
                  + "{java.lang.IllegalStateException: boom}; alive: false",
              "3. A monitor and its Down message",
              "worker did its job and returned: Down(",
              ", normal)",
              "monitoring the dead worker gives a Down at once, reason noproc",
              "4. Registered names",
              "the counter says 2",
              "the counter stopped: Down(target=",
              "reason=normal)",
              "the name was freed at its death: whereis(\"counter\") = none",
              "sending to the free name throws BadArgException",
              "under the same name; whereis(\"counter\") = <0.",
              "; count 1",
              "5. Timers",
              "main received \"tick\" after",
              "cancelTimer: cancelled with",
              "cancelTimer again: none",
              "no \"too late\" in the next 300 ms: true",
              "6. kill",
              "exit(spinner, kill): Down with reason killed after",
              "alive: false",
              "zombie: true",
              "the loop ended",
              "End of the tour",
              "Node stopped. Bye.");
      assertThat(printed).doesNotContain("it should have!");
    }
  }
}
