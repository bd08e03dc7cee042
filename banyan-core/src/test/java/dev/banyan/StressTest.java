package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * Stress tests of the concurrent core: many processes racing sends, deaths, links, monitors and
 * names, checked against the invariants of otp-semantics §1–3.
 *
 * <p>Every random choice (which operation, when a killer strikes) comes from a seed printed to the
 * test output and named in every failure; {@code -Dstress.seed=N} replays the same choices. The
 * thread schedule is not replayed, so a seed makes a failure likely to recur, not certain. The
 * loops are bounded; on two busy cores the class runs in a few seconds.
 */
@Timeout(20)
class StressTest {

  private static final long SEED = Long.getLong("stress.seed", System.nanoTime());

  /** How long any single expected message may take: only reached when something is broken. */
  private static final Duration PATIENCE = Duration.ofSeconds(10);

  @BeforeAll
  static void printSeed() {
    System.out.println("StressTest seed " + SEED + " (replay with -Dstress.seed=" + SEED + ")");
  }

  /** {@return a random source for one test}: derived from the seed and the test's name. */
  private static SplittableRandom random(TestInfo test) {
    return new SplittableRandom(SEED ^ test.getTestMethod().orElseThrow().getName().hashCode());
  }

  private static String seed() {
    return " [seed " + SEED + "]";
  }

  private static Object receiveOrFail(ProcessContext<Object> me, String what) {
    return me.receive(PATIENCE)
        .orElseThrow(
            () -> new AssertionError("no message within " + PATIENCE + ": " + what + seed()));
  }

  /** Burns a little CPU so that killers strike at scattered moments. */
  private static void spin(int iterations) {
    for (int i = 0; i < iterations; i++) {
      Thread.onSpinWait();
    }
  }

  // ------------------------------------------------------------------------------------------
  // Messages of the tests and the processes they run

  record Tagged(int sender, int seq) {}

  record Seq(int round, int sender, int i) {}

  // Link / unlink / monitor / demonitor / kill races

  enum Op {
    LINK,
    UNLINK,
    MONITOR,
    DEMONITOR,
    DEMONITOR_FLUSH,
    POLL,
    YIELD
  }

  private static final Op[] WATCHER_OPS = {
    Op.LINK,
    Op.LINK,
    Op.LINK,
    Op.UNLINK,
    Op.UNLINK,
    Op.UNLINK,
    Op.MONITOR,
    Op.MONITOR,
    Op.DEMONITOR,
    Op.DEMONITOR,
    Op.DEMONITOR_FLUSH,
    Op.POLL,
    Op.YIELD
  };

  record Ready(Pid<?> watcher) {}

  record WatcherReport(List<String> errors, boolean sawDeathMidway) {}

  enum MonitorState {
    ACTIVE,
    DEMONITORED_ACTIVE,
    DEMONITORED_FIRED,
    FLUSHED
  }

  /**
   * A process that traps exits and races link, unlink, monitor and demonitor calls on a target
   * against the target's death, checking what arrives in its mailbox:
   *
   * <ul>
   *   <li>each monitor yields at most one Down, none after {@code demonitor} returned true or after
   *       {@code demonitorFlush} (CC-030, CC-031), and exactly one if it was not removed (CC-025,
   *       CC-026);
   *   <li>each {@code link} call accounts for at most one Exit: the one of the target's death while
   *       linked, or {@code noproc} for a link to the dead target (CC-019). So after {@code unlink}
   *       returns and the Exits queued before it are taken out, no Exit arrives until the next
   *       {@code link} (CC-021, CC-022). (More than one can be queued at the unlink: a death Exit
   *       and then a noproc one from a second link call.)
   *   <li>the target's death reaches a still-linked watcher as an Exit (CC-014).
   * </ul>
   */
  static final class Watcher implements ProcessBody<Object> {
    private final Pid<Object> target;
    private final Pid<Object> report;
    private final SplittableRandom rnd;
    private final int ops;

    // The watcher's own thread only.
    private MonitorRef sentinel; // never removed: tells when the target is dead
    private boolean targetDead;
    private final Map<MonitorRef, MonitorState> monitors = new LinkedHashMap<>();
    private final Map<MonitorRef, Integer> downs = new HashMap<>();
    private final List<MonitorRef> madeAfterDeath = new ArrayList<>();
    private int linkCalls; // since the last unlink
    private int exitsSinceUnlink;
    private int deathExits;
    private final List<String> errors = new ArrayList<>();

    Watcher(Pid<Object> target, Pid<Object> report, SplittableRandom rnd, int ops) {
      this.target = target;
      this.report = report;
      this.rnd = rnd;
      this.ops = ops;
    }

