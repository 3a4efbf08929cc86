package dev.ferry.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class GlobTest {
    @Test
    void xsa108RuleMatchesXen40To44Only() {
        Glob g = Glob.of("xen-4.[0-4].*");
        assertThat(g.matches("xen-4.4.0")).isTrue();
        assertThat(g.matches("xen-4.0.12")).isTrue();
        assertThat(g.matches("xen-4.5.0")).isFalse();
        assertThat(g.matches("xen-4.4")).isFalse();
        assertThat(g.matches("kvm-4.4.0")).isFalse();
    }

    @Test
    void regexCharactersAreLiteral() {
        assertThat(Glob.of("a.b+c").matches("a.b+c")).isTrue();
        assertThat(Glob.of("a.b+c").matches("axb+c")).isFalse();
        assertThat(Glob.of("v?").matches("v1")).isTrue();
        assertThat(Glob.of("[!a]x").matches("bx")).isTrue();
        assertThat(Glob.of("[!a]x").matches("ax")).isFalse();
    }

    @Test
    void unclosedClassIsRefused() {
        assertThatThrownBy(() -> Glob.of("xen-[4")).hasMessageContaining("unclosed");
    }

    @Test
    void aHostAlreadyOnTheFixedVersionIsNotAffected() {
        Advisory a = new Advisory("A", "t", List.of(new AffectRule(Glob.of("xen-4.*"), Glob.of("*"))), "xen-4.4.1", true, null);
        Host patched = new Host("h", "z", null, 1, 1, 1.0, "xen-4.4.1", "m", true, HostState.ACTIVE, null);
        Host old = new Host("h", "z", null, 1, 1, 1.0, "xen-4.4.0", "m", true, HostState.ACTIVE, null);
        assertThat(a.affects(patched)).isFalse();
        assertThat(a.affects(old)).isTrue();
    }
}
