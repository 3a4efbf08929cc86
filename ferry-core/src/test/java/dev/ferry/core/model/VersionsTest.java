package dev.ferry.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VersionsTest {
    @Test
    void dottedNumbersCompareOneByOneOnTheSameNameOnly() {
        assertThat(Versions.compare("xen-4.4.1", "xen-4.4.1")).isZero();
        assertThat(Versions.compare("xen-4.4.10", "xen-4.4.9")).isPositive();
        assertThat(Versions.compare("xen-4.4", "xen-4.4.0")).isZero();
        assertThat(Versions.compare("xen-4.3.9", "xen-4.4.0")).isNegative();
        assertThat(Versions.compare("XEN-4.5", "xen-4.4.1")).as("names compare in lower case").isPositive();
        assertThat(Versions.compare("kvm-4.5", "xen-4.4.1")).as("another name").isNull();
        assertThat(Versions.compare("xen-latest", "xen-4.4.1")).as("no numbers").isNull();
        assertThat(Versions.atLeast("xen-4.4.2", "xen-4.4.1")).isTrue();
        assertThat(Versions.atLeast("xen-4.4.0", "xen-4.4.1")).isFalse();
        assertThat(Versions.atLeast("new", "new")).as("equal strings without numbers").isTrue();
        assertThat(Versions.atLeast("xen-4.4.1", null)).isFalse();
        // a suffix matters when the numbers are equal: a build with the fix is not the plain release
        assertThat(Versions.compare("xen-4.4.1", "xen-4.4.1-xsa108")).isNull();
        assertThat(Versions.atLeast("xen-4.4.1", "xen-4.4.1-xsa108")).isFalse();
        assertThat(Versions.atLeast("xen-4.4.2", "xen-4.4.1-xsa108")).as("a newer release").isTrue();
    }
}
