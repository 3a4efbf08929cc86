package dev.ferry.server;

import java.nio.file.Path;

/**
 * The controller as its own process for {@link CrashResumeTest}: starts on the data directory with
 * the system clock, prints "READY &lt;port&gt; &lt;startup ms&gt;" and serves until it is killed.
 */
public final class CrashServerMain {
    private CrashServerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        FerryServer s = FerryServer.start(FerryServer.Config.defaults(Path.of(args[0])).withPort(0).withWebhookPoll(null));
        System.out.println("READY " + s.port() + " " + s.startupMillis());
        System.out.flush();
        Thread.currentThread().join();
    }
}
