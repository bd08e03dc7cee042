package dev.banyan.observer;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import com.microsoft.playwright.assertions.PlaywrightAssertions;
import dev.banyan.Node;
import dev.banyan.Pid;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
 * The observer's page in a real browser (Playwright with Debian's chromium), against a node
 * running {@link DemoTree}. Skipped only if no chromium can be found: {@code -Dchromium.path},
 * else {@code chromium} or {@code chromium-browser} on the PATH ({@code .ci/run} installs it).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ObserverBrowserTest {
  private static Playwright playwright;
  private static Browser browser;

  private Node node;
  private DemoTree tree;
  private Observer observer;
  private Page page;
  private final List<String> dialogs = new ArrayList<>();

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

  static Optional<Path> chromium() {
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
  void start() {
    node = Node.start("demo@localhost");
    tree = new DemoTree(node, 3);
    observer = Observer.start(node);
    page = browser.newPage(new Browser.NewPageOptions().setViewportSize(1100, 760));
    page.onDialog(d -> {
      dialogs.add(d.message());
      d.dismiss();
    });
  }

  @AfterEach
  void stop() {
    if (page != null) {
      page.close();
    }
    if (observer != null) {
      observer.close();
    }
    if (node != null) {
      node.stop();
    }
  }

  private Locator nodeBox(String attribute, String value) {
    return page.locator(".node[" + attribute + "=\"" + value + "\"]");
  }

  @Test
  void theApplicationsPageDrawsTheSupervisionTree() {
    page.navigate(observer.uri() + "#/applications");
    Locator top = page.locator("section.tree-box[data-application=\"" + DemoTree.APPLICATION + "\"]");
    assertThat(top).isVisible();
    assertThat(top).hasAttribute("data-root", tree.top.toString());
    assertThat(top.locator("h3")).containsText("demo 1.0 · temporary · the observer's test tree");
    assertThat(top.locator(".node[data-id=\"counter\"]")).containsText("permanent");
    Locator buckets = top.locator(".node[data-id=\"buckets\"]");
    assertThat(buckets).containsText("one_for_one 3/5s");
    assertThat(top.locator(".node[data-kind=\"agent\"]")).hasCount(3);
    assertThat(top.locator(".node[data-kind=\"agent\"]").first()).containsText("temporary");
    assertThat(page.locator("#live")).hasText("live");
  }

  @Test
  void killingABucketFromThePageRemovesItFromTheTree() {
    page.navigate(observer.uri() + "#/applications");
    Pid<?> bucket = Pid.class.cast(node.processes().stream()
        .filter(p -> dev.banyan.Introspection.of(node).label(p)
            .map(l -> l.kind() == dev.banyan.Introspection.ProcessLabel.Kind.AGENT).orElse(false))
        .findFirst().orElseThrow());
    Locator box = nodeBox("data-pid", bucket.toString());
    assertThat(box).isVisible();
    box.locator("button.kill").click();
    assertThat(box).hasCount(0); // temporary: not restarted
    assertThat(page.locator(".node[data-kind=\"agent\"]")).hasCount(2);
    assertThat(page.locator("#note")).containsText("killed " + bucket);
    assertThat(bucket.isAlive()).isFalse();
  }

  @Test
  void killingAPermanentChildFromThePageShowsItsNewPid() {
    page.navigate(observer.uri() + "#/applications");
    Pid<?> old = node.whereis(DemoTree.COUNTER).orElseThrow();
    Locator counter = page.locator(".node[data-id=\"counter\"]");
    assertThat(counter).hasAttribute("data-pid", old.toString());
    counter.locator("button.kill").click();
    assertThat(counter).not().hasAttribute("data-pid", old.toString());
    assertThat(counter).hasClass(Pattern.compile("\\bflash\\b")); // a restarted child flashes
    assertThat(counter).containsText("↻ 1");
    assertThat(counter).containsText("last exit: killed");
    String fresh = counter.getAttribute("data-pid");
    assertThat(node.whereis(DemoTree.COUNTER)).hasValueSatisfying(p -> assertThat(p.toString()).isEqualTo(fresh));
  }

  @Test
  void aProcessPageShowsLinksStateAndStack() {
    page.navigate(observer.uri() + "#/applications");
    Pid<?> counter = node.whereis(DemoTree.COUNTER).orElseThrow();
    node.send(DemoTree.COUNTER, "tick");
    page.locator(".node[data-id=\"counter\"] a.pid").click();
    assertThat(page).hasURL(Pattern.compile(".*#/process/.*"));
    assertThat(page.locator("#process-pid")).hasText(counter.toString());
    Locator facts = page.locator("#process-facts");
    assertThat(facts).containsText("gen_server DemoTree$Counter");
    assertThat(facts).containsText(DemoTree.COUNTER);
    assertThat(facts).containsText("child counter of");
    assertThat(facts.locator("a.pid[data-pid=\"" + tree.top + "\"]").first()).isVisible();
    assertThat(page.locator("#state")).hasText("1");
    assertThat(page.locator("#stack")).containsText("GenServerProcess");
    // kill it from its page: the page then shows it dead
    page.locator("#kill").click();
    assertThat(facts).containsText("killed");
  }

  @Test
  void aProcessNamedWithMarkupIsShownAsText() {
    String xss = "<img src=x onerror=alert(1)>";
    Pid<String> p = node.spawn(ctx -> ctx.receive(String.class));
    node.register(xss, p);
    page.navigate(observer.uri() + "#/processes");
    page.locator("#filter").fill("onerror");
    Locator name = page.locator("#processes tbody td.name");
    assertThat(name).hasCount(1);
    assertThat(name).hasText(xss);
    page.locator("#processes tbody a.pid").click();
    assertThat(page.locator("#process-facts")).containsText(xss);
    assertThat(page.locator("img")).hasCount(0);
    assertThat(dialogs).isEmpty();
  }

  @Test
  void theProcessTableSortsByMailbox() {
    Pid<String> busy = node.spawn(ctx -> ctx.receive(Integer.class));
    for (int i = 0; i < 5; i++) {
      busy.send("unread");
    }
    page.navigate(observer.uri() + "#/processes");
    page.locator("th[data-sort=\"mailbox\"]").click();
    assertThat(page.locator("th[data-sort=\"mailbox\"]")).hasClass(Pattern.compile("sorted-desc"));
    assertThat(page.locator("#processes tbody tr").first()).hasAttribute("data-pid", busy.toString());
  }

  @Test
  void theSystemPageShowsTheNodeAndRecentRestarts() {
    node.exit(node.whereis(DemoTree.COUNTER).orElseThrow(), dev.banyan.ExitReason.KILL);
    page.navigate(observer.uri().toString());
    assertThat(page.locator("#system-facts")).containsText("demo@localhost");
    assertThat(page.locator("#events")).containsText("restart");
    assertThat(page.locator("#events")).containsText("counter");
  }

  @Test
  void screenshotOfTheTree() throws Exception {
    for (int i = 3; i < 5; i++) {
      tree.addBucket("bucket-" + i);
    }
    node.exit(node.whereis(DemoTree.COUNTER).orElseThrow(), dev.banyan.ExitReason.KILL);
    page.navigate(observer.uri() + "#/applications");
    assertThat(page.locator(".node[data-kind=\"agent\"]")).hasCount(5);
    assertThat(page.locator(".node[data-id=\"counter\"]")).containsText("↻ 1");
    Path shot = Path.of("target", "observer-tree.png");
    page.screenshot(new Page.ScreenshotOptions().setPath(shot).setFullPage(true));
    assertThat(Files.size(shot)).isPositive();
  }
}
