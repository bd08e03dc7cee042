package dev.banyan.observer;

import static dev.banyan.observer.Json.obj;

import dev.banyan.Applications;
import dev.banyan.CallException;
import dev.banyan.ExitReason;
import dev.banyan.Introspection;
import dev.banyan.Introspection.ChildReport;
import dev.banyan.Introspection.NodeEvent;
import dev.banyan.Introspection.ProcessLabel;
import dev.banyan.Introspection.ProcessSummary;
import dev.banyan.Introspection.SupervisorReport;
import dev.banyan.Node;
import dev.banyan.Pid;
import dev.banyan.ProcessInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The observer's views of a node, as maps and lists ready for {@link Json}: the system, the
 * supervision trees, a page of the process table, one process. Every view is bounded in size,
 * whatever the number of processes: the process table is sorted and paged here, a dynamic
 * supervisor shows its first {@link #MAX_CHILDREN} children, text is cut at {@link #MAX_TEXT}.
 */
final class Views {
  static final int MAX_CHILDREN = 100;
  static final int MAX_TREE_NODES = 2_000;
  static final int MAX_DEPTH = 12;
  static final int MAX_TEXT = 2_000;
  static final int MAX_STACK = 64;
  static final int MAX_PAGE = 500;
  static final int MAX_OFFSET = 100_000;
  static final int MAX_LIST = 200;
  private static final Duration ASK = Duration.ofSeconds(1);
  private static final Pattern PID = Pattern.compile("<?0\\.(\\d+)\\.(\\d+)>?");

  private final Introspection look;
  private final Node node;
  // Pids the page has seen, by their text: resolving one costs no scan of the process table.
  private final Map<String, Pid<?>> known =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Pid<?>> eldest) {
          return size() > 20_000;
        }
      };
  private long lastSampleNanos; // guarded by this
  private long lastReceived; // guarded by this
  private double rate; // guarded by this

  Views(Node node) {
    this.node = node;
    this.look = Introspection.of(node);
  }

  Node node() {
    return node;
  }

  // ------------------------------------------------------------------------------------------
  // System

  /** The System page: node, counts, rates, memory, JVM, recent crashes and restarts. */
  Map<String, Object> system() {
    long[] counts = new long[3]; // processes, running, queued messages
    look.forEachProcess(
        p -> {
          counts[0]++;
          if (p.status() == ProcessInfo.Status.RUNNING) {
            counts[1]++;
          }
          counts[2] += p.mailboxLength();
        });
    long received = look.messagesReceived();
    double perSecond = rate(received);
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    MemoryUsage nonHeap = ManagementFactory.getMemoryMXBean().getNonHeapMemoryUsage();
    Runtime rt = Runtime.getRuntime();
    List<Object> events = new ArrayList<>();
    List<NodeEvent> recent = look.events(0);
    for (int i = recent.size() - 1; i >= 0 && events.size() < 50; i--) {
      events.add(event(recent.get(i)));
    }
    return obj(
        "node", node.name(),
        "uptimeMs", node.uptime().toMillis(),
        "processes", counts[0],
        "running", counts[1],
        "queuedMessages", counts[2],
        "zombies", node.zombies().size(),
        "registered", node.registered().size(),
        "messagesReceived", received,
        "messagesPerSecond", Math.round(perSecond),
        "memory", obj(
            "heapUsed", heap.getUsed(),
            "heapCommitted", heap.getCommitted(),
            "heapMax", heap.getMax(),
            "nonHeapUsed", nonHeap.getUsed()),
        "jvm", obj(
            "version", Runtime.version().toString(),
            "vendor", System.getProperty("java.vendor", ""),
            "vm", System.getProperty("java.vm.name", ""),
            "os", System.getProperty("os.name", "") + " " + System.getProperty("os.arch", ""),
            "processors", rt.availableProcessors(),
            "threads", ManagementFactory.getThreadMXBean().getThreadCount()),
        "scheduler", scheduler(),
        "events", events);
  }

  private static Map<String, Object> scheduler() {
    Introspection.SchedulerReport r = Introspection.scheduler();
    return obj(
        "kind", r.kind() == Introspection.SchedulerReport.Kind.BANYAN ? "banyan" : "jdk",
        "parallelism", r.parallelism(),
        "carriers", r.carriers(),
        "whyNotBanyan", r.whyNotBanyan().orElse(""));
  }

  private synchronized double rate(long received) {
    long now = System.nanoTime();
    if (lastSampleNanos != 0 && now - lastSampleNanos > 200_000_000L) {
      rate = Math.max(0, received - lastReceived) * 1e9 / (now - lastSampleNanos);
    }
    if (lastSampleNanos == 0 || now - lastSampleNanos > 200_000_000L) {
      lastSampleNanos = now;
      lastReceived = received;
    }
    return rate;
  }

  private Map<String, Object> event(NodeEvent e) {
    return obj(
        "seq", e.seq(),
        "at", e.at().toString(),
        "kind", e.kind().name().toLowerCase(Locale.ROOT),
        "pid", pid(e.pid()),
        "name", cut(e.name()),
        "reason", reason(e.reason()),
        "supervisor", e.supervisor().map(this::pid),
        "newPid", e.newPid().map(this::pid));
  }

  // ------------------------------------------------------------------------------------------
  // Supervision trees

  /**
   * The supervision trees: first each running application's, in start order, then one for every
   * other supervisor that no supervisor supervises, the named ones first. Each child of a
   * supervisor is itself a tree when it is a supervisor.
   */
  Map<String, Object> trees() {
    int[] budget = {MAX_TREE_NODES};
    List<Object> out = new ArrayList<>();
    List<Object> libraries = new ArrayList<>();
    Set<Pid<?>> shown = new HashSet<>();
    for (Applications.RunningApplication app : node.applications().which()) {
      Map<String, Object> about = obj(
          "name", cut(app.name()),
          "description", cut(app.description()),
          "version", cut(app.version()),
          "type", lower(app.type()));
      if (app.topSupervisor().isEmpty()) {
        libraries.add(about);
        continue;
      }
      Pid<?> top = app.topSupervisor().get();
      shown.add(top);
      if (budget[0] > 0) {
        Map<String, Object> tree = supervisorNode(top, 0, budget);
        tree.put("application", about);
        out.add(tree);
      }
    }
    Set<Pid<?>> supervisors = new HashSet<>(look.supervisors());
    List<Pid<?>> roots = new ArrayList<>();
    for (Pid<?> s : supervisors) {
      Optional<Pid<?>> parent = look.label(s).flatMap(ProcessLabel::parent);
      if (!shown.contains(s) && (parent.isEmpty() || !supervisors.contains(parent.get()))) {
        roots.add(s);
      }
    }
    roots.sort(
        Comparator.comparing((Pid<?> p) -> registeredName(p).isEmpty())
            .thenComparing(p -> registeredName(p).orElse(""))
            .thenComparingInt(Pid::id));
    for (Pid<?> root : roots) {
      if (budget[0] <= 0) {
        break;
      }
      out.add(supervisorNode(root, 0, budget));
    }
    return obj("trees", out, "treesTotal", shown.size() + roots.size(), "libraries", libraries);
  }

  private Map<String, Object> supervisorNode(Pid<?> sup, int depth, int[] budget) {
    budget[0]--;
    Map<String, Object> n = processHead(sup);
    Optional<SupervisorReport> report;
    try {
      report = look.supervisor(sup, MAX_CHILDREN, ASK);
    } catch (CallException busy) {
      n.put("busy", reason(busy.reason()));
      return n;
    }
    if (report.isEmpty()) {
      n.put("busy", "not running");
      return n;
    }
    SupervisorReport r = report.get();
    n.put("strategy", lower(r.strategy()));
    n.put("maxRestarts", r.maxRestarts());
    n.put("maxSeconds", r.maxSeconds().toSeconds());
    n.put("restarts", r.restarts());
    n.put("childCount", r.childCount());
    List<Object> children = new ArrayList<>();
    for (ChildReport c : r.children()) {
      if (budget[0] <= 0) {
        break;
      }
      children.add(childNode(c, depth, budget));
    }
    n.put("children", children);
    n.put("childrenNotShown", r.childCount() - children.size());
    return n;
  }

  private Map<String, Object> childNode(ChildReport c, int depth, int[] budget) {
    Map<String, Object> n;
    if (c.pid().isPresent()
        && depth < MAX_DEPTH
        && look.label(c.pid().get()).map(l -> l.kind().isSupervisor()).orElse(false)) {
      n = supervisorNode(c.pid().get(), depth + 1, budget);
    } else {
      budget[0]--;
      n = c.pid().isPresent() ? processHead(c.pid().get()) : obj("pid", null);
    }
    n.put("id", cut(String.valueOf(c.id())));
    n.put("type", lower(c.type()));
    n.put("restart", lower(c.restart()));
    n.put("childRestarts", c.restarts());
    n.put("lastExit", c.lastExit().map(this::reason));
    return n;
  }

  /** pid, name, kind and implementation of a process. */
  private Map<String, Object> processHead(Pid<?> pid) {
    Optional<ProcessLabel> label = look.label(pid);
    return obj(
        "pid", pid(pid),
        "name", registeredName(pid).map(Views::cut),
        "kind", label.map(l -> lower(l.kind())).orElse("process"),
        "implementation", label.map(l -> simpleName(l.implementation())));
  }

  // ------------------------------------------------------------------------------------------
  // The process table

  /** The columns the table can be sorted by. */
  enum Sort {
    PID(Comparator.comparingLong((ProcessSummary s) -> order(s.pid()))),
    NAME(Comparator.comparing((ProcessSummary s) -> s.registeredName().orElse("\uffff"))
        .thenComparingLong(s -> order(s.pid()))),
    MAILBOX(Comparator.comparingInt(ProcessSummary::mailboxLength)
        .thenComparingLong(s -> order(s.pid()))),
    RECEIVED(Comparator.comparingLong(ProcessSummary::messagesReceived)
        .thenComparingLong(s -> order(s.pid()))),
    STATUS(Comparator.comparing(ProcessSummary::status).thenComparingLong(s -> order(s.pid()))),
    LINKS(Comparator.comparingInt(ProcessSummary::links).thenComparingLong(s -> order(s.pid()))),
    MONITORS(Comparator.comparingInt(ProcessSummary::monitors)
        .thenComparingLong(s -> order(s.pid())));

    final Comparator<ProcessSummary> order;

    Sort(Comparator<ProcessSummary> order) {
      this.order = order;
    }

    static Sort parse(String s) {
      try {
        return s == null || s.isEmpty() ? PID : valueOf(s.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new BadRequest("unknown sort column: " + s);
      }
    }
  }

  private static long order(Pid<?> p) {
    return ((long) p.serial() << 28) | p.id();
  }

  /**
   * One page of the process table: every process is looked at, only {@code offset + limit} are
   * kept (a bounded heap), and only {@code limit} are described.
   */
  Map<String, Object> processes(Sort sort, boolean descending, String filter, int offset, int limit) {
    if (offset < 0 || offset > MAX_OFFSET) {
      throw new BadRequest("offset must be between 0 and " + MAX_OFFSET + ": " + offset);
    }
    if (limit < 1 || limit > MAX_PAGE) {
      throw new BadRequest("limit must be between 1 and " + MAX_PAGE + ": " + limit);
    }
    Comparator<ProcessSummary> order = descending ? sort.order.reversed() : sort.order;
    int keep = offset + limit;
    PriorityQueue<ProcessSummary> worst = new PriorityQueue<>(keep + 1, order.reversed());
    String needle = filter == null ? "" : filter.strip().toLowerCase(Locale.ROOT);
    int[] counts = new int[2]; // all, matching
    look.forEachProcess(
        p -> {
          counts[0]++;
          if (!needle.isEmpty() && !matches(p, needle)) {
            return;
          }
          counts[1]++;
          if (worst.size() < keep) {
            worst.add(p);
          } else if (order.compare(p, worst.peek()) < 0) {
            worst.poll();
            worst.add(p);
          }
        });
    List<ProcessSummary> sorted = new ArrayList<>(worst);
    sorted.sort(order);
    List<Object> rows = new ArrayList<>();
    for (ProcessSummary s : sorted.subList(Math.min(offset, sorted.size()), sorted.size())) {
      rows.add(row(s));
    }
    return obj(
        "total", counts[0],
        "matched", counts[1],
        "offset", offset,
        "limit", limit,
        "sort", lower(sort),
        "dir", descending ? "desc" : "asc",
        "filter", cut(needle),
        "rows", rows);
  }

  private boolean matches(ProcessSummary p, String needle) {
    if (p.registeredName().map(n -> n.toLowerCase(Locale.ROOT).contains(needle)).orElse(false)) {
      return true;
    }
    char first = needle.charAt(0);
    boolean pidLike = first == '<' || first == '.' || Character.isDigit(first);
    if (pidLike && p.pid().toString().contains(needle)) { // no pid text for a name-like filter
      return true;
    }
    return look.label(p.pid())
        .map(l -> (lower(l.kind()) + " " + simpleName(l.implementation()))
            .toLowerCase(Locale.ROOT).contains(needle))
        .orElse(false);
  }

  private Map<String, Object> row(ProcessSummary s) {
    Map<String, Object> r = processHead(s.pid());
    r.put("name", s.registeredName().map(Views::cut));
    r.put("status", lower(s.status()));
    r.put("mailbox", s.mailboxLength());
    r.put("received", s.messagesReceived());
    r.put("links", s.links());
    r.put("monitors", s.monitors());
    r.put("current", node.processInfo(s.pid()).map(i -> currentFunction(i.stack())).orElse(""));
    return r;
  }

  /** The first frame of the stack that is not the JDK's or the runtime's receive machinery. */
  static String currentFunction(List<StackTraceElement> stack) {
    for (StackTraceElement e : stack) {
      String c = e.getClassName();
      if (c.startsWith("java.") || c.startsWith("jdk.") || c.startsWith("sun.")
          || c.equals("dev.banyan.ProcessRecord") || c.equals("dev.banyan.Mailbox")
          || c.equals("dev.banyan.CallSlot") || c.equals("dev.banyan.AttachedRecord")) {
        continue;
      }
      return frame(e);
    }
    return stack.isEmpty() ? "" : frame(stack.get(0));
  }

  private static String frame(StackTraceElement e) {
    String c = e.getClassName();
    return c.substring(c.lastIndexOf('.') + 1) + "." + e.getMethodName()
        + (e.getLineNumber() > 0 ? ":" + e.getLineNumber() : "");
  }

  // ------------------------------------------------------------------------------------------
  // One process

  /** A process in detail; for a dead one, why it ended. */
  Map<String, Object> process(Pid<?> pid) {
    Optional<ProcessInfo> info = node.processInfo(pid);
    if (info.isEmpty()) {
      return obj(
          "pid", pid(pid),
          "alive", false,
          "exitReason", look.exitReason(pid).map(this::reason),
          "events", eventsOf(pid));
    }
    ProcessInfo i = info.get();
    Optional<ProcessLabel> label = look.label(pid);
    Map<String, Object> d = processHead(pid);
    d.put("alive", true);
    d.put("status", lower(i.status()));
    d.put("mailbox", i.mailboxLength());
    d.put("received", i.messagesReceived());
    d.put("trapExit", i.trapExit());
    d.put("parent", label.flatMap(ProcessLabel::parent).map(this::processHeadOrPid));
    d.put("links", heads(i.links()));
    d.put("monitors", heads(i.monitors()));
    d.put("monitoredBy", heads(i.monitoredBy()));
    d.put("current", currentFunction(i.stack()));
    List<String> stack = new ArrayList<>();
    for (StackTraceElement e : i.stack().subList(0, Math.min(MAX_STACK, i.stack().size()))) {
      stack.add(e.toString());
    }
    d.put("stack", stack);
    if (label.isPresent()) {
      try {
        if (label.get().kind().isSupervisor()) {
          look.supervisor(pid, MAX_CHILDREN, ASK).ifPresent(r -> d.put("supervisor", obj(
              "strategy", lower(r.strategy()),
              "maxRestarts", r.maxRestarts(),
              "maxSeconds", r.maxSeconds().toSeconds(),
              "restarts", r.restarts(),
              "childCount", r.childCount())));
        } else {
          look.state(pid, MAX_TEXT, ASK).ifPresent(s -> d.put("state", s));
        }
      } catch (CallException busy) {
        d.put("state", "(no answer: " + cut(busy.reason().toString()) + ")");
      }
      supervisedAs(pid, label.get()).ifPresent(c -> d.put("supervisedAs", c));
    }
    d.put("events", eventsOf(pid));
    return d;
  }

  /** The child entry of {@code pid} in its parent supervisor: restart type, restarts, last exit. */
  private Optional<Map<String, Object>> supervisedAs(Pid<?> pid, ProcessLabel label) {
    Optional<Pid<?>> parent = label.parent();
    if (parent.isEmpty()
        || !look.label(parent.get()).map(l -> l.kind().isSupervisor()).orElse(false)) {
      return Optional.empty();
    }
    try {
      return look.supervisor(parent.get(), MAX_CHILDREN, ASK)
          .flatMap(r -> r.children().stream().filter(c -> c.pid().equals(Optional.of(pid))).findFirst())
          .map(c -> obj(
              "supervisor", processHead(parent.get()),
              "id", cut(String.valueOf(c.id())),
              "restart", lower(c.restart()),
              "restarts", c.restarts(),
              "lastExit", c.lastExit().map(this::reason)));
    } catch (CallException busy) {
      return Optional.empty();
    }
  }

  private List<Object> eventsOf(Pid<?> pid) {
    List<Object> out = new ArrayList<>();
    for (NodeEvent e : look.events(0)) {
      if (e.pid().equals(pid) || e.newPid().equals(Optional.of(pid))) {
        out.add(event(e));
      }
    }
    return out;
  }

  private List<Object> heads(List<Pid<?>> pids) {
    List<Object> out = new ArrayList<>();
    for (Pid<?> p : pids.subList(0, Math.min(MAX_LIST, pids.size()))) {
      out.add(processHeadOrPid(p));
    }
    return out;
  }

  private Map<String, Object> processHeadOrPid(Pid<?> p) {
    return p.node().equals(node.name()) && p.id() != 0 ? processHead(p) : obj("pid", pid(p));
  }

  // ------------------------------------------------------------------------------------------
  // Pids and text

  /** {@return the process a pid's text names}, if it is one the page has seen or a live one */
  Optional<Pid<?>> resolve(String text) {
    Matcher m = PID.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new BadRequest("not a pid: " + text);
    }
    String key = "<0." + m.group(1) + "." + m.group(2) + ">";
    synchronized (known) {
      Pid<?> p = known.get(key);
      if (p != null) {
        return Optional.of(p);
      }
    }
    try {
      return look.find(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    } catch (NumberFormatException e) {
      throw new BadRequest("not a pid: " + text);
    }
  }

  private String pid(Pid<?> p) {
    String s = p.toString();
    if (p.node().equals(node.name())) {
      synchronized (known) {
        known.put(s, p);
      }
    }
    return s;
  }

  private Optional<String> registeredName(Pid<?> p) {
    return p.isAlive() ? look.summary(p).flatMap(ProcessSummary::registeredName) : Optional.empty();
  }

  private String reason(ExitReason r) {
    return cut(r.toString());
  }

  static String cut(String s) {
    return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT - 1) + "…";
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  private static String simpleName(Class<?> c) {
    String n = c.getName();
    return n.substring(n.lastIndexOf('.') + 1);
  }

  /** A request the API refuses with 400. */
  static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message);
    }
  }
}
