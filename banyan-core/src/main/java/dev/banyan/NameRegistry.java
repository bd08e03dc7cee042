package dev.banyan;

import java.util.Optional;

/**
 * Something that can name processes: Erlang's via-module contract ({@code register_name/2},
 * {@code unregister_name/1}, {@code whereis_name/1}). A GenServer started with {@link
 * GenServer.Options#via(NameRegistry, Object)} registers itself through it before {@code init}
 * runs, and a {@link ServerRef#via(NameRegistry, Object)} looks it up on every use.
 *
 * {@snippet :
 * ServerRef<BucketMsg> bucket = ServerRef.via(registry, "shopping");
 * bucket.cast(new Put("milk", 3));
 * }
 *
 * <p>An implementation must forget a name when its process dies, and must not return a dead
 * process from {@link #whereisName(Object)}.
 *
 * <h2>Thread safety</h2>
 * Implementations must be thread-safe: any thread may look names up.
 *
 * @since 0.1
 */
public interface NameRegistry {

  /**
   * Registers {@code pid} under {@code key}, unless a live process has it.
   *
   * @param key the key
   * @param pid the process (the caller, when a GenServer registers itself)
   * @return {@code true} if registered, {@code false} if the key is taken
   */
  boolean registerName(Object key, Pid<?> pid);

  /**
   * Removes the registration of {@code key}, if any.
   *
   * @param key the key
   */
  void unregisterName(Object key);

  /**
   * {@return the live process registered under {@code key}}, or empty
   *
   * @param key the key
   */
  Optional<Pid<?>> whereisName(Object key);
}
