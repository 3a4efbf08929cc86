package dev.ferry.sim;

import java.util.Locale;

/**
 * Which faults a simulation injects, each a probability per opportunity:
 * <ul>
 * <li>{@code migration-fail}: a live migration fails during pre-copy (the destination dies);</li>
 * <li>{@code non-converge}: the guest dirties memory faster than the link (the policy's onTimeout decides);</li>
 * <li>{@code host-lost}: a host does not come back after its reboot;</li>
 * <li>{@code host-unpatched}: a host comes back on the old version;</li>
 * <li>{@code agent-crash}: the source host's agent crashes and restarts during a migration;</li>
 * <li>{@code delay}: a driver answer arrives up to a minute late;</li>
 * <li>{@code duplicate}: a driver answer arrives twice;</li>
 * <li>{@code host-down}: a host (any host of the fleet) dies at a random time within the plan's
 *     predicted duration, its guests with it; the campaign hears of it two minutes later (its agent's
 *     silence), as the server's health watch would;</li>
 * <li>{@code advisory-change}: a host changes status at a random time within the plan's predicted
 *     duration, as if the advisory were amended or the host fixed outside the campaign: one the
 *     advisory leaves alone joins the campaign, an affected one leaves it (before its step).</li>
 * </ul>
 * Written as {@code migration-fail=0.02,host-lost=0.01}; {@code none} for no faults.
 */
public record FaultSpec(double migrationFail, double nonConverge, double hostLost, double hostUnpatched, double agentCrash,
                        double delay, double duplicate, double hostDown, double advisoryChange) {

    public static final FaultSpec NONE = new FaultSpec(0, 0, 0, 0, 0, 0, 0, 0, 0);

    public FaultSpec {
        for (double p : new double[] {migrationFail, nonConverge, hostLost, hostUnpatched, agentCrash, delay, duplicate, hostDown, advisoryChange}) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("fault probabilities must be between 0 and 1");
            }
        }
    }

    /** Parses the spec; throws IllegalArgumentException naming the bad part. */
    public static FaultSpec parse(String spec) {
        String s = spec.trim();
        if (s.isEmpty() || s.equals("none")) {
            return NONE;
        }
        double[] v = new double[9];
        for (String part : s.split(",")) {
            String[] kv = part.trim().split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("'" + part + "' is not name=probability");
            }
            double p;
            try {
                p = Double.parseDouble(kv[1].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + kv[1] + "' is not a probability in '" + part + "'");
            }
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("'" + part + "': the probability must be between 0 and 1");
            }
            switch (kv[0].trim().toLowerCase(Locale.ROOT)) {
                case "migration-fail" -> v[0] = p;
                case "non-converge" -> v[1] = p;
                case "host-lost" -> v[2] = p;
                case "host-unpatched" -> v[3] = p;
                case "agent-crash" -> v[4] = p;
                case "delay" -> v[5] = p;
                case "duplicate" -> v[6] = p;
                case "host-down" -> v[7] = p;
                case "advisory-change" -> v[8] = p;
                default -> throw new IllegalArgumentException("unknown fault '" + kv[0].trim() + "' (known: migration-fail, "
                        + "non-converge, host-lost, host-unpatched, agent-crash, delay, duplicate, host-down, advisory-change)");
            }
        }
        return new FaultSpec(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    }

    /** The same faults, with hosts going down at this probability. */
    public FaultSpec withHostDown(double p) {
        return new FaultSpec(migrationFail, nonConverge, hostLost, hostUnpatched, agentCrash, delay, duplicate, p, advisoryChange);
    }

    /** The same faults, with hosts changing status (the advisory amended, hosts fixed outside) at this probability. */
    public FaultSpec withAdvisoryChange(double p) {
        return new FaultSpec(migrationFail, nonConverge, hostLost, hostUnpatched, agentCrash, delay, duplicate, hostDown, p);
    }

    @Override
    public String toString() {
        String s = String.format(Locale.ROOT, "migration-fail=%s,non-converge=%s,host-lost=%s,host-unpatched=%s,agent-crash=%s,"
                + "delay=%s,duplicate=%s", migrationFail, nonConverge, hostLost, hostUnpatched, agentCrash, delay, duplicate);
        s = hostDown > 0 ? s + String.format(Locale.ROOT, ",host-down=%s", hostDown) : s; // as before when they are not used
        return advisoryChange > 0 ? s + String.format(Locale.ROOT, ",advisory-change=%s", advisoryChange) : s;
    }
}
