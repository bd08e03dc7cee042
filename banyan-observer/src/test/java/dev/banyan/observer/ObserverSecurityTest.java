package dev.banyan.observer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import com.fasterxml.jackson.databind.JsonNode;
import dev.banyan.Node;
import dev.banyan.Pid;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The observer's security rules: loopback by default, remote only with an explicit option and a
 * token, actions only by POST with the page's token, node data served as JSON text.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ObserverSecurityTest {
  private static final String SECRET = "correct horse battery staple";
  private Node node;
  private Pid<String> victim;

  @BeforeEach
  void start() {
    node = Node.start();
    victim = node.spawn(ctx -> ctx.receive(Integer.class));
  }

  @AfterEach
  void stop() {
    node.stop();
  }

  @Nested
  class Actions {
    private Observer observer;
    private Client client;

    @BeforeEach
    void start() {
      observer = Observer.start(node);
      client = new Client(observer.uri());
      client.get("/api/processes"); // the page has seen the victim
    }

    @AfterEach
    void stop() {
      observer.close();
    }

    @Test
    void aKillWithoutThePageTokenIsRefused() {
      HttpResponse<String> r = client.post("/api/action/kill", Map.of("pid", victim.toString()));
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(victim.isAlive()).isTrue();
    }

    @Test
    void aKillWithAMadeUpTokenIsRefused() {
      HttpResponse<String> r =
          client.post("/api/action/kill", Map.of("pid", victim.toString()), "X-Banyan-Token", "guess");
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(victim.isAlive()).isTrue();
    }

    @Test
    void aGetCannotKillEvenWithTheToken() {
      String token = client.pageToken();
      HttpResponse<String> r =
          client.get("/api/action/kill?pid=" + Client.enc(victim.toString()), "X-Banyan-Token", token);
      assertThat(r.statusCode()).isEqualTo(405);
      assertThat(r.headers().firstValue("Allow")).contains("POST");
      assertThat(victim.isAlive()).isTrue();
    }

    @Test
    void aKillFromAnotherSiteIsRefusedEvenWithAToken() {
      String token = client.pageToken();
      HttpResponse<String> r =
          client.post("/api/action/kill", Map.of("pid", victim.toString()),
              "X-Banyan-Token", token, "Origin", "http://evil.example");
      assertThat(r.statusCode()).isEqualTo(403);
      r = client.post("/api/action/kill", Map.of("pid", victim.toString()),
          "X-Banyan-Token", token, "Sec-Fetch-Site", "cross-site");
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(victim.isAlive()).isTrue();
    }

    @Test
    void aKillWithThePageTokenKills() {
      String token = client.pageToken();
      HttpResponse<String> r =
          client.post("/api/action/kill", Map.of("pid", victim.toString()), "X-Banyan-Token", token);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      JsonNode dead =
          Await.until("the victim's death", () -> client.json("/api/process?pid=" + Client.enc(victim.toString())),
              j -> !j.get("alive").asBoolean());
      assertThat(dead.get("exitReason").asText()).isEqualTo("killed");
    }

    @Test
    void aRequestWithAForeignHostIsRefused() throws IOException {
      // DNS rebinding: evil.example resolves to 127.0.0.1, and its page asks for our API.
      String answer = raw(observer.port(), "GET /api/system HTTP/1.1\r\nHost: evil.example:" + observer.port()
          + "\r\nConnection: close\r\n\r\n");
      assertThat(answer).startsWith("HTTP/1.1 403");
      assertThat(raw(observer.port(), "GET /api/system HTTP/1.1\r\nHost: localhost:" + observer.port()
          + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 200");
    }

    @Test
    void pagesForbidInlineScriptsAndFraming() {
      HttpResponse<String> page = client.get("/");
      assertThat(page.headers().firstValue("Content-Security-Policy"))
          .hasValueSatisfying(csp -> assertThat(csp).contains("script-src 'self'", "frame-ancestors 'none'"));
      assertThat(page.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
      assertThat(client.get("/static/app.js").headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("text/javascript"));
      assertThat(client.get("/static/../Observer.class").statusCode()).isEqualTo(404);
    }

    @Test
    void aNameWithMarkupIsServedAsEscapedText() {
      String xss = "<img src=x onerror=alert(1)>";
      node.register(xss, victim);
      HttpResponse<String> r = client.get("/api/processes?q=" + Client.enc("onerror"));
      assertThat(r.headers().firstValue("Content-Type"))
          .hasValueSatisfying(t -> assertThat(t).startsWith("application/json"));
      assertThat(r.body()).doesNotContain("<img").contains("\\u003cimg");
      assertThat(Client.parse(r.body()).get("rows").get(0).get("name").asText()).isEqualTo(xss);
    }
  }

  @Nested
  class Binding {
    @Test
    void theDefaultIsLoopback() {
      try (Observer o = Observer.start(node)) {
        assertThat(o.uri().getHost()).isEqualTo("127.0.0.1");
      }
    }

    @Test
    void aNonLoopbackAddressWithoutTheOptionIsRefused() throws IOException {
      InetAddress any = InetAddress.getByName("0.0.0.0");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Observer.start(node, Observer.Options.DEFAULTS.withBindAddress(any)))
          .withMessageContaining("0.0.0.0")
          .withMessageContaining("withRemoteAccess");
    }

    @Test
    void aShortTokenIsRefused() {
      assertThatIllegalArgumentException()
          .isThrownBy(() -> Observer.Options.DEFAULTS.withRemoteAccess("short"))
          .withMessageContaining("16");
    }

    @Test
    void remoteAccessNeedsTheTokenOnEveryRequest() throws IOException {
      Observer.Options remote =
          Observer.Options.DEFAULTS.withBindAddress(InetAddress.getByName("0.0.0.0")).withRemoteAccess(SECRET);
      try (Observer o = Observer.start(node, remote)) {
        Client c = new Client(o.uri());
        assertThat(c.get("/api/system").statusCode()).isEqualTo(401);
        assertThat(c.get("/").statusCode()).isEqualTo(401);
        assertThat(c.get("/api/system", "Authorization", "Bearer wrong-token-wrong-token").statusCode()).isEqualTo(401);
        assertThat(c.get("/api/system", "Authorization", "Bearer " + SECRET).statusCode()).isEqualTo(200);
        HttpResponse<String> first = c.get("/?token=" + Client.enc(SECRET));
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("Set-Cookie"))
            .hasValueSatisfying(k -> assertThat(k).contains("HttpOnly", "SameSite=Strict"));
        String cookie = first.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
        assertThat(c.get("/api/system", "Cookie", cookie).statusCode()).isEqualTo(200);
        // the token lets the page in; an action still needs the page's own token
        assertThat(c.post("/api/action/kill", Map.of("pid", victim.toString()), "Cookie", cookie).statusCode())
            .isEqualTo(403);
        assertThat(victim.isAlive()).isTrue();
      }
    }
  }

  private static String raw(int port, String request) throws IOException {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      OutputStream out = s.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
