package dev.ferry.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

/**
 * The dashboard in a real browser (headless Chromium) against a real server on a simulated fleet
 * whose clock the test moves: what operators and tenants do with it, end to end. Screenshots of
 * every view land in target/screenshots.
 */
class DashboardBrowserTest {
    private static final Pattern REAL_HOST = Pattern.compile("h-\\d{7}");

    @TempDir
    Path dir;

    @Test
    void anOperatorApprovesACampaignWatchesItToTheEndAndSeesTheMapTurnPatched() throws Exception {
        try (TestServer s = new TestServer(dir, "h2"); Browser b = new Browser(dir, 1280, 800)) {
            TestServer.Seeded seeded = s.seed(48, 2);
            int affected = s.get("/v1/advisories/" + TestServer.ADVISORY_ID, s.operator).json().get("affectedHosts").asInt();
            assertThat(affected).isPositive();

            b.open(s.base + "/");
            b.screenshot("01-sign-in");
            // keyboard only: the token field has focus, Enter signs in
            b.await("focus on the token field", d -> d.switchTo().activeElement().getAttribute("id").equals("token") ? true : null);
            b.driver.switchTo().activeElement().sendKeys("not-a-token" + Keys.ENTER);
            assertThat(b.textOf("#signin-error")).contains("not valid");
            b.find("#token").sendKeys(s.operator + Keys.ENTER);
            b.await("fleet map", d -> b.count("#map-legend .count[data-state=vulnerable]") == 1 ? true : null);
            assertThat(b.textOf("#map-legend .count[data-state=vulnerable]")).isEqualTo(Integer.toString(affected));
            assertThat(b.all(".zone canvas")).hasSize(s.server.inventory().current().fleet().zones().size());
            assertThat(b.driver.getCurrentUrl()).doesNotContain(s.operator);
            b.screenshot("02-fleet-map-before");

            // propose from the campaigns view (simulated time at the wall clock's pace: the test moves the clock)
            b.find("nav a[href='#/campaigns']").click();
            WebElement accel = b.await("propose form", d -> d.findElement(By.id("propose-accel")));
            accel.clear();
            accel.sendKeys("1");
            b.find("#propose-forecast").sendKeys("60");
            b.find("#propose").click();
            b.await("proposed campaign", d -> "proposed".equals(stateBadge(b)) ? true : null);
            String id = b.driver.getCurrentUrl().replaceAll(".*#/campaign/", "");
            assertThat(b.find("#approve").isEnabled()).isTrue();
            assertThat(b.find("#pause").isEnabled()).isFalse();
            // the proposal's forecast runs in the background; the page follows it to its figures
            b.await("forecast", d -> b.textOf("#forecast-text").startsWith("Forecast (60 simulated campaigns)") ? true : null);
            JsonNode forecast = s.get("/v1/campaigns/" + id, s.operator).json().get("forecast");
            assertThat(b.textOf("#forecast-text")).contains("P10 ", "P90 ", "finishes before the disclosure in "
                    + Math.round(100 * forecast.get("probabilityMeetsDeadline").asDouble()) + "% of runs");
            assertThat(b.all("#what-if-table tbody tr")).hasSize(forecast.get("whatIf").size());
            assertThat(b.textOf("#time-text")).as("the plan's prediction as scheduled and as expected with its tenants")
                    .contains("as scheduled, ", " expected with tenants rescheduling");
            b.screenshot("03-campaign-proposed");
            b.find("#approve").click();
            b.await("running campaign", d -> "running".equals(stateBadge(b)) ? true : null);
            assertThat(s.count("SELECT COUNT(*) FROM audit WHERE action = 'campaign.approve' AND outcome = 'ok'")).isEqualTo(1);

            // the page follows the campaign by itself: move the clock until some hosts are patched, but not all
            int patched = 0;
            for (int k = 0; k < 200 && patched == 0; k++) {
                s.advance(id, Duration.ofMinutes(30));
                patched = s.get("/v1/campaigns/" + id, s.operator).json().get("live").get("hostsPatched").asInt();
            }
            assertThat(patched).isBetween(1, affected - 1);
            String expected = patched + " / " + affected;
            b.await("progress shown without a reload: " + expected, d -> b.textOf("#stat-patched").equals(expected) ? true : null);
            b.await("actual curve drawn", d -> b.script("return Chart.getChart('curve-chart').data.datasets[1].data.length") instanceof Number n
                    && n.intValue() > 1 ? true : null);
            b.screenshot("04-campaign-running");

            s.runToEnd(id);
            b.await("completed campaign", d -> "completed".equals(stateBadge(b)) ? true : null);
            assertThat(b.textOf("#stat-patched")).isEqualTo(affected + " / " + affected);
            assertThat(b.find("#abort").isEnabled()).isFalse();
            b.screenshot("05-campaign-completed");

            b.find("nav a[href='#/fleet']").click();
            b.await("map after the campaign", d -> Integer.toString(affected).equals(
                    b.textOf("#map-legend .count[data-state=patched]")) ? true : null);
            assertThat(b.textOf("#map-legend .count[data-state=vulnerable]")).isEqualTo("0");
            // a host picked with the keyboard is described in text
            WebElement zone = b.find(".zone canvas");
            zone.sendKeys(Keys.END);
            assertThat(b.textOf(".zone .hostinfo")).matches("h-\\d{7} · rack .* · .* · \\d+ instances");
            b.screenshot("06-fleet-map-after");

            b.find("nav a[href='#/audit']").click();
            // the view renders on the hash change, after the click returns: wait for its filter
            b.await("audit filter", d -> d.findElement(By.id("audit-action"))).sendKeys("campaign.approve" + Keys.ENTER);
            b.await("filtered audit", d -> b.count("#audit-table tbody tr") == 1 ? true : null);
            assertThat(b.textOf("#audit-table tbody tr")).contains("campaign.approve", id);
            b.screenshot("07-audit-log");
            assertThat(seeded.tenantTokens()).isNotEmpty();
        }
    }

