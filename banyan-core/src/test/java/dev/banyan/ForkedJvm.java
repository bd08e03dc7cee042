package dev.banyan;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What a test needs to run a fixture's {@code main} in a JVM of its own. */
final class ForkedJvm {
  private ForkedJvm() {}

  /** {@return the java launcher of the JVM running the tests} */
  static String javaExecutable() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * {@return the options that run the fork's processes on the scheduler the tests run on}: {@code
   * java.lang} opened to Banyan when it is opened here, and {@code banyan.scheduler} as set here
   */
  static List<String> schedulerOptions() {
    List<String> options = new ArrayList<>();
    if (Thread.class.getModule().isOpen("java.lang", Node.class.getModule())) {
      options.add("--add-opens");
      options.add("java.base/java.lang=ALL-UNNAMED");
    }
    String scheduler = System.getProperty(Scheduler.PROPERTY);
    if (scheduler != null) {
      options.add("-D" + Scheduler.PROPERTY + "=" + scheduler);
    }
    return options;
  }

  /**
   * {@return a class path with the fixture's classes, the main classes, slf4j-api and
   * slf4j-simple}
   */
  static String classPath(Class<?> fixture) throws Exception {
    List<String> parts = new ArrayList<>();
    for (Class<?> c :
        List.of(fixture, Node.class, org.slf4j.Logger.class, Class.forName("org.slf4j.simple.SimpleLogger"))) {
      String part = Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
      if (!parts.contains(part)) {
        parts.add(part);
      }
    }
    return String.join(File.pathSeparator, parts);
  }

  /**
   * Runs {@code command}, its output and errors to {@code out}; asserts that it ended within
   * {@code seconds} (else kills it) and exited with 0. {@return the lines it printed}
   */
  static List<String> runToTheEnd(List<String> command, Path out, int seconds) throws Exception {
    Process jvm = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    boolean ended = jvm.waitFor(seconds, TimeUnit.SECONDS);
    if (!ended) {
      jvm.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    List<String> printed = Files.readAllLines(out, UTF_8);
    assertThat(ended).as("the fixture ended within %d s; it printed %s", seconds, printed).isTrue();
    assertThat(jvm.exitValue()).as("the fixture's exit; it printed %s", printed).isZero();
    return printed;
  }
}
