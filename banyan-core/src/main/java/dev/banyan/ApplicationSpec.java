package dev.banyan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * What OTP's {@code .app} file says about an application: its name, version, description, the
 * applications it depends on, its environment's defaults, and its callback module (none for a
 * library application).
 *
 * {@snippet :
 * ApplicationSpec kv = ApplicationSpec.of("kv_server", KvApp::new)
 *     .withVersion("1.0.0")
 *     .withDescription("a key-value server")
 *     .withDependencies("logger_backend")
 *     .withEnv("port", 4040);
 * ApplicationSpec util = ApplicationSpec.library("util"); // no processes
 * }
 *
 * <h2>Names and keys</h2>
 * An application name is a letter followed by letters, digits, {@code _} or {@code -} (OTP's
 * atoms, such as {@code kv_server}); an environment key is a letter followed by letters, digits,
 * {@code _}, {@code -} or {@code .}. These rules keep the names of the system properties and
 * environment variables that override the environment unambiguous (see {@link Applications}).
 *
 * <h2>Defaults</h2>
 * {@link #of} and {@link #library} give version {@code ""}, description {@code ""}, no
 * dependencies and an empty environment.
 *
 * <h2>Thread safety</h2>
 * Immutable (as long as the environment's values are). Two specs are equal when their components
 * are; the module supplier compares by identity, so load the same spec object (a constant) again
 * rather than a copy built with a new lambda.
 *
 * @param name the application's name
 * @param version its version (free text)
 * @param description what it is (free text)
 * @param applications the applications that must be running before it starts, in start order
 * @param env the defaults of its environment, key to value; values must not be null
 * @param module makes the callback module, once per start; empty for a library application, whose
 *     start and stop do nothing but mark it running or not
 * @since 0.1
 */
public record ApplicationSpec(
    String name,
    String version,
    String description,
    List<String> applications,
    Map<String, Object> env,
    Optional<Supplier<? extends Application>> module) {

  private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_\\-]*");
  private static final Pattern KEY = Pattern.compile("[A-Za-z][A-Za-z0-9_\\-.]*");

  /**
   * Validates and copies the components.
   *
   * @throws IllegalArgumentException naming the value, if a name or key breaks the rules above,
   *     or the application depends on itself or twice on the same application
   */
  public ApplicationSpec {
    checkName(name);
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(module, "module");
    applications = List.copyOf(applications);
    for (String dep : applications) {
      checkName(dep);
      if (dep.equals(name)) {
        throw new IllegalArgumentException("application " + name + " cannot depend on itself");
      }
    }
    if (applications.stream().distinct().count() != applications.size()) {
      throw new IllegalArgumentException(
          "application " + name + " lists a dependency twice: " + applications);
    }
    Map<String, Object> copy = new LinkedHashMap<>();
    env.forEach(
        (k, v) -> {
          checkKey(k);
          copy.put(k, Objects.requireNonNull(v, () -> "env value of " + k));
        });
    env = java.util.Collections.unmodifiableMap(copy);
  }

  /**
   * {@return the spec of an application with a callback module}
   *
   * @param name the name
   * @param module makes the module, once per start (for example {@code KvApp::new})
   * @throws IllegalArgumentException if the name is not valid
   */
  public static ApplicationSpec of(String name, Supplier<? extends Application> module) {
    Objects.requireNonNull(module, "module");
    return new ApplicationSpec(name, "", "", List.of(), Map.of(), Optional.of(module));
  }

  /**
   * {@return the spec of a library application}: one without a module (no processes of its own),
   * which can still have dependencies and an environment.
   *
   * @param name the name
   * @throws IllegalArgumentException if the name is not valid
   */
  public static ApplicationSpec library(String name) {
    return new ApplicationSpec(name, "", "", List.of(), Map.of(), Optional.empty());
  }

  /**
   * {@return this spec with another version}
   *
   * @param newVersion the version
   */
  public ApplicationSpec withVersion(String newVersion) {
    return new ApplicationSpec(name, newVersion, description, applications, env, module);
  }

  /**
   * {@return this spec with another description}
   *
   * @param newDescription the description
   */
  public ApplicationSpec withDescription(String newDescription) {
    return new ApplicationSpec(name, version, newDescription, applications, env, module);
  }

  /**
   * {@return this spec with these dependencies} (replacing any given before)
   *
   * @param apps the applications that must run before this one, in start order
   */
  public ApplicationSpec withDependencies(String... apps) {
    return new ApplicationSpec(name, version, description, List.of(apps), env, module);
  }

  /**
   * {@return this spec with a default for an environment key} (replacing an earlier default for
   * it)
   *
   * @param key the key
   * @param defaultValue its default; the type of the default also decides how an override given as
   *     a string (system property, environment variable) is converted, see {@link Applications}
   */
  public ApplicationSpec withEnv(String key, Object defaultValue) {
    Map<String, Object> more = new LinkedHashMap<>(env);
    checkKey(key);
    more.put(key, Objects.requireNonNull(defaultValue, "defaultValue"));
    return new ApplicationSpec(name, version, description, applications, more, module);
  }

  /** {@return whether this is a library application (no module)} */
  public boolean isLibrary() {
    return module.isEmpty();
  }

  @Override
  public String toString() {
    List<String> parts = new ArrayList<>();
    parts.add(name);
    if (!version.isEmpty()) {
      parts.add("vsn " + version);
    }
    if (!applications.isEmpty()) {
      parts.add("applications " + applications);
    }
    if (!env.isEmpty()) {
      parts.add("env " + env);
    }
    parts.add(module.isEmpty() ? "library" : "mod");
    return "ApplicationSpec" + parts;
  }

  static void checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "an application name must be a letter followed by letters, digits, _ or -, not \"" + name + "\"");
    }
  }

  static void checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (!KEY.matcher(key).matches()) {
      throw new IllegalArgumentException(
          "an environment key must be a letter followed by letters, digits, _, - or ., not \"" + key + "\"");
    }
  }
}
