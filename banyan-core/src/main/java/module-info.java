/**
 * Banyan core: nodes, processes, mailboxes, links, monitors, exit signals, registered names and
 * timers, with Erlang/OTP's semantics, on virtual threads.
 *
 * <p>The only dependency is SLF4J's API (crash reports are logged through it); JFR events for
 * process spawn and exit come from {@code jdk.jfr}.
 */
module dev.banyan {
  requires transitive org.slf4j;
  requires jdk.jfr;

  exports dev.banyan;
}
