package dev.ferry.server;

import dev.ferry.agent.driver.AgentDriver;
import dev.ferry.server.api.HttpApi;
import dev.ferry.server.api.Routes;
import dev.ferry.server.engine.EngineStore;
import dev.ferry.server.webhook.Deliverer;
import dev.ferry.server.webhook.UrlGuard;
import dev.ferry.server.webhook.Webhooks;
import dev.ferry.store.Database;
import dev.ferry.store.Stores;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;

/**
 * The controller, wired by hand: the database (H2 file under the data directory, or PostgreSQL),
 * the services, the campaign engines (resumed by replay at start), the webhook deliverer and the
 * HTTP API. {@link #close()} stops everything it started.
 */
public final class FerryServer implements AutoCloseable {
    /** The leader's lease by default: a standby takes over within about this long (plus a fifth, plus the replay). */
    public static final Duration DEFAULT_LEASE = Duration.ofSeconds(5);

    /**
     * @param jdbcUrl           null for the embedded H2 database under {@code dataDirectory}
     * @param accel             default acceleration of simulated campaigns (virtual ms per wall ms)
     * @param allowLoopbackWebhooks deliver webhooks to loopback addresses (tests and local demos)
     */
    public record Config(String host, int port, Path dataDirectory, String jdbcUrl, String dbUser, String dbPassword,
                         double accel, boolean allowLoopbackWebhooks, HttpApi.Limits limits, Duration webhookPoll,
                         InstantSource clock, AgentDriver.Observer driverObserver, Duration hostDownAfter, Duration leaseTtl,
                         String node, dev.ferry.agent.tls.FleetTls tls, boolean plainAgents, int forecastRuns) {
        public static Config defaults(Path dataDirectory) {
            return new Config("127.0.0.1", 8080, dataDirectory, null, null, null, 60, false,
                    new HttpApi.Limits(64 << 10, 256L << 20, 200, 400), Duration.ofMillis(500), InstantSource.system(),
                    AgentDriver.Observer.NONE, Duration.ofMinutes(2), DEFAULT_LEASE, null, null, true, Forecasts.DEFAULT_RUNS);
        }

        public Config withPort(int p) {
            return new Config(host, p, dataDirectory, jdbcUrl, dbUser, dbPassword, accel, allowLoopbackWebhooks, limits,
                    webhookPoll, clock, driverObserver, hostDownAfter, leaseTtl, node, tls, plainAgents, forecastRuns);
        }

        public Config withDatabase(String url, String user, String password) {
            return new Config(host, port, dataDirectory, url, user, password, accel, allowLoopbackWebhooks, limits,
                    webhookPoll, clock, driverObserver, hostDownAfter, leaseTtl, node, tls, plainAgents, forecastRuns);
        }

        public Config withAccel(double a) {
            return new Config(host, port, dataDirectory, jdbcUrl, dbUser, dbPassword, a, allowLoopbackWebhooks, limits,
                    webhookPoll, clock, driverObserver, hostDownAfter, leaseTtl, node, tls, plainAgents, forecastRuns);
        }

        public Config withLoopbackWebhooks(boolean allow) {
            return new Config(host, port, dataDirectory, jdbcUrl, dbUser, dbPassword, accel, allow, limits, webhookPoll, clock,
                    driverObserver, hostDownAfter, leaseTtl, node, tls, plainAgents, forecastRuns);
        }

        public Config withLimits(HttpApi.Limits l) {
            return new Config(host, port, dataDirectory, jdbcUrl, dbUser, dbPassword, accel, allowLoopbackWebhooks, l,
                    webhookPoll, clock, driverObserver, hostDownAfter, leaseTtl, node, tls, plainAgents, forecastRuns);
        }

        public Config withClock(InstantSource c) {
            return new Config(host, port, dataDirectory, jdbcUrl, dbUser, dbPassword, accel, allowLoopbackWebhooks, limits,
                    webhookPoll, c, driverObserver, hostDownAfter, leaseTtl, node, tls, plainAgents, forecastRuns);
        }

        /** Null: no delivery, dispatch or health threads; the caller drives {@link Deliverer#deliverDue()} and the others (tests). */
        public Config withWebhookPoll(Duration poll) {
            return new Config(host, port, dataDirectory, jdbcUrl, dbUser, dbPassword, accel, allowLoopbackWebhooks, limits,
                    poll, clock, driverObserver, hostDownAfter, leaseTtl, node, tls, plainAgents, forecastRuns);
        }

        /** What the campaigns on agents report as they go (metrics; fault injection in tests). */
        public Config withDriverObserver(AgentDriver.Observer o) {
            return new Config(host, port, dataDirectory, jdbcUrl, dbUser, dbPassword, accel, allowLoopbackWebhooks, limits,
                    webhookPoll, clock, o, hostDownAfter, leaseTtl, node, tls, plainAgents, forecastRuns);
        }

        /** A host whose agent has been silent this long is down: a running campaign fences it and restarts its instances elsewhere. */
        public Config withHostDownAfter(Duration d) {
            return new Config(host, port, dataDirectory, jdbcUrl, dbUser, dbPassword, accel, allowLoopbackWebhooks, limits,
                    webhookPoll, clock, driverObserver, d, leaseTtl, node, tls, plainAgents, forecastRuns);
        }

        /**
         * The leader's lease: held this long without a renewal (renewed every fifth of it), so a
         * standby takes over this long after the leader dies or stalls.
         */
        public Config withLease(Duration ttl) {
            return new Config(host, port, dataDirectory, jdbcUrl, dbUser, dbPassword, accel, allowLoopbackWebhooks, limits,
                    webhookPoll, clock, driverObserver, hostDownAfter, ttl, node, tls, plainAgents, forecastRuns);
        }

        /** This controller's name in the cluster (null: a random one). */
        public Config withNode(String name) {
            return new Config(host, port, dataDirectory, jdbcUrl, dbUser, dbPassword, accel, allowLoopbackWebhooks, limits,
                    webhookPoll, clock, driverObserver, hostDownAfter, leaseTtl, name, tls, plainAgents, forecastRuns);
        }

        /**
         * Mutual TLS with the fleet CA: the API is served over https (agents report with their
         * certificates), and the controller calls agents with its own certificate, taking an
         * answer only from the certificate of the host it called. Null: plain HTTP (a local lab).
         */
        public Config withTls(dev.ferry.agent.tls.FleetTls fleetTls) {
            return new Config(host, port, dataDirectory, jdbcUrl, dbUser, dbPassword, accel, allowLoopbackWebhooks, limits,
                    webhookPoll, clock, driverObserver, hostDownAfter, leaseTtl, node, fleetTls, plainAgents, forecastRuns);
        }

        /**
         * Whether campaigns may run on agents over plain HTTP when there is no TLS (true by default
         * for labs and tests; {@code ferry server} allows it only with {@code --insecure-agents}).
         */
        public Config withPlainAgents(boolean allowed) {
            return new Config(host, port, dataDirectory, jdbcUrl, dbUser, dbPassword, accel, allowLoopbackWebhooks, limits,
                    webhookPoll, clock, driverObserver, hostDownAfter, leaseTtl, node, tls, allowed, forecastRuns);
        }

        /** Runs of a proposal's forecast when the proposal does not say (0: none). */
        public Config withForecastRuns(int runs) {
            return new Config(host, port, dataDirectory, jdbcUrl, dbUser, dbPassword, accel, allowLoopbackWebhooks, limits,
                    webhookPoll, clock, driverObserver, hostDownAfter, leaseTtl, node, tls, plainAgents, runs);
        }

        public Config withHost(String h) {
            return new Config(h, port, dataDirectory, jdbcUrl, dbUser, dbPassword, accel, allowLoopbackWebhooks, limits,
                    webhookPoll, clock, driverObserver, hostDownAfter, leaseTtl, node, tls, plainAgents, forecastRuns);
        }
    }