    @Override
    public void run(ProcessContext<Object> ctx) {
      ctx.trapExit(true);
      sentinel = ctx.monitor(target);
      report.send(new Ready(ctx.self()));
      ctx.receive(String.class, "go"::equals);
      for (int i = 0; i < ops; i++) {
        step(ctx, WATCHER_OPS[rnd.nextInt(WATCHER_OPS.length)]);
      }
      boolean sawDeathMidway = targetDead;
      while (!targetDead) {
        Optional<Object> m = ctx.receive(PATIENCE);
        if (m.isEmpty()) {
          errors.add("the target's death never reached the sentinel monitor");
          break;
        }
        handle(m.get());
      }
      for (Map.Entry<MonitorRef, MonitorState> e : monitors.entrySet()) {
        MonitorRef ref = e.getKey();
        if (e.getValue() == MonitorState.ACTIVE && downs.getOrDefault(ref, 0) == 0) {
          ctx.receive(Down.class, d -> d.ref().equals(ref), PATIENCE)
              .ifPresentOrElse(this::handle, () -> errors.add("no Down for active monitor " + ref));
        }
      }
      if (linkCalls > 0 && exitsSinceUnlink == 0) {
        ctx.receive(Exit.class, e -> e.from().equals(target), PATIENCE)
            .ifPresentOrElse(
                this::handle,
                () -> errors.add("linked (" + linkCalls + " link calls) but no Exit came"));
      }
      for (Optional<Object> m = ctx.receive(Duration.ZERO);
          m.isPresent();
          m = ctx.receive(Duration.ZERO)) {
        handle(m.get());
      }
      report.send(new WatcherReport(List.copyOf(errors), sawDeathMidway));
    }

    private void step(ProcessContext<Object> ctx, Op op) {
      switch (op) {
        case LINK -> {
          ctx.link(target); // trapping: a dead target gives an Exit with noproc, no exception
          linkCalls++;
        }
        case UNLINK -> {
          ctx.unlink(target);
          // Take out the Exits queued before unlink returned; none may come later.
          for (Optional<Exit> e = exitFromTarget(ctx); e.isPresent(); e = exitFromTarget(ctx)) {
            handle(e.get());
          }
          linkCalls = 0;
          exitsSinceUnlink = 0;
        }
        case MONITOR -> {
          MonitorRef ref = ctx.monitor(target);
          monitors.put(ref, MonitorState.ACTIVE);
          if (targetDead) {
            madeAfterDeath.add(ref);
          }
        }
        case DEMONITOR -> {
          MonitorRef ref = anyActive();
          if (ref == null) {
            return;
          }
          boolean wasActive = ctx.demonitor(ref);
          if (wasActive) {
            monitors.put(ref, MonitorState.DEMONITORED_ACTIVE);
            if (downs.getOrDefault(ref, 0) > 0) {
              errors.add("demonitor(" + ref + ") returned true after its Down was received");
            }
          } else {
            monitors.put(ref, MonitorState.DEMONITORED_FIRED);
            if (downs.getOrDefault(ref, 0) == 0) {
              // It fired: its Down must be in the mailbox now (CC-031).
              ctx.receive(Down.class, d -> d.ref().equals(ref), Duration.ZERO)
                  .ifPresentOrElse(
                      this::handle,
                      () ->
                          errors.add(
                              "demonitor(" + ref + ") returned false, but no Down is queued"));
            }
          }
        }
        case DEMONITOR_FLUSH -> {
          MonitorRef ref = anyActive();
          if (ref != null) {
            ctx.demonitorFlush(ref);
            monitors.put(ref, MonitorState.FLUSHED);
          }
        }
        case POLL -> ctx.receive(Duration.ZERO).ifPresent(this::handle);
        case YIELD -> Thread.yield();
      }
    }

    private Optional<Exit> exitFromTarget(ProcessContext<Object> ctx) {
      return ctx.receive(Exit.class, e -> e.from().equals(target), Duration.ZERO);
    }

    private MonitorRef anyActive() {
      List<MonitorRef> active = new ArrayList<>();
      monitors.forEach(
          (ref, state) -> {
            if (state == MonitorState.ACTIVE && downs.getOrDefault(ref, 0) == 0) {
              active.add(ref);
            }
          });
      return active.isEmpty() ? null : active.get(rnd.nextInt(active.size()));
    }

