package dev.ferry.server.api;

import dev.ferry.core.lifecycle.HostPhase;
import dev.ferry.server.Campaigns;
import dev.ferry.server.engine.CampaignEngine;
import dev.ferry.server.engine.EngineSnapshot;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * Prometheus metrics: campaign progress, hosts by maintenance phase, migrations, events (read from
 * the engines' snapshots when scraped) and request latency per route.
 */
final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    Metrics(Campaigns campaigns, dev.ferry.server.Cluster cluster, EventStreams streams) {
        Gauge.builder("ferry_event_streams_open", streams, EventStreams::open)
                .description("server-sent event streams open on this controller (campaign watchers and tenants)").register(registry);
        Gauge.builder("ferry_cluster_leader", cluster, c -> c.leading() ? 1 : 0)
                .description("1 while this controller leads, 0 on a standby").register(registry);
        Gauge.builder("ferry_cluster_term", cluster, c -> c.lastSeen() == null ? 0 : c.lastSeen().term())
                .description("the leader's term as this controller last read it: how many times the lease changed hands")
                .register(registry);
        Gauge.builder("ferry_cluster_leaderships", cluster, dev.ferry.server.Cluster::leaderships)
                .description("how many times this controller took the lease").register(registry);
        Timer rounds = Timer.builder("ferry_campaign_round").description("campaign loop rounds: due timers and inputs, commit, dispatch")
                .publishPercentiles(0.5, 0.99).register(registry);
        Timer dispatches = Timer.builder("ferry_agent_dispatch")
                .description("from an effect's dispatch (after its round's commit) to its first request leaving for the agent")
                .publishPercentiles(0.5, 0.99).register(registry);
        campaigns.timed(n -> rounds.record(Duration.ofNanos(n)), n -> dispatches.record(Duration.ofNanos(n)));
        gauge(campaigns, "ferry_campaigns_running", "campaigns whose loop is running", s -> s.done() ? 0 : 1);
        gauge(campaigns, "ferry_campaign_hosts_patched", "hosts patched by running campaigns", EngineSnapshot::hostsPatched);
        gauge(campaigns, "ferry_campaign_hosts_failed", "hosts failed in running campaigns", EngineSnapshot::hostsFailed);
        gauge(campaigns, "ferry_migrations_live", "live migrations completed", EngineSnapshot::liveMigrations);
        gauge(campaigns, "ferry_migrations_relocations", "relocations (stop/start) completed", EngineSnapshot::relocations);
        gauge(campaigns, "ferry_migrations_failed", "migrations that failed", EngineSnapshot::failedMigrations);
        gauge(campaigns, "ferry_events_completed", "tenant maintenance events completed", EngineSnapshot::completedEvents);
        for (HostPhase p : HostPhase.values()) {
            Gauge.builder("ferry_hosts", campaigns, c -> sum(c, s -> s.hostsByPhase().getOrDefault(p, 0)))
                    .description("hosts of running campaigns by maintenance phase")
                    .tag("phase", p.name().toLowerCase(Locale.ROOT)).register(registry);
        }
    }

    private void gauge(Campaigns campaigns, String name, String help, ToDoubleFunction<EngineSnapshot> f) {
        Gauge.builder(name, campaigns, c -> sum(c, f)).description(help).register(registry);
    }

    private static double sum(Campaigns campaigns, ToDoubleFunction<EngineSnapshot> f) {
        double total = 0;
        for (CampaignEngine e : campaigns.engines().values()) {
            EngineSnapshot s = e.snapshot();
            if (s != null) {
                total += f.applyAsDouble(s);
            }
        }
        return total;
    }

    void request(String method, String route, int status, long nanos) {
        Timer.builder("ferry_http_requests").description("HTTP requests by route and status")
                .tags("method", method, "route", route, "status", Integer.toString(status))
                .publishPercentiles(0.5, 0.99).register(registry).record(Duration.ofNanos(nanos));
    }

    String scrape() {
        return registry.scrape();
    }
}
