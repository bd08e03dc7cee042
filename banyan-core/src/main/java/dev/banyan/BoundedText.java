package dev.banyan;

import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * Renders a value as text of bounded length, for {@link Introspection#state}: maps, collections
 * and arrays are written element by element and stop at the budget, so a server holding a
 * million entries is described in a few hundred characters, without building the whole text.
 * Other values use their {@code toString}, cut at the budget.
 */
final class BoundedText {
  private final StringBuilder out = new StringBuilder();
  private final int max;

  private BoundedText(int max) {
    this.max = max;
  }

  /** {@return {@code value} as text of at most {@code max} characters} */
  static String of(Object value, int max) {
    BoundedText t = new BoundedText(max);
    try {
      t.write(value, 0);
    } catch (RuntimeException e) {
      t.append("<toString failed: " + e + ">");
    }
    return t.out.length() > max ? t.out.substring(0, max - 1) + "…" : t.out.toString();
  }

  private boolean full() {
    return out.length() > max;
  }

  private void append(String s) {
    if (!full()) {
      out.append(s, 0, Math.min(s.length(), max + 1 - out.length()));
    }
  }

  private void write(Object v, int depth) {
    if (full()) {
      return;
    }
    if (depth > 8) {
      append("…");
      return;
    }
    switch (v) {
      case null -> append("null");
      case Map<?, ?> m -> {
        append("{");
        Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator();
        for (int i = 0; it.hasNext() && !full(); i++) {
          Map.Entry<?, ?> e = it.next();
          append(i == 0 ? "" : ", ");
          write(e.getKey(), depth + 1);
          append("=");
          write(e.getValue(), depth + 1);
        }
        append("}");
        if (m.size() > 8) {
          append(" (" + m.size() + " entries)");
        }
      }
      case Collection<?> c -> {
        append("[");
        Iterator<?> it = c.iterator();
        for (int i = 0; it.hasNext() && !full(); i++) {
          append(i == 0 ? "" : ", ");
          write(it.next(), depth + 1);
        }
        append("]");
        if (c.size() > 8) {
          append(" (" + c.size() + " elements)");
        }
      }
      case Object[] a -> write(java.util.Arrays.asList(a), depth);
      default -> append(String.valueOf(v));
    }
  }
}
