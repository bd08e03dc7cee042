package dev.banyan.observer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banyan.AttachedProcess;
import dev.banyan.Down;
import dev.banyan.MonitorRef;
import dev.banyan.Node;
import dev.banyan.Pid;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The observer's JSON API and event stream, against a node running {@link DemoTree}. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ObserverApiTest {
  private Node node;
  private DemoTree tree;
  private Observer observer;
  private Client client;

  @BeforeEach
  void start() {
    node = Node.start("obs@localhost");
    tree = new DemoTree(node, 3);
    observer = Observer.start(node);
    client = new Client(observer.uri());
  }

  @AfterEach
  void stop() {
    observer.close();
    node.stop();
  }

  private JsonNode demoTree() {
    for (JsonNode t : client.json("/api/trees").get("trees")) {
      if (DemoTree.APPLICATION.equals(t.path("application").path("name").asText())) {
        return t;
      }
    }
    throw new AssertionError("no tree of application " + DemoTree.APPLICATION);
  }

  private static JsonNode child(JsonNode sup, String id) {
    for (JsonNode c : sup.get("children")) {
      if (id.equals(c.path("id").asText())) {
        return c;
      }
    }
    throw new AssertionError("no child " + id + " in " + sup);
  }

  @Test
  void systemShowsTheNodeAndItsProcesses() {
    JsonNode s = client.json("/api/system");
    assertThat(s.get("node").asText()).isEqualTo("obs@localhost");
    assertThat(s.get("processes").asInt()).isGreaterThanOrEqualTo(6); // sup, counter, buckets, 3 agents
    assertThat(s.get("memory").get("heapUsed").asLong()).isPositive();
    assertThat(s.get("jvm").get("processors").asInt()).isPositive();
    // The test JVMs open java.lang: Banyan's scheduler runs the processes.
    assertThat(s.get("scheduler").get("kind").asText()).isEqualTo("banyan");
    assertThat(s.get("scheduler").get("carriers").asInt())
        .isGreaterThanOrEqualTo(s.get("scheduler").get("parallelism").asInt())
        .isPositive();
  }

  @Test
  void treesShowTheSupervisionTreeWithStrategyRestartTypesAndChildren() {
    JsonNode top = demoTree();
    assertThat(top.get("kind").asText()).isEqualTo("supervisor");
    assertThat(top.get("strategy").asText()).isEqualTo("one_for_one");
    assertThat(top.get("maxRestarts").asInt()).isEqualTo(3);
    assertThat(top.get("maxSeconds").asInt()).isEqualTo(5);
    JsonNode counter = child(top, "counter");
    assertThat(counter.get("restart").asText()).isEqualTo("permanent");
    assertThat(counter.get("kind").asText()).isEqualTo("gen_server");
    assertThat(counter.get("implementation").asText()).isEqualTo("DemoTree$Counter");
    assertThat(counter.get("name").asText()).isEqualTo(DemoTree.COUNTER);
    JsonNode buckets = child(top, "buckets");
    assertThat(buckets.get("kind").asText()).isEqualTo("dynamic_supervisor");
    assertThat(buckets.get("type").asText()).isEqualTo("supervisor");
    assertThat(buckets.get("childCount").asInt()).isEqualTo(3);
    assertThat(buckets.get("children")).hasSize(3);
    for (JsonNode b : buckets.get("children")) {
      assertThat(b.get("kind").asText()).isEqualTo("agent");
      assertThat(b.get("restart").asText()).isEqualTo("temporary");
    }
  }

  @Test
  void anApplicationsTreeCarriesItsNameAndASupervisorOutsideApplicationsIsShownToo() {
    JsonNode app = demoTree().get("application");
    assertThat(app.get("version").asText()).isEqualTo("1.0");
    assertThat(app.get("type").asText()).isEqualTo("temporary");
    assertThat(demoTree().get("name").asText()).isEqualTo(DemoTree.TOP);
    node.applications().load(dev.banyan.ApplicationSpec.library("plain_lib"));
    node.applications().start("plain_lib");
    dev.banyan.DynamicSupervisor loose = dev.banyan.DynamicSupervisor.start(node);
    JsonNode trees = Await.until("the loose supervisor's tree", () -> client.json("/api/trees"),
        t -> t.get("trees").size() == 2);
    assertThat(trees.get("trees").get(1).get("pid").asText()).isEqualTo(loose.pid().toString());
    assertThat(trees.get("libraries").findValuesAsText("name")).contains("plain_lib");
  }

  @Test
  void theObserverRunsAsAnApplication() {
    node.applications().load(Observer.application(Observer.Options.DEFAULTS));
    node.applications().ensureAllStarted(Observer.APPLICATION);
    JsonNode trees = Await.until("the observer's own application", () -> client.json("/api/trees"),
        t -> t.get("trees").findValuesAsText("name").contains(Observer.APPLICATION));
    assertThat(trees.get("trees")).hasSize(2);
    node.applications().stop(Observer.APPLICATION); // stops its server; this test's stays
    assertThat(client.json("/api/system").get("node").asText()).isEqualTo("obs@localhost");
  }

  @Test
  void aDynamicSupervisorListsAtMostAHundredChildren() {
    for (int i = 3; i < 150; i++) {
      tree.addBucket("bucket-" + i);
    }
    JsonNode buckets = child(demoTree(), "buckets");
    assertThat(buckets.get("childCount").asInt()).isEqualTo(150);
    assertThat(buckets.get("children")).hasSize(Views.MAX_CHILDREN);
    assertThat(buckets.get("childrenNotShown").asInt()).isEqualTo(50);
  }

  @Test
  void processesArePagedSortedAndFilteredOnTheServer() {
    for (int i = 0; i < 120; i++) {
      node.spawn(ctx -> ctx.receive(String.class));
    }
    JsonNode page = client.json("/api/processes?limit=50&offset=50");
    assertThat(page.get("total").asInt()).isGreaterThanOrEqualTo(126);
    assertThat(page.get("rows")).hasSize(50);
    List<Integer> ids = new ArrayList<>();
    page.get("rows").forEach(r -> ids.add(Integer.parseInt(r.get("pid").asText().split("\\.")[1])));
    assertThat(ids).isSorted();

    JsonNode named = client.json("/api/processes?q=" + DemoTree.COUNTER);
    assertThat(named.get("matched").asInt()).isEqualTo(1);
    assertThat(named.get("rows").get(0).get("name").asText()).isEqualTo(DemoTree.COUNTER);
    assertThat(named.get("rows").get(0).get("current").asText()).isNotEmpty();

    JsonNode agents = client.json("/api/processes?q=agent");
    assertThat(agents.get("matched").asInt()).isEqualTo(3);

    Pid<String> busy = node.spawn(ctx -> ctx.receive(Integer.class));
    for (int i = 0; i < 7; i++) {
      busy.send("unread " + i);
    }
    JsonNode byMailbox = client.json("/api/processes?sort=mailbox&dir=desc&limit=1");
    assertThat(byMailbox.get("rows").get(0).get("pid").asText()).isEqualTo(busy.toString());
    assertThat(byMailbox.get("rows").get(0).get("mailbox").asInt()).isEqualTo(7);
  }

  @Test
  void badTableParametersAreRefusedWithTheirValue() {
    HttpResponse<String> r = client.get("/api/processes?limit=100000");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains("100000");
    assertThat(client.get("/api/processes?sort=colour").statusCode()).isEqualTo(400);
    assertThat(client.get("/api/process?pid=nonsense").statusCode()).isEqualTo(400);
  }

  @Test
  void processDetailShowsLinksStateAndSupervisor() {
    Pid<?> counter = node.whereis(DemoTree.COUNTER).orElseThrow();
    counter.getClass(); // the pid is live
    node.send(DemoTree.COUNTER, "one");
    node.send(DemoTree.COUNTER, "two");
    JsonNode d =
        Await.until(
            "the counter's state to be 2",
            () -> client.json("/api/process?pid=" + Client.enc(counter.toString())),
            j -> j.path("state").asText().equals("2"));
    assertThat(d.get("alive").asBoolean()).isTrue();
    assertThat(d.get("kind").asText()).isEqualTo("gen_server");
    assertThat(d.get("links").findValuesAsText("pid")).contains(tree.top.toString());
    assertThat(d.get("parent").get("pid").asText()).isEqualTo(tree.top.toString());
    assertThat(d.get("supervisedAs").get("id").asText()).isEqualTo("counter");
    assertThat(d.get("supervisedAs").get("restart").asText()).isEqualTo("permanent");
    assertThat(d.get("stack")).isNotEmpty();
    assertThat(d.get("received").asInt()).isEqualTo(2);

    JsonNode sup = client.json("/api/process?pid=" + Client.enc(tree.top.toString()));
    assertThat(sup.get("supervisor").get("strategy").asText()).isEqualTo("one_for_one");
    assertThat(sup.get("supervisor").get("childCount").asInt()).isEqualTo(2);
  }

  @Test
  void killFromTheApiRestartsAPermanentChildAndTheTreeShowsItsNewPid() {
    Pid<?> old = node.whereis(DemoTree.COUNTER).orElseThrow();
    assertThat(child(demoTree(), "counter").get("pid").asText()).isEqualTo(old.toString());
    String token = client.pageToken();
    HttpResponse<String> r =
        client.post("/api/action/kill", Map.of("pid", old.toString()), "X-Banyan-Token", token);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode counter =
        Await.until(
            "the counter to restart",
            () -> child(demoTree(), "counter"),
            c -> !c.path("pid").asText().equals(old.toString()) && !c.path("pid").isNull());
    assertThat(counter.get("childRestarts").asInt()).isEqualTo(1);
    assertThat(counter.get("lastExit").asText()).as(counter.toString()).isEqualTo("killed");
    assertThat(demoTree().get("restarts").asInt()).isEqualTo(1);

    JsonNode dead = client.json("/api/process?pid=" + Client.enc(old.toString()));
    assertThat(dead.get("alive").asBoolean()).isFalse();
    assertThat(dead.get("exitReason").asText()).isEqualTo("killed");

    JsonNode events = client.json("/api/system").get("events");
    assertThat(events.findValuesAsText("kind")).contains("restart", "crash");
    JsonNode restart = null;
    for (JsonNode e : events) {
      if (e.get("kind").asText().equals("restart")) {
        restart = e;
      }
    }
    assertThat(restart.get("pid").asText()).isEqualTo(old.toString());
    assertThat(restart.get("newPid").asText()).isEqualTo(counter.get("pid").asText());
    assertThat(restart.get("name").asText()).isEqualTo("counter");
  }

  @Test
  void exitAndSendActionsReachTheProcess() throws Exception {
    String token = client.pageToken();
    try (AttachedProcess<Object> me = node.attach()) {
      Pid<Object> mine = me.self();
      Pid<String> echo =
          me.spawn(
              ctx -> {
                String s = ctx.receive(String.class);
                mine.send("echo: " + s);
                ctx.receive(Integer.class); // until killed
              });
      MonitorRef ref = me.monitor(echo);
      assertThat(client.post("/api/action/send", Map.of("pid", echo.toString(), "message", "hi <b>"),
          "X-Banyan-Token", token).statusCode()).isEqualTo(200);
      assertThat(me.receive(String.class, s -> s.startsWith("echo"), Duration.ofSeconds(10)))
          .contains("echo: hi <b>");
      assertThat(client.post("/api/action/exit", Map.of("pid", echo.toString(), "reason", "bored"),
          "X-Banyan-Token", token).statusCode()).isEqualTo(200);
      Down down = me.receive(Down.class, d -> d.ref().equals(ref), Duration.ofSeconds(10)).orElseThrow();
      assertThat(down.reason().toString()).contains("bored");
    }
  }

  @Test
  @DisplayName("the event stream pushes the tree again when a child restarts")
  void eventStreamPushesTreeChanges() throws Exception {
    Pid<?> old = node.whereis(DemoTree.COUNTER).orElseThrow();
    HttpRequest req = HttpRequest.newBuilder(observer.uri().resolve("/api/events?topics=trees")).build();
    HttpResponse<InputStream> stream = client.http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(stream.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
    try (BufferedReader in = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      String first = Client.parse(nextData(in, "trees")).toString();
      assertThat(first).contains(old.toString());
      node.exit(old, dev.banyan.ExitReason.KILL);
      String changed;
      do {
        changed = Client.parse(nextData(in, "trees")).toString();
      } while (changed.contains("\"" + old + "\""));
      assertThat(changed).contains(DemoTree.COUNTER);
    }
  }

  /** Reads lines until a {@code data:} line of an event named {@code event}. */
  private static String nextData(BufferedReader in, String event) throws java.io.IOException {
    String name = null;
    for (String line; (line = in.readLine()) != null; ) {
      if (line.startsWith("event: ")) {
        name = line.substring(7);
      } else if (line.startsWith("data: ") && event.equals(name)) {
        return line.substring(6);
      }
    }
    throw new AssertionError("the stream ended");
  }
}
