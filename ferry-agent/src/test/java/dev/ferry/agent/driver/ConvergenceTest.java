package dev.ferry.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.core.model.LiveMigrationPolicy;
import dev.ferry.core.model.OnTimeout;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the driver does with a pre-copy that does not converge, by the policy (the real-QEMU runs are in AgentQemuTest). */
class ConvergenceTest {
    private static Convergence of(OnTimeout onTimeout, long downtimeMs, long memoryMiB) {
        return new Convergence(new LiveMigrationPolicy(Duration.ofMillis(downtimeMs), 1024, 2, Duration.ofSeconds(150), onTimeout),
                memoryMiB);
    }

    @Test
    void aMigrationStartsWithAQuarterOfTheDowntimeLimitAndStepsUpToTheWholeOne() {
        assertThat(of(OnTimeout.ABORT, 300, 1024).startingDowntimeMs()).isEqualTo(75);
        assertThat(of(OnTimeout.ABORT, 2, 1024).startingDowntimeMs()).as("never below 1 ms").isEqualTo(1);
        assertThat(of(OnTimeout.ABORT, 300, 1024).escalation(false)).isEqualTo("downtime");
        assertThat(of(OnTimeout.RESTART, 300, 1024).escalation(true)).as("post-copy only when the policy says so").isEqualTo("downtime");
    }

    @Test
    void postCopyWhenThePolicySaysSoOrTheCampaignAsksForIt() {
        assertThat(of(OnTimeout.POSTCOPY, 300, 1024).postcopyCapable(false)).isTrue();
        assertThat(of(OnTimeout.POSTCOPY, 300, 1024).escalation(true)).isEqualTo("postcopy");
        assertThat(of(OnTimeout.ABORT, 300, 1024).postcopyCapable(false)).isFalse();
        assertThat(of(OnTimeout.ABORT, 300, 1024).postcopyCapable(true)).as("a retry the campaign runs in post-copy").isTrue();
    }

    @Test
    void theCompletionTimeoutIsThePolicysPerGiBAndTenSeconds() {
        assertThat(of(OnTimeout.ABORT, 300, 2048).completionTimeoutMs()).isEqualTo(310_000);
        assertThat(of(OnTimeout.ABORT, 300, 64).completionTimeoutMs()).isEqualTo(150_000 * 64 / 1024 + 10_000);
    }
}
