package dev.banyan.testkit;

import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Texts for failure messages: the threads a test left running, and where a live process is.
 *
 * <pre>
 * Implementation overview
 *
 * A zombie is dead for the runtime, so Node.processInfo no longer describes it, and the public API
 * does not hand out process threads. The only way to read the stack of a virtual thread we do not
 * hold is a thread dump: HotSpotDiagnosticMXBean.dumpThreads (JDK 21+, module jdk.management)
 * writes every thread, virtual ones included, to a new file in plain text:
 *
 *   #23 "<0.5.0>" virtual WAITING 2026-...      (JDK 21 prints '#23 "<0.5.0>" virtual')
 *       at java.base/java.lang.VirtualThread.park(VirtualThread.java:742)
 *       - parking to wait for <...>
 *
 * Blocks are separated by blank lines. A process's thread is named after its pid; pids of
 * different nodes print alike, so a stack is shown only when exactly one virtual thread has the
 * name. Everything here is best effort: any failure just leaves the stacks out.
 * </pre>
 */
final class ThreadReport {

  /** How many frames of a zombie's stack to show at most. */
  private static final int MAX_FRAMES = 12;

  private ThreadReport() {}

  /** {@return the failure message for process threads still running after the node stopped} */
  static String zombies(Node node, List<Pid<?>> zombies) {
    Map<String, List<String>> stacks = virtualThreadStacks();
    boolean one = zombies.size() == 1;
    StringBuilder b = new StringBuilder();
    b.append(one ? "1 process thread" : zombies.size() + " process threads")
        .append(" of the test's node still ")
        .append(one ? "runs" : "run")
        .append(" after the test ended and ")
        .append(node)
        .append(" was stopped: ")
        .append(zombies)
        .append(
            one
                ? ". The process is dead, but its code"
                : ". The processes are dead, but their code")
        .append(" ignored the interrupt or is in a CPU loop; a test must let every process it")
        .append(" starts end (e.g. a loop that checks a flag the test clears in a finally block).");
    for (Pid<?> pid : zombies) {
      b.append("\n  ").append(pid);
      List<String> stack = stacks.get(pid.toString());
      if (stack == null) {
        b.append(" (stack not available)");
        continue;
      }
      int shown = 0;
      for (String frame : stack) {
        b.append("\n      at ").append(frame);
        shown++;
        if (shown == MAX_FRAMES || !isRuntimeFrame(frame)) {
          break; // up to the first frame of the user's code
        }
      }
      if (shown < stack.size()) {
        b.append("\n      ...");
      }
    }
    return b.toString();
  }

  /** {@return a short description of a live process for a failure message}, e.g. its state */
  static String where(ProcessInfo info) {
    StringBuilder b = new StringBuilder();
    b.append(info.status() == ProcessInfo.Status.WAITING ? "waiting in receive" : "running");
    b.append(", ")
        .append(info.mailboxLength())
        .append(info.mailboxLength() == 1 ? " message" : " messages")
        .append(" in its mailbox");
    for (StackTraceElement e : info.stack()) {
      if (!isRuntimeFrame(e.getClassName())) {
        b.append(", at ").append(e);
        break;
      }
    }
    return b.toString();
  }

  /**
   * {@return whether a frame belongs to the JDK or to Banyan's core}
   *
   * @param frame a printed frame ({@code [loader/][module/]class.method(file:line)}) or a class
   *     name
   */
  private static boolean isRuntimeFrame(String frame) {
    int paren = frame.indexOf('(');
    String head = paren < 0 ? frame : frame.substring(0, paren);
    head = head.substring(head.lastIndexOf('/') + 1);
    return head.startsWith("java.")
        || head.startsWith("jdk.")
        || head.startsWith("sun.")
        || head.matches("dev\\.banyan\\.[A-Z].*"); // the core package, not dev.banyan.testkit
  }

  /**
   * {@return the stacks of the virtual threads, by thread name}, innermost frame first; names
   * that several virtual threads share are left out. Empty if no thread dump can be taken.
   */
  private static Map<String, List<String>> virtualThreadStacks() {
    String dump;
    try {
      dump = ThreadDump.take();
    } catch (Exception | LinkageError e) {
      return Map.of(); // jdk.management missing or the dump failed: no stacks
    }
    Map<String, List<String>> stacks = new HashMap<>();
    Map<String, Integer> seen = new HashMap<>();
    String name = null;
    List<String> frames = null;
    for (String line : dump.split("\\R")) {
      if (line.startsWith("#")) {
        name = null;
        int open = line.indexOf('"');
        int close = line.lastIndexOf('"');
        if (open >= 0 && close > open && line.substring(close).contains(" virtual")) {
          name = line.substring(open + 1, close);
          frames = new ArrayList<>();
          if (seen.merge(name, 1, Integer::sum) == 1) {
            stacks.put(name, frames);
          } else {
            stacks.remove(name);
          }
        }
      } else if (line.isBlank()) {
        name = null;
      } else if (name != null) {
        String frame = line.strip();
        if (frame.startsWith("at ")) {
          frames.add(frame.substring(3));
        } else if (!frame.startsWith("- ")) {
          frames.add(frame); // JDK 21's format: the frame alone
        }
      }
    }
    return stacks;
  }

  /** The thread dump; in its own class so that a missing jdk.management fails only here. */
  private static final class ThreadDump {
    static String take() throws IOException {
      Path dir = Files.createTempDirectory("banyan-threads");
      Path file = dir.resolve("threads.txt");
      try {
        java.lang.management.ManagementFactory.getPlatformMXBean(
                com.sun.management.HotSpotDiagnosticMXBean.class)
            .dumpThreads(
                file.toString(),
                com.sun.management.HotSpotDiagnosticMXBean.ThreadDumpFormat.TEXT_PLAIN);
        return Files.readString(file);
      } finally {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
      }
    }
  }
}
