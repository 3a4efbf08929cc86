package dev.ferry.cli;

import dev.ferry.core.model.Advisory;
import dev.ferry.core.model.Fleet;
import dev.ferry.core.model.Policy;
import dev.ferry.formats.AdvisoryReader;
import dev.ferry.formats.FleetReader;
import dev.ferry.formats.InvalidInputException;
import dev.ferry.formats.PolicyReader;
import dev.ferry.formats.Problem;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads the three input files, collecting the problems of all of them before giving up. */
final class Inputs {
    record Loaded(Fleet fleet, Advisory advisory, Policy policy) {
    }

    private Inputs() {
    }

    /** Returns the inputs, or null after printing every problem to {@code err}. */
    static Loaded load(Path fleetPath, Path advisoryPath, Path policyPath, long maxFleetBytes, PrintWriter err) {
        List<InvalidInputException> failures = new ArrayList<>();
        Fleet fleet = null;
        Advisory advisory = null;
        Policy policy = Policy.DEFAULTS;
        try {
            fleet = new FleetReader(maxFleetBytes).read(fleetPath);
        } catch (InvalidInputException e) {
            failures.add(e);
        }
        try {
            advisory = new AdvisoryReader().read(advisoryPath);
        } catch (InvalidInputException e) {
            failures.add(e);
        }
        if (policyPath != null) {
            try {
                policy = new PolicyReader().read(policyPath);
            } catch (InvalidInputException e) {
                failures.add(e);
            }
        }
        if (failures.isEmpty()) {
            return new Loaded(fleet, advisory, policy);
        }
        report(failures, err);
        return null;
    }

    static void report(List<InvalidInputException> failures, PrintWriter err) {
        int total = 0;
        for (InvalidInputException f : failures) {
            for (Problem p : f.problems()) {
                err.println("error: " + p);
                total++;
            }
            if (f.omitted() > 0) {
                err.println("error: ... and " + f.omitted() + " more problems in " + f.problems().get(0).file());
                total += f.omitted();
            }
        }
        err.println(total + (total == 1 ? " problem" : " problems") + "; nothing was done.");
        err.flush();
    }
}
