package dev.ferry.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ferry.core.campaign.Effect;
import dev.ferry.core.campaign.HistoryRecord;
import dev.ferry.core.campaign.Input;
import dev.ferry.core.planner.MoveKind;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a campaign on agents stores of each answer comes back the same (a restarted controller replays
 * it), and an answer settles exactly the effect that waited for it.
 */
class AgentAnswersTest {
    @Test
    void everyAnswerKindSurvivesTheStoreWithItsFacts() {
        List<HistoryRecord> facts = List.of(new HistoryRecord(0, "agent", HistoryRecord.Op.STOP, "vm1", "h1", 3),
                new HistoryRecord(0, "agent", HistoryRecord.Op.MOVE, "vm1", "qemu: downtime 2 ms, \"quoted\" ✓", 4));
        List<Input> inputs = List.of(new Input.MoveCompleted(7, 12), new Input.MoveFailed(8, "destination refused: 409", true),
                new Input.HostPatched(2), new Input.HostRebooted(2, "xen-4.4.1"), new Input.HostVerified(2, "xen-4.4.1"),
                new Input.InstanceStarted(5, 1, 9), new Input.Wakeup(1234, "soak over"));
        long seq = 0;
        for (Input in : inputs) {
            AgentAnswers.Answer a = new AgentAnswers.Answer(seq, 100 + seq, facts, in);
            AgentAnswers.Answer back = AgentAnswers.Answer.parse(a.seq(), a.timeMs(), a.body());
            assertThat(back).isEqualTo(a);
            seq++;
        }
    }

    @Test
    void aTenantRequestIsNotAnAnswerAndABrokenRowIsNamed() {
        assertThatThrownBy(() -> new AgentAnswers.Answer(0, 0, List.of(), new Input.TenantMoveNow(1)).body())
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> AgentAnswers.Answer.parse(4, 0, "{\"input\":{\"kind\":\"teleport\"}}"))
                .hasMessageContaining("stored answer 4");
        assertThatThrownBy(() -> AgentAnswers.Answer.parse(5, 0, "not json")).hasMessageContaining("stored answer 5");
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
        assertThat(AgentAnswers.settles(new Input.Wakeup(1, "x"))).isNull();
    }
}
