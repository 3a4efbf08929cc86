package dev.ferry.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Load at a fixed arrival rate (open loop): each request is sent at its scheduled time on a thread
 * of its own and its latency counted from that time, so a slow server cannot hide queueing behind
 * a slow client. Reads and writes are counted apart; a status of 400 or more other than 409 is an
 * error.
 */
public final class OpenLoop {
    /** One request: method, URL, bearer token, JSON body (null: none); {@code write} for the counts. */
    public record Request(String method, String url, String token, String body, boolean write) {
    }

    /** Makes the {@code i}th request from a random stream of the load's own. */
    public interface Mix {
        Request next(SplittableRandom random);
    }

    public record Result(int rate, int sent, int errors, double seconds, long[] reads, long[] writes) {
        public double readMs(double q) {
            return ms(reads, q);
        }

        public double writeMs(double q) {
            return ms(writes, q);
        }

        private static double ms(long[] nanos, double q) {
            if (nanos.length == 0) {
                return 0;
            }
            int i = (int) Math.min(nanos.length - 1, Math.ceil(q * nanos.length) - 1);
            return nanos[Math.max(0, i)] / 1e6;
        }
    }

    private OpenLoop() {
    }

    public static Result run(HttpClient http, int rate, int seconds, Mix mix, SplittableRandom random) throws InterruptedException {
        int total = rate * seconds;
        long[] reads = new long[total];
        long[] writes = new long[total];
        AtomicInteger nr = new AtomicInteger();
        AtomicInteger nw = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long start = System.nanoTime() + 50_000_000L;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < total; i++) {
                long due = start + (long) (i * 1e9 / rate);
                Request req = mix.next(random);
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
                pool.submit(() -> {
                    try {
                        HttpResponse<String> r = http.send(build(req), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() >= 400 && r.statusCode() != 409) {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                    long latency = System.nanoTime() - due;
                    if (req.write()) {
                        writes[nw.getAndIncrement()] = latency;
                    } else {
                        reads[nr.getAndIncrement()] = latency;
                    }
                });
            }
            pool.shutdown();
            pool.awaitTermination(5, TimeUnit.MINUTES);
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        long[] r = Arrays.copyOf(reads, nr.get());
        long[] w = Arrays.copyOf(writes, nw.get());
        Arrays.sort(r);
        Arrays.sort(w);
        return new Result(rate, total, errors.get(), elapsed, r, w);
    }

    private static HttpRequest build(Request req) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(req.url())).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + req.token())
                .method(req.method(), req.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(req.body()));
        if (req.body() != null) {
            b.header("Content-Type", "application/json");
        }
        return b.build();
    }
}