    private void handle(Object m) {
      if (m instanceof Down d) {
        if (d.ref().equals(sentinel)) {
          if (targetDead) {
            errors.add("two Downs for the sentinel monitor");
          }
          targetDead = true;
          if (!d.reason().equals(ExitReason.KILLED)) {
            errors.add("sentinel Down with " + d.reason() + ", expected killed");
          }
          return;
        }
        MonitorState state = monitors.get(d.ref());
        if (state == null) {
          errors.add("Down for an unknown monitor: " + d);
          return;
        }
        if (downs.merge(d.ref(), 1, Integer::sum) > 1) {
          errors.add("a second Down for " + d.ref() + " (" + state + ")");
        }
        switch (state) {
          case ACTIVE, DEMONITORED_FIRED -> {}
          case DEMONITORED_ACTIVE -> errors.add("Down after demonitor returned true: " + d);
          case FLUSHED -> errors.add("Down after demonitorFlush: " + d);
        }
        if (madeAfterDeath.contains(d.ref())) {
          if (!d.reason().equals(ExitReason.NOPROC)) {
            errors.add("monitor made after the death gave " + d.reason() + ", expected noproc");
          }
        } else if (!d.reason().equals(ExitReason.KILLED) && !d.reason().equals(ExitReason.NOPROC)) {
          errors.add("Down with " + d.reason());
        }
      } else if (m instanceof Exit e && e.from().equals(target)) {
        exitsSinceUnlink++;
        if (exitsSinceUnlink > linkCalls) {
          errors.add(
              "Exit "
                  + e.reason()
                  + " with "
                  + linkCalls
                  + " link calls since the last unlink"
                  + " and "
                  + (exitsSinceUnlink - 1)
                  + " Exits already: after unlink, or twice");
        }
        if (e.reason().equals(ExitReason.KILLED)) {
          if (++deathExits > 1) {
            errors.add("the target's death gave two Exits");
          }
        } else if (!e.reason().equals(ExitReason.NOPROC)) {
          errors.add("Exit with " + e.reason());
        }
      } else {
        errors.add("unexpected message " + m);
      }
    }
  }

  enum LinkerEnd {
    LINKED,
    UNLINKED
  }

  record CycleReport(List<String> errors, int cycles) {}

  private static Optional<Exit> exitFrom(ProcessContext<Object> ctx, Pid<?> from) {
    return ctx.receive(Exit.class, e -> e.from().equals(from), Duration.ZERO);
  }

  record Go(Pid<Object> killer) {}

  // Names

  record Claimed(int name, Pid<?> holder) {}

  record CheckerDone(int checks) {}

  // Kill cascades

  record Tail(Pid<Object> pid) {}

  /** One link of a chain: spawns the rest of the chain linked to itself, then waits. */
  record ChainLink(int left, Pid<Object> report) implements ProcessBody<Object> {
    @Override
    public void run(ProcessContext<Object> ctx) {
      if (left > 1) {
        ctx.spawnLink(new ChainLink(left - 1, report));
      } else {
        report.send(new Tail(ctx.self()));
      }
      for (; ; ) {
        ctx.receive();
      }
    }
  }

  // ------------------------------------------------------------------------------------------

  /** Sending messages: ordering per sender (CC-003), and nothing after a death notice (CC-033). */
  @Nested
  class Send {
    @Test
    @DisplayName(
        "CC-003: 16 concurrent senders × 10,000 messages: each sender's messages arrive complete"
            + " and in order")
    void perSenderOrderHoldsUnderConcurrency(TestInfo test) {
      final int senders = 16;
      final int perSender = 10_000;
      SplittableRandom rnd = random(test);
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> receiver = me.self();
        List<Pid<Object>> pids = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
          int id = s;
          SplittableRandom r = rnd.split();
          pids.add(
              me.spawn(
                  ctx -> {
                    ctx.receive(String.class);
                    for (int i = 0; i < perSender; i++) {
                      ctx.send(receiver, new Tagged(id, i));
                      if (r.nextInt(64) == 0) {
                        Thread.yield();
                      }
                    }
                  }));
        }
        pids.forEach(p -> p.send("go"));

