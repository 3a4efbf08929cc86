package dev.ferry.core.history;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EffectKeysTest {
    @Test
    void aKeyIsAddedOnceWhateverItsOperation() {
        EffectKeys keys = new EffectKeys();
        assertThat(keys.add("move/7")).isTrue();
        assertThat(keys.add("move/7")).isFalse();
        // the sequence is the campaign's one counter: another operation with it is the same effect
        assertThat(keys.add("cordon/7")).isFalse();
        assertThat(keys.add("cordon/8")).isTrue();
    }

    @Test
    void keysOfAnotherShapeAreKeptWhole() {
        EffectKeys keys = new EffectKeys();
        for (String k : new String[] {"plain", "move/", "/5", "move/x1", "move/99999999999999999999", "a/b/-3"}) {
            assertThat(keys.add(k)).as(k).isTrue();
            assertThat(keys.add(k)).as(k).isFalse();
        }
        assertThat(keys.add("move/3")).isTrue();
    }

    @Test
    void theSequenceIsTheNumberAfterTheLastSlash() {
        assertThat(EffectKeys.sequence("move/123")).isEqualTo(123);
        assertThat(EffectKeys.sequence("a/b/0")).isZero();
        assertThat(EffectKeys.sequence("move")).isEqualTo(-1);
        assertThat(EffectKeys.sequence("move/1a")).isEqualTo(-1);
        assertThat(EffectKeys.sequence("/4")).isEqualTo(-1);
    }
}
