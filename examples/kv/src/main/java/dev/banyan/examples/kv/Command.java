package dev.banyan.examples.kv;

import dev.banyan.CallException;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A command of the line protocol, and how it runs: the guide's {@code KVServer.Command}.
 *
 * <pre>
 * CREATE shopping
 * OK
 * PUT shopping milk 1
 * OK
 * PUT shopping eggs 3
 * OK
 * GET shopping milk
 * 1
 * OK
 * DELETE shopping eggs
 * OK
 * </pre>
 */
sealed interface Command {

  String OK = "OK\r\n";
  String NOT_FOUND = "NOT FOUND\r\n";
  String UNKNOWN_COMMAND = "UNKNOWN COMMAND\r\n";
  /** The store failed while answering: the registry was down, or did not answer in time. */
  String ERROR = "ERROR\r\n";
  String LINE_TOO_LONG = "ERROR LINE TOO LONG\r\n";
  String INVALID_UTF_8 = "ERROR INVALID UTF-8\r\n";

  record Create(String bucket) implements Command {}

  record Put(String bucket, String key, String value) implements Command {}

  record Get(String bucket, String key) implements Command {}

  record Delete(String bucket, String key) implements Command {}

  Pattern WORDS = Pattern.compile("\\s+");

  /**
   * Parses a line (without its line end) as the guide does: words separated by white space, a
   * verb in capitals and exactly its arguments; anything else (an empty line too) is empty.
   */
  static Optional<Command> parse(String line) {
    String[] w = WORDS.split(line.strip());
    return Optional.ofNullable(
        switch (w[0]) {
          case "CREATE" -> w.length == 2 ? new Create(w[1]) : null;
          case "PUT" -> w.length == 4 ? new Put(w[1], w[2], w[3]) : null;
          case "GET" -> w.length == 3 ? new Get(w[1], w[2]) : null;
          case "DELETE" -> w.length == 3 ? new Delete(w[1], w[2]) : null;
          default -> null;
        });
  }

  /**
   * Runs the command and returns the answer, lines ended by CRLF. A bucket that dies during the
   * command is {@code NOT FOUND}, as it would be a moment later; a registry that is down is
   * {@code ERROR}.
   */
  static String run(Command command, KvRegistry registry) {
    try {
      return switch (command) {
        case Create c -> {
          registry.create(c.bucket());
          yield OK;
        }
        case Put p -> withBucket(registry, p.bucket(), b -> {
          b.put(p.key(), p.value());
          return OK;
        });
        // The guide answers a missing key with an empty line, then OK.
        case Get g -> withBucket(registry, g.bucket(), b -> b.get(g.key()).orElse("") + "\r\n" + OK);
        case Delete d -> withBucket(registry, d.bucket(), b -> {
          b.delete(d.key());
          return OK;
        });
      };
    } catch (CallException e) {
      return ERROR;
    }
  }

  private static String withBucket(KvRegistry registry, String name, Function<Bucket, String> use) {
    Optional<Bucket> bucket = registry.lookup(name);
    if (bucket.isEmpty()) {
      return NOT_FOUND;
    }
    try {
      return use.apply(bucket.get());
    } catch (CallException e) {
      if (bucket.get().isAlive()) {
        throw e; // it timed out: an ERROR
      }
      return NOT_FOUND; // it died meanwhile
    }
  }
}
