package dev.sessionfilter.sample;

import dev.sessionfilter.testing.Browser;
import dev.sessionfilter.testing.ContainerProcess;
import dev.sessionfilter.testing.RedisProcess;
import dev.sessionfilter.testing.RedisServers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sample in a real browser: headless Chromium (Debian's {@code chromium}, driven through its
 * {@code chromedriver}) against the built sample WAR on two real Tomcat 11 instances sharing one Redis, at the
 * root context, once over plain HTTP and once over HTTPS (each instance also has a TLS connector with a
 * self-signed certificate). What is asserted of the cookie is what the browser kept, read back from the
 * browser's own cookie store: over HTTPS it must be {@code __Host-SESSION}, Secure, HttpOnly, SameSite=Lax,
 * Path=/ and host-only, or Chromium would have dropped it. Each step leaves a screenshot under
 * {@code target/browser-screenshots/<scheme>/}.
 */
class BrowserIT {
    static final Path CHROMIUM = Path.of(System.getProperty("chromium.binary", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("chromium.driver", "/usr/bin/chromedriver"));
    static RedisProcess redis;
    static ContainerProcess a;
    static ContainerProcess b;
    static Path work;

    @BeforeAll
    static void start() throws Exception {
        assertTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER), CHROMIUM + " and " + CHROMEDRIVER
                + " are needed: apt-get install chromium chromium-driver (.ci/run installs them)");
        work = Path.of(System.getProperty("containers.work"));
        Path war = Path.of(System.getProperty("sample.warFile"));
        Path keystore = ContainerProcess.selfSigned(work.resolve("browser-tls.p12"));
        redis = RedisServers.standalone();
        Map<String, String> common = Map.of("sessionfilter.redis.url", redis.url(),
                "sessionfilter.keysetFile", Path.of("insecure-dev-keyset.json").toAbsolutePath().toString());
        Path home = Path.of(System.getProperty("tomcat11.home"));
        a = ContainerProcess.tomcat(home, work, "browser-a", RedisServers.freePort(), war, "",
                ContainersIT.with(common, "browser-a"),
                new ContainerProcess.Tls(RedisServers.freePort(), keystore, ContainerProcess.TLS_PASSWORD));
        b = ContainerProcess.tomcat(home, work, "browser-b", RedisServers.freePort(), war, "",
                ContainersIT.with(common, "browser-b"),
                new ContainerProcess.Tls(RedisServers.freePort(), keystore, ContainerProcess.TLS_PASSWORD));
        List<CompletableFuture<ContainerProcess>> started = new ArrayList<>();
        for (ContainerProcess c : List.of(a, b)) {
            started.add(CompletableFuture.supplyAsync(() -> c.awaitStarted(Duration.ofSeconds(180))));
        }
        started.forEach(CompletableFuture::join);
    }

    @AfterAll
    static void stop() {
        ContainersIT.closeAll(redis, a, b);
    }

    @ParameterizedTest
    @ValueSource(strings = {"http", "https"})
    void loginOnACartOnBSeenOnALogoutAndLogoutEverywhere(String scheme) throws Exception {
        boolean https = scheme.equals("https");
        String cookieName = https ? "__Host-SESSION" : "SESSION";
        try (Jedis j = redis.jedis()) {
            j.keys("*:rl:*").forEach(j::del); // the sample allows 5 logins a minute per client
        }
        Steps steps = new Steps(scheme);
        ChromeDriver chromium = chromium(work.resolve("chromium-profile-" + scheme));
        try {
            // 1. anonymous on A: a page view makes no session, the browser holds no cookie
            chromium.get(url(a, https, "/"));
            steps.shot(chromium, "anonymous-on-A");
            assertEquals("browser-a", text(chromium, "instance"), chromium.getPageSource());
            assertEquals(Set.of(), chromium.manage().getCookies(), "no cookie before a session exists");

            // 2. log in on A through the form
            chromium.findElement(By.name("user")).sendKeys("ann");
            submit(chromium, "login");
            await(chromium, d -> !d.findElements(By.id("user")).isEmpty());
            steps.shot(chromium, "logged-in-on-A");
            assertEquals("ann", text(chromium, "user"));
            Cookie kept = chromium.manage().getCookieNamed(cookieName);
            assertNotNull(kept, "the browser kept " + cookieName + ": " + chromium.manage().getCookies());
            assertEquals(1, chromium.manage().getCookies().size(), chromium.manage().getCookies().toString());
            assertTrue(kept.isHttpOnly(), kept.toString());
            assertEquals(https, kept.isSecure(), kept.toString());
            assertEquals("Lax", kept.getSameSite(), kept.toString());
            assertEquals("/", kept.getPath(), kept.toString());
            assertEquals("localhost", kept.getDomain(), "host-only, no Domain: " + kept);
            assertNull(kept.getExpiry(), "a session cookie, gone with the browser: " + kept);
            steps.note("the browser kept " + describe(kept));

            // 3. B: the same cookie (cookies ignore the port) finds the same session; add to the cart there
            chromium.get(url(b, https, "/"));
            assertEquals("browser-b", text(chromium, "instance"));
            assertEquals("ann", text(chromium, "user"), "logged in on B too");
            chromium.findElement(By.name("item")).sendKeys("tea");
            submit(chromium, "cart");
            await(chromium, d -> d.findElement(By.id("cart")).getText().contains("tea x 1"));
            steps.shot(chromium, "cart-on-B");
            assertEquals(kept.getValue(), chromium.manage().getCookieNamed(cookieName).getValue(),
                    "adding to the cart keeps the session id");

            // 4. back on A: the cart written on B
            chromium.get(url(a, https, "/"));
            steps.shot(chromium, "cart-seen-on-A");
            assertEquals("browser-a", text(chromium, "instance"));
            assertTrue(chromium.findElement(By.id("cart")).getText().contains("tea x 1"), chromium.getPageSource());

            // 5. log out on A: the browser drops the cookie, B sees nobody
            submit(chromium, "logout");
            await(chromium, d -> !d.findElements(By.name("user")).isEmpty());
            steps.shot(chromium, "logged-out-on-A");
            assertNull(chromium.manage().getCookieNamed(cookieName), "the cookie is cleared in the browser: "
                    + chromium.manage().getCookies());
            chromium.get(url(b, https, "/"));
            steps.shot(chromium, "logged-out-seen-on-B");
            assertFalse(chromium.getPageSource().contains("id=\"user\""), chromium.getPageSource());
            assertEquals("", chromium.findElement(By.id("cart")).getText());

            // 6. log in again on B, and as the same user from another device; "log out all my sessions" in the
            // browser ends both, on every instance
            chromium.findElement(By.name("user")).sendKeys("ann");
            submit(chromium, "login");
            await(chromium, d -> !d.findElements(By.id("user")).isEmpty());
            Browser phone = new Browser();
            assertEquals(302, phone.post(a.url("/login"), "user=ann").status());
            assertTrue(phone.get(b.url("/")).body().contains("<b id=\"user\">ann</b>"));
            steps.shot(chromium, "logged-in-again-on-B");
            chromium.findElement(By.id("logout-everywhere")).click();
            await(chromium, d -> !d.findElements(By.name("user")).isEmpty());
            steps.shot(chromium, "logged-out-everywhere");
            for (ContainerProcess c : List.of(a, b)) {
                assertTrue(phone.get(c.url("/")).body().contains("Log in"), "the other device is logged out on " + c);
                chromium.get(url(c, https, "/"));
                assertFalse(chromium.getPageSource().contains("id=\"user\""), c + ": " + chromium.getPageSource());
            }
        } finally {
            chromium.quit();
            steps.write();
        }
    }

    static String url(ContainerProcess c, boolean https, String path) {
        return https ? c.httpsUrl(path) : c.url(path).replace("127.0.0.1", "localhost");
    }

    static String text(ChromeDriver d, String id) {
        return d.findElement(By.id(id)).getText();
    }

    static void submit(ChromeDriver d, String action) {
        WebElement form = d.findElement(By.cssSelector("form[action='" + action + "']"));
        form.findElement(By.tagName("button")).click();
    }

    static void await(ChromeDriver d, Predicate<ChromeDriver> condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (condition.test(d)) {
                    return;
                }
            } catch (RuntimeException e) {
                // the page is being replaced
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the page did not get there: " + d.getCurrentUrl() + "\n" + d.getPageSource());
    }

    static String describe(Cookie c) {
        return c.getName() + " (Domain " + c.getDomain() + ", Path " + c.getPath() + ", Secure " + c.isSecure()
                + ", HttpOnly " + c.isHttpOnly() + ", SameSite " + c.getSameSite() + ", expires "
                + (c.getExpiry() == null ? "with the session" : c.getExpiry()) + ", value of " + c.getValue().length()
                + " characters)";
    }

    /** Headless Chromium with a fresh profile, no background traffic (the network here is closed). */
    static ChromeDriver chromium(Path profile) throws IOException {
        Files.createDirectories(profile);
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1000,720", "--user-data-dir=" + profile.toAbsolutePath(),
                // the self-signed test certificate; what a browser does with cookies is unchanged by it
                "--ignore-certificate-errors");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        ChromeDriver d = new ChromeDriver(service, o);
        d.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(20));
        return d;
    }

    /** Screenshots of each step, and a text file of what the browser kept. */
    static final class Steps {
        final Path dir;
        final List<String> lines = new ArrayList<>();
        int n;

        Steps(String scheme) throws IOException {
            dir = Path.of("target/browser-screenshots", scheme);
            Files.createDirectories(dir);
        }

        void shot(ChromeDriver d, String name) {
            String file = String.format("%02d-%s.png", ++n, name);
            try {
                Files.write(dir.resolve(file), d.getScreenshotAs(OutputType.BYTES));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            note(file + ": " + d.getCurrentUrl());
        }

        void note(String line) {
            lines.add(line);
            System.out.println("[browser " + dir.getFileName() + "] " + line);
        }

        void write() throws IOException {
            Files.write(dir.resolve("steps.txt"), lines);
        }
    }
}
