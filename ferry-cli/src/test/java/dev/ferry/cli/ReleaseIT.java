package dev.ferry.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The release as a user gets it: {@code ferry-<version>.tar.gz} unpacked into an empty directory,
 * run with nothing but a JDK — {@code bin/ferry --version}, {@code bin/ferry demo}, and a server
 * started from a config file with a flag that wins over it, then asked by the client; the systemd
 * units of deploy/ pass {@code systemd-analyze verify} and its sandboxing check.
 */
class ReleaseIT {
    private static final Path ARCHIVE = Path.of(System.getProperty("ferry.release", "target/ferry.tar.gz"));
    private static final String VERSION = System.getProperty("ferry.version", "");
    private static final Pattern SERVING = Pattern.compile("Ferry server on (http://127\\.0\\.0\\.1:\\d+) ");

    @TempDir
    Path dir;

    /** Runs {@code bin/ferry} of the release in {@code cwd}: exit code and output (both streams). */
    private record Run(int code, String output) {
    }

    private static ProcessBuilder ferry(Path home, Path cwd, String... args) {
        List<String> cmd = new ArrayList<>(List.of(home.resolve("bin/ferry").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        pb.environment().put("JAVA_HOME", System.getProperty("java.home")); // the JDK running this test: 21 or newer
        return pb;
    }

    private static Run run(ProcessBuilder pb) throws IOException, InterruptedException {
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Run(p.waitFor(), out);
    }

    private Path unpack() throws IOException, InterruptedException {
        assertThat(ARCHIVE).as("the release archive (./mvnw package)").exists();
        Path empty = Files.createDirectories(dir.resolve("unpacked"));
        assertThat(empty.toFile().list()).isEmpty();
        Process tar = new ProcessBuilder("tar", "xzf", ARCHIVE.toString(), "-C", empty.toString()).inheritIO().start();
        assertThat(tar.waitFor()).isZero();
        Path home = empty.resolve("ferry-" + VERSION);
        for (String f : List.of("bin/ferry", "lib/ferry.jar", "LICENSE", "README.md", "docs/install.md", "docs/formats.md",
                "examples/xsa-108-small/fleet.yaml", "deploy/ferry-server.service", "deploy/ferry-agent.service",
                "deploy/server.properties", "deploy/agent.properties")) {
            assertThat(home.resolve(f)).as(f).exists();
        }
        assertThat(Files.isExecutable(home.resolve("bin/ferry"))).isTrue();
        return home;
    }

    @Test
    void theUnpackedReleaseRunsTheDemoAndAServer() throws Exception {
        Path home = unpack();
        Path work = Files.createDirectories(dir.resolve("work"));
        Run version = run(ferry(home, work, "--version"));
        assertThat(version.output().strip()).isEqualTo("ferry " + VERSION);

        Run demo = run(ferry(home, work, "demo", "--hosts", "300"));
        assertThat(demo.code()).as(demo.output()).isZero();
        assertThat(work.resolve("ferry-demo")).isDirectory();

        // a server from a config file; --port on the command line wins over the file's
        Path config = Files.writeString(dir.resolve("server.properties"), "data = " + dir.resolve("data") + "\nport = 1\n"
                + "forecast-runs = 0\n");
        Process server = ferry(home, work, "server", "--config", config.toString(), "--port", "0").start();
        try {
            String base = null;
            BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            for (String line; base == null && (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
                Matcher m = SERVING.matcher(line);
                if (m.find()) {
                    base = m.group(1);
                }
            }
            assertThat(base).as(seen.toString()).isNotNull();
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(dir.resolve("data/operator.token")).as("the config file's data directory").exists();
            ProcessBuilder client = ferry(home, work, "inventory", "show");
            client.environment().putAll(Map.of("FERRY_SERVER", base, "FERRY_TOKEN_FILE", dir.resolve("data/operator.token").toString()));
            Run inventory = run(client);
            assertThat(inventory.code()).as(inventory.output()).isZero();
            assertThat(inventory.output()).contains("version:");
        } finally {
            server.destroy(); // SIGTERM: the server closes cleanly
            if (!server.waitFor(60, TimeUnit.SECONDS)) {
                server.destroyForcibly();
            }
        }
    }

    @Test
    void theSystemdUnitsVerifyAndAreSandboxed() throws Exception {
        Path home = unpack();
        boolean present = new ProcessBuilder("sh", "-c", "command -v systemd-analyze").start().waitFor() == 0;
        if (!present) {
            if ("1".equals(System.getenv("FERRY_REQUIRE_SYSTEMD"))) {
                throw new AssertionError("FERRY_REQUIRE_SYSTEMD=1 but no systemd-analyze (Debian package systemd)");
            }
            Assumptions.abort("skipped: no systemd-analyze (Debian package systemd)");
        }
        Path units = Files.createDirectories(dir.resolve("units"));
        for (String u : List.of("ferry-server.service", "ferry-agent.service")) {
            // as installed, with the release where /opt/ferry would be
            Files.writeString(units.resolve(u), Files.readString(home.resolve("deploy").resolve(u))
                    .replace("/opt/ferry/bin/ferry", home.resolve("bin/ferry").toString()));
            Run verify = run(new ProcessBuilder("systemd-analyze", "verify", units.resolve(u).toString()).redirectErrorStream(true));
            assertThat(verify.code()).as(verify.output()).isZero();
            assertThat(verify.output()).as("no warning (an unknown key is only a warning)").isBlank();
            // systemd's exposure score, 0 (locked down) to 10: the server has no devices and no namespaces, the agent needs KVM
            String threshold = u.contains("server") ? "30" : "50"; // --threshold counts tenths of the score
            Run security = run(new ProcessBuilder("systemd-analyze", "security", "--offline=yes", "--threshold=" + threshold,
                    units.resolve(u).toString()).redirectErrorStream(true));
            assertThat(security.code()).as(u + "\n" + security.output()).isZero();
        }
    }
}
