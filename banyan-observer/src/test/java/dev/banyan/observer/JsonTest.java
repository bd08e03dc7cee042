package dev.banyan.observer;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The hand-written JSON writer, checked against Jackson as the oracle. */
@Timeout(10)
class JsonTest {
  @Test
  void writesWhatJacksonReadsBack() throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("quote\"back\\slash", "line\nbreak\r\ttab \u0001 \u2028 \u2029 😀 </script>&");
    m.put("numbers", List.of(1, -2L, 3.5, Double.NaN));
    m.put("nothing", null);
    m.put("maybe", Optional.of("x"));
    m.put("empty", Optional.empty());
    m.put("yes", true);
    m.put("nested", Map.of("list", new ArrayList<>(Arrays.asList("a", null))));
    String text = Json.write(m);
    JsonNode back = Client.JSON.readTree(text);
    assertThat(back.get("quote\"back\\slash").asText())
        .isEqualTo("line\nbreak\r\ttab \u0001 \u2028 \u2029 😀 </script>&");
    assertThat(back.get("numbers").toString()).isEqualTo("[1,-2,3.5,null]");
    assertThat(back.get("nothing").isNull()).isTrue();
    assertThat(back.get("maybe").asText()).isEqualTo("x");
    assertThat(back.get("empty").isNull()).isTrue();
    assertThat(back.get("yes").asBoolean()).isTrue();
    assertThat(back.get("nested").get("list").toString()).isEqualTo("[\"a\",null]");
    assertThat(text).doesNotContain("<", ">", "&", "\u2028", "\u2029");
  }
}
