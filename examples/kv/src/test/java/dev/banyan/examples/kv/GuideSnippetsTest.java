package dev.banyan.examples.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.Timeout;

/**
 * docs/guide.md shows only code that the tests compile and run: every {@code ```java} block of the
 * guide must appear in a source file of this module (main or test), line for line, ignoring
 * leading and trailing white space and blank lines. A block that is not found fails, naming its
 * line in the guide and its first line. (The guide's {@code nc} sessions are replayed against a
 * server by {@link GuideSessionsTest}.)
 */
@Timeout(60)
class GuideSnippetsTest {

  /** The guide, from this module's directory (surefire's working directory). */
  static final Path GUIDE = Path.of("../../docs/guide.md");

  private static final Path SOURCES = Path.of("src");

  /** A fenced block of the guide: its language, the line its first line of content is on, its lines. */
  record Block(String language, int line, List<String> lines) {
    String firstLine() {
      return lines.stream().filter(l -> !l.isBlank()).findFirst().orElse("(empty)").strip();
    }
  }

  /** {@return the fenced blocks of the guide}, in order */
  static List<Block> blocks() {
    List<String> lines = read(GUIDE);
    List<Block> blocks = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String fence = lines.get(i).strip();
      if (!fence.startsWith("```")) {
        continue;
      }
      String language = fence.substring(3).strip();
      int start = i + 1;
      int end = start;
      while (end < lines.size() && !lines.get(end).strip().equals("```")) {
        end++;
      }
      blocks.add(new Block(language, start + 1, List.copyOf(lines.subList(start, end))));
      i = end;
    }
    return blocks;
  }

  @Test
  void theGuideHasJavaBlocksAndAnNcSession() {
    assertThat(GUIDE).as("docs/guide.md, from the module directory").isRegularFile();
    assertThat(blocks()).filteredOn(b -> b.language().equals("java")).hasSizeGreaterThan(10);
    assertThat(GuideSessionsTest.sessions()).isNotEmpty();
  }

  @TestFactory
  Stream<DynamicTest> everyJavaBlockIsInASourceFile() throws IOException {
    List<String> sources;
    try (Stream<Path> files = Files.walk(SOURCES)) {
      sources = files.filter(f -> f.toString().endsWith(".java")).sorted().map(f -> normalized(read(f))).toList();
    }
    return blocks().stream()
        .filter(b -> b.language().equals("java"))
        .map(
            block ->
                DynamicTest.dynamicTest(
                    "guide.md:" + block.line() + ": " + block.firstLine(),
                    () -> {
                      String wanted = normalized(block.lines());
                      assertThat(sources.stream().anyMatch(s -> s.contains(wanted)))
                          .as(
                              "the ```java block at docs/guide.md line %d, starting \"%s\", is not in any"
                                  + " source file under examples/kv/src (compare it line by line)",
                              block.line(),
                              block.firstLine())
                          .isTrue();
                    }));
  }

  /** The lines without leading and trailing white space and without blank lines, each ended by LF, after an LF. */
  private static String normalized(List<String> lines) {
    StringBuilder s = new StringBuilder("\n");
    for (String line : lines) {
      if (!line.isBlank()) {
        s.append(line.strip()).append('\n');
      }
    }
    return s.toString();
  }

  static List<String> read(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
