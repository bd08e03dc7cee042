package dev.banyan;

import java.util.Objects;

/**
 * The name a server is started under: a local registered name, or a key in a {@link
 * NameRegistry} such as a {@code Registry} (Elixir's {@code {:via, Registry, {registry, key}}}).
 *
 * {@snippet :
 * GenServer.start(node, new Counter(), GenServer.Options.named("counter"));          // local
 * GenServer.start(node, new Bucket(), GenServer.Options.via(buckets, "shopping"));    // via a registry
 * ServerRef<BucketMsg> bucket = ServerRef.via(buckets, "shopping");
 * }
 *
 * <h2>Thread safety</h2>
 * Immutable (as far as the registry and the key are).
 *
 * @since 0.1
 */
public sealed interface ProcessName {

  /**
   * {@return a local registered name}
   *
   * @param name the name
   */
  static Local local(String name) {
    return new Local(name);
  }

  /**
   * {@return a key in a name registry}
   *
   * @param registry the registry
   * @param key the key; compared with {@code equals}
   */
  static Via via(NameRegistry registry, Object key) {
    return new Via(registry, key);
  }

  /**
   * A local registered name ({@link Node#register(String, Pid)}).
   *
   * @param name the name
   */
  record Local(String name) implements ProcessName {
    /** Validates the component. */
    public Local {
      Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /**
   * A key in a {@link NameRegistry}.
   *
   * @param registry the registry
   * @param key the key
   */
  record Via(NameRegistry registry, Object key) implements ProcessName {
    /** Validates the components. */
    public Via {
      Objects.requireNonNull(registry, "registry");
      Objects.requireNonNull(key, "key");
    }

    @Override
    public String toString() {
      return "{via, " + registry + ", " + key + "}";
    }
  }
}