    private final Database db;
    private final Tokens tokens;
    private final Inventory inventory;
    private final Advisories advisories;
    private final Campaigns campaigns;
    private final Webhooks webhooks;
    private final Deliverer deliverer;
    private final AgentReports agentReports;
    private final InstanceDispatcher dispatcher;
    /** Every few seconds: audit hosts whose agents went silent (or came back). */
    private final Poller healthWatch;
    private final HttpApi api;
    private final Cluster cluster;
    /** The leader's follow-up: loops for campaigns approved elsewhere, and the commands other controllers queued. */
    private final Poller followUp;
    private final Forecasts forecasts;
    private final long recoveryMillis;

    /**
     * How long PostgreSQL lets this controller sit silent inside a transaction before it ends the
     * session: two leases, at least 5 s — a leader frozen mid-write gives the lease row up soon after
     * its lease, and a pause of the JVM (or a busy machine) does not cost every transaction in flight.
     */
    static Duration clientSilence(Duration lease) {
        Duration two = lease.multipliedBy(2);
        return two.compareTo(Duration.ofSeconds(5)) < 0 ? Duration.ofSeconds(5) : two;
    }

    private FerryServer(Config config) {
        long began = System.nanoTime();
        this.db = config.jdbcUrl() != null ? Database.open(config.jdbcUrl(), config.dbUser(), config.dbPassword(), 16,
                clientSilence(config.leaseTtl()))
                : Database.openH2(config.dataDirectory(), 16);
        Stores stores = Stores.over(db);
        InstantSource clock = config.clock();
        // H2 is opened by one process only (its file lock): that process takes the lease at once
        this.cluster = new Cluster(stores.cluster(), config.node(), config.leaseTtl(), !db.postgres(), clock.instant());
        this.tokens = new Tokens(stores.tokens(), clock);
        this.inventory = new Inventory(stores.inventory(), clock, config.limits().maxInventoryBytes(), db.postgres());
        inventory.load();
        this.advisories = new Advisories(stores.advisories(), inventory, clock, db.postgres());
        OpaqueHosts opaque = new OpaqueHosts(stores.settings());
        this.campaigns = new Campaigns(stores.campaigns(), inventory, advisories, new EngineStore(stores.campaigns(), opaque::of), clock,
                config.accel(), config.driverObserver(), cluster, stores.cluster(), config.tls(),
                config.tls() != null || config.plainAgents(), stores.agents());
        UrlGuard guard = new UrlGuard(config.allowLoopbackWebhooks());
        this.webhooks = new Webhooks(stores.webhooks(), guard, clock);
        this.deliverer = new Deliverer(stores.webhooks(), guard, clock,
                config.webhookPoll() == null ? Duration.ofSeconds(1) : config.webhookPoll(), cluster.node(), cluster::leading);
        this.dispatcher = new InstanceDispatcher(stores.operations(), clock,
                config.webhookPoll() == null ? Duration.ofSeconds(1) : config.webhookPoll(),
                () -> cluster.mayAct() ? cluster.term() : 0, config.tls());
        TenantData tenantData = new TenantData(stores.tenants(), opaque);
        AuditLog audit = new AuditLog(stores.audit());
        Instances instances = new Instances(stores.inventory(), audit, inventory, advisories, campaigns, tenantData, clock);
        this.agentReports = new AgentReports(stores.agents(), stores.inventory(), inventory, audit, clock, config.hostDownAfter());
        agentReports.onVersionDuringCampaign(campaigns::hostVersion);
        advisories.onAmend(campaigns::advisoryAmended);
        this.healthWatch = new Poller("host-health", Duration.ofMillis(Math.min(5_000, config.hostDownAfter().toMillis() / 4)),
                this::watchHealth);
        this.forecasts = new Forecasts(config.forecastRuns(), stores.models(), stores.history(), clock);
        campaigns.onEnded(id -> {
            agentReports.campaignEnded();
            forecasts.ended(id, campaigns::load);
        });
        Routes routes = new Routes(new Routes.Services(inventory, advisories, campaigns, new Queries(stores.history()), audit,
                tenantData, instances, webhooks, tokens, new FleetMap(stores.history(), inventory, advisories, campaigns),
                new CampaignTimeline(stores.history(), campaigns), agentReports, cluster, forecasts));
        this.api = new HttpApi(routes, tokens, stores.requests(), audit, clock, config.limits(), config.tls());
        this.followUp = new Poller("campaign-follow-up", Duration.ofMillis(200), campaigns::followUp);
        cluster.start(config.host() + ":" + config.port(), new Cluster.Duties() {
            @Override
            public void lead(long term) {
                campaigns.lead(term);
            }

            @Override
            public void standBy(long term) {
                campaigns.standBy();
            }
        });
        this.recoveryMillis = (System.nanoTime() - began) / 1_000_000;
    }

