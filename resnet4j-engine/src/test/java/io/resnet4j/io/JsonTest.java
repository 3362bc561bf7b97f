package io.resnet4j.io;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {
    @Test
    void roundTripsNestedValues() {
        String text = "{\"a\":[1,2.5,-3e2,true,false,null],\"b\":{\"s\":\"x\\\"y\\n\\u00e9\"},\"big\":12345678901234}";
        Map<String, Object> m = Json.parseObject(text);
        assertThat(m.get("a")).isEqualTo(Arrays.asList(1L, 2.5, -300.0, true, false, null));
        assertThat(((Map<?, ?>) m.get("b")).get("s")).isEqualTo("x\"y\né");
        assertThat(m.get("big")).isEqualTo(12345678901234L);
        assertThat(Json.parseObject(Json.write(m))).isEqualTo(m);
    }

    @Test
    void writesNonFiniteAsNullAndArrays() {
        assertThat(Json.write(Map.of("x", Double.NaN))).isEqualTo("{\"x\":null}");
        assertThat(Json.write(new int[] {1, 2})).isEqualTo("[1,2]");
        assertThat(Json.write(new float[] {0.5f})).isEqualTo("[0.5]");
        assertThat(Json.write(2.0)).isEqualTo("2.0");
    }

    @Test
    void rejectsMalformedAndHostileInput() {
        for (String bad : new String[] {"", "{", "{\"a\":}", "[1,]", "{\"a\":1}x", "\"\\q\"", "{\"a\":1,\"a\":2}", "tru", "01x"}) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("invalid JSON");
        }
        String deep = "[".repeat(100_000);
        assertThatThrownBy(() -> Json.parse(deep)).hasMessageContaining("nesting deeper");
    }
}
