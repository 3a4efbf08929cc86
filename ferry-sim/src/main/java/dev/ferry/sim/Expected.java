package dev.ferry.sim;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.ferry.core.campaign.ExpectedDuration;
import dev.ferry.core.planner.Plan;
import dev.ferry.core.planner.PlanningProblem;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A plan's expected duration with its tenants behaving as {@code tenants} says
 * ({@link ExpectedDuration}), and the slack it leaves before the disclosure; the {@code expected}
 * field of a plan or a proposal: {@code makespanSeconds}, {@code deadlineSlackSeconds} (null without
 * a disclosure time), {@code tenants} ({@code actEarly}, {@code reschedule}). Immutable.
 */
public record Expected(long makespanSeconds, Long deadlineSlackSeconds, TenantModel tenants) {
    public static Expected of(PlanningProblem problem, Plan plan, TenantModel tenants) {
        long expected = ExpectedDuration.makespanSeconds(problem, plan, tenants.expected());
        Long deadline = problem.secondsToDeadline();
        return new Expected(expected, deadline == null ? null : deadline - expected, tenants);
    }

    /** As maps (the server's JSON). */
    public Map<String, Object> map() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("makespanSeconds", makespanSeconds);
        m.put("deadlineSlackSeconds", deadlineSlackSeconds);
        Map<String, Object> t = new LinkedHashMap<>(); // in this order, every time
        t.put("actEarly", tenants.actEarly());
        t.put("reschedule", tenants.reschedule());
        m.put("tenants", t);
        return m;
    }

    /** Writes {@code "expected": {...}} into the object {@code g} is in. */
    public void writeField(JsonGenerator g) throws IOException {
        g.writeFieldName("expected");
        ForecastJson.write(g, map());
    }
}
