package dev.banyan.examples.kv;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import com.microsoft.playwright.options.ScreenshotAnimations;
import dev.banyan.Applications.RunningApplication;
import dev.banyan.Node;
import dev.banyan.Pid;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The observer's page in a real browser (Playwright with Debian's chromium) against the KV main
 * job: {@link Main#run} starts {@code kv}, {@code kv_server} and the observer, buckets are made
 * over TCP, and the page finds, kills and inspects them. Skipped only if no chromium can be
 * found: {@code -Dchromium.path}, else {@code chromium} or {@code chromium-browser} on the PATH.
 * With {@code -Dscreenshot=true} it writes the Applications page to {@code
 * docs/observer-kv-tree.png}, the picture in the README.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KvObserverBrowserTest {
  private static final List<String> BUCKETS = List.of("shopping", "groceries", "tools");

  private static Playwright playwright;
  private static Browser browser;

  private Node node;
  private RunningMain main;
  private Client client;
  private Page page;

  @BeforeAll
  static void launch() {
    Optional<Path> chromium = chromium();
    Assumptions.assumeTrue(chromium.isPresent(), "no chromium: set -Dchromium.path or put chromium on the PATH");
    playwright =
        Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    browser =
        playwright.chromium().launch(
            new BrowserType.LaunchOptions().setExecutablePath(chromium.get()).setHeadless(true));
    PlaywrightAssertions.setDefaultAssertionTimeout(20_000);
  }

  @AfterAll
  static void close() {
    if (playwright != null) {
      playwright.close(); // closes the browser too
    }
  }

  private static Optional<Path> chromium() {
    String configured = System.getProperty("chromium.path", "");
    if (!configured.isBlank()) {
      return Optional.of(Path.of(configured)).filter(Files::isExecutable);
    }
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return Optional.of(p);
        }
      }
    }
    return Optional.empty();
  }

  @BeforeEach
  void start() throws Exception {
    node = Node.start("kv@localhost");
    main = RunningMain.start(node);
    client = Client.connect(main.port()); // stays open: its task shows under the task supervisor
    for (String bucket : BUCKETS) {
      assertThat(client.request("CREATE " + bucket)).isEqualTo("OK");
    }
    assertThat(client.request("PUT shopping milk 1")).isEqualTo("OK");
    assertThat(client.request("PUT groceries eggs 3")).isEqualTo("OK");
    page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1100, 760));
  }

  @AfterEach
  void stop() throws Exception {
    if (page != null) {
      page.close();
    }
    if (client != null) {
      client.close();
    }
    if (main != null) {
      assertThat(main.stop()).as("Main's exit status").isZero();
      assertThat(node.zombies()).isEmpty();
    }
  }

  // ---- what the page shows, located as the page draws it (tree.js, app.js) ----------------------

  private Locator tree(String application) {
    return page.locator("section.tree-box[data-application=\"" + application + "\"]");
  }

  private Locator child(Locator tree, String id) {
    return tree.locator(".node[data-id=\"" + id + "\"]");
  }

  /** The boxes drawn under the box of {@code id} (its subtree, not the box itself). */
  private Locator under(Locator tree, String id) {
    return tree.locator("li:has(> .node[data-id=\"" + id + "\"]) > ul .node");
  }

  private Locator box(Pid<?> pid) {
    return page.locator(".node[data-pid=\"" + pid + "\"]");
  }

  private Locator fact(String name) {
    return page.locator("#process-facts dt:text-is(\"" + name + "\") + dd");
  }

  private Pid<?> bucket(String name) {
    return Kv.of(node).registry().lookup(name).orElseThrow().pid();
  }

  private Pid<?> registry() {
    return Kv.of(node).registry().pid().orElseThrow();
  }

  private Pid<?> bucketSupervisor() {
    return Kv.of(node).buckets().pid(node).orElseThrow();
  }

  private Pid<?> top(String application) {
    return node.applications().which().stream()
        .filter(a -> a.name().equals(application))
        .findFirst()
        .flatMap(RunningApplication::topSupervisor)
        .orElseThrow();
  }

  private void openApplications() {
    page.navigate(main.observer() + "#/applications");
    assertThat(page.locator("#live")).hasText("live");
  }

  // ---- the tests -----------------------------------------------------------------------------

  @Test
  void theApplicationsPageDrawsTheKvAndKvServerTrees() throws IOException {
    openApplications();

    Locator kv = tree("kv");
    assertThat(kv).hasAttribute("data-root", top("kv").toString());
    assertThat(kv.locator("h3")).hasText("kv 0.1.0 · permanent · the key-value store: buckets and their registry");
    assertThat(box(top("kv"))).containsText("one_for_all 3/5s");
    assertThat(box(top("kv")).locator(".title")).hasText("kv"); // the top supervisor: its application
    assertThat(child(kv, "registry")).hasAttribute("data-pid", registry().toString());
    assertThat(child(kv, "registry")).containsText("KvRegistry$Server");
    assertThat(child(kv, "registry")).containsText("permanent");
    assertThat(child(kv, "bucket_supervisor")).hasAttribute("data-pid", bucketSupervisor().toString());
    assertThat(child(kv, "bucket_supervisor")).containsText("DynamicSupervisor");
    // the buckets, under the bucket supervisor: temporary Agents
    Locator buckets = under(kv, "bucket_supervisor");
    assertThat(buckets).hasCount(BUCKETS.size());
    for (String name : BUCKETS) {
      Locator bucket = buckets.and(box(bucket(name)));
      assertThat(bucket).hasAttribute("data-kind", "agent");
      assertThat(bucket).containsText("temporary");
    }

    Locator server = tree("kv_server");
    assertThat(server).hasAttribute("data-root", top("kv_server").toString());
    assertThat(box(top("kv_server"))).containsText("one_for_one 3/5s");
    assertThat(child(server, "write_watchdog")).isVisible();
    assertThat(child(server, "acceptor")).hasAttribute("data-pid", KvServer.of(node).acceptor().orElseThrow().toString());
    assertThat(under(server, "task_supervisor")).hasCount(1); // the test's connection
    assertThat(under(server, "task_supervisor")).containsText("temporary");

    if (Boolean.getBoolean("screenshot")) {
      // the README's picture; surefire runs in examples/kv
      Path shot = Path.of("..", "..", "docs", "observer-kv-tree.png");
      assertThat(shot.getParent()).isDirectory();
      page.screenshot(
          new Page.ScreenshotOptions().setPath(shot).setFullPage(true).setAnimations(ScreenshotAnimations.DISABLED));
      assertThat(Files.size(shot)).isPositive();
    }
  }

  @Test
  void killingABucketFromThePageRemovesItAndTheRegistryForgetsIt() throws IOException {
    // CC-105 (a temporary child disappears), CC-025 (the registry's monitor gets the Down)
    Pid<?> shopping = bucket("shopping");
    openApplications();
    Locator buckets = under(tree("kv"), "bucket_supervisor");
    assertThat(buckets).hasCount(BUCKETS.size());
    Locator box = box(shopping);
    assertThat(box).isVisible();

    box.locator("button.kill").click();

    assertThat(page.locator("#note")).hasText("killed " + shopping);
    assertThat(box).hasCount(0); // temporary: not restarted
    assertThat(buckets).hasCount(BUCKETS.size() - 1);
    assertThat(child(tree("kv"), "registry")).hasAttribute("data-pid", registry().toString()); // only the bucket went
    assertThat(shopping.isAlive()).isFalse();
    assertThat(client.get("shopping", "milk")).isEqualTo("NOT FOUND");
    assertThat(client.get("groceries", "eggs")).isEqualTo("3\nOK");
    // the registry has handled the Down: its state (on its page) counts one bucket fewer
    page.navigate(main.observer() + "#/process/" + registry());
    assertThat(page.locator("#state")).hasText((BUCKETS.size() - 1) + " buckets monitored");
  }

  @Test
  void killingTheRegistryFromThePageRestartsTheKvTreeOneForAll() throws IOException {
    // CC-089: one_for_all, the registry dies: the bucket supervisor (and its buckets) go too,
    // then both start again, with new pids
    Pid<?> oldRegistry = registry();
    Pid<?> oldBuckets = bucketSupervisor();
    Pid<?> acceptor = KvServer.of(node).acceptor().orElseThrow();
    openApplications();
    Locator kv = tree("kv");
    Locator registryBox = child(kv, "registry");
    Locator bucketsBox = child(kv, "bucket_supervisor");
    assertThat(registryBox).hasAttribute("data-pid", oldRegistry.toString());
    assertThat(under(kv, "bucket_supervisor")).hasCount(BUCKETS.size());

    registryBox.locator("button.kill").click();

    assertThat(registryBox).not().hasAttribute("data-pid", oldRegistry.toString());
    assertThat(bucketsBox).not().hasAttribute("data-pid", oldBuckets.toString());
    assertThat(registryBox).hasClass(Pattern.compile("\\bflash\\b")); // restarted children flash
    assertThat(bucketsBox).hasClass(Pattern.compile("\\bflash\\b"));
    assertThat(registryBox).containsText("↻ 1");
    assertThat(registryBox).containsText("last exit: killed");
    assertThat(box(top("kv"))).containsText("restarts 1");
    assertThat(under(kv, "bucket_supervisor")).hasCount(0); // the buckets went with their supervisor
    assertThat(registryBox).hasAttribute("data-pid", registry().toString());
    assertThat(bucketsBox).hasAttribute("data-pid", bucketSupervisor().toString());
    assertThat(oldRegistry.isAlive()).isFalse();
    assertThat(oldBuckets.isAlive()).isFalse();
    // kv_server was not touched
    assertThat(child(tree("kv_server"), "acceptor")).hasAttribute("data-pid", acceptor.toString());
    assertThat(under(tree("kv_server"), "task_supervisor")).hasCount(1);

    // the server answers again, on the old connection and a new one; the new registry knows no bucket
    assertThat(client.get("shopping", "milk")).isEqualTo("NOT FOUND");
    assertThat(client.request("CREATE shopping")).isEqualTo("OK");
    assertThat(client.request("PUT shopping milk 2")).isEqualTo("OK");
    assertThat(under(kv, "bucket_supervisor")).hasCount(1);
    // a new child flashes (until the tree changes again: checked before the next connection's task)
    assertThat(box(bucket("shopping"))).hasClass(Pattern.compile("\\bflash\\b"));
    try (Client other = Client.connect(main.port())) {
      assertThat(other.get("shopping", "milk")).isEqualTo("2\nOK");
    }
  }

  @Test
  void theRegistrysPageShowsItsLinksMonitorsAndState() {
    Pid<?> registry = registry();
    openApplications();
    child(tree("kv"), "registry").locator("a.pid").click();

    assertThat(page).hasURL(Pattern.compile(".*#/process/.*"));
    assertThat(page.locator("#process-pid")).hasText(registry.toString());
    assertThat(fact("kind")).hasText("gen_server KvRegistry$Server");
    assertThat(fact("supervised as")).containsText("child registry of " + top("kv") + ", permanent");
    // linked to its supervisor only; it monitors its buckets
    assertThat(fact("links").locator("a.pid")).hasCount(1);
    assertThat(fact("links").locator("a.pid")).hasAttribute("data-pid", top("kv").toString());
    assertThat(fact("monitors").locator("a.pid")).hasCount(BUCKETS.size());
    for (String name : BUCKETS) {
      assertThat(fact("monitors").locator("a.pid[data-pid=\"" + bucket(name) + "\"]")).isVisible();
    }
    assertThat(page.locator("#state")).hasText(BUCKETS.size() + " buckets monitored"); // its Refs state
    assertThat(page.locator("#stack")).containsText("GenServerProcess");

    // a link leads to the supervisor's page
    fact("links").locator("a.pid").click();
    assertThat(page.locator("#process-pid")).hasText(top("kv").toString());
    assertThat(fact("supervisor")).containsText("one_for_all, intensity 3 in 5s, 2 children");
  }
}