    @Test
    void aTenantSeesOnlyItsOwnEventsReschedulesOneAndIsRefusedAnotherTenants() throws Exception {
        try (TestServer s = new TestServer(dir, "postgres"); Browser b = new Browser(dir, 1280, 800)) {
            TestServer.Seeded seeded = s.seed(60, 1000); // a token for every tenant of the generated fleet
            String id = s.propose(2);
            s.post("/v1/campaigns/" + id + "/approve", s.operator, null);
            s.advance(id, Duration.ofMinutes(1));
            String[] mine = null;
            String[] other = null;
            for (String[] t : seeded.tenantTokens()) {
                JsonNode items = s.get("/v1/tenant/events?limit=1000", t[1]).json().get("items");
                int n = items.size();
                boolean disruptive = false; // a live migration's informational event cannot be rescheduled
                for (JsonNode e : items) {
                    disruptive |= !e.get("informational").asBoolean() && e.get("state").asText().equals("scheduled");
                }
                if (disruptive && mine == null) {
                    mine = t;
                } else if (n > 0 && other == null) {
                    other = t;
                }
            }
            assertThat(mine).isNotNull();
            assertThat(other).isNotNull();
            JsonNode myEvents = s.get("/v1/tenant/events?limit=1000", mine[1]).json().get("items");
            String foreignEvent = s.get("/v1/tenant/events?limit=1", other[1]).json().get("items").get(0).get("id").asText();

            b.open(s.base + "/");
            b.find("#token").sendKeys(mine[1] + Keys.ENTER);
            b.await("event table", d -> b.count("#event-table tbody tr") == myEvents.size() ? true : null);
            @SuppressWarnings("unchecked")
            Set<String> shown = new HashSet<>((List<String>) b.script(
                    "return [...document.querySelectorAll('#event-table tbody tr')].map(r => r.dataset.event)"));
            Set<String> expected = new HashSet<>();
            myEvents.forEach(e -> expected.add(e.get("id").asText()));
            assertThat(shown).isEqualTo(expected);
            assertThat(s.count("SELECT COUNT(*) FROM events WHERE tenant <> ? AND event_id IN (" + String.join(",",
                    shown.stream().map(e -> "'" + e + "'").toList()) + ")", mine[0])).isZero();
            assertThat(b.all("nav a")).extracting(WebElement::getText).containsExactly("My instances and events");
            assertThat(REAL_HOST.matcher(b.driver.getPageSource()).find()).as("a real host name on the tenant's page").isFalse();
            b.screenshot("08-tenant-events");

            // reschedule the first event two hours later; the table follows through the tenant's stream
            JsonNode first = null;
            for (JsonNode e : myEvents) {
                if (first == null && !e.get("informational").asBoolean() && e.get("state").asText().equals("scheduled")) {
                    first = e;
                }
            }
            assertThat(first).as("a disruptive event of the tenant's").isNotNull();
            String eventId = first.get("id").asText();
            Instant later = Instant.parse(first.get("notBefore").asText()).plus(Duration.ofHours(2));
            String row = "#event-table tr[data-event='" + eventId + "']";
            b.script("arguments[0].value = arguments[1]", b.find(row + " .reschedule-at"), later.toString().substring(0, 16));
            b.find(row + " button.reschedule").click();
            b.await("event rescheduled (the tenant's stream redraws the table)",
                    d -> "rescheduled".equals(b.attr(row, "data-state")) ? true : null);
            assertThat(b.textOf("#status")).contains("rescheduled");
            JsonNode stored = s.get("/v1/tenant/events/" + eventId, mine[1]).json();
            assertThat(stored.get("state").asText()).isEqualTo("rescheduled");
            assertThat(Instant.parse(stored.get("notBefore").asText())).isAfterOrEqualTo(later);
            b.screenshot("09-tenant-rescheduled");

            // another tenant's event, asked for by its id: refused exactly like one that does not exist
            b.open(s.base + "/#/event/" + foreignEvent);
            assertThat(b.textOf("#not-found")).contains("No such event");
            assertThat(b.driver.getPageSource()).doesNotContain(other[0]);
            b.screenshot("10-tenant-refused");
            b.open(s.base + "/#/event/no-such-event");
            assertThat(b.textOf("#not-found")).contains("No such event");
            // and operator views are not there for a tenant: the route falls back to the tenant's own page
            b.open(s.base + "/#/fleet");
            b.await("tenant page instead of the fleet map", d -> b.count("#event-table") == 1 ? true : null);
            assertThat(b.all("#zones")).isEmpty();

            b.resize(390, 844);
            b.open(s.base + "/#/tenant");
            b.await("narrow tenant page", d -> b.count("#event-table tbody tr") > 0 ? true : null);
            assertThat((Boolean) b.script("return document.documentElement.scrollWidth <= window.innerWidth + 1"))
                    .as("no sideways scrolling of the page on a narrow screen").isTrue();
            b.screenshot("11-tenant-narrow", false);
        }
    }

