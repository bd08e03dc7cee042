package dev.banyan;

import static dev.banyan.RegistryFixtures.NOTHING;
import static dev.banyan.RegistryFixtures.WAIT;
import static dev.banyan.RegistryFixtures.awaitDown;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.banyan.RegistryFixtures.Puppet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Elixir's Registry (otp-semantics §7.1, CC-151..CC-157): the registry's own API. */
@Timeout(value = 20, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class RegistryTest {

  private static Registry<String, String> unique(Node node) {
    return Registry.start(node, Registry.Options.unique());
  }

  private static Registry<String, String> duplicate(Node node) {
    return Registry.start(node, Registry.Options.duplicate());
  }

  private static boolean linked(Node node, Pid<?> a, Pid<?> b) {
    return node.processInfo(a).orElseThrow().links().contains(b);
  }

  @Nested
  class Register {
    @Test
    @DisplayName("CC-157: register stores the caller with its value and links it to the owner partition")
    void registersTheCallerAndLinksItToItsPartition() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = unique(node);
        Registry.Register outcome = registry.register(me, "hello", "world");
        assertThat(outcome).isInstanceOf(Registry.Register.Ok.class);
        Pid<?> owner = ((Registry.Register.Ok) outcome).owner();
        assertThat(registry.lookup("hello")).containsExactly(new Registry.Entry<>(me.self(), "world"));
        assertThat(linked(node, me.self(), owner)).isTrue();
        assertThat(linked(node, owner, me.self())).isTrue();
      }
    }

    @Test
    @DisplayName("CC-151: a unique key is refused to its holder itself and to any other process, with the holder")
    void aUniqueKeyIsRefusedWithItsHolder() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = unique(node);
        registry.register(me, "hello", "world");
        assertThat(registry.register(me, "hello", "later"))
            .isEqualTo(new Registry.Register.AlreadyRegistered(me.self()));
        assertThat(registry.keys(me.self())).containsExactly("hello");
        assertThat(registry.lookup("hello")).containsExactly(new Registry.Entry<>(me.self(), "world"));

        Puppet other = Puppet.spawn(node, me);
        assertThat(other.<Registry.Register>run(ctx -> registry.register(ctx, "hello", "mine")))
            .isEqualTo(new Registry.Register.AlreadyRegistered(me.self()));
        assertThat(registry.keys(other.pid)).isEmpty();
        assertThat(linked(node, other.pid, registry.pid())).isFalse();
      }
    }

    @Test
    @DisplayName("CC-152: in a duplicate registry one process may register the same key twice")
    void aDuplicateKeyCanBeRegisteredTwiceByOneProcess() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = duplicate(node);
        assertThat(registry.register(me, "hello", "world")).isInstanceOf(Registry.Register.Ok.class);
        assertThat(registry.register(me, "hello", "world")).isInstanceOf(Registry.Register.Ok.class);
        assertThat(registry.keys(me.self())).containsExactly("hello", "hello");
        assertThat(registry.lookup("hello"))
            .containsExactly(new Registry.Entry<>(me.self(), "world"), new Registry.Entry<>(me.self(), "world"));
      }
    }

    @Test
    @DisplayName("a unique key whose holder is dead but not yet cleaned up is taken over")
    void aDeadHoldersKeyIsTakenOver() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = unique(node);
        Puppet holder = Puppet.spawn(node, me);
        Registry.Register.Ok ok = (Registry.Register.Ok) holder.run(ctx -> registry.register(ctx, "k", "old"));
        // Without its link the partition never hears of its death: the entry stays, stale.
        holder.does(ctx -> ctx.unlink(ok.owner()));
        holder.kill();
        assertThat(registry.lookup("k")).containsExactly(new Registry.Entry<>(holder.pid, "old"));

        assertThat(registry.register(me, "k", "new")).isInstanceOf(Registry.Register.Ok.class);
        assertThat(registry.lookup("k")).containsExactly(new Registry.Entry<>(me.self(), "new"));
        registry.sync(); // purges the dead holder: the key taken over stays
        assertThat(registry.lookup("k")).containsExactly(new Registry.Entry<>(me.self(), "new"));
      }
    }

    @Test
    @DisplayName("registering for another process's context is refused (WrongThreadException)")
    void registeringWithAnotherProcesssContextIsRefused() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = unique(node);
        Puppet other = Puppet.spawn(node, me);
        Throwable thrown = other.fails(ctx -> registry.register(me, "k", "v"));
        assertThat(thrown).isInstanceOf(WrongThreadException.class);
        assertThat(registry.lookup("k")).isEmpty();
      }
    }

    @Test
    @DisplayName("a registry that is not running refuses registrations (IllegalStateException)")
    void aStoppedRegistryRefusesRegistrations() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = unique(node);
        registry.stop();
        assertThatThrownBy(() -> registry.register(me, "k", "v")).isInstanceOf(IllegalStateException.class);
        Registry<String, String> unstarted = Registry.create(Registry.Options.unique());
        assertThatThrownBy(() -> unstarted.register(me, "k", "v")).isInstanceOf(IllegalStateException.class);
      }
    }

    @Test
    @DisplayName("null keys and values are refused")
    void nullsAreRefused() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = unique(node);
        assertThatThrownBy(() -> registry.register(me, null, "v"))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("key");
        assertThatThrownBy(() -> registry.register(me, "k", null))
            .isInstanceOf(NullPointerException.class)
            .hasMessageContaining("value");
      }
    }
  }

  @Nested
  class Unregister {
    @Test
    @DisplayName("CC-157: unregistering the last key unlinks the caller; with keys left it stays linked")
    void unregisteringTheLastKeyUnlinks() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = unique(node);
        Pid<?> owner = ((Registry.Register.Ok) registry.register(me, "a", "1")).owner();
        registry.register(me, "b", "2");
        registry.unregister(me, "a");
        assertThat(registry.lookup("a")).isEmpty();
        assertThat(registry.keys(me.self())).containsExactly("b");
        assertThat(linked(node, me.self(), owner)).isTrue();
        registry.unregister(me, "b");
        assertThat(registry.keys(me.self())).isEmpty();
        assertThat(linked(node, me.self(), owner)).isFalse();
        assertThat(linked(node, owner, me.self())).isFalse();
      }
    }

    @Test
    @DisplayName("CC-152: one unregister removes every entry of the caller under the key, not others'")
    void removesAllOfTheCallersEntriesUnderTheKey() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = duplicate(node);
        Puppet other = Puppet.spawn(node, me);
        registry.register(me, "hello", "a");
        registry.register(me, "hello", "b");
        other.run(ctx -> registry.register(ctx, "hello", "c"));
        registry.unregister(me, "hello");
        assertThat(registry.keys(me.self())).isEmpty();
        assertThat(registry.lookup("hello")).containsExactly(new Registry.Entry<>(other.pid, "c"));
      }
    }

    @Test
    @DisplayName("unregistering a key the caller does not hold changes nothing")
    void unregisteringAnotherProcesssKeyChangesNothing() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = unique(node);
        Puppet holder = Puppet.spawn(node, me);
        holder.run(ctx -> registry.register(ctx, "k", "v"));
        registry.unregister(me, "k");
        registry.unregister(me, "unknown");
        assertThat(registry.lookup("k")).containsExactly(new Registry.Entry<>(holder.pid, "v"));
      }
    }
  }

  @Nested
  class UnregisterMatch {
    @Test
    @DisplayName("removes only the caller's entries whose value matches")
    void removesOnlyMatchingEntries() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Integer> registry = Registry.start(node, Registry.Options.duplicate());
        Pid<?> owner = ((Registry.Register.Ok) registry.register(me, "n", 1)).owner();
        registry.register(me, "n", 2);
        registry.register(me, "n", 3);
        assertThat(registry.unregisterMatch(me, "n", v -> v % 2 == 1)).isEqualTo(2);
        assertThat(registry.lookup("n")).containsExactly(new Registry.Entry<>(me.self(), 2));
        assertThat(registry.keys(me.self())).containsExactly("n");
        assertThat(registry.unregisterMatch(me, "n", v -> v > 5)).isZero();
        assertThat(registry.unregisterMatch(me, "n", v -> true)).isEqualTo(1);
        assertThat(registry.keys(me.self())).isEmpty();
        assertThat(linked(node, me.self(), owner)).isFalse();
      }
    }
  }

  @Nested
  class Lookup {
    @Test
    @DisplayName("CC-156: keys are compared with equals: 1 and 1.0 are different keys")
    void keysAreComparedWithEquals() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<Object, String> registry = Registry.start(node, Registry.Options.unique());
        registry.register(me, 1, "one");
        assertThat(registry.lookup(1.0)).isEmpty();
        assertThat(registry.lookup(1)).containsExactly(new Registry.Entry<>(me.self(), "one"));
      }
    }

    @Test
    @DisplayName("an unknown key has no entries")
    void anUnknownKeyHasNoEntries() {
      try (Node node = Node.start()) {
        assertThat(unique(node).lookup("nobody")).isEmpty();
        assertThat(duplicate(node).lookup("nobody")).isEmpty();
      }
    }

    @Test
    @DisplayName("a thread that is not a process sees a registration made before it looked")
    void anyThreadSeesARegistration() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = unique(node);
        registry.register(me, "hello", "world");
        CompletableFuture<List<Registry.Entry<String>>> seen = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> seen.complete(registry.lookup("hello")));
        assertThat(seen.get(5, TimeUnit.SECONDS)).containsExactly(new Registry.Entry<>(me.self(), "world"));
      }
    }

    @Test
    @DisplayName("a duplicate key's entries are collected from every partition")
    void duplicateEntriesComeFromEveryPartition() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Integer> registry =
            Registry.start(node, Registry.Options.duplicate().withPartitions(4));
        List<Registry.Entry<Integer>> expected = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          Puppet p = Puppet.spawn(node, me);
          int value = i;
          p.run(ctx -> registry.register(ctx, "topic", value));
          expected.add(new Registry.Entry<>(p.pid, value));
        }
        assertThat(registry.lookup("topic")).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(registry.count()).isEqualTo(12);
      }
    }

    @Test
    @DisplayName("CC-153: the entries of a process that dies disappear (asynchronously: sync waits for it)")
    void theEntriesOfADeadProcessDisappear() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = unique(node);
        Puppet p = Puppet.spawn(node, me);
        p.run(ctx -> registry.register(ctx, "a", "1"));
        p.run(ctx -> registry.register(ctx, "b", "2"));
        p.kill();
        registry.sync();
        assertThat(registry.lookup("a")).isEmpty();
        assertThat(registry.lookup("b")).isEmpty();
        assertThat(registry.count()).isZero();
      }
    }

    @Test
    @DisplayName("CC-153: the cleanup also happens without sync (polled, bounded: it is asynchronous)")
    void theCleanupHappensByItself() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = duplicate(node);
        Puppet p = Puppet.spawn(node, me);
        p.run(ctx -> registry.register(ctx, "a", "1"));
        p.kill();
        // Elixir's tests poll here too: the partition removes the entries when it handles the
        // exit signal, at a moment of its own. The loop is bounded; it waits on no timing.
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!registry.lookup("a").isEmpty() && System.nanoTime() < deadline) {
          Thread.onSpinWait();
          Thread.yield();
        }
        assertThat(registry.lookup("a")).isEmpty();
      }
    }

    @Test
    @DisplayName("a registry that is not running refuses lookups (IllegalStateException, Elixir's unknown registry)")
    void aStoppedRegistryRefusesLookups() {
      try (Node node = Node.start()) {
        Registry<String, String> registry = unique(node);
        registry.stop();
        assertThatThrownBy(() -> registry.lookup("k"))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("not running");
      }
    }
  }

  @Nested
  class Match {
    @Test
    @DisplayName("returns the entries whose value matches; countMatch counts them")
    void selectsByValue() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Integer> registry = Registry.start(node, Registry.Options.duplicate());
        registry.register(me, "hello", 1);
        registry.register(me, "hello", 2);
        registry.register(me, "hello", 3);
        assertThat(registry.match("hello", v -> v >= 2))
            .containsExactly(new Registry.Entry<>(me.self(), 2), new Registry.Entry<>(me.self(), 3));
        assertThat(registry.match("hello", v -> v > 3)).isEmpty();
        assertThat(registry.countMatch("hello", v -> v != 2)).isEqualTo(2);
        assertThat(registry.countMatch("other", v -> true)).isZero();
      }
    }
  }

  @Nested
  class Count {
    @Test
    @DisplayName("counts every entry, and drops those unregistered")
    void countsEntries() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry =
            Registry.start(node, Registry.Options.unique().withPartitions(3));
        assertThat(registry.count()).isZero();
        for (int i = 0; i < 10; i++) {
          registry.register(me, "k" + i, "v");
        }
        assertThat(registry.count()).isEqualTo(10);
        registry.unregister(me, "k3");
        assertThat(registry.count()).isEqualTo(9);
      }
    }
  }

  @Nested
  class Keys {
    @Test
    @DisplayName("lists a process's keys in every partition; empty for a dead process")
    void listsTheKeysOfAProcess() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry =
            Registry.start(node, Registry.Options.unique().withPartitions(4));
        Puppet p = Puppet.spawn(node, me);
        for (String k : List.of("a", "b", "c", "d", "e")) {
          p.run(ctx -> registry.register(ctx, k, "v"));
        }
        assertThat(registry.keys(p.pid)).containsExactlyInAnyOrder("a", "b", "c", "d", "e");
        assertThat(registry.keys(me.self())).isEmpty();
        p.kill();
        assertThat(registry.keys(p.pid)).isEmpty(); // at once: keys checks liveness
      }
    }
  }

  @Nested
  class Values {
    @Test
    @DisplayName("lists a process's values under a key")
    void listsTheValuesOfAProcessUnderAKey() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> dup = duplicate(node);
        Puppet other = Puppet.spawn(node, me);
        dup.register(me, "k", "a");
        dup.register(me, "k", "b");
        other.run(ctx -> dup.register(ctx, "k", "c"));
        assertThat(dup.values("k", me.self())).containsExactly("a", "b");
        assertThat(dup.values("k", other.pid)).containsExactly("c");
        assertThat(dup.values("none", me.self())).isEmpty();

        Registry<String, String> uniq = unique(node);
        uniq.register(me, "k", "only");
        assertThat(uniq.values("k", me.self())).containsExactly("only");
        assertThat(uniq.values("k", other.pid)).isEmpty();
      }
    }
  }

  @Nested
  class Dispatch {
    @Test
    @DisplayName("calls the function once per partition that has entries, never with an empty list")
    void callsOncePerPartitionWithEntries() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Integer> registry =
            Registry.start(node, Registry.Options.duplicate().withPartitions(4));
        List<Pid<?>> subscribers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
          Puppet p = Puppet.spawn(node, me);
          int value = i;
          p.run(ctx -> registry.register(ctx, "topic", value));
          subscribers.add(p.pid);
        }
        List<List<Registry.Entry<Integer>>> calls = new ArrayList<>();
        Thread caller = Thread.currentThread();
        registry.dispatch(
            "topic",
            entries -> {
              assertThat(Thread.currentThread()).isSameAs(caller); // runs in the caller
              calls.add(entries);
            });
        assertThat(calls).isNotEmpty().hasSizeLessThanOrEqualTo(4).allSatisfy(l -> assertThat(l).isNotEmpty());
        assertThat(calls.stream().flatMap(List::stream).map(Registry.Entry::pid).toList())
            .containsExactlyInAnyOrderElementsOf(subscribers);
        // Each call holds one partition's entries: a pid never shows up in two calls.
        for (int i = 0; i < calls.size(); i++) {
          for (int j = i + 1; j < calls.size(); j++) {
            List<Pid<?>> a = calls.get(i).stream().<Pid<?>>map(Registry.Entry::pid).toList();
            List<Pid<?>> b = calls.get(j).stream().<Pid<?>>map(Registry.Entry::pid).toList();
            assertThat(a).doesNotContainAnyElementsOf(b);
          }
        }
      }
    }

    @Test
    @DisplayName("a unique key is dispatched once with its entry; an absent key never")
    void aUniqueKeyIsDispatchedOnce() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry =
            Registry.start(node, Registry.Options.unique().withPartitions(4));
        registry.register(me, "k", "v");
        List<List<Registry.Entry<String>>> calls = new ArrayList<>();
        registry.dispatch("k", calls::add);
        registry.dispatch("absent", calls::add);
        assertThat(calls).containsExactly(List.of(new Registry.Entry<>(me.self(), "v")));
      }
    }
  }

  @Nested
  class UpdateValue {
    @Test
    @DisplayName("the holder replaces its value and gets the new and the old one")
    void theHolderUpdatesItsValue() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Integer> registry = Registry.start(node, Registry.Options.unique());
        registry.register(me, "hello", 1);
        assertThat(registry.updateValue(me, "hello", v -> v + 1)).contains(new Registry.Update<>(2, 1));
        assertThat(registry.lookup("hello")).containsExactly(new Registry.Entry<>(me.self(), 2));
      }
    }

    @Test
    @DisplayName("another process, or an absent key, gets empty and changes nothing")
    void othersCannotUpdate() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, Integer> registry = Registry.start(node, Registry.Options.unique());
        registry.register(me, "hello", 1);
        Puppet other = Puppet.spawn(node, me);
        assertThat(other.<Optional<Registry.Update<Integer>>>run(ctx -> registry.updateValue(ctx, "hello", v -> v + 10))).isEmpty();
        assertThat(registry.updateValue(me, "absent", v -> v + 10)).isEmpty();
        assertThat(registry.lookup("hello")).containsExactly(new Registry.Entry<>(me.self(), 1));
      }
    }

    @Test
    @DisplayName("a duplicate registry does not support it")
    void aDuplicateRegistryRefuses() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = duplicate(node);
        registry.register(me, "k", "v");
        assertThatThrownBy(() -> registry.updateValue(me, "k", v -> v))
            .isInstanceOf(UnsupportedOperationException.class);
      }
    }
  }

  @Nested
  class Meta {
    @Test
    @DisplayName("reads the initial metadata, stores and deletes more")
    void readsStoresAndDeletes() {
      try (Node node = Node.start()) {
        Registry<String, String> registry =
            Registry.start(node, Registry.Options.unique().withMeta(Map.of("custom_key", "custom_value")));
        assertThat(registry.meta("custom_key")).contains("custom_value");
        assertThat(registry.meta("unknown_key")).isEmpty();
        registry.putMeta("other", 42);
        assertThat(registry.meta("other")).contains(42);
        registry.deleteMeta("other");
        assertThat(registry.meta("other")).isEmpty();
      }
    }
  }

  @Nested
  class Listeners {
    @Test
    @DisplayName("CC-153: listeners hear of register and unregister, not of a death")
    void listenersHearOfExplicitChangesOnly() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.register("listener");
        Registry<String, String> registry =
            Registry.start(
                node, Registry.Options.unique().withListeners(List.of("listener", "absent-listener")));
        Puppet p = Puppet.spawn(node, me);
        p.run(ctx -> registry.register(ctx, "a", "1"));
        assertThat(me.receive(Registry.Registered.class, WAIT))
            .contains(new Registry.Registered<>(registry, "a", p.pid, "1"));
        p.does(ctx -> registry.unregister(ctx, "a"));
        assertThat(me.receive(Registry.Unregistered.class, WAIT))
            .contains(new Registry.Unregistered<>(registry, "a", p.pid));

        p.run(ctx -> registry.register(ctx, "b", "2"));
        assertThat(me.receive(Registry.Registered.class, WAIT)).isPresent();
        p.kill();
        registry.sync();
        assertThat(registry.lookup("b")).isEmpty();
        assertThat(me.receive(Registry.Unregistered.class, NOTHING)).isEmpty();
      }
    }

    @Test
    @DisplayName("a refused registration is not announced")
    void aRefusedRegistrationIsNotAnnounced() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        me.register("listener");
        Registry<String, String> registry =
            Registry.start(node, Registry.Options.unique().withListeners(List.of("listener")));
        registry.register(me, "a", "1");
        assertThat(me.receive(Registry.Registered.class, WAIT)).isPresent();
        Puppet p = Puppet.spawn(node, me);
        p.run(ctx -> registry.register(ctx, "a", "2"));
        assertThat(me.receive(Registry.Registered.class, NOTHING)).isEmpty();
      }
    }
  }

  @Nested
  class Sync {
    @Test
    @DisplayName("after sync no entry of a process that was already dead remains, even without its exit signal")
    void removesTheEntriesOfDeadProcesses() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = duplicate(node);
        Puppet p = Puppet.spawn(node, me);
        Registry.Register.Ok ok = (Registry.Register.Ok) p.run(ctx -> registry.register(ctx, "k", "v"));
        p.does(ctx -> ctx.unlink(ok.owner()));
        p.kill();
        assertThat(registry.lookup("k")).hasSize(1); // no exit signal: nobody removed it
        registry.sync();
        assertThat(registry.lookup("k")).isEmpty();
        assertThat(registry.count()).isZero();
      }
    }
  }

  @Nested
  class StartAndStop {
    @Test
    @DisplayName("the registry process is registered under its name and startLink links it to the caller")
    void startLinkLinksAndNames() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry =
            Registry.startLink(me, Registry.Options.unique().withName("my_registry"));
        assertThat(node.whereis("my_registry")).contains(registry.pid());
        assertThat(linked(node, me.self(), registry.pid())).isTrue();
        assertThatThrownBy(() -> Registry.start(node, Registry.Options.unique().withName("my_registry")))
            .isInstanceOf(IllegalStateException.class);
      }
    }

    @Test
    @DisplayName("stopping the registry ends the registered processes that do not trap exits, with shutdown")
    void stoppingEndsRegisteredProcesses() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry = unique(node);
        Puppet plain = Puppet.spawn(node, me);
        Puppet trapping = Puppet.spawn(node, me);
        Pid<?> owner =
            ((Registry.Register.Ok) plain.run(ctx -> registry.register(ctx, "plain", "v"))).owner();
        trapping.does(ctx -> ctx.trapExit(true));
        trapping.run(ctx -> registry.register(ctx, "trapping", "v"));
        MonitorRef ref = me.monitor(plain.pid);
        registry.stop();
        assertThat(me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow().reason())
            .isEqualTo(ExitReason.SHUTDOWN);
        Exit exit = trapping.run(ctx -> ctx.receive(Exit.class, WAIT).orElseThrow());
        assertThat(exit).isEqualTo(new Exit(owner, ExitReason.SHUTDOWN));
        assertThat(registry.whereisName("trapping")).isEmpty();
      }
    }

    @Test
    @DisplayName("a partition that fails stops the whole registry")
    void aFailingPartitionStopsTheRegistry() {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry =
            Registry.start(node, Registry.Options.unique().withPartitions(2));
        Pid<?> owner = ((Registry.Register.Ok) registry.register(me, "k", "v")).owner();
        me.trapExit(true);
        Pid<?> top = registry.pid();
        MonitorRef ref = me.monitor(top);
        me.exit(owner, ExitReason.KILL);
        assertThat(me.receive(Down.class, d -> d.ref().equals(ref), WAIT).orElseThrow().reason())
            .isEqualTo(ExitReason.KILLED);
        assertThat(me.receive(Exit.class, WAIT)).contains(new Exit(owner, ExitReason.KILLED));
        assertThatThrownBy(() -> registry.lookup("k")).isInstanceOf(IllegalStateException.class);
      }
    }

    @Test
    @DisplayName("childSpec starts the same registry object, refuses a second start, and restarts it empty")
    void childSpecStartsAndRestarts() throws Exception {
      try (Node node = Node.start(); AttachedProcess<Object> me = node.attach()) {
        Registry<String, String> registry =
            Registry.create(Registry.Options.unique().withMeta(Map.of("m", "initial")));
        ChildSpec spec = registry.childSpec();
        assertThat(spec.type()).isEqualTo(ChildSpec.Type.SUPERVISOR);
        assertThat(spec.id()).isSameAs(registry);
        me.trapExit(true); // the test plays the supervisor

        GenServer.Start<?> first = spec.start().start(me);
        assertThat(first).isInstanceOf(GenServer.Start.Ok.class);
        assertThat(spec.start().start(me)).isInstanceOf(GenServer.Start.AlreadyStarted.class);
        Puppet p = Puppet.spawn(node, me);
        p.does(ctx -> ctx.trapExit(true));
        p.run(ctx -> registry.register(ctx, "k", "v"));
        registry.putMeta("m", "changed");

        Pid<?> top = registry.pid();
        registry.stop();
        awaitDown(me, top);
        assertThat(spec.start().start(me)).isInstanceOf(GenServer.Start.Ok.class);
        assertThat(registry.pid()).isNotEqualTo(top);
        assertThat(registry.lookup("k")).isEmpty();
        assertThat(registry.meta("m")).contains("initial");
        assertThat(p.<Registry.Register>run(ctx -> registry.register(ctx, "k", "again")))
            .isInstanceOf(Registry.Register.Ok.class);
      }
    }

    @Test
    @DisplayName("options are validated")
    void optionsAreValidated() {
      assertThatThrownBy(() -> Registry.Options.unique().withPartitions(0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("0");
      assertThat(Registry.Options.duplicate())
          .isEqualTo(new Registry.Options(Registry.Keys.DUPLICATE, Optional.empty(), 1, List.of(), Map.of()));
    }
  }
}
