package dev.banyan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;

/**
 * Many processes register, unregister, crash and are killed — some in the middle of a
 * registration — while readers look up, match and dispatch; the invariants of Elixir's Registry
 * (otp-semantics §7.1, CC-151..CC-153) must hold throughout and at the end.
 *
 * <p>Random choices come from a seed printed to the test output ({@code -Dstress.seed=N} replays
 * them; the thread schedule is not replayed). Readers yield on every turn and stop through a flag
 * the test clears in a finally block; they are platform threads, so they keep no carrier thread.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RegistryConcurrencyTest {

  private static final long SEED = Long.getLong("stress.seed", System.nanoTime());
  private static final Duration PATIENCE = Duration.ofSeconds(10);
  private static final int WORKERS = 32;
  private static final int ROUNDS = 200;
  private static final int KEYS = 8;
  private static final int PARTITIONS = 4;
  private static final int KILLS = 10;

  @BeforeAll
  static void printSeed() {
    System.out.println("RegistryConcurrencyTest seed " + SEED + " (replay with -Dstress.seed=" + SEED + ")");
  }

  private static SplittableRandom random(TestInfo test) {
    return new SplittableRandom(SEED ^ test.getTestMethod().orElseThrow().getName().hashCode());
  }

  private static String key(int i) {
    return "key-" + i;
  }

  /**
   * Starts a reader that runs {@code check} over and over until {@code running} is cleared. It
   * is a platform thread, not a process: lookups need no process, and a virtual thread looping
   * here would hold one of the scheduler's few carriers, which favours the re-queued yielder
   * over newly spawned processes.
   */
  private static Thread reader(AtomicBoolean running, AtomicLong reads, Runnable check) {
    return Thread.ofPlatform()
        .name("registry-reader")
        .start(
            () -> {
              while (running.get()) {
                check.run();
                reads.incrementAndGet();
                Thread.yield();
              }
            });
  }

  private static void stopReaders(AtomicBoolean running, List<Thread> readers) {
    running.set(false);
    for (Thread t : readers) {
      try {
        t.join(PATIENCE.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Kills {@link #KILLS} workers at scattered moments while the others run: the test kills one
   * each time a worker ends by itself, then waits for every worker's Down.
   */
  private static void killSomeAndAwaitAll(
      AttachedProcess<Object> me, List<Pid<Object>> workers, SplittableRandom random) {
    Map<MonitorRef, Pid<Object>> watched = new HashMap<>();
    for (Pid<Object> w : workers) {
      watched.put(me.monitor(w), w);
    }
    int kills = 0;
    while (!watched.isEmpty()) {
      Down down =
          me.receive(Down.class, d -> watched.containsKey(d.ref()), PATIENCE)
              .orElseThrow(
                  () ->
                      new AssertionError(
                          "a worker did not end [seed " + SEED + "]; the processes:\n"
                              + describe(me.node(), watched.values())));
      watched.remove(down.ref());
      if (kills < KILLS && !watched.isEmpty()) {
        List<Pid<Object>> alive = new ArrayList<>(watched.values());
        me.exit(alive.get(random.nextInt(alive.size())), ExitReason.KILL);
        kills++;
      }
    }
  }

  /** What the processes of the node are doing: for the message of a failure. */
  private static String describe(Node node, java.util.Collection<Pid<Object>> workers) {
    StringBuilder out = new StringBuilder("workers not ended: " + workers + "\n");
    for (Pid<?> pid : node.processes()) {
      node.processInfo(pid)
          .ifPresent(
              info -> {
                out.append(info.pid()).append(' ').append(info.status()).append(" mailbox=")
                    .append(info.mailboxLength()).append(" links=").append(info.links()).append('\n');
                info.stack().stream().limit(25).forEach(f -> out.append("    at ").append(f).append('\n'));
              });
    }
    return out.toString();
  }

  @Test
  @DisplayName("CC-151, CC-153: a unique key never has two live holders; the entries of dead processes go")
  void uniqueKeysUnderChurn(TestInfo test) {
    SplittableRandom random = random(test);
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    Set<Pid<?>> owners = ConcurrentHashMap.newKeySet();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong reads = new AtomicLong();
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Registry<String, String> registry =
          Registry.start(node, Registry.Options.unique().withPartitions(PARTITIONS));
      // Who believes it holds each key. A process that gets Ok must find no other live believer.
      ConcurrentHashMap<String, Pid<?>> claims = new ConcurrentHashMap<>();
      List<Thread> readers = new ArrayList<>();
      try {
        for (int r = 0; r < 2; r++) {
          readers.add(reader(
              running,
              reads,
              () -> {
                for (int k = 0; k < KEYS; k++) {
                  List<Registry.Entry<String>> entries = registry.lookup(key(k));
                  if (entries.size() > 1) {
                    violations.add("lookup(" + key(k) + ") has " + entries);
                  }
                  for (Registry.Entry<String> e : entries) {
                    if (!e.value().equals(e.pid().toString())) {
                      violations.add("entry " + e + " has another process's value");
                    }
                  }
                  registry.whereisName(key(k)); // exercised: its liveness check is racy to assert
                }
              }));
        }
        List<Pid<Object>> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
          long workerSeed = random.nextLong();
          workers.add(
              node.spawn(
                  ctx -> {
                    SplittableRandom rnd = new SplittableRandom(workerSeed);
                    Pid<Object> self = ctx.self();
                    for (int round = 0; round < ROUNDS; round++) {
                      String k = key(rnd.nextInt(KEYS));
                      Registry.Register outcome = registry.register(ctx, k, self.toString());
                      switch (outcome) {
                        case Registry.Register.Ok ok -> {
                          owners.add(ok.owner());
                          Pid<?> previous = claims.put(k, self);
                          // A killed process's thread may still get here: only a live one counts.
                          if (previous != null && previous.isAlive() && self.isAlive()) {
                            violations.add(k + " registered to " + self + " while " + previous + " holds it");
                          }
                          if (rnd.nextInt(3) > 0) {
                            claims.remove(k, self);
                            registry.unregister(ctx, k);
                          }
                        }
                        case Registry.Register.AlreadyRegistered taken -> {
                          // Asked of the registry, not of 'claims': a killed worker's thread can
                          // still run plain code (claims.put) after its death and overwrite it.
                          // Only a worker still alive after the lookup counts: a death removes
                          // its entries (asynchronously), and a worker killed between register
                          // and lookup rightly finds its entry gone.
                          if (taken.holder().equals(self)
                              && registry.lookup(k).stream().noneMatch(e -> e.pid().equals(self))
                              && self.isAlive()) {
                            violations.add(self + " was refused " + k + " as its holder, without holding it");
                          }
                        }
                      }
                      if (rnd.nextInt(100) == 0) {
                        throw new IllegalStateException("a worker crashes on purpose");
                      }
                    }
                  }));
        }
        killSomeAndAwaitAll(me, workers, random);
      } finally {
        stopReaders(running, readers);
      }
      registry.sync();
      assertThat(violations).as("seed " + SEED).isEmpty();
      assertThat(reads.get()).isPositive();
      for (int k = 0; k < KEYS; k++) {
        assertThat(registry.lookup(key(k))).as("seed " + SEED).isEmpty();
      }
      assertThat(registry.count()).isZero();
      assertThat(registry.processesWithEntries()).as("leftover pid rows, seed " + SEED).isZero();
      for (Pid<?> owner : owners) {
        assertThat(node.processInfo(owner).orElseThrow().links())
            .as("a partition keeps links to dead processes, seed " + SEED)
            .containsExactly(registry.pid());
      }
    }
  }

  @Test
  @DisplayName("CC-152, CC-153: duplicate keys under churn: dispatch sees whole partitions, the dead go")
  void duplicateKeysUnderChurn(TestInfo test) {
    SplittableRandom random = random(test);
    ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
    AtomicBoolean running = new AtomicBoolean(true);
    AtomicLong reads = new AtomicLong();
    try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
      Registry<String, Integer> registry =
          Registry.start(node, Registry.Options.duplicate().withPartitions(PARTITIONS));
      List<Thread> readers = new ArrayList<>();
      try {
        for (int r = 0; r < 2; r++) {
          readers.add(reader(
              running,
              reads,
              () -> {
                for (int k = 0; k < KEYS; k++) {
                  int[] calls = {0};
                  registry.dispatch(
                      key(k),
                      entries -> {
                        calls[0]++;
                        if (entries.isEmpty()) {
                          violations.add("dispatch with an empty list");
                        }
                      });
                  if (calls[0] > PARTITIONS) {
                    violations.add("dispatch called " + calls[0] + " times");
                  }
                  registry.match(key(k), v -> v % 2 == 0);
                }
                registry.count();
              }));
        }
        List<Pid<Object>> workers = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
          long workerSeed = random.nextLong();
          workers.add(
              node.spawn(
                  ctx -> {
                    SplittableRandom rnd = new SplittableRandom(workerSeed);
                    Pid<Object> self = ctx.self();
                    Map<String, Integer> mine = new HashMap<>(); // how many times I registered each key
                    for (int round = 0; round < ROUNDS; round++) {
                      String k = key(rnd.nextInt(KEYS));
                      if (rnd.nextInt(3) > 0) {
                        registry.register(ctx, k, round);
                        mine.merge(k, 1, Integer::sum);
                      } else {
                        registry.unregister(ctx, k);
                        mine.remove(k);
                      }
                      List<String> keys = registry.keys(self);
                      int expected = mine.values().stream().mapToInt(Integer::intValue).sum();
                      if (self.isAlive() && keys.size() != expected) {
                        violations.add(self + " has keys " + keys + ", expected " + mine);
                      }
                      if (rnd.nextInt(100) == 0) {
                        throw new IllegalStateException("a worker crashes on purpose");
                      }
                    }
                  }));
        }
        killSomeAndAwaitAll(me, workers, random);
      } finally {
        stopReaders(running, readers);
      }
      registry.sync();
      assertThat(violations).as("seed " + SEED).isEmpty();
      assertThat(reads.get()).isPositive();
      assertThat(registry.count()).as("seed " + SEED).isZero();
      assertThat(registry.processesWithEntries()).as("leftover pid rows, seed " + SEED).isZero();
    }
  }
}
