package dev.banyan.observer;

import static dev.banyan.observer.Json.obj;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.banyan.BadArgException;
import dev.banyan.ExitReason;
import dev.banyan.Pid;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The observer's HTTP side: routes, the security rules, static files and the event stream.
 *
 * <pre>
 * Implementation overview
 *
 * Every request passes admit(): the Host must be a loopback name unless remote access is on
 * (DNS rebinding), and with an access token the request must carry it (header, cookie, or
 * ?token= which sets the cookie). A POST (the only method that changes the node) must also carry
 * a page token in X-Banyan-Token: one is minted for every page served and kept in a bounded
 * table; an Origin or Sec-Fetch-Site that says another site is refused. GETs never change the
 * node. Answers carry a strict Content-Security-Policy (no inline script, no other origin).
 *
 * The event stream is one virtual thread per open page: once a second it computes the views
 * the page asked for (system, trees, a process page, one process) and writes those that changed.
 * The system and trees views are shared by all pages (memoized for a second); the number of
 * open streams is capped.
 * </pre>
 */
final class Http {
  private static final Logger LOG = LoggerFactory.getLogger(Observer.class);
  private static final String COOKIE = "banyan_observer_token";
  private static final String PAGE_TOKEN = "X-Banyan-Token";
  private static final int MAX_STREAMS = 32;
  private static final int MAX_PAGE_TOKENS = 1_000;
  private static final long TICK_MILLIS = 1_000;
  private static final long PING_MILLIS = 15_000;
  private static final Map<String, String> STATIC =
      Map.of(
          "app.js", "text/javascript; charset=utf-8",
          "tree.js", "text/javascript; charset=utf-8",
          "dom.js", "text/javascript; charset=utf-8",
          "style.css", "text/css; charset=utf-8");
  private static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
          + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final Views views;
  private final Observer.Options options;
  private final Set<String> hosts;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Boolean> pageTokens = // guarded by itself
      new LinkedHashMap<>(64, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
          return size() > MAX_PAGE_TOKENS;
        }
      };
  private final AtomicInteger streams = new AtomicInteger();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private final Map<String, Memo> memos = new ConcurrentHashMap<>();

  Http(Views views, Observer.Options options, int port) {
    this.views = views;
    this.options = options;
    this.hosts = Set.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port);
  }

  void install(HttpServer server) {
    server.createContext("/", this::serve);
  }

  /** {@return true the first time}: stops the event streams. */
  boolean stop() {
    return stopped.compareAndSet(false, true);
  }

  // ------------------------------------------------------------------------------------------
  // Routing

  private void serve(HttpExchange ex) {
    try (ex) {
      route(ex);
    }
  }

  private void route(HttpExchange ex) {
    try {
      if (!admit(ex)) {
        return;
      }
      String path = ex.getRequestURI().getPath();
      String method = ex.getRequestMethod();
      Map<String, String> q = params(ex.getRequestURI().getRawQuery());
      if (path.startsWith("/api/action/")) {
        if (!method.equals("POST")) {
          ex.getResponseHeaders().set("Allow", "POST");
          error(ex, 405, "an action needs POST");
          return;
        }
        if (!pageTokenOk(ex)) {
          error(ex, 403, "an action needs the page's token (reload the page)");
          return;
        }
        q.putAll(params(new String(ex.getRequestBody().readNBytes(64 * 1024), StandardCharsets.UTF_8)));
        json(ex, 200, action(path.substring("/api/action/".length()), q));
        return;
      }
      if (!method.equals("GET") && !method.equals("HEAD")) {
        ex.getResponseHeaders().set("Allow", "GET");
        error(ex, 405, "only GET here");
        return;
      }
      switch (path) {
        case "/", "/index.html" -> index(ex);
        case "/api/system" -> json(ex, 200, memo("system", views::system));
        case "/api/trees" -> json(ex, 200, memo("trees", views::trees));
        case "/api/processes" -> json(ex, 200, processes(q));
        case "/api/process" -> json(ex, 200, process(q));
        case "/api/events" -> events(ex, q);
        default -> {
          if (path.startsWith("/static/") && STATIC.containsKey(path.substring(8))) {
            asset(ex, path.substring(8));
          } else {
            error(ex, 404, "no such page");
          }
        }
      }
    } catch (Views.BadRequest | IllegalArgumentException e) {
      error(ex, 400, e.getMessage());
    } catch (IOException e) {
      LOG.debug("observer: a client left: {}", e.toString());
    } catch (RuntimeException e) {
      LOG.warn("observer: {} {} failed", ex.getRequestMethod(), ex.getRequestURI().getPath(), e);
      error(ex, 500, "the observer failed: " + e);
    }
  }

  private Object processes(Map<String, String> q) {
    return views.processes(
        Views.Sort.parse(q.get("sort")),
        "desc".equals(q.get("dir")),
        q.getOrDefault("q", ""),
        integer(q, "offset", 0),
        integer(q, "limit", 50));
  }

  private Object process(Map<String, String> q) {
    Optional<Pid<?>> pid = views.resolve(q.get("pid"));
    return pid.<Object>map(views::process)
        .orElseGet(() -> obj("pid", q.get("pid"), "alive", false, "exitReason", null, "events", java.util.List.of()));
  }

  private Map<String, Object> action(String what, Map<String, String> q) {
    @SuppressWarnings("unchecked")
    Pid<Object> pid = (Pid<Object>) views.resolve(q.get("pid"))
        .orElseThrow(() -> new Views.BadRequest("no live process " + q.get("pid")));
    switch (what) {
      case "kill" -> exit(pid, ExitReason.KILL);
      case "exit" -> exit(pid, exitReason(q.getOrDefault("reason", "")));
      case "send" -> {
        String message = q.get("message");
        if (message == null || message.isEmpty()) {
          throw new Views.BadRequest("send needs a message");
        }
        pid.send(message);
      }
      default -> throw new Views.BadRequest("no such action: " + what);
    }
    LOG.info("observer: {} {}", what, pid);
    return obj("ok", true, "action", what, "pid", pid.toString());
  }

  private void exit(Pid<?> pid, ExitReason reason) {
    try {
      views.node().exit(pid, reason);
    } catch (BadArgException e) {
      throw new Views.BadRequest(e.getMessage());
    }
  }

  private static ExitReason exitReason(String text) {
    return switch (text.strip()) {
      case "", "kill" -> ExitReason.KILL;
      case "normal" -> ExitReason.NORMAL;
      case "shutdown" -> ExitReason.SHUTDOWN;
      default -> ExitReason.of(Views.cut(text.strip()));
    };
  }

  // ------------------------------------------------------------------------------------------
  // Security

  private boolean admit(HttpExchange ex) throws IOException {
    Headers h = ex.getRequestHeaders();
    if (!options.allowRemote() && !hosts.contains(String.valueOf(h.getFirst("Host")))) {
      error(ex, 403, "this observer answers only to a loopback Host");
      return false;
    }
    if (options.accessToken().isPresent()) {
      String expected = options.accessToken().get();
      String fromQuery = params(ex.getRequestURI().getRawQuery()).get("token");
      if (same(fromQuery, expected)) {
        ex.getResponseHeaders().add(
            "Set-Cookie", COOKIE + "=" + expected + "; Path=/; HttpOnly; SameSite=Strict");
      } else if (!same(bearer(h), expected) && !same(cookie(h, COOKIE), expected)) {
        error(ex, 401, "this observer needs its access token");
        return false;
      }
    }
    return true;
  }

  private boolean pageTokenOk(HttpExchange ex) {
    Headers h = ex.getRequestHeaders();
    String origin = h.getFirst("Origin");
    if (origin != null && !origin.equals("http://" + h.getFirst("Host"))) {
      return false;
    }
    String site = h.getFirst("Sec-Fetch-Site");
    if (site != null && !site.equals("same-origin") && !site.equals("none")) {
      return false;
    }
    String token = h.getFirst(PAGE_TOKEN);
    if (token == null) {
      return false;
    }
    synchronized (pageTokens) {
      return pageTokens.containsKey(token);
    }
  }

  private String mintPageToken() {
    byte[] b = new byte[24];
    random.nextBytes(b);
    String t = Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    synchronized (pageTokens) {
      pageTokens.put(t, Boolean.TRUE);
    }
    return t;
  }

  private static boolean same(String given, String expected) {
    return given != null
        && MessageDigest.isEqual(
            given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
  }

  private static String bearer(Headers h) {
    String a = h.getFirst("Authorization");
    return a != null && a.startsWith("Bearer ") ? a.substring(7).strip() : null;
  }

  private static String cookie(Headers h, String name) {
    for (String header : h.getOrDefault("Cookie", java.util.List.of())) {
      for (String part : header.split(";")) {
        String p = part.strip();
        if (p.startsWith(name + "=")) {
          return p.substring(name.length() + 1);
        }
      }
    }
    return null;
  }

  // ------------------------------------------------------------------------------------------
  // Pages and files

  private void index(HttpExchange ex) throws IOException {
    String page = resource("index.html").replace("{{PAGE_TOKEN}}", mintPageToken());
    send(ex, 200, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8));
  }

  private void asset(HttpExchange ex, String name) throws IOException {
    send(ex, 200, STATIC.get(name), resource(name).getBytes(StandardCharsets.UTF_8));
  }

  private static String resource(String name) throws IOException {
    try (InputStream in = Http.class.getResourceAsStream("static/" + name)) {
      if (in == null) {
        throw new IOException("missing resource static/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private void json(HttpExchange ex, int status, Object body) throws IOException {
    send(ex, status, "application/json; charset=utf-8", Json.write(body).getBytes(StandardCharsets.UTF_8));
  }

  private void error(HttpExchange ex, int status, String message) {
    try {
      json(ex, status, obj("error", message));
    } catch (IOException | RuntimeException e) {
      LOG.debug("observer: could not answer {}: {}", status, e.toString());
    }
  }

  private void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    headers(ex, type);
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  private static void headers(HttpExchange ex, String type) {
    Headers h = ex.getResponseHeaders();
    h.set("Content-Type", type);
    h.set("Cache-Control", "no-store");
    h.set("X-Content-Type-Options", "nosniff");
    h.set("X-Frame-Options", "DENY");
    h.set("Referrer-Policy", "no-referrer");
    h.set("Content-Security-Policy", CSP);
  }

  // ------------------------------------------------------------------------------------------
  // Server-sent events

  private void events(HttpExchange ex, Map<String, String> q) throws IOException {
    if (streams.incrementAndGet() > MAX_STREAMS) {
      streams.decrementAndGet();
      error(ex, 503, "too many open observer pages");
      return;
    }
    try {
      Set<String> topics = Set.of(q.getOrDefault("topics", "system").split(","));
      headers(ex, "text/event-stream; charset=utf-8");
      ex.sendResponseHeaders(200, 0);
      OutputStream out = ex.getResponseBody();
      Map<String, String> last = new HashMap<>();
      Map<String, Long> due = new HashMap<>(); // when each topic is next computed (nanoTime)
      long lastWrite = System.currentTimeMillis();
      out.write(": banyan observer\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      while (!stopped.get()) {
        for (String topic : topics) {
          long begin = System.nanoTime();
          if (begin - due.getOrDefault(topic, begin) < 0) {
            continue;
          }
          Object view =
              switch (topic) {
                case "system" -> memo("system", views::system);
                case "trees" -> memo("trees", views::trees);
                case "processes" -> processes(q);
                case "process" -> process(q);
                default -> null;
              };
          if (view == null) {
            continue;
          }
          due.put(topic, begin + pause(System.nanoTime() - begin));
          String data = Json.write(view);
          if (!data.equals(last.get(topic))) {
            last.put(topic, data);
            out.write(("event: " + topic + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            lastWrite = System.currentTimeMillis();
          }
        }
        if (System.currentTimeMillis() - lastWrite > PING_MILLIS) {
          out.write(": ping\n\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
          lastWrite = System.currentTimeMillis();
        }
        try {
          Thread.sleep(TICK_MILLIS); // the stream's period, not a synchronisation
        } catch (InterruptedException e) {
          return; // the observer is closing
        }
      }
    } finally {
      streams.decrementAndGet();
    }
  }

  /**
   * {@return how long to wait before computing a view again that took {@code nanos}}: at least
   * a tick, and four times as long as it took, so that on a node with a million processes the
   * open pages cost the node at most a fifth of a core each
   */
  static long pause(long nanos) {
    return Math.max(TICK_MILLIS * 1_000_000L - 100_000_000L, 4 * nanos);
  }

  /** A view shared by every request and stream, computed again once its {@link #pause} is over. */
  private Object memo(String key, Supplier<Object> compute) {
    Memo m = memos.computeIfAbsent(key, k -> new Memo());
    m.lock.lock(); // not synchronized: computing a view calls supervisors, which blocks
    try {
      long now = System.nanoTime();
      if (m.value == null || now - m.due >= 0) {
        m.value = compute.get();
        m.due = now + pause(System.nanoTime() - now);
      }
      return m.value;
    } finally {
      m.lock.unlock();
    }
  }

  private static final class Memo {
    final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
    Object value; // guarded by lock
    long due; // guarded by lock: when to compute again (nanoTime)
  }

  // ------------------------------------------------------------------------------------------
  // Parameters

  private static Map<String, String> params(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String k = eq < 0 ? pair : pair.substring(0, eq);
      String v = eq < 0 ? "" : pair.substring(eq + 1);
      try {
        out.put(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        throw new Views.BadRequest("a malformed parameter: " + Views.cut(pair));
      }
    }
    return out;
  }

  private static int integer(Map<String, String> q, String key, int otherwise) {
    String v = q.get(key);
    if (v == null || v.isEmpty()) {
      return otherwise;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new Views.BadRequest(key + " must be a number: " + Views.cut(v));
    }
  }
}
