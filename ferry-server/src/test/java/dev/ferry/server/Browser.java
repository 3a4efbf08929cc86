package dev.ferry.server;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Headless Debian Chromium driven through the system chromedriver (packages {@code chromium} and
 * {@code chromium-driver}; nothing is downloaded). Without them the browser tests are skipped,
 * unless {@code FERRY_REQUIRE_BROWSER=1} (CI sets it), when they fail.
 */
final class Browser implements AutoCloseable {
    private static final Path CHROMIUM = Path.of(System.getenv().getOrDefault("FERRY_CHROMIUM", "/usr/bin/chromium"));
    private static final Path DRIVER = Path.of(System.getenv().getOrDefault("FERRY_CHROMEDRIVER", "/usr/bin/chromedriver"));
    static final Path SCREENSHOTS = Path.of("target", "screenshots");

    final ChromeDriver driver;
    private final ChromeDriverService service;
    private final Path profile;

    Browser(Path dir, int width, int height) {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(DRIVER);
        String why = "Chromium for the browser tests: install Debian's chromium and chromium-driver (" + CHROMIUM + ", " + DRIVER + ")";
        if (!present && "1".equals(System.getenv("FERRY_REQUIRE_BROWSER"))) {
            throw new AssertionError("FERRY_REQUIRE_BROWSER=1 but no " + why);
        }
        Assumptions.assumeTrue(present, "skipped: no " + why);
        try {
            this.profile = Files.createTempDirectory(dir, "chromium-profile");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "--force-device-scale-factor=1");
        this.service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile()).usingAnyFreePort().build();
        this.driver = new ChromeDriver(service, options);
    }

    void open(String url) {
        driver.get(url);
    }

    WebElement find(String css) {
        return driver.findElement(By.cssSelector(css));
    }

    java.util.List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Waits (up to a minute, polling the page) for a condition; a timeout fails the test with its description. */
    <T> T await(String what, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, Duration.ofSeconds(60), Duration.ofMillis(50)).withMessage(what).until(condition);
    }

    /**
     * Read in the page in one step (no element handle that a live update could replace between
     * finding it and reading it): an attribute of the first element matching, or null.
     */
    String attr(String css, String attribute) {
        return (String) script("const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null;",
                css, attribute);
    }

    /** The rendered text of the first element matching, or null. */
    String text(String css) {
        return (String) script("const e = document.querySelector(arguments[0]); return e ? e.innerText : null;", css);
    }

    int count(String css) {
        return ((Number) script("return document.querySelectorAll(arguments[0]).length;", css)).intValue();
    }

    /** The text of an element once it is present and not blank. */
    String textOf(String css) {
        return await("text in " + css, d -> {
            String t = text(css);
            return t == null || t.isBlank() ? null : t;
        });
    }

    Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    void resize(int width, int height) {
        driver.manage().window().setSize(new Dimension(width, height));
    }

    /** A PNG of the whole page under target/screenshots, for a person to look at. */
    Path screenshot(String name) {
        return screenshot(name, true);
    }

    /** A PNG of the page ({@code whole}) or of what the window shows, under target/screenshots. */
    Path screenshot(String name, boolean whole) {
        try {
            Files.createDirectories(SCREENSHOTS);
            if (!whole) {
                Path target = SCREENSHOTS.resolve(name + ".png");
                Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), target, StandardCopyOption.REPLACE_EXISTING);
                return target;
            }
            Number h = (Number) script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)");
            Dimension before = driver.manage().window().getSize();
            driver.manage().window().setSize(new Dimension(before.getWidth(), Math.min(6000, Math.max(before.getHeight(),
                    h.intValue() + 140))));
            File shot = driver.getScreenshotAs(OutputType.FILE);
            driver.manage().window().setSize(before);
            Path target = SCREENSHOTS.resolve(name + ".png");
            Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        driver.quit();
        service.stop();
    }
}
