package dev.banyan.examples.tour;

import dev.banyan.AttachedProcess;
import dev.banyan.BadArgException;
import dev.banyan.Down;
import dev.banyan.Exit;
import dev.banyan.ExitReason;
import dev.banyan.MonitorRef;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessBody;
import dev.banyan.Spawned;
import dev.banyan.TimerRef;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A narrated tour of Banyan: each step does one thing with processes and prints what happened.
 * The {@code main} thread is itself a process, attached to the node, so it can receive, link and
 * monitor; every line is printed by it, so the output reads in order.
 *
 * <ol>
 *   <li>spawn a process, send it a message and receive its reply;
 *   <li>{@code spawnLink}: a crash kills a linked process that does not trap exits, and arrives as
 *       an {@link Exit} message in one that does;
 *   <li>a monitor and its {@link Down};
 *   <li>registered names: {@code whereis}, the name freed at death, registered again;
 *   <li>{@code sendAfter} and {@code cancelTimer};
 *   <li>{@code kill} of a process stuck in a CPU loop, reported at once.
 * </ol>
 *
 * <p>Run it with {@code scripts/run.sh}.
 */
public final class Tour {

  /** A greeting for the echo process, which answers {@code from}. */
  record Greeting(Pid<Object> from, String text) {}

  /** The echo's answer. */
  record Reply(Pid<?> by, String text) {}

  /** The crasher tells main who its partner is. */
  record PartnerIs(Pid<Object> partner) {}

  /** Asks the counter for its count. */
  record Get(Pid<Object> replyTo) {}

  private final Node node;
  private final AttachedProcess<Object> me;
  private final Pid<Object> main;
  private final PrintStream out;

  private Tour(Node node, AttachedProcess<Object> me, PrintStream out) {
    this.node = node;
    this.me = me;
    this.main = me.self();
    this.out = out;
  }

  /**
   * Runs the tour, printing to standard output.
   *
   * @param args ignored
   */
  public static void main(String[] args) {
    run(System.out);
  }

