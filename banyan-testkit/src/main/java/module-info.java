/**
 * Banyan testkit: a JUnit 5 extension that gives each test its own {@link dev.banyan.Node} with
 * the test thread attached as a process, and assertions on a process's mailbox and exits.
 *
 * <p>It is a library for test code: depend on it in test scope. {@code jdk.management} is
 * optional; when it is present, the report of a process thread left running after a test shows
 * the top of that thread's stack.
 */
module dev.banyan.testkit {
  requires transitive dev.banyan;
  requires transitive org.junit.jupiter.api;
  // Optional: a thread dump (HotSpotDiagnosticMXBean.dumpThreads) is the only way to read the
  // stack of a virtual thread that is not ours; without the module, reports just omit stacks.
  requires static jdk.management;

  exports dev.banyan.testkit;
}
