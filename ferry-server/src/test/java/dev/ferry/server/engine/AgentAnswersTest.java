package dev.ferry.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.campaign.Effect;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.campaign.WakeupReason;
import dev.ferry.core.history.Fact;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Host;
import dev.ferry.core.model.HostState;
import dev.ferry.core.planner.MoveKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a campaign on agents stores of each answer comes back the same (a restarted controller replays
 * it), and an answer settles exactly the effect that waited for it.
 */
class AgentAnswersTest {
    private static final Fleet FLEET = new Fleet(List.of(new Host("h1", "az1", null, 4, 4096, 1, "xen", "m", true, HostState.ACTIVE,
            null), new Host("h2", "az1", null, 4, 4096, 1, "xen", "m", true, HostState.ACTIVE, null)), List.of(), List.of(), List.of());

    @Test
    void everyAnswerKindSurvivesTheStoreWithItsFacts() {
        List<Fact> facts = List.of(new Fact.Stopped("vm1", "h1", 3),
                new Fact.MigrationMeasured("vm1", "h1", "h2 \"quoted\" ✓", 2, 30, 4));
        List<Input> inputs = List.of(new Input.MoveCompleted(7, 12), new Input.MoveFailed(8, "destination refused: 409", true),
                new Input.HostPatched(2), new Input.HostRebooted(2, "xen-4.4.1"), new Input.HostVerified(2, "xen-4.4.1"),
                new Input.InstanceStarted(5, 1, 9), new Input.Wakeup(1234, WakeupReason.soak()),
                new Input.Wakeup(1235, WakeupReason.rebootTimeout("h2")));
        long seq = 0;
        for (Input in : inputs) {
            AgentAnswers.Answer a = new AgentAnswers.Answer(seq, 100 + seq, facts, in);
            AgentAnswers.Answer back = AgentAnswers.Answer.parse(a.seq(), a.timeMs(), a.body(), FLEET);
            assertThat(back).isEqualTo(a);
            seq++;
        }
    }

    @Test
    void answersStoredBeforeTypedFactsStillLoad() {
        String v1 = "{\"input\":{\"kind\":\"wakeup\",\"at\":5,\"reason\":\"reboot-timeout:1\"},\"facts\":[{\"actor\":\"agent\","
                + "\"op\":\"stop\",\"target\":\"vm1\",\"outcome\":\"h1\",\"epoch\":3}]}";
        AgentAnswers.Answer a = AgentAnswers.Answer.parse(0, 5, v1, FLEET);
        assertThat(a.input()).isEqualTo(new Input.Wakeup(5, WakeupReason.rebootTimeout("h2")));
        assertThat(a.facts()).containsExactly(new Fact.Stopped("vm1", "h1", 3));
    }

    @Test
    void aTenantRequestIsNotAnAnswerAndABrokenRowIsNamed() {
        assertThatThrownBy(() -> new AgentAnswers.Answer(0, 0, List.of(), new Input.TenantMoveNow(1)).body())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AgentAnswers.Answer.parse(4, 0, "{\"input\":{\"kind\":\"teleport\"}}", FLEET))
                .hasMessageContaining("stored answer 4");
        assertThatThrownBy(() -> AgentAnswers.Answer.parse(5, 0, "not json", FLEET)).hasMessageContaining("stored answer 5");
    }

    @Test
    void anAnswerSettlesTheEffectThatWaitedForIt() {
        Effect move = new Effect.StartMove("move/3", 7, 1, 0, 1, MoveKind.LIVE_MIGRATE, 2, false);
        assertThat(AgentAnswers.settles(new Input.MoveCompleted(7, 1))).isEqualTo(AgentAnswers.awaited(move));
        assertThat(AgentAnswers.settles(new Input.MoveFailed(7, "x", false))).isEqualTo(AgentAnswers.awaited(move));
        assertThat(AgentAnswers.settles(new Input.MoveCompleted(8, 1))).isNotEqualTo(AgentAnswers.awaited(move));
        assertThat(AgentAnswers.settles(new Input.HostRebooted(2, "v"))).isEqualTo(AgentAnswers.awaited(new Effect.RebootHost("r/1", 2)));
        assertThat(AgentAnswers.settles(new Input.HostVerified(2, "v"))).isEqualTo(AgentAnswers.awaited(new Effect.VerifyHost("v/1", 2)));
        assertThat(AgentAnswers.settles(new Input.HostPatched(2))).isEqualTo(AgentAnswers.awaited(new Effect.PatchHost("p/1", 2, "v")));
        assertThat(AgentAnswers.settles(new Input.InstanceStarted(5, 1, 9)))
                .isEqualTo(AgentAnswers.awaited(new Effect.StartInstance("s/1", 5, 1, 9)));
        assertThat(AgentAnswers.awaited(new Effect.Cordon("c/1", 2))).isNull();
        assertThat(AgentAnswers.settles(new Input.Wakeup(1, WakeupReason.ready()))).isNull();
    }
}