  /**
   * Runs the tour on a node of its own, printing to {@code out}; the node is stopped at the end.
   *
   * @param out where the narration goes
   */
  public static void run(PrintStream out) {
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Tour tour = new Tour(node, me, out);
      out.println("Banyan tour: Erlang-style processes on Java virtual threads.");
      out.println("main is process " + me.self() + " on node " + node.name() + ".");
      tour.spawnSendReceive();
      tour.linksAndTrapExit();
      tour.monitors();
      tour.registeredNames();
      tour.timers();
      tour.killBusyProcess();
      out.println();
      out.println("End of the tour: stopping the node (it kills the processes still running).");
    }
    out.println("Node stopped. Bye.");
  }

  private void step(int n, String title) {
    out.println();
    out.println(n + ". " + title);
  }

  private void say(String format, Object... args) {
    out.println("   " + String.format(Locale.ROOT, format, args));
  }

  // 1 ---------------------------------------------------------------------------------------

  private void spawnSendReceive() {
    step(1, "Spawn a process, send it a message, receive its reply");
    Pid<Greeting> echo =
        me.spawn(
            ctx -> {
              Greeting g = ctx.receive(Greeting.class);
              g.from().send(new Reply(ctx.self(), g.text().toUpperCase(Locale.ROOT)));
            });
    say("spawned echo %s; it waits in receive(Greeting.class)", echo);
    echo.send(new Greeting(main, "hello"));
    say("main sent it Greeting(from=%s, \"hello\")", main);
    Reply reply = me.receive(Reply.class);
    say("main received Reply(by=%s, \"%s\")", reply.by(), reply.text());
  }

  // 2 ---------------------------------------------------------------------------------------

  private void linksAndTrapExit() {
    step(2, "spawnLink: a crash spreads along links, unless the process traps exits");
    me.trapExit(true);
    Pid<String> crasher =
        me.spawnLink(
            ctx -> {
              Pid<Object> partner = ctx.spawnLink(p -> p.receive()); // does not trap exits
              main.send(new PartnerIs(partner));
              ctx.receive(String.class);
              throw new IllegalStateException("boom");
            });
    Pid<Object> partner = me.receive(PartnerIs.class).partner();
    MonitorRef watch = me.monitor(partner);
    say("main traps exits and is linked to crasher %s", crasher);
    say("crasher is linked to partner %s, which does not trap exits", partner);
    say("main tells crasher to throw IllegalStateException (the runtime logs a crash report)");
    crasher.send("crash");
    Exit exit = me.receive(Exit.class);
    say(
        "main, trapping, received Exit(from=%s, reason=%s) and lives on",
        exit.from(),
        exit.reason());
    Down down = me.receive(Down.class, d -> d.ref().equals(watch));
    say(
        "partner %s was killed by the exit signal, with the same reason: %s; alive: %s",
        down.target(),
        down.reason(),
        partner.isAlive());
    me.trapExit(false);
  }

  // 3 ---------------------------------------------------------------------------------------

  private void monitors() {
    step(3, "A monitor and its Down message");
    Spawned<String> worker =
        me.spawnMonitor(
            ctx -> {
              ctx.receive(String.class); // one job, then return: reason normal
            });
    say("spawnMonitor started worker %s, monitor %s", worker.pid(), worker.ref());
    worker.pid().send("a job");
    Down down = me.receive(Down.class, d -> d.ref().equals(worker.ref()));
    say(
        "worker did its job and returned: Down(%s, %s, %s)",
        down.ref(),
        down.target(),
        down.reason());
    MonitorRef late = me.monitor(worker.pid());
    Down noproc = me.receive(Down.class, d -> d.ref().equals(late));
    say("monitoring the dead worker gives a Down at once, reason %s", noproc.reason());
  }

  // 4 ---------------------------------------------------------------------------------------

  private static final ProcessBody<Object> COUNTER =
      ctx -> {
        int count = 0;
        while (true) {
          Object m = ctx.receive();
          if (m instanceof Get g) {
            g.replyTo().send(count);
          } else if (m.equals("stop")) {
            return;
          } else {
            count++;
          }
        }
      };

  private void registeredNames() {
    step(4, "Registered names");
    Pid<Object> counter = me.spawn(COUNTER);
    node.register("counter", counter);
    say(
        "registered %s as \"counter\"; whereis(\"counter\") = %s",
        counter,
        show(node.whereis("counter")));
    me.send("counter", "inc");
    me.send("counter", "inc");
    me.send("counter", new Get(main));
    say("sent \"inc\" twice by name; the counter says %s", me.receive(Integer.class));
    MonitorRef ref = me.monitor("counter");
    me.send("counter", "stop");
    Down down = me.receive(Down.class, d -> d.ref().equals(ref));
    say("the counter stopped: Down(target=%s, reason=%s)", down.target(), down.reason());
    say(
        "the name was freed at its death: whereis(\"counter\") = %s",
        show(node.whereis("counter")));
    try {
      me.send("counter", "inc");
      say("sending to the free name did not fail (it should have!)");
    } catch (BadArgException e) {
      say("sending to the free name throws BadArgException: %s", e.getMessage());
    }
    Pid<Object> second = me.spawn(COUNTER);
    node.register("counter", second);
    me.send("counter", "inc");
    me.send("counter", new Get(main));
    say(
        "registered a new counter %s under the same name; whereis(\"counter\") = %s; count %s",
        second,
        show(node.whereis("counter")),
        me.receive(Integer.class));
  }

  private static String show(Optional<?> value) {
    return value.map(String::valueOf).orElse("none");
  }

  // 5 ---------------------------------------------------------------------------------------

  private void timers() {
    step(5, "Timers: sendAfter and cancelTimer");
    long t0 = System.nanoTime();
    TimerRef tick = node.sendAfter(Duration.ofMillis(200), main, "tick");
    say(
        "sendAfter(200 ms, main, \"tick\"); readTimer says %d ms left",
        node.readTimer(tick).orElseThrow().toMillis());
    String got = me.receive(String.class, s -> s.equals("tick"));
    say("main received \"%s\" after %d ms", got, (System.nanoTime() - t0) / 1_000_000);
    TimerRef late = node.sendAfter(Duration.ofSeconds(10), main, "too late");
    Optional<Duration> left = node.cancelTimer(late);
    say(
        "sendAfter(10 s, main, \"too late\"), then cancelTimer: cancelled with %d ms left",
        left.orElseThrow().toMillis());
    say("cancelTimer again: %s (the timer is no longer running)", show(node.cancelTimer(late)));
    Optional<String> none =
        me.receive(String.class, s -> s.equals("too late"), Duration.ofMillis(300));
    say("no \"too late\" in the next 300 ms: %s", none.isEmpty());
  }

  // 6 ---------------------------------------------------------------------------------------

  private void killBusyProcess() {
    step(6, "kill: a process in a CPU loop is reported dead at once");
    AtomicBoolean stopLooping = new AtomicBoolean();
    CountDownLatch loopEnded = new CountDownLatch(1);
    Pid<Object> spinner =
        me.spawn(
            ctx -> {
              main.send("spinning");
              try {
                // Never calls the runtime, so it never sees a message or a signal.
                while (!stopLooping.get()) {
                  Thread.onSpinWait();
                }
              } finally {
                loopEnded.countDown();
              }
            });
    me.receive(String.class, s -> s.equals("spinning"));
    MonitorRef ref = me.monitor(spinner);
    say("spinner %s is in a CPU loop and never calls receive", spinner);
    long t0 = System.nanoTime();
    me.exit(spinner, ExitReason.KILL);
    Down down = me.receive(Down.class, d -> d.ref().equals(ref));
    long micros = (System.nanoTime() - t0) / 1000;
    say(
        "exit(spinner, kill): Down with reason %s after %d microseconds; alive: %s",
        down.reason(),
        micros,
        spinner.isAlive());
    say(
        "its thread still runs its loop (Java cannot stop a thread): zombie: %s",
        node.zombies().contains(spinner));
    stopLooping.set(true);
    try {
      loopEnded.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the spinner's loop", e);
    }
    say("main set the loop's flag: the loop ended, and the zombie's thread returns");
  }
}
