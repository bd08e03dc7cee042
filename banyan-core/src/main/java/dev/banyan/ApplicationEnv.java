package dev.banyan;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * How an application's environment is built when it is loaded: the spec's defaults, overridden
 * by environment variables, overridden by system properties (see {@link Applications} for the
 * rule as users read it).
 */
final class ApplicationEnv {
  private ApplicationEnv() {}

  /** {@return the system property that overrides {@code key} of {@code app}}: {@code banyan.<app>.<key>} */
  static String propertyName(String app, String key) {
    return "banyan." + app + "." + key;
  }

  /**
   * {@return the environment variable that overrides {@code key} of {@code app}}: {@code
   * BANYAN_<APP>_<KEY>}, upper case, every character other than a letter or digit replaced by
   * {@code _}.
   */
  static String variableName(String app, String key) {
    return ("BANYAN_" + app + "_" + key).toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }

  /**
   * {@return the environment of {@code spec} when it is loaded}
   *
   * @throws IllegalArgumentException naming the application, key, source and value, if an override
   *     cannot be converted to the type of the key's default
   */
  static Map<String, Object> resolve(
      ApplicationSpec spec, Function<String, String> variables, Function<String, String> properties) {
    Map<String, Object> env = new LinkedHashMap<>(spec.env());
    spec.env()
        .forEach(
            (key, defaultValue) -> {
              String var = variableName(spec.name(), key);
              String fromVar = variables.apply(var);
              if (fromVar != null) {
                env.put(key, convert(spec.name(), key, defaultValue, fromVar, "environment variable " + var));
              }
              String prop = propertyName(spec.name(), key);
              String fromProp = properties.apply(prop);
              if (fromProp != null) {
                env.put(key, convert(spec.name(), key, defaultValue, fromProp, "system property " + prop));
              }
            });
    return env;
  }

  /** Converts an override given as a string to the type of the key's default. */
  static Object convert(String app, String key, Object defaultValue, String raw, String source) {
    try {
      return switch (defaultValue) {
        case String s -> raw;
        case Integer i -> Integer.valueOf(raw.strip());
        case Long l -> Long.valueOf(raw.strip());
        case Double d -> Double.valueOf(raw.strip());
        case Boolean b -> parseBoolean(raw.strip());
        case Duration d -> Duration.parse(raw.strip());
        case Enum<?> e -> enumValue(e.getDeclaringClass(), raw.strip());
        default ->
            throw new IllegalArgumentException(
                "only String, Integer, Long, Double, Boolean, Duration and enum defaults can be"
                    + " overridden by a string; the default is a "
                    + defaultValue.getClass().getName());
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "application "
              + app
              + ": cannot use \""
              + raw
              + "\" from "
              + source
              + " for env key "
              + key
              + " (default "
              + defaultValue
              + "): "
              + e.getMessage(),
          e);
    }
  }

  private static Boolean parseBoolean(String raw) {
    if (raw.equalsIgnoreCase("true")) {
      return Boolean.TRUE;
    }
    if (raw.equalsIgnoreCase("false")) {
      return Boolean.FALSE;
    }
    throw new IllegalArgumentException("not true or false");
  }

  private static Object enumValue(Class<?> type, String raw) {
    for (Object constant : type.getEnumConstants()) {
      if (((Enum<?>) constant).name().equalsIgnoreCase(raw)) {
        return constant;
      }
    }
    throw new IllegalArgumentException("not a constant of " + type.getSimpleName());
  }
}
