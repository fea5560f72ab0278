package dev.sessionfilter.ratelimit;

import dev.sessionfilter.config.RedisConfig;
import dev.sessionfilter.store.JedisRedisApi;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import redis.clients.jedis.RedisClient;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Not a test: bench/ratelimit.sh runs it. Decisions per second of {@link RateLimiter} (key hashing, argument
 * building, result parsing, the pool) against a bare Jedis EVALSHA loop of the same script with precomputed
 * arguments, same Redis, same threads, alternating runs. Prints both and the ratio.
 */
public final class RateLimitBench {
    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 4;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        try (RedisProcess redis = RedisServers.standalone();
             JedisRedisApi api = new JedisRedisApi(RedisConfig.standalone("127.0.0.1", redis.port(), Duration.ofSeconds(2), threads * 2));
             RedisClient bare = RedisClient.builder().hostAndPort("127.0.0.1", redis.port()).build()) {
            RateLimiter limiter = new RateLimiter("bench", api, RateLimiter.FailureMode.LOCAL, 1000, System::currentTimeMillis);
            List<Limit> limits = Limit.parse("1000000 per 10 seconds");
            List<byte[]> keys = List.of("bench:rl:{bare:x}:1000000/10s".getBytes(StandardCharsets.UTF_8));
            List<byte[]> argv = List.of(b("1"), b("1000000"), b("10000"));
            byte[] sha = RedisRateLimiter.SCRIPT.sha1();
            bare.eval(RedisRateLimiter.SCRIPT.source(), keys, argv);
            Runnable filterPath = () -> limiter.decide("f", "ip:192.0.2.1", limits, true);
            // The same script on the same kind of key: the ratio is our Java overhead (key hashing, argument
            // building, decoding the reply), not Redis' work.
            Runnable barePath = () -> bare.evalsha(sha, keys, argv);
            run(threads, 3, filterPath);
            run(threads, 3, barePath);
            List<Double> f = new ArrayList<>();
            List<Double> r = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                f.add(run(threads, seconds, filterPath));
                r.add(run(threads, seconds, barePath));
            }
            f.sort(null);
            r.sort(null);
            System.out.printf("threads=%d, %d s per run, median of 3 alternating runs%n", threads, seconds);
            System.out.printf("RateLimiter.decide : %8.0f decisions/s   runs %s%n", f.get(1), f);
            System.out.printf("bare Jedis EVALSHA : %8.0f calls/s       runs %s%n", r.get(1), r);
            System.out.printf("ratio              : %.2f%n", f.get(1) / r.get(1));
            limiter.close();
        }
    }

    private static double run(int threads, int seconds, Runnable op) throws InterruptedException {
        LongAdder n = new LongAdder();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> ts = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    op.run();
                    n.increment();
                }
            });
            t.start();
            ts.add(t);
        }
        long t0 = System.nanoTime();
        Thread.sleep(seconds * 1000L);
        stop.set(true);
        for (Thread t : ts) {
            t.join();
        }
        return n.sum() / ((System.nanoTime() - t0) / 1e9);
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
