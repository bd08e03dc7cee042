package dev.banyan;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A local key-value store of processes: Elixir's {@code Registry}. A process registers
 * <em>itself</em> under a key, with a value; anyone can look the key up; when the process dies,
 * its entries go away. With {@link Keys#UNIQUE} keys a key names at most one process, and the
 * registry can name servers ({@link GenServer.Options#via(NameRegistry, Object)}); with {@link
 * Keys#DUPLICATE} keys any number of processes share a key, which makes a publish/subscribe
 * hub ({@link #dispatch}).
 *
 * <p>Publish/subscribe: each subscriber registers under a topic with its own typed pid as the
 * value, and a publisher sends to every subscriber of the topic:
 *
 * {@snippet :
 * record News(String text) {}
 *
 * Registry<String, Pid<News>> topics =
 *     Registry.startLink(me, Registry.Options.duplicate().withPartitions(4));
 *
 * // A subscriber: it registers itself under the topic, then reads the news.
 * ProcessBody<News> subscriber = self -> {
 *   topics.register(self, "weather", self.self());
 *   News news = self.receive(News.class);
 *   System.out.println(self.self() + " read " + news.text());
 * };
 * node.spawn(subscriber);
 *
 * // A publisher, on any thread: once per partition, with that partition's subscribers.
 * topics.dispatch("weather", subscribers -> subscribers.forEach(s -> s.value().send(new News("sunny"))));
 * }
 *
 * <p>Naming servers:
 *
 * {@snippet :
 * Registry<String, Object> names = Registry.start(node, Registry.Options.unique());
 * GenServer.start(node, new Stack(List.of()), GenServer.Options.via(names, "stack"));
 * ServerRef<StackMsg> stack = ServerRef.via(names, "stack");
 * stack.cast(new Push("hello"));
 * }
 *
 * <p>Both examples are {@code RegistryExamplesTest} in the project's tests, where they run.
 *
 * <h2>Registrations</h2>
 * {@link #register} registers the calling process, links it to the registry's partition process
 * that owns it, and returns {@link Register.Ok} — or, for a unique key that a live process holds
 * (the caller included), {@link Register.AlreadyRegistered} with the holder (CC-151). A unique
 * key whose holder is dead is taken over. {@link #unregister} removes the caller's entries under
 * a key and, when the caller has no entries left, unlinks it (CC-157). Keys are compared with
 * {@code equals}, so {@code 1} and {@code 1.0} are different keys (CC-156).
 *
 * <p>When a registered process dies, the partition process receives its exit signal (it traps
 * exits) and removes its entries. This is <em>asynchronous</em>, as in Elixir: for a short while
 * after a death, {@link #lookup}, {@link #match} and {@link #dispatch} may still return the dead
 * pid (sending to it does nothing). {@link #whereisName} checks that the process is alive, and
 * {@link #register} takes over a unique key whose holder is dead, so naming is never confused by
 * the delay. {@link #sync()} waits until the entries of processes already dead are gone
 * (CC-153).
 *
 * <p>Listeners (registered names, {@link Options#listeners()}) receive {@link Registered} and
 * {@link Unregistered} for explicit {@code register} and {@code unregister} calls only, not when
 * a process dies: a listener that cares must monitor. A listener name nobody has is skipped.
 *
 * <h2>Naming processes</h2>
 * A unique registry is a {@link NameRegistry}: a server started with {@code
 * GenServer.Options.via(registry, key)} registers itself before {@code init}, a second start
 * under the same key returns {@link GenServer.Start.AlreadyStarted}, and {@code
 * ServerRef.via(registry, key)} finds it (CC-154). Such an entry has the value {@link
 * NoValue#NO_VALUE}: use a registry whose value type admits it ({@code Object}), or register
 * through {@link #via(Object)}, which stores a value of {@code V} (CC-155). A duplicate registry
 * refuses to name processes ({@link IllegalArgumentException}).
 *
 * <h2>Partitions</h2>
 * A registry runs as one registry process ({@link #pid()}, registered under {@link
 * Options#name()} if given) and {@link Options#partitions()} partition processes linked to it.
 * A process is owned by (linked to) the partition its pid hashes to. Unique keys are stored in
 * the partition their key hashes to; duplicate keys in the partition of the registering process,
 * so a duplicate {@link #lookup} reads every partition and {@link #dispatch} calls its function
 * once per partition that has entries. More partitions spread the clean-up work of many dying
 * processes; the tables themselves are concurrent either way.
 *
 * <h2>Start and shutdown</h2>
 * {@link #start} and {@link #startLink} start it at once; {@link #create} and {@link
 * #childSpec()} let a supervisor start (and restart) it, the registry object staying the same
 * handle. When the registry stops ({@link #stop()}, its parent's exit signal) its partitions exit
 * with {@code shutdown}, which — over the links — ends every registered process that does not
 * trap exits, as in Elixir; the entries are dropped. If a partition fails, the whole registry
 * stops with its reason. A restarted registry starts empty, with {@link Options#meta()} again.
 *
 * <h2>Thread safety</h2>
 * Thread-safe. Reads ({@link #lookup}, {@link #match}, {@link #count()}, {@link #keys}, {@link
 * #values}, {@link #dispatch}, {@link #meta}, {@link #whereisName}) go to concurrent tables and
 * never send a message nor wait for a writer. {@link #register}, {@link #unregister}, {@link
 * #unregisterMatch} and {@link #updateValue} act for the calling process and must be called on
 * its own thread ({@link WrongThreadException} otherwise); they write the tables themselves, and
 * the partition processes only watch (through the links) and clean up. Functions given to {@code match}, {@code
 * dispatch}, {@code unregisterMatch} and {@code updateValue} run in the caller, with no lock
 * held.
 *
 * <h2>Memory consistency effects</h2>
 * Actions of a process before it registers an entry (or updates its value) happen-before the
 * actions of any thread after a {@code lookup}, {@code match}, {@code dispatch}, {@code values}
 * or {@code whereisName} that returns that entry (or value). {@link #count()} is an estimate
 * while processes come and go: for monitoring, not for synchronization.
 *
 * <h2>General exceptions</h2>
 * Passing null throws {@link NullPointerException}. Using a registry that is not running (not
 * started yet, or stopped) throws {@link IllegalStateException}, except {@link #whereisName}
 * (empty) and {@link #unregisterName} (nothing to do).
 *
 * @param <K> the type of the keys: compared with {@code equals}, so immutable values are best
 * @param <V> the type of the values
 * @since 0.1
 */
public final class Registry<K, V> implements NameRegistry {

  /*
   * Implementation overview
   *
   * A running registry is a Generation: the registry process (a GenServer, 'Top'), its partition
   * processes (GenServers that trap exits, 'PartitionServer') and one Partition object per
   * partition process, which holds two concurrent tables: 'table' (key -> entries) and 'pids'
   * (pid -> the keys that pid registered, for the processes this partition owns). A restart makes
   * a new Generation; the old one, with its tables, is dropped. 'running' points to the current
   * one (null before the first start and after an orderly stop).
   *
   * Writes are made by the registering process itself, in Elixir's order: link to the owning
   * partition, add the key to the pid row, then insert the entry; unregister removes the entry,
   * then the row, then unlinks if the row is gone. When a registered process dies, the link
   * brings its Exit to the owning partition, which removes the row and, for each key in it, the
   * pid's entries ('purge'). Rows are written only by their own process, or removed by a purge
   * once that process is dead.
   *
   * A process can be killed while its thread still runs registry code (Java cannot stop a
   * thread). So after inserting, register checks that the caller is still alive: if it is, its
   * death comes later and its Exit reaches the partition after the insert, which the purge then
   * sees; if it is not, the purge may have run before the insert, so register removes what it
   * wrote itself. A purge is idempotent and removes only the dead pid's entries, so a key taken
   * over by a live process in the meantime is left alone.
   *
   * No user code runs under a table lock: entries and rows are immutable lists swapped with
   * compute(), whose functions are ours; predicates and update functions run before or after.
   */

  // ---------------------------------------------------------------------------------------------
  // Options and values

  /**
   * Whether a key names at most one process or any number.
   *
   * @since 0.1
   */
  public enum Keys {
    /** A key names at most one process (Elixir's {@code :unique}). */
    UNIQUE,
    /**
     * A key names any number of processes, a process may register the same key more than once
     * (Elixir's {@code :duplicate}, partitioned by pid).
     */
    DUPLICATE
  }

  /**
   * How a registry is made.
   *
   * @param keys unique or duplicate keys; no default: start from {@link #unique()} or {@link
   *     #duplicate()}
   * @param name a name to register the registry process under; default none
   * @param partitions how many partition processes; default 1
   * @param listeners registered names of processes told of every explicit register and
   *     unregister; default none
   * @param meta the registry's initial metadata ({@link Registry#meta(String)}); default empty
   * @since 0.1
   */
  public record Options(
      Keys keys,
      Optional<String> name,
      int partitions,
      List<String> listeners,
      Map<String, Object> meta) {

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if {@code partitions} is not positive
     */
    public Options {
      Objects.requireNonNull(keys, "keys");
      Objects.requireNonNull(name, "name");
      if (partitions < 1) {
        throw new IllegalArgumentException("partitions must be positive: " + partitions);
      }
      listeners = List.copyOf(listeners);
      meta = Map.copyOf(meta);
    }

    /** {@return options of a unique registry: no name, one partition, no listeners, no meta} */
    public static Options unique() {
      return new Options(Keys.UNIQUE, Optional.empty(), 1, List.of(), Map.of());
    }

    /** {@return options of a duplicate registry: no name, one partition, no listeners, no meta} */
    public static Options duplicate() {
      return new Options(Keys.DUPLICATE, Optional.empty(), 1, List.of(), Map.of());
    }

    /**
     * {@return these options with a registered name for the registry process}
     *
     * @param newName the name
     */
    public Options withName(String newName) {
      return new Options(
          keys, Optional.of(Objects.requireNonNull(newName, "name")), partitions, listeners, meta);
    }

    /**
     * {@return these options with another number of partitions}
     *
     * @param newPartitions how many; at least 1
     */
    public Options withPartitions(int newPartitions) {
      return new Options(keys, name, newPartitions, listeners, meta);
    }

    /**
     * {@return these options with listeners}
     *
     * @param newListeners registered names of the listening processes
     */
    public Options withListeners(List<String> newListeners) {
      return new Options(keys, name, partitions, newListeners, meta);
    }

    /**
     * {@return these options with initial metadata}
     *
     * @param newMeta the metadata
     */
    public Options withMeta(Map<String, Object> newMeta) {
      return new Options(keys, name, partitions, listeners, newMeta);
    }
  }

  /**
   * One registration: the registered process and its value (Elixir's {@code {pid, value}}).
   *
   * @param pid the process that registered
   * @param value the value it registered with
   * @param <V> the type of the value
   * @since 0.1
   */
  public record Entry<V>(Pid<?> pid, V value) {
    /** Validates the components. */
    public Entry {
      Objects.requireNonNull(pid, "pid");
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * The outcome of {@link #register}.
   *
   * @since 0.1
   */
  public sealed interface Register {
    /**
     * Registered (Elixir's {@code {:ok, owner}}).
     *
     * @param owner the partition process the caller is now linked to
     */
    record Ok(Pid<?> owner) implements Register {
      /** Validates the component. */
      public Ok {
        Objects.requireNonNull(owner, "owner");
      }
    }

    /**
     * Not registered: a live process has the unique key (Elixir's {@code {:error,
     * {:already_registered, pid}}}).
     *
     * @param holder the process that has it; the caller itself if it already holds the key
     */
    record AlreadyRegistered(Pid<?> holder) implements Register {
      /** Validates the component. */
      public AlreadyRegistered {
        Objects.requireNonNull(holder, "holder");
      }
    }
  }

  /**
   * The outcome of {@link #updateValue}: Elixir's {@code {new_value, old_value}}.
   *
   * @param newValue the value now registered
   * @param oldValue the value before
   * @param <V> the type of the values
   * @since 0.1
   */
  public record Update<V>(V newValue, V oldValue) {
    /** Validates the components. */
    public Update {
      Objects.requireNonNull(newValue, "newValue");
      Objects.requireNonNull(oldValue, "oldValue");
    }
  }

  /**
   * The message a listener receives after a {@link #register}: Elixir's {@code {:register,
   * registry, key, pid, value}}.
   *
   * @param registry the registry
   * @param key the key
   * @param pid the process that registered
   * @param value its value
   * @param <K> the type of the keys
   * @param <V> the type of the values
   * @since 0.1
   */
  public record Registered<K, V>(Registry<K, V> registry, K key, Pid<?> pid, V value) {
    /** Validates the components. */
    public Registered {
      Objects.requireNonNull(registry, "registry");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(pid, "pid");
      Objects.requireNonNull(value, "value");
    }
  }

  /**
   * The message a listener receives after an {@link #unregister} (sent even if the caller had no
   * entry under the key, as Elixir does) or an {@link #unregisterMatch} that removed something:
   * Elixir's {@code {:unregister, registry, key, pid}}.
   *
   * @param registry the registry
   * @param key the key
   * @param pid the process that unregistered
   * @param <K> the type of the keys
   * @param <V> the type of the values
   * @since 0.1
   */
  public record Unregistered<K, V>(Registry<K, V> registry, K key, Pid<?> pid) {
    /** Validates the components. */
    public Unregistered {
      Objects.requireNonNull(registry, "registry");
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(pid, "pid");
    }
  }

  /**
   * The value of an entry made through the {@link NameRegistry} contract ({@link
   * #registerName}), which gives no value: Elixir's {@code nil} in {@code {:via, Registry,
   * {registry, key}}}.
   *
   * @since 0.1
   */
  public enum NoValue {
    /** The only value. */
    NO_VALUE
  }

  // ---------------------------------------------------------------------------------------------
  // State

  private final Options options;
  private final boolean unique;
  private final AtomicReference<Generation<K, V>> running = new AtomicReference<>();

  private Registry(Options options) {
    this.options = Objects.requireNonNull(options, "options");
    this.unique = options.keys() == Keys.UNIQUE;
  }

  // ---------------------------------------------------------------------------------------------
  // Starting and stopping

  /**
   * Makes a registry that is not running yet: start it with a supervisor through {@link
   * #childSpec()}.
   *
   * @param options the options
   * @param <K> the type of the keys
   * @param <V> the type of the values
   * @return the registry
   */
  public static <K, V> Registry<K, V> create(Options options) {
    return new Registry<>(options);
  }

  /**
   * Starts a registry that is not linked to the caller.
   *
   * @param node the node
   * @param options the options
   * @param <K> the type of the keys
   * @param <V> the type of the values
   * @return the running registry
   * @throws IllegalStateException if it did not start (its name is taken)
   */
  public static <K, V> Registry<K, V> start(Node node, Options options) {
    Objects.requireNonNull(node, "node");
    Registry<K, V> registry = new Registry<>(options);
    registry.started(registry.startProcess(node, null));
    return registry;
  }

  /**
   * Starts a registry linked to the calling process: Elixir's {@code Registry.start_link/1}.
   *
   * @param parent the calling process
   * @param options the options
   * @param <K> the type of the keys
   * @param <V> the type of the values
   * @return the running registry
   * @throws IllegalStateException if it did not start (its name is taken)
   * @throws WrongThreadException if {@code parent} is not the calling thread's process
   */
  public static <K, V> Registry<K, V> startLink(ProcessContext<?> parent, Options options) {
    ProcessRecord<?> p = owner(parent);
    Registry<K, V> registry = new Registry<>(options);
    registry.started(registry.startProcess(p.node, p));
    return registry;
  }

  /**
   * {@return a child specification that starts this registry under a supervisor}: a supervisor
   * child (shutdown {@link Shutdown#INFINITY}) whose id is the registry's name, or the registry
   * itself if it has none. Each (re)start makes a fresh, empty registry behind this same object;
   * starting it while it runs gives {@link GenServer.Start.AlreadyStarted}.
   */
  public ChildSpec childSpec() {
    Object id = options.name().isPresent() ? options.name().get() : this;
    return ChildSpec.supervisor(id, sup -> startProcess(((ProcessRecord<?>) sup).node, owner(sup)));
  }

  private void started(GenServer.Start<?> outcome) {
    if (!(outcome instanceof GenServer.Start.Ok<?>)) {
      throw new IllegalStateException("the registry " + this + " did not start: " + outcome);
    }
  }

  private GenServer.Start<Object> startProcess(Node node, ProcessRecord<?> parent) {
    Generation<K, V> current = running.get();
    if (current != null && current.top.isAlive()) {
      return new GenServer.Start.AlreadyStarted<>(ServerRef.of(current.top));
    }
    GenServer.Options genOptions =
        options.name().map(GenServer.Options::named).orElse(GenServer.Options.DEFAULTS);
    return parent == null
        ? GenServer.start(node, new Top(), genOptions)
        : GenServer.startLink(parent, new Top(), genOptions);
  }

  /**
   * {@return the registry process}, to link to it or monitor it
   *
   * @throws IllegalStateException if the registry is not running
   */
  public Pid<?> pid() {
    return generation().top;
  }

  /** {@return the options it was made with} */
  public Options options() {
    return options;
  }

  /**
   * Stops the registry with reason {@code normal}, waiting until it has stopped. Its partitions
   * exit with {@code shutdown}: registered processes that do not trap exits end with them.
   *
   * @throws IllegalStateException if the registry is not running
   */
  public void stop() {
    ServerRef.of(generation().top).stop();
  }

  /**
   * Waits until every partition has handled the exit signals it received before, and has removed
   * the entries of every process that was already dead when {@code sync} was called. A test
   * that killed a registered process and saw it die (its {@link Down}, {@link Pid#isAlive()}
   * false) can then assert that its entries are gone, without polling.
   *
   * @throws IllegalStateException if the registry is not running
   */
  public void sync() {
    for (Partition<K, V> part : generation().partitions) {
      try {
        part.server.call(Sync::new, ServerRef.DEFAULT_TIMEOUT);
      } catch (CallException stopped) {
        throw new IllegalStateException("the registry " + this + " stopped", stopped);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Writes, by the calling process

  /**
   * Registers the calling process under {@code key} with {@code value}, and links it to the
   * partition that owns it: Elixir's {@code Registry.register/3}. Listeners get {@link
   * Registered}.
   *
   * @param caller the calling process
   * @param key the key
   * @param value the value
   * @return {@link Register.Ok} with the partition process, or {@link Register.AlreadyRegistered}
   *     with the live process that has the unique key (the caller itself if it has it)
   * @throws WrongThreadException if {@code caller} is not the calling thread's process
   * @throws IllegalStateException if the registry is not running
   */
  public Register register(ProcessContext<?> caller, K key, V value) {
    ProcessRecord<?> p = owner(caller);
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    return registerSelf(p, key, value);
  }

  private Register registerSelf(ProcessRecord<?> p, K key, V value) {
    Generation<K, V> g = generation();
    Pid<?> self = p.pid;
    Partition<K, V> owning = g.pidPartition(self);
    Partition<K, V> keyed = g.keyPartition(key, self);
    p.link(owning.owner); // throws if the partition is gone and the caller does not trap exits
    owning.pids.merge(self, List.of(key), Registry::concat);
    Entry<V> entry = new Entry<>(self, value);
    Optional<Pid<?>> holder = keyed.table.insert(key, entry);
    if (holder.isPresent()) {
      owning.pids.computeIfPresent(self, (pid, row) -> withoutOne(row, key));
      unlinkIfUnregistered(p, owning);
      return new Register.AlreadyRegistered(holder.get());
    }
    if (!p.isAliveNow()) {
      // Killed while registering: the partition may have purged it before the insert.
      keyed.table.removeAll(key, self);
      g.purge(owning, self);
      p.checkAlive();
    }
    if (!owning.owner.isAlive()) {
      throw new IllegalStateException("the registry " + this + " stopped");
    }
    notifyListeners(g, new Registered<>(this, key, self, value));
    return new Register.Ok(owning.owner);
  }

  /**
   * Removes every entry of the calling process under {@code key}, and unlinks it from its
   * partition if it has no entries left: Elixir's {@code Registry.unregister/2}. Listeners get
   * {@link Unregistered}.
   *
   * @param caller the calling process
   * @param key the key
   * @throws WrongThreadException if {@code caller} is not the calling thread's process
   * @throws IllegalStateException if the registry is not running
   */
  public void unregister(ProcessContext<?> caller, K key) {
    ProcessRecord<?> p = owner(caller);
    Objects.requireNonNull(key, "key");
    unregisterSelf(p, key);
  }

  private void unregisterSelf(ProcessRecord<?> p, K key) {
    Generation<K, V> g = generation();
    Pid<?> self = p.pid;
    Partition<K, V> owning = g.pidPartition(self);
    g.keyPartition(key, self).table.removeAll(key, self);
    owning.pids.computeIfPresent(self, (pid, row) -> withoutAll(row, key));
    unlinkIfUnregistered(p, owning);
    notifyListeners(g, new Unregistered<>(this, key, self));
  }

  /**
   * Removes the entries of the calling process under {@code key} whose value matches: Elixir's
   * {@code Registry.unregister_match/4}. Listeners get {@link Unregistered} if any was removed.
   *
   * @param caller the calling process
   * @param key the key
   * @param matches selects the values to remove; runs in the caller
   * @return how many entries were removed
   * @throws WrongThreadException if {@code caller} is not the calling thread's process
   * @throws IllegalStateException if the registry is not running
   */
  public int unregisterMatch(ProcessContext<?> caller, K key, Predicate<? super V> matches) {
    ProcessRecord<?> p = owner(caller);
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(matches, "matches");
    Generation<K, V> g = generation();
    Pid<?> self = p.pid;
    Partition<K, V> keyed = g.keyPartition(key, self);
    // Only this process changes its own entries (a purge needs it dead), so this snapshot holds.
    Set<Entry<V>> doomed = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Entry<V> e : keyed.table.lookup(key)) {
      if (e.pid().equals(self) && matches.test(e.value())) {
        doomed.add(e);
      }
    }
    if (doomed.isEmpty()) {
      return 0;
    }
    int removed = keyed.table.removeExactly(key, self, doomed);
    Partition<K, V> owning = g.pidPartition(self);
    owning.pids.computeIfPresent(self, (pid, row) -> withoutSome(row, key, removed));
    unlinkIfUnregistered(p, owning);
    if (removed > 0) {
      notifyListeners(g, new Unregistered<>(this, key, self));
    }
    return removed;
  }

  /**
   * Replaces the value of the calling process under a unique {@code key}: Elixir's {@code
   * Registry.update_value/3}.
   *
   * @param caller the calling process
   * @param key the key
   * @param update computes the new value from the old one; runs in the caller
   * @return the new and the old value, or empty if the caller does not hold the key
   * @throws UnsupportedOperationException if the registry has duplicate keys
   * @throws WrongThreadException if {@code caller} is not the calling thread's process
   * @throws IllegalStateException if the registry is not running
   * @throws NullPointerException if {@code update} returns null
   */
  public Optional<Update<V>> updateValue(
      ProcessContext<?> caller, K key, UnaryOperator<V> update) {
    ProcessRecord<?> p = owner(caller);
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(update, "update");
    if (!unique) {
      throw new UnsupportedOperationException(
          "updateValue is not supported by a registry with duplicate keys: " + this);
    }
    UniqueTable<V> table = (UniqueTable<V>) generation().keyPartition(key, p.pid).table;
    Entry<V> old = table.map.get(key);
    if (old == null || !old.pid().equals(p.pid)) {
      return Optional.empty();
    }
    V newValue = Objects.requireNonNull(update.apply(old.value()), "update returned null");
    if (!table.replace(key, old, new Entry<>(p.pid, newValue))) {
      return Optional.empty(); // purged: the caller was killed meanwhile
    }
    return Optional.of(new Update<>(newValue, old.value()));
  }

  // ---------------------------------------------------------------------------------------------
  // Reads, from any thread, without messages

  /**
   * {@return the entries under {@code key}}, in no particular order: Elixir's {@code
   * Registry.lookup/2}. At most one for a unique key. It may include a process that has just
   * died (see the class description).
   *
   * @param key the key
   * @throws IllegalStateException if the registry is not running
   */
  public List<Entry<V>> lookup(K key) {
    Objects.requireNonNull(key, "key");
    Generation<K, V> g = generation();
    if (unique) {
      return g.keyPartition(key, null).table.lookup(key);
    }
    List<Entry<V>> out = new ArrayList<>();
    for (Partition<K, V> part : g.partitions) {
      out.addAll(part.table.lookup(key));
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * {@return the entries under {@code key} whose value matches}: Elixir's {@code
   * Registry.match/3}, with a predicate for the pattern
   *
   * @param key the key
   * @param matches selects values; runs in the caller
   * @throws IllegalStateException if the registry is not running
   */
  public List<Entry<V>> match(K key, Predicate<? super V> matches) {
    Objects.requireNonNull(matches, "matches");
    List<Entry<V>> out = new ArrayList<>();
    for (Entry<V> e : lookup(key)) {
      if (matches.test(e.value())) {
        out.add(e);
      }
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * {@return how many entries the registry has}: Elixir's {@code Registry.count/1}; an estimate
   * while processes come and go
   *
   * @throws IllegalStateException if the registry is not running
   */
  public long count() {
    long n = 0;
    for (Partition<K, V> part : generation().partitions) {
      n += part.table.count();
    }
    return n;
  }

  /**
   * {@return how many entries under {@code key} have a matching value}: Elixir's {@code
   * Registry.count_match/3}
   *
   * @param key the key
   * @param matches selects values; runs in the caller
   * @throws IllegalStateException if the registry is not running
   */
  public int countMatch(K key, Predicate<? super V> matches) {
    return match(key, matches).size();
  }

  /**
   * {@return the keys {@code pid} is registered under}, in no particular order: Elixir's {@code
   * Registry.keys/2}. In a duplicate registry a key appears once per registration. Empty if the
   * process is dead.
   *
   * @param pid the process
   * @throws IllegalStateException if the registry is not running
   */
  public List<K> keys(Pid<?> pid) {
    Objects.requireNonNull(pid, "pid");
    Generation<K, V> g = generation();
    if (!pid.isAlive()) {
      return List.of();
    }
    return g.pidPartition(pid).pids.getOrDefault(pid, List.of());
  }

  /**
   * {@return the values {@code pid} registered under {@code key}}: Elixir's {@code
   * Registry.values/3}. At most one in a unique registry.
   *
   * @param key the key
   * @param pid the process
   * @throws IllegalStateException if the registry is not running
   */
  public List<V> values(K key, Pid<?> pid) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(pid, "pid");
    List<V> out = new ArrayList<>();
    for (Entry<V> e : generation().keyPartition(key, pid).table.lookup(key)) {
      if (e.pid().equals(pid)) {
        out.add(e.value());
      }
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * Calls {@code fn}, in the caller, with the entries under {@code key}: once per partition that
   * has entries, never with an empty list (Elixir's {@code Registry.dispatch/3}, serial). A unique
   * key has one partition. The entries may include a process that has just died.
   *
   * @param key the key
   * @param fn what to do with a partition's entries, e.g. send each process a message
   * @throws IllegalStateException if the registry is not running
   */
  public void dispatch(K key, Consumer<? super List<Entry<V>>> fn) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(fn, "fn");
    Generation<K, V> g = generation();
    List<Partition<K, V>> parts = unique ? List.of(g.keyPartition(key, null)) : g.partitions;
    for (Partition<K, V> part : parts) {
      List<Entry<V>> entries = part.table.lookup(key);
      if (!entries.isEmpty()) {
        fn.accept(entries);
      }
    }
  }

  /**
   * {@return the registry's metadata under {@code key}}: Elixir's {@code Registry.meta/2}
   *
   * @param key the metadata key
   * @throws IllegalStateException if the registry is not running
   */
  public Optional<Object> meta(String key) {
    Objects.requireNonNull(key, "key");
    return Optional.ofNullable(generation().meta.get(key));
  }

  /**
   * Stores metadata: Elixir's {@code Registry.put_meta/3}.
   *
   * @param key the metadata key
   * @param value the value
   * @throws IllegalStateException if the registry is not running
   */
  public void putMeta(String key, Object value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(value, "value");
    generation().meta.put(key, value);
  }

  /**
   * Removes metadata: Elixir's {@code Registry.delete_meta/2}.
   *
   * @param key the metadata key
   * @throws IllegalStateException if the registry is not running
   */
  public void deleteMeta(String key) {
    Objects.requireNonNull(key, "key");
    generation().meta.remove(key);
  }

  /** {@return how many processes have a row in the pid tables}: for tests, to find leaks */
  long processesWithEntries() {
    long n = 0;
    for (Partition<K, V> part : generation().partitions) {
      n += part.pids.mappingCount();
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // NameRegistry

  /**
   * Registers the calling process under {@code key} with the value {@link NoValue#NO_VALUE}: the
   * via contract, called by a server for itself before {@code init}. Listeners get {@link
   * Registered}.
   *
   * @param key the key
   * @param pid the calling process's pid
   * @return {@code true} if registered, {@code false} if a live process has the key
   * @throws IllegalArgumentException if the registry has duplicate keys, or {@code pid} is not
   *     the calling process
   * @throws IllegalStateException if the registry is not running
   */
  @Override
  @SuppressWarnings("unchecked")
  public boolean registerName(Object key, Pid<?> pid) {
    return registerVia(key, pid, (V) NoValue.NO_VALUE);
  }

  /**
   * {@return a name registry that registers in this registry with {@code value}}: Elixir's
   * {@code {:via, Registry, {registry, key, value}}}. It looks names up and unregisters them as
   * this registry does.
   *
   * @param value the value of the entries it makes
   * @throws IllegalArgumentException if the registry has duplicate keys
   */
  public NameRegistry via(V value) {
    Objects.requireNonNull(value, "value");
    requireUnique("via");
    return new ValueVia<>(this, value);
  }

  /** The name registry of {@link #via(Object)}: this registry, registering with a value. */
  private record ValueVia<K, V>(Registry<K, V> registry, V value) implements NameRegistry {
    @Override
    public boolean registerName(Object key, Pid<?> pid) {
      return registry.registerVia(key, pid, value);
    }

    @Override
    public void unregisterName(Object key) {
      registry.unregisterName(key);
    }

    @Override
    public Optional<Pid<?>> whereisName(Object key) {
      return registry.whereisName(key);
    }

    @Override
    public String toString() {
      return "{" + registry + ", " + value + "}";
    }
  }

  @SuppressWarnings("unchecked")
  private boolean registerVia(Object key, Pid<?> pid, V value) {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(pid, "pid");
    requireUnique("registerName");
    ProcessRecord<?> p = ProcessRecord.current();
    if (p == null || !p.pid.equals(pid)) {
      throw new IllegalArgumentException(
          "registerName("
              + key
              + ", "
              + pid
              + "): a process can only register itself, and this is called by "
              + (p == null ? Thread.currentThread().toString() : p.pid.toString()));
    }
    p.checkAlive();
    return registerSelf(p, (K) key, value) instanceof Register.Ok;
  }

  /**
   * Removes the calling process's registration under {@code key}, as {@link #unregister} does.
   * Called by a thread that is not a process, or on a registry that is not running, it does
   * nothing: only a process can hold a key.
   *
   * @param key the key
   * @throws IllegalArgumentException if the registry has duplicate keys
   */
  @Override
  @SuppressWarnings("unchecked")
  public void unregisterName(Object key) {
    Objects.requireNonNull(key, "key");
    requireUnique("unregisterName");
    ProcessRecord<?> p = ProcessRecord.current();
    Generation<K, V> g = running.get();
    if (p == null || g == null || !g.top.isAlive()) {
      return;
    }
    p.checkAlive();
    unregisterSelf(p, (K) key);
  }

  /**
   * {@return the live process registered under {@code key}}, or empty — also if the registry is
   * not running. Unlike {@link #lookup}, it never returns a dead process.
   *
   * @param key the key
   * @throws IllegalArgumentException if the registry has duplicate keys
   */
  @Override
  public Optional<Pid<?>> whereisName(Object key) {
    Objects.requireNonNull(key, "key");
    requireUnique("whereisName");
    Generation<K, V> g = running.get();
    if (g == null || !g.top.isAlive()) {
      return Optional.empty();
    }
    Entry<V> e = ((UniqueTable<V>) g.keyPartition(key, null).table).map.get(key);
    return e != null && e.pid().isAlive() ? Optional.of(e.pid()) : Optional.empty();
  }

  private void requireUnique(String function) {
    if (!unique) {
      throw new IllegalArgumentException(
          function + ": naming processes (via) is not supported by a registry with duplicate keys: " + this);
    }
  }

  /** {@return the registry's name, or its identity} */
  @Override
  public String toString() {
    return "Registry(" + options.name().orElse("@" + Integer.toHexString(System.identityHashCode(this))) + ")";
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private static ProcessRecord<?> owner(ProcessContext<?> caller) {
    Objects.requireNonNull(caller, "caller");
    ProcessRecord<?> p = (ProcessRecord<?>) caller;
    p.checkOwner();
    return p;
  }

  private Generation<K, V> generation() {
    Generation<K, V> g = running.get();
    if (g == null || !g.top.isAlive()) {
      throw new IllegalStateException("the registry " + this + " is not running");
    }
    return g;
  }

  private static void unlinkIfUnregistered(ProcessRecord<?> p, Partition<?, ?> owning) {
    if (!owning.pids.containsKey(p.pid)) {
      p.unlink(owning.owner);
    }
  }

  @SuppressWarnings("unchecked")
  private void notifyListeners(Generation<K, V> g, Object event) {
    for (String name : options.listeners()) {
      g.node.whereis(name).ifPresent(listener -> ((Pid<Object>) listener).send(event));
    }
  }

  private static <T> List<T> concat(List<T> a, List<T> b) {
    List<T> out = new ArrayList<>(a.size() + b.size());
    out.addAll(a);
    out.addAll(b);
    return Collections.unmodifiableList(out);
  }

  /** {@return the row without one occurrence of {@code key}}, or null if that empties it */
  private static <K> List<K> withoutOne(List<K> row, Object key) {
    return withoutSome(row, key, 1);
  }

  /** {@return the row without {@code n} occurrences of {@code key}}, or null if that empties it */
  private static <K> List<K> withoutSome(List<K> row, Object key, int n) {
    List<K> out = new ArrayList<>(row);
    for (int i = out.size() - 1; i >= 0 && n > 0; i--) {
      if (out.get(i).equals(key)) {
        out.remove(i);
        n--;
      }
    }
    return out.isEmpty() ? null : Collections.unmodifiableList(out);
  }

  /** {@return the row without {@code key}}, or null if that empties it */
  private static <K> List<K> withoutAll(List<K> row, Object key) {
    return withoutSome(row, key, Integer.MAX_VALUE);
  }

  // ---------------------------------------------------------------------------------------------
  // The running registry

  /** One run of the registry: its processes and tables. */
  private static final class Generation<K, V> {
    final Node node;
    final Pid<?> top; // the registry process
    final List<Partition<K, V>> partitions;
    final boolean unique;
    final ConcurrentHashMap<String, Object> meta;

    Generation(Node node, Pid<?> top, List<Partition<K, V>> partitions, boolean unique, Map<String, Object> meta) {
      this.node = node;
      this.top = top;
      this.partitions = partitions;
      this.unique = unique;
      this.meta = new ConcurrentHashMap<>(meta);
    }

    /** {@return the partition that owns (is linked to) {@code pid}} */
    Partition<K, V> pidPartition(Pid<?> pid) {
      return partitions.get(index(pid.hashCode()));
    }

    /** {@return the partition that stores {@code key} registered by {@code pid}} */
    Partition<K, V> keyPartition(Object key, Pid<?> pid) {
      return unique ? partitions.get(index(key.hashCode())) : pidPartition(pid);
    }

    private int index(int hash) {
      return Math.floorMod(hash ^ (hash >>> 16), partitions.size());
    }

    /** Removes every entry of {@code pid}, a dead process owned by {@code owning}. */
    void purge(Partition<K, V> owning, Pid<?> pid) {
      List<K> row = owning.pids.remove(pid);
      if (row != null) {
        for (K key : new LinkedHashSet<>(row)) {
          keyPartition(key, pid).table.removeAll(key, pid);
        }
      }
    }
  }

  /** A partition: its process and its tables. */
  private static final class Partition<K, V> {
    final KeyTable<V> table;
    // The keys each process owned by this partition registered, one element per registration.
    final ConcurrentHashMap<Pid<?>, List<K>> pids = new ConcurrentHashMap<>();
    Pid<?> owner; // the partition process; written in its init, before the generation is published
    ServerRef<PartitionMsg> server; // written by the registry process, before publication

    Partition(KeyTable<V> table) {
      this.table = table;
    }
  }

  /** The key table of a partition. */
  private sealed interface KeyTable<V> permits UniqueTable, DuplicateTable {
    List<Entry<V>> lookup(Object key);

    /** Inserts; for a unique key held by a live process, does nothing and returns the holder. */
    Optional<Pid<?>> insert(Object key, Entry<V> entry);

    /** Removes every entry of {@code pid} under {@code key}. */
    void removeAll(Object key, Pid<?> pid);

    /** Removes these very entries (by identity) of {@code pid}; returns how many were removed. */
    int removeExactly(Object key, Pid<?> pid, Set<Entry<V>> entries);

    long count();
  }

  /** Unique keys: key -> its one entry. */
  private static final class UniqueTable<V> implements KeyTable<V> {
    final ConcurrentHashMap<Object, Entry<V>> map = new ConcurrentHashMap<>();

    @Override
    public List<Entry<V>> lookup(Object key) {
      Entry<V> e = map.get(key);
      return e == null ? List.of() : List.of(e);
    }

    @Override
    public Optional<Pid<?>> insert(Object key, Entry<V> entry) {
      for (; ; ) {
        Entry<V> current = map.putIfAbsent(key, entry);
        if (current == null) {
          return Optional.empty();
        }
        if (current.pid().isAlive()) {
          return Optional.of(current.pid());
        }
        // The holder is dead and not purged yet: take the key over.
        if (map.computeIfPresent(key, (k, e) -> e == current ? entry : e) == entry) {
          return Optional.empty();
        }
      }
    }

    @Override
    public void removeAll(Object key, Pid<?> pid) {
      map.computeIfPresent(key, (k, e) -> e.pid().equals(pid) ? null : e);
    }

    @Override
    public int removeExactly(Object key, Pid<?> pid, Set<Entry<V>> entries) {
      int[] removed = {0};
      map.computeIfPresent(
          key,
          (k, e) -> {
            if (entries.contains(e)) {
              removed[0] = 1;
              return null;
            }
            return e;
          });
      return removed[0];
    }

    /** Replaces {@code old} (by identity); false if it is no longer there. */
    boolean replace(Object key, Entry<V> old, Entry<V> updated) {
      return map.computeIfPresent(key, (k, e) -> e == old ? updated : e) == updated;
    }

    @Override
    public long count() {
      return map.mappingCount();
    }
  }

  /** Duplicate keys: key -> pid -> that pid's entries under the key, in registration order. */
  private static final class DuplicateTable<V> implements KeyTable<V> {
    // Every change to a key goes through compute() on the outer map, so a key's inner map is
    // never changed after it was removed for being empty; readers iterate it without locks.
    final ConcurrentHashMap<Object, ConcurrentHashMap<Pid<?>, List<Entry<V>>>> map =
        new ConcurrentHashMap<>();

    @Override
    public List<Entry<V>> lookup(Object key) {
      ConcurrentHashMap<Pid<?>, List<Entry<V>>> byPid = map.get(key);
      if (byPid == null) {
        return List.of();
      }
      List<Entry<V>> out = new ArrayList<>();
      for (List<Entry<V>> entries : byPid.values()) {
        out.addAll(entries);
      }
      return Collections.unmodifiableList(out);
    }

    @Override
    public Optional<Pid<?>> insert(Object key, Entry<V> entry) {
      map.compute(
          key,
          (k, byPid) -> {
            ConcurrentHashMap<Pid<?>, List<Entry<V>>> m = byPid == null ? new ConcurrentHashMap<>() : byPid;
            m.merge(entry.pid(), List.of(entry), Registry::concat);
            return m;
          });
      return Optional.empty();
    }

    @Override
    public void removeAll(Object key, Pid<?> pid) {
      map.computeIfPresent(
          key,
          (k, byPid) -> {
            byPid.remove(pid);
            return byPid.isEmpty() ? null : byPid;
          });
    }

    @Override
    public int removeExactly(Object key, Pid<?> pid, Set<Entry<V>> entries) {
      int[] removed = {0};
      map.computeIfPresent(
          key,
          (k, byPid) -> {
            byPid.computeIfPresent(
                pid,
                (p, list) -> {
                  List<Entry<V>> kept = new ArrayList<>(list.size());
                  for (Entry<V> e : list) {
                    if (entries.contains(e)) {
                      removed[0]++;
                    } else {
                      kept.add(e);
                    }
                  }
                  return kept.isEmpty() ? null : Collections.unmodifiableList(kept);
                });
            return byPid.isEmpty() ? null : byPid;
          });
      return removed[0];
    }

    @Override
    public long count() {
      long n = 0;
      for (ConcurrentHashMap<Pid<?>, List<Entry<V>>> byPid : map.values()) {
        for (List<Entry<V>> entries : byPid.values()) {
          n += entries.size();
        }
      }
      return n;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The processes

  /** The registry process: starts the partitions, and stops them when it stops. */
  private final class Top implements GenServer<Generation<K, V>, Object> {
    @Override
    public Init<Generation<K, V>> init(ProcessContext<Object> self) {
      self.trapExit(true);
      List<Partition<K, V>> parts = new ArrayList<>(options.partitions());
      for (int i = 0; i < options.partitions(); i++) {
        parts.add(new Partition<>(unique ? new UniqueTable<>() : new DuplicateTable<>()));
      }
      Generation<K, V> g =
          new Generation<>(self.node(), self.self(), List.copyOf(parts), unique, options.meta());
      for (Partition<K, V> part : parts) {
        GenServer.Start<PartitionMsg> s = GenServer.startLink(self, new PartitionServer<>(g, part));
        if (!(s instanceof GenServer.Start.Ok<PartitionMsg> ok)) {
          return Init.stop(ExitReason.of("a partition of " + Registry.this + " did not start: " + s));
        }
        part.server = ok.server();
      }
      running.set(g); // publishes the generation, its partitions' pids and servers included
      return Init.ok(g);
    }

    @Override
    public Result<Generation<K, V>> handleInfo(Object message, Generation<K, V> g) throws Exception {
      if (message instanceof Exit exit) {
        for (Partition<K, V> part : g.partitions) {
          if (part.owner.equals(exit.from())) {
            return Result.stop(exit.reason(), g); // a partition failed: the registry stops
          }
        }
        return Result.noreply(g);
      }
      return GenServer.super.handleInfo(message, g);
    }

    @Override
    public void terminate(ExitReason reason, Generation<K, V> g) {
      running.compareAndSet(g, null);
      List<Partition<K, V>> parts = new ArrayList<>(g.partitions);
      Collections.reverse(parts);
      for (Partition<K, V> part : parts) {
        try {
          part.server.stop(ExitReason.SHUTDOWN);
        } catch (CallException gone) {
          // already dead: the one that failed
        }
      }
    }

    @Override
    public String toString() {
      return Registry.this.toString();
    }
  }

  private sealed interface PartitionMsg {}

  private record Sync(ReplyTo<Boolean> replyTo) implements PartitionMsg {}

  /** A partition process: traps exits, and purges the entries of registered processes that die. */
  private static final class PartitionServer<K, V> implements GenServer<Partition<K, V>, PartitionMsg> {
    private final Generation<K, V> g;
    private final Partition<K, V> part;

    PartitionServer(Generation<K, V> g, Partition<K, V> part) {
      this.g = g;
      this.part = part;
    }

    @Override
    public Init<Partition<K, V>> init(ProcessContext<Object> self) {
      self.trapExit(true); // before anyone can link to it
      part.owner = self.self();
      return Init.ok(part);
    }

    @Override
    public Result<Partition<K, V>> handleCall(PartitionMsg msg, Partition<K, V> state) {
      return switch (msg) {
        case Sync sync -> {
          for (Pid<?> pid : state.pids.keySet()) {
            if (!pid.isAlive()) {
              g.purge(state, pid);
            }
          }
          yield Result.reply(sync.replyTo(), true, state);
        }
      };
    }

    @Override
    public Result<Partition<K, V>> handleInfo(Object message, Partition<K, V> state) throws Exception {
      if (message instanceof Exit exit) {
        g.purge(state, exit.from()); // a registered process died (the parent's Exit stops us)
        return Result.noreply(state);
      }
      return GenServer.super.handleInfo(message, state);
    }
  }
}
