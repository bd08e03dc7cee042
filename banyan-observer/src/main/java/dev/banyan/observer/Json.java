package dev.banyan.observer;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A JSON writer, output only: maps (string keys), collections, strings, numbers, booleans,
 * {@link Optional}s and null; anything else is written as its {@code toString}, a string. Strings
 * are escaped for any context a browser might put them in: quotes, backslashes, control
 * characters, {@code <}, {@code >}, {@code &}, U+2028 and U+2029.
 */
final class Json {
  private Json() {}

  /** {@return {@code value} as JSON text} */
  static String write(Object value) {
    StringBuilder out = new StringBuilder(256);
    write(out, value);
    return out.toString();
  }

  /** {@return an ordered map from alternating keys and values}, for building objects inline */
  static Map<String, Object> obj(Object... keysAndValues) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put((String) keysAndValues[i], keysAndValues[i + 1]);
    }
    return m;
  }

  private static void write(StringBuilder out, Object v) {
    switch (v) {
      case null -> out.append("null");
      case Optional<?> o -> write(out, o.orElse(null));
      case Map<?, ?> m -> {
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : m.entrySet()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          string(out, String.valueOf(e.getKey()));
          out.append(':');
          write(out, e.getValue());
        }
        out.append('}');
      }
      case Collection<?> c -> {
        out.append('[');
        boolean first = true;
        for (Object o : c) {
          if (!first) {
            out.append(',');
          }
          first = false;
          write(out, o);
        }
        out.append(']');
      }
      case Boolean b -> out.append(b.booleanValue());
      case Double d when d.isNaN() || d.isInfinite() -> out.append("null");
      case Float f when f.isNaN() || f.isInfinite() -> out.append("null");
      case Number n -> out.append(n);
      default -> string(out, v.toString());
    }
  }

  private static void string(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
