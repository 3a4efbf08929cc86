package dev.ferry.server;

import dev.ferry.agent.driver.AgentDriver;
import dev.ferry.core.campaign.Effect;
import java.nio.file.Path;
import java.util.List;

/**
 * The controller as its own process, for the tests that kill it ({@link ControllerProcess}): starts
 * on the data directory with the system clock, prints "READY &lt;port&gt; &lt;startup ms&gt;" and
 * serves until it is killed. With {@code --halt-after-switchover} it halts (exit 137, as if killed)
 * the moment the first live migration on agents switches over, before the destination is confirmed,
 * the source stopped or anything of it stored.
 */
public final class CrashServerMain {
    public static final String HALT_AFTER_SWITCHOVER = "--halt-after-switchover";

    private CrashServerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        FerryServer.Config config = FerryServer.Config.defaults(Path.of(args[0])).withPort(0).withWebhookPoll(null);
        List<String> a = List.of(args);
        if (a.contains("--jdbc-url")) {
            config = config.withDatabase(a.get(a.indexOf("--jdbc-url") + 1), null, null);
        }
        if (a.contains("--node")) {
            config = config.withNode(a.get(a.indexOf("--node") + 1));
        }
        if (a.contains("--lease-ms")) {
            config = config.withLease(java.time.Duration.ofMillis(Long.parseLong(a.get(a.indexOf("--lease-ms") + 1))));
        }
        if (List.of(args).contains(HALT_AFTER_SWITCHOVER)) {
            config = config.withDriverObserver(new AgentDriver.Observer() {
                @Override
                public void switchedOver(Effect.StartMove move) {
                    Runtime.getRuntime().halt(137);
                }
            });
        }
        FerryServer s = FerryServer.start(config);
        System.out.println("READY " + s.port() + " " + s.startupMillis());
        System.out.flush();
        Thread.currentThread().join();
    }
}