    /**
     * Audits changes of hosts' health; a running campaign hears of each host that went down (the
     * leader's duty: nothing on a standby). Returns 0: wait the period.
     */
    public int watchHealth() {
        if (!cluster.leading()) {
            return 0;
        }
        for (AgentReports.Health h : agentReports.watch()) {
            if (h.state().equals("down")) {
                campaigns.hostDown(h.host());
            }
        }
        return 0;
    }

    /** Opens the database, resumes running campaigns, and starts serving. */
    public static FerryServer start(Config config) {
        FerryServer s = new FerryServer(config);
        try {
            if (config.webhookPoll() != null) {
                s.deliverer.start();
                s.dispatcher.start();
                s.healthWatch.start();
            }
            s.followUp.start();
            s.api.start(config.host(), config.port());
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    public int port() {
        return api.port();
    }

    /** Tenants' operations for the host agents (tests drive {@link InstanceDispatcher#dispatchDue} themselves). */
    public InstanceDispatcher dispatcher() {
        return dispatcher;
    }

    /** Agents' reports and hosts' health (tests drive {@link AgentReports#watch} themselves). */
    public AgentReports agentReports() {
        return agentReports;
    }

    public Tokens tokens() {
        return tokens;
    }

    public Campaigns campaigns() {
        return campaigns;
    }

    public Inventory inventory() {
        return inventory;
    }

    public Advisories advisories() {
        return advisories;
    }

    public Database database() {
        return db;
    }

    /** This controller's membership of the cluster: whether it leads, and at which term. */
    public Cluster cluster() {
        return cluster;
    }

    public Deliverer deliverer() {
        return deliverer;
    }

    /** Milliseconds from opening the database to serving (includes loading and resuming campaigns). */
    public long startupMillis() {
        return recoveryMillis;
    }

    @Override
    public void close() {
        try {
            api.close();
        } catch (RuntimeException ignored) {
            // not started
        }
        deliverer.close();
        dispatcher.close();
        healthWatch.close();
        agentReports.close();
        followUp.close();
        forecasts.close();
        cluster.close(); // the loops stop, the lease is given up: a standby takes over at once
        campaigns.close();
        db.close();
    }
}