        int[] next = new int[senders];
        for (int n = 0; n < senders * perSender; n++) {
          Tagged t;
          if (rnd.nextInt(1000) == 0) {
            // Now and then a selective receive for one sender, which skips the others' messages
            // and leaves them in order (CC-005) for the plain receives that follow.
            int k = rnd.nextInt(senders);
            while (next[k] == perSender) {
              k = (k + 1) % senders;
            }
            int wanted = k;
            t =
                me.receive(Tagged.class, m -> m.sender() == wanted, PATIENCE)
                    .orElseThrow(
                        () -> new AssertionError("sender " + wanted + " stalled" + seed()));
          } else {
            t =
                (Tagged)
                    receiveOrFail(
                        me, "message " + n + "; next per sender " + Arrays.toString(next));
          }
          if (t.seq() != next[t.sender()]) {
            fail(
                "sender "
                    + t.sender()
                    + ": got "
                    + t.seq()
                    + ", expected "
                    + next[t.sender()]
                    + seed());
          }
          next[t.sender()]++;
        }
        assertThat(next).as("messages per sender" + seed()).containsOnly(perSender);
        assertThat(me.receive(Duration.ofMillis(100))).as("extra messages" + seed()).isEmpty();
      }
    }

    @Test
    @DisplayName(
        "CC-033, CC-003: messages from processes that die mid-stream never arrive after their Exit"
            + " or Down")
    void messagesOfDyingSendersNeverFollowTheirDeathNotice(TestInfo test) {
      final int rounds = 150;
      final int sendersPerRound = 4; // they contend for the receiver's lock with the kills
      final int perSender = 500;
      SplittableRandom rnd = random(test);
      int killedMidStream = 0;
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        me.trapExit(true);
        Pid<Object> receiver = me.self();
        for (int round = 0; round < rounds; round++) {
          final int r = round;
          List<Pid<Object>> senders = new ArrayList<>();
          List<Pid<Object>> victims = new ArrayList<>();
          Map<Object, Integer> noticeOf = new HashMap<>(); // Down ref or linked pid -> sender index
          int[] exitAfter = new int[sendersPerRound]; // perSender: does not exit by itself
          for (int k = 0; k < sendersPerRound; k++) {
            final int id = k;
            boolean selfExit = rnd.nextInt(4) == 0; // else a third process kills it
            exitAfter[k] = selfExit ? rnd.nextInt(perSender + 1) : perSender;
            final int stopAt = exitAfter[k];
            ProcessBody<Object> body =
                ctx -> {
                  ctx.receive(String.class);
                  for (int i = 0; i < perSender; i++) {
                    if (i == stopAt) {
                      throw new ExitException(ExitReason.shutdown(id));
                    }
                    ctx.send(receiver, new Seq(r, id, i)); // once killed, this throws
                    if (i % 128 == 127) {
                      Thread.yield(); // lets the killer in, also when carriers are scarce
                    }
                  }
                };
            Pid<Object> sender;
            if (rnd.nextBoolean()) {
              sender = me.spawnLink(body);
              noticeOf.put(sender, k);
            } else {
              Spawned<Object> s = me.spawnMonitor(body);
              sender = s.pid();
              noticeOf.put(s.ref(), k);
            }
            senders.add(sender);
            if (!selfExit) {
              victims.add(sender);
            }
          }
          Collections.shuffle(victims, new java.util.Random(rnd.nextLong()));
          int[] spins = rnd.ints(victims.size(), 0, 2_000).toArray();
          Pid<Object> killer =
              me.spawn(
                  ctx -> {
                    ctx.receive(String.class);
                    for (int v = 0; v < victims.size(); v++) {
                      spin(spins[v]);
                      ctx.exit(victims.get(v), ExitReason.KILL);
                    }
                  });
          senders.forEach(p -> p.send("go"));
          killer.send("go");

          int[] next = new int[sendersPerRound];
          ExitReason[] reasons = new ExitReason[sendersPerRound];
          int notices = 0;
          while (notices < sendersPerRound) {
            Object m = receiveOrFail(me, "round " + r + ": next " + Arrays.toString(next));
            if (m instanceof Seq s) {
              if (s.round() != r || reasons[s.sender()] != null || s.i() != next[s.sender()]) {
                fail(
                    "round "
                        + r
                        + ": got "
                        + s
                        + " after "
                        + next[s.sender()]
                        + " messages and "
                        + (reasons[s.sender()] == null
                            ? "no death notice"
                            : "the death notice " + reasons[s.sender()])
                        + seed());
              }
              next[s.sender()]++;
            } else if (m instanceof Exit e && noticeOf.containsKey(e.from())) {
              reasons[noticeOf.get(e.from())] = e.reason();
              notices++;
            } else if (m instanceof Down d && noticeOf.containsKey(d.ref())) {
              reasons[noticeOf.get(d.ref())] = d.reason();
              notices++;
            } else {
              fail("round " + r + ": unexpected " + m + seed());
            }
          }
          // The senders' threads have made their last send attempts: anything of theirs still to
          // come would now be in the mailbox, after their death notices.
          // (A sender killed before its thread began never runs its body: hence the zombie list,
          // not a latch in the body, tells when the threads are done.)
          long deadline = System.nanoTime() + PATIENCE.toNanos();
          while (!Collections.disjoint(node.zombies(), senders)) {
            if (System.nanoTime() > deadline) {
              fail("round " + r + ": sender threads still running: " + node.zombies() + seed());
            }
            Thread.yield();
          }
          assertThat(me.receive(Duration.ZERO))
              .as("round %d: a message after the death notices%s", r, seed())
              .isEmpty();

          for (int k = 0; k < sendersPerRound; k++) {
            if (exitAfter[k] < perSender) {
              assertThat(reasons[k])
                  .as("round %d reason%s", r, seed())
                  .isEqualTo(ExitReason.shutdown(k));
              assertThat(next[k])
                  .as("round %d: every message sent before the exit (CC-033)%s", r, seed())
                  .isEqualTo(exitAfter[k]);
            } else if (reasons[k].equals(ExitReason.NORMAL)) {
              assertThat(next[k]).as("round %d: all messages%s", r, seed()).isEqualTo(perSender);
            } else {
              assertThat(reasons[k])
                  .as("round %d reason%s", r, seed())
                  .isEqualTo(ExitReason.KILLED);
              if (next[k] < perSender) {
                killedMidStream++;
              }
            }
          }
        }
      }
      System.out.println(
          "messagesOfDyingSenders: "
              + killedMidStream
              + " of "
              + rounds * sendersPerRound
              + " senders were killed mid-stream");
    }
  }

  /** Links, monitors and their removal racing exit signals. */
  @Nested
  class LinkAndMonitor {
    @Test
    @DisplayName(
        "CC-014, CC-019, CC-021, CC-025, CC-026, CC-030, CC-031: link, unlink, monitor, demonitor"
            + " and kill racing")
    void linkAndMonitorOperationsRacingAKill(TestInfo test) {
      final int rounds = 80;
      final int groups = 4; // few at a time: a death and the races on it then share the cores
      final int watchersPerGroup = 3; // several peers, so that a death takes a while to propagate
      final int linkersPerGroup = 3;
      // Linked to each target, so that its death takes a while to propagate: watchers then unlink
      // while the death is being delivered to the target's other links.
      final int ballastPerTarget = 100;
      final int watcherOps = 100;
      final int watcherCount = groups * watchersPerGroup;
      final int linkerCount = groups * linkersPerGroup;
      SplittableRandom rnd = random(test);
      int sawDeathMidway = 0;
      List<String> errors = new ArrayList<>();
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        for (int round = 0; round < rounds; round++) {
          // Roles of the monitors the test holds.
          Map<MonitorRef, String> targets = new HashMap<>();
          Map<MonitorRef, LinkerEnd> linkers = new HashMap<>();
          Map<MonitorRef, Pid<?>> watchers = new HashMap<>();
          List<Pid<Object>> toStart = new ArrayList<>();
          List<Pid<Object>> linkerPids = new ArrayList<>();
          for (int g = 0; g < groups; g++) {
            Pid<Object> testPid = me.self();
            Spawned<Object> target =
                me.spawnMonitor(
                    ctx -> {
                      for (int b = 0; b < ballastPerTarget; b++) {
                        ctx.spawnLink(
                            c -> {
                              for (; ; ) {
                                c.receive();
                              }
                            });
                      }
                      testPid.send(new Ready(ctx.self()));
                      for (; ; ) {
                        ctx.receive();
                      }
                    });
            targets.put(target.ref(), "target " + target.pid());
            for (int w = 0; w < watchersPerGroup; w++) {
              Spawned<Object> watcher =
                  me.spawnMonitor(new Watcher(target.pid(), me.self(), rnd.split(), watcherOps));
              watchers.put(watcher.ref(), watcher.pid());
              toStart.add(watcher.pid());
            }

            // Non-trapping processes that link and unlink: if the last call was link, the
            // target's death (or noproc) must kill them.
            for (int l = 0; l < linkersPerGroup; l++) {
              boolean[] plan = new boolean[1 + rnd.nextInt(12)]; // true: link, false: unlink
              for (int i = 0; i < plan.length; i++) {
                plan[i] = rnd.nextBoolean();
              }
              SplittableRandom lr = rnd.split();
              Spawned<Object> linker =
                  me.spawnMonitor(
                      ctx -> {
                        ctx.receive(String.class, "go"::equals);
                        for (boolean link : plan) {
                          if (link) {
                            try {
                              ctx.link(target.pid());
                            } catch (NoProcException e) {
                              throw new ExitException(ExitReason.shutdown("noproc")); // CC-019
                            }
                          } else {
                            ctx.unlink(target.pid());
                          }
                          if (lr.nextInt(3) == 0) {
                            Thread.yield();
                          }
                        }
                        ctx.receive(String.class, "stop"::equals);
                      });
              linkers.put(
                  linker.ref(), plan[plan.length - 1] ? LinkerEnd.LINKED : LinkerEnd.UNLINKED);
              linkerPids.add(linker.pid());
              toStart.add(linker.pid());
            }

            int spins = rnd.nextInt(3_000);
            int yields = rnd.nextInt(6);
            toStart.add(
                me.spawn(
                    ctx -> {
                      ctx.receive(String.class, "go"::equals);
                      for (int y = 0; y < yields; y++) {
                        Thread.yield();
                      }
                      spin(spins);
                      ctx.exit(target.pid(), ExitReason.KILL);
                    }));
          }
          for (int w = 0; w < watcherCount + groups; w++) {
            Object m = receiveOrFail(me, "watchers and targets ready");
            assertThat(m).as("round %d%s", round, seed()).isInstanceOf(Ready.class);
          }
          Collections.shuffle(toStart, new java.util.Random(rnd.nextLong()));
          toStart.forEach(p -> p.send("go"));

          int targetDowns = 0;
          int linkerDowns = 0;
          int watcherDowns = 0;
          int reports = 0;
          boolean stopsSent = false;
          while (targetDowns < groups
              || linkerDowns < linkerCount
              || watcherDowns < watcherCount
              || reports < watcherCount) {
            if (!stopsSent && targetDowns == groups) {
              linkerPids.forEach(p -> p.send("stop"));
              stopsSent = true;
            }
            Object m =
                receiveOrFail(
                    me,
                    "round "
                        + round
                        + ": "
                        + targetDowns
                        + " target Downs, "
                        + linkerDowns
                        + " linker Downs, "
                        + watcherDowns
                        + " watcher Downs, "
                        + reports
                        + " reports");
            if (m instanceof WatcherReport r) {
              reports++;
              r.errors().forEach(e -> errors.add("watcher: " + e));
              if (r.sawDeathMidway()) {
                sawDeathMidway++;
              }
            } else if (m instanceof Down d && targets.containsKey(d.ref())) {
              targetDowns++;
              if (!d.reason().equals(ExitReason.KILLED)) {
                errors.add(targets.get(d.ref()) + " died with " + d.reason());
              }
            } else if (m instanceof Down d && linkers.containsKey(d.ref())) {
              linkerDowns++;
              ExitReason reason = d.reason();
              boolean died =
                  reason.equals(ExitReason.KILLED) || reason.equals(ExitReason.shutdown("noproc"));
              if (linkers.get(d.ref()) == LinkerEnd.LINKED && !died) {
                errors.add(
                    "linker " + d.target() + " ended linked to a killed target, yet " + reason);
              } else if (!died && !reason.equals(ExitReason.NORMAL)) {
                errors.add("linker " + d.target() + " ended with " + reason);
              }
            } else if (m instanceof Down d && watchers.containsKey(d.ref())) {
              watcherDowns++;
              if (!d.reason().equals(ExitReason.NORMAL)) {
                errors.add("watcher " + d.target() + " died with " + d.reason());
              }
            } else {
              errors.add("test received " + m);
            }
          }
        }
      }
      System.out.println(
          "linkAndMonitorRaces: "
              + sawDeathMidway
              + " of "
              + rounds * watcherCount
              + " watchers saw the target die while still racing");
      assertThat(errors).as("invariant violations" + seed()).isEmpty();
    }

    @Test
    @DisplayName(
        "CC-021, CC-022: unlink racing a death that is being propagated: no Exit after unlink")
    void unlinkRacingTheTargetsDeathStopsItsExit(TestInfo test) {
      final int rounds = 200;
      final int watchersPerRound = 2;
      final int ballast = 200; // links of the target: its death takes a while to propagate
      final int maxCycles = 200_000;
      SplittableRandom rnd = random(test);
      List<String> errors = new ArrayList<>();
      long cycles = 0;
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> testPid = me.self();
        for (int round = 0; round < rounds; round++) {
          Pid<Object> target =
              me.spawn(
                  ctx -> {
                    for (int b = 0; b < ballast; b++) {
                      ctx.spawnLink(
                          c -> {
                            for (; ; ) {
                              c.receive();
                            }
                          });
                    }
                    testPid.send("ready");
                    for (; ; ) {
                      ctx.receive();
                    }
                  });
          List<Pid<Object>> watchers = new ArrayList<>();
          List<MonitorRef> refs = new ArrayList<>();
          for (int w = 0; w < watchersPerRound; w++) {
            Spawned<Object> s =
                me.spawnMonitor(
                    ctx -> {
                      ctx.trapExit(true);
                      Pid<Object> killer = ctx.receive(Go.class).killer();
                      List<String> found = new ArrayList<>();
                      int cycle = 0;
                      boolean killDone = false;
                      while (!killDone && cycle < maxCycles) {
                        cycle++;
                        ctx.link(target);
                        if (cycle == 10) {
                          killer.send("cycling"); // the kill comes while the cycles go on
                        }
                        // Linked most of the time, so that the death is likely to find the link.
                        killDone =
                            ctx.receive(String.class, "killed"::equals, Duration.ZERO).isPresent();
                        Thread.yield(); // never a CPU hog: the killer needs a carrier too
                        ctx.unlink(target);
                        // One link call since the last unlink: it accounts for at most one Exit
                        // (the death while linked, or noproc). A second one came in late.
                        List<ExitReason> exits = new ArrayList<>();
                        for (Optional<Exit> e = exitFrom(ctx, target);
                            e.isPresent();
                            e = exitFrom(ctx, target)) {
                          exits.add(e.get().reason());
                        }
                        if (exits.size() > 1) {
                          found.add(
                              "Exits "
                                  + exits
                                  + " after one link and unlink (cycle "
                                  + cycle
                                  + ")");
                        }
                      }
                      if (!killDone) {
                        found.add("the killer never reported (" + cycle + " cycles)");
                      }
                      // The killer reported after exit() returned, when the death had reached every
                      // link: an Exit of that death still in the mailbox came after unlink.
                      exitFrom(ctx, target)
                          .ifPresent(e -> found.add("an Exit after unlink returned: " + e));
                      testPid.send(new CycleReport(List.copyOf(found), cycle));
                    });
            watchers.add(s.pid());
            refs.add(s.ref());
          }
          int spins = rnd.nextInt(2_000);
          Pid<Object> killer =
              me.spawn(
                  ctx -> {
                    for (int w = 0; w < watchersPerRound; w++) {
                      ctx.receive(String.class, "cycling"::equals);
                    }
                    spin(spins);
                    ctx.exit(target, ExitReason.KILL); // returns once the death is propagated
                    watchers.forEach(w -> w.send("killed"));
                  });
          assertThat(receiveOrFail(me, "target ready")).isEqualTo("ready");
          watchers.forEach(w -> w.send(new Go(killer)));
          for (int w = 0; w < watchersPerRound; w++) {
            CycleReport r = me.receive(CycleReport.class, PATIENCE).orElseThrow();
            for (String e : r.errors()) {
              errors.add("round " + round + ": " + e);
            }
            cycles += r.cycles();
          }
          for (MonitorRef ref : refs) {
            Down d = me.receive(Down.class, x -> x.ref().equals(ref), PATIENCE).orElseThrow();
            assertThat(d.reason()).as("watcher exit" + seed()).isEqualTo(ExitReason.NORMAL);
          }
        }
      }
      System.out.println("unlinkRacingTheTargetsDeath: " + cycles + " link/unlink cycles");
      assertThat(errors).as("invariant violations" + seed()).isEmpty();
    }
  }

  /** Registered names racing registration, unregistration and deaths. */
  @Nested
  class Register {
    @Test
    @DisplayName("CC-009, CC-010: register, unregister and whereis racing with deaths")
    void namesStayUniqueAndAreFreedBeforeTheDown(TestInfo test) {
      final int names = 6;
      final int workers = 48;
      final int iterations = 400;
      final int kills = 24;
      SplittableRandom rnd = random(test);
      ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
      // The oracle: the last process that claimed each name. A holder clears its entry before
      // unregistering; a holder that dies leaves a dead pid behind.
      AtomicReferenceArray<Pid<?>> owner = new AtomicReferenceArray<>(names);
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> testPid = me.self();

        // On the Down of every holder, its name is no longer its own (CC-010).
        Pid<Object> checker =
            me.spawn(
                ctx -> {
                  Map<MonitorRef, Claimed> watching = new HashMap<>();
                  int checks = 0;
                  boolean stopping = false;
                  while (!stopping || !watching.isEmpty()) {
                    Optional<Object> next = ctx.receive(PATIENCE);
                    if (next.isEmpty()) {
                      errors.add("checker: " + watching.size() + " Downs never came");
                      break;
                    }
                    Object m = next.get();
                    if (m instanceof Claimed c) {
                      watching.put(ctx.monitor(c.holder()), c);
                    } else if (m instanceof Down d) {
                      Claimed c = watching.remove(d.ref());
                      Optional<Pid<?>> now = node.whereis("stress-" + c.name());
                      if (now.isPresent() && now.get().equals(c.holder())) {
                        errors.add(
                            "stress-"
                                + c.name()
                                + " still names "
                                + c.holder()
                                + " after its Down");
                      }
                      checks++;
                    } else if ("stop".equals(m)) {
                      stopping = true;
                    }
                  }
                  testPid.send(new CheckerDone(checks));
                });

        List<Pid<Object>> pids = new ArrayList<>();
        Map<MonitorRef, Pid<?>> refs = new HashMap<>();
        for (int w = 0; w < workers; w++) {
          SplittableRandom r = rnd.split();
          Spawned<Object> s =
              me.spawnMonitor(
                  ctx -> {
                    Pid<Object> self = ctx.self();
                    ctx.receive(String.class, "go"::equals);
                    for (int i = 0; i < iterations; i++) {
                      int k = r.nextInt(names);
                      String name = "stress-" + k;
                      try {
                        ctx.register(name);
                      } catch (BadArgException taken) {
                        if (r.nextInt(4) == 0) {
                          Thread.yield();
                        }
                        continue;
                      }
                      Pid<?> previous = owner.getAndSet(k, self);
                      // Both alive after the swap means both held the name at the swap.
                      if (previous != null && previous.isAlive() && self.isAlive()) {
                        errors.add(name + " held by " + previous + " and " + self + " at once");
                      }
                      checker.send(new Claimed(k, self));
                      Optional<Pid<?>> seen = node.whereis(name);
                      if (!seen.equals(Optional.of(self)) && self.isAlive()) {
                        errors.add(
                            "whereis(" + name + ") = " + seen + " while " + self + " holds it");
                      }
                      if (r.nextInt(3) == 0) {
                        Thread.yield();
                      }
                      if (r.nextInt(25) == 0) {
                        throw new ExitException(ExitReason.shutdown("leaves holding " + name));
                      }
                      owner.compareAndSet(k, self, null);
                      try {
                        node.unregister(name);
                      } catch (BadArgException e) {
                        errors.add(
                            self + " could not unregister its own " + name + ": " + e.getMessage());
                      }
                    }
                  });
          pids.add(s.pid());
          refs.put(s.ref(), s.pid());
        }
        List<Pid<Object>> victims = new ArrayList<>();
        List<ExitReason> how = new ArrayList<>();
        List<Integer> pauses = new ArrayList<>();
        for (int i = 0; i < kills; i++) {
          victims.add(pids.get(rnd.nextInt(workers)));
          how.add(rnd.nextBoolean() ? ExitReason.KILL : ExitReason.shutdown("stress"));
          pauses.add(rnd.nextInt(50_000));
        }
        Pid<Object> killer =
            me.spawn(
                ctx -> {
                  ctx.receive(String.class, "go"::equals);
                  for (int i = 0; i < victims.size(); i++) {
                    spin(pauses.get(i));
                    Thread.yield();
                    ctx.exit(victims.get(i), how.get(i));
                  }
                });
        pids.forEach(p -> p.send("go"));
        killer.send("go");

        for (int i = 0; i < workers; i++) {
          Object m = receiveOrFail(me, "worker Downs: " + i + " of " + workers);
          if (!(m instanceof Down d) || !refs.containsKey(d.ref())) {
            errors.add("test received " + m);
            continue;
          }
          ExitReason reason = d.reason();
          boolean expected =
              reason.equals(ExitReason.NORMAL)
                  || reason.equals(ExitReason.KILLED)
                  || reason.equals(ExitReason.shutdown("stress"))
                  || (reason instanceof ExitReason.Shutdown s && s.detail().isPresent());
          if (!expected) {
            errors.add("worker " + d.target() + " died with " + reason);
          }
        }
        // Every worker is dead, so every name is free (CC-010) ...
        assertThat(node.registered()).as("names left after all holders died" + seed()).isEmpty();
        for (int k = 0; k < names; k++) {
          assertThat(node.whereis("stress-" + k)).as("whereis after all died" + seed()).isEmpty();
          me.register("stress-" + k); // ... and can be taken again at once
          node.unregister("stress-" + k);
        }
        checker.send("stop");
        Object done = receiveOrFail(me, "checker done");
        assertThat(done).as("checker" + seed()).isInstanceOf(CheckerDone.class);
        System.out.println(
            "namesStayUnique: the checker saw "
                + ((CheckerDone) done).checks()
                + " holders die or leave");
      }
      assertThat(errors).as("invariant violations" + seed()).isEmpty();
    }
  }

  /** Exit signals propagating down long chains of links. */
  @Nested
  class ExitSignalCascade {
    @Test
    @DisplayName(
        "CC-014: killing the head of a chain of 10,000 linked processes kills the tail with killed")
    void killingTheHeadOfALongLinkedChainKillsTheTail() {
      final int length = 10_000;
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> head = me.spawn(new ChainLink(length, me.self()));
        Tail tail = (Tail) receiveOrFail(me, "the chain's tail");
        MonitorRef ref = me.monitor(tail.pid());
        assertThat(node.processCount()).isEqualTo(length + 1);

        me.exit(head, ExitReason.KILL);

        Down down = me.receive(Down.class, d -> d.ref().equals(ref), PATIENCE).orElseThrow();
        assertThat(down.reason()).isEqualTo(ExitReason.KILLED);
        assertThat(node.processCount()).as("only the test is alive").isEqualTo(1);
      }
    }

    @Test
    @DisplayName(
        "CC-013: a crash at the head of a chain of 10,000 linked processes reaches the tail")
    void crashAtTheHeadOfALongLinkedChainReachesTheTail() {
      final int length = 10_000;
      IllegalStateException boom = new IllegalStateException("head crashed (expected by the test)");
      try (Node node = Node.start();
          AttachedProcess<Object> me = node.attach()) {
        Pid<Object> test = me.self();
        Pid<Object> head =
            me.spawn(
                ctx -> {
                  ctx.spawnLink(new ChainLink(length - 1, test));
                  ctx.receive(String.class, "crash"::equals);
                  throw boom;
                });
        Tail tail = (Tail) receiveOrFail(me, "the chain's tail");
        MonitorRef ref = me.monitor(tail.pid());

        head.send("crash");

        Down down = me.receive(Down.class, d -> d.ref().equals(ref), PATIENCE).orElseThrow();
        assertThat(down.reason()).isEqualTo(new ExitReason.Crashed(boom));
        assertThat(node.processCount()).as("only the test is alive").isEqualTo(1);
      }
    }
  }
}