    @Test
    void theFleetMapStaysUsableAtTenThousandHosts() throws Exception {
        try (TestServer s = new TestServer(dir, "h2"); Browser b = new Browser(dir, 1280, 800)) {
            s.seed(10_000, 1);
            int affected = s.get("/v1/advisories/" + TestServer.ADVISORY_ID, s.operator).json().get("affectedHosts").asInt();
            b.open(s.base + "/");
            b.find("#token").sendKeys(s.operator + Keys.ENTER);
            b.await("fleet map", d -> b.count("#zone-table tbody tr") > 0 ? true : null);
            int total = 0;
            for (WebElement c : b.all("#map-legend .count")) {
                total += Integer.parseInt(c.getText());
            }
            assertThat(total).isEqualTo(10_000);
            assertThat(b.textOf("#map-legend .count[data-state=vulnerable]")).isEqualTo(Integer.toString(affected));
            // every host is a tile that can be reached: find one by id, then step with the arrow keys
            String host = s.server.inventory().current().fleet().host(9_999).id();
            b.find("#find-host").sendKeys(host + Keys.ENTER);
            b.await("found host described", d -> (Boolean) b.script("return [...document.querySelectorAll('.zone .hostinfo')]"
                    + ".some(i => i.innerText.startsWith(arguments[0]))", host) ? true : null);
            List<WebElement> canvases = b.all(".zone canvas");
            WebElement first = canvases.get(0);
            first.sendKeys(Keys.HOME);
            String a = b.text(".zone .hostinfo");
            first.sendKeys(Keys.ARROW_RIGHT);
            b.await("next host", d -> !b.text(".zone .hostinfo").equals(a) ? true : null);
            b.screenshot("12-fleet-map-10k");
        }
    }

    private static String stateBadge(Browser b) {
        return b.attr("#campaign-state .badge", "data-state");
    }
}
