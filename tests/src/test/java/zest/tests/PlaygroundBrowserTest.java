package zest.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import zest.diffusion.serve.PlaygroundServer;

/**
 * The playground in a real headless Chromium (Debian's chromium + chromedriver, driven by Selenium; nothing is
 * downloaded): paint two segments, describe them, generate with sd-tiny, see the image and the attention maps, compare
 * with the unguided run; cancel a run; an invalid input shows its error. Skipped when the browser is not installed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PlaygroundBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium"), CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static PlaygroundServer server;
    static PlaygroundClient client;
    static ChromeDriver driver;
    static Path userData;
    static String guidedRun;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "browser test skipped: needs " + CHROMIUM + " and " + CHROMEDRIVER + " (apt-get install chromium chromium-driver)");
        server = PlaygroundServer.start(PlaygroundClient.model(), "sd-tiny", PlaygroundServer.Options.defaults().withPort(0));
        client = new PlaygroundClient(server.uri());
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        userData = Files.createTempDirectory("zest-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--user-data-dir=" + userData, "--window-size=1500,1900");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1500, 1900));
        driver.get(server.uri().toString());
        waitFor(10).until(d -> "true".equals(d.findElement(By.tagName("body")).getDomAttribute("data-ready")));
    }

    @AfterAll
    static void stop() throws IOException {
        if (driver != null) driver.quit();
        if (server != null) server.close();
        if (userData != null) {
            try (var files = Files.walk(userData)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static WebDriverWait waitFor(int seconds) { return new WebDriverWait(driver, Duration.ofSeconds(seconds), Duration.ofMillis(100)); }

    static void setValue(String id, String value) {
        WebElement e = driver.findElement(By.id(id));
        e.clear();
        e.sendKeys(value);
    }

    static void select(String id, String value) {
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id(id))).selectByValue(value);
    }

    /** Paints zig-zag strokes over a region given in fractions of the canvas. */
    static void paint(double x0, double y0, double x1, double y1) {
        WebElement canvas = driver.findElement(By.id("canvas"));
        org.openqa.selenium.Rectangle r = canvas.getRect();
        int w = r.getWidth(), h = r.getHeight();
        Actions a = new Actions(driver);
        // offsets are from the element's centre
        a.moveToElement(canvas, (int) ((x0 - 0.5) * w), (int) ((y0 - 0.5) * h)).clickAndHold();
        int rows = 8;
        for (int i = 0; i <= rows; i++) {
            double y = y0 + (y1 - y0) * i / rows;
            a.moveToElement(canvas, (int) (((i % 2 == 0 ? x1 : x0) - 0.5) * w), (int) ((y - 0.5) * h));
        }
        a.release().perform();
    }

    static String generateAndWait(String previousRun) {
        driver.findElement(By.id("generate")).click();
        waitFor(60).until(d -> {
            WebElement img = d.findElement(By.id("result-image"));
            String run = img.getDomAttribute("data-run");
            return img.isDisplayed() && run != null && !run.equals(previousRun) && !driver.findElement(By.id("generate")).getDomProperty("disabled").equals("true");
        });
        assertTrue(driver.findElement(By.id("error")).getText().isEmpty(), driver.findElement(By.id("error")).getText());
        return driver.findElement(By.id("result-image")).getDomAttribute("data-run");
    }

    static BufferedImage runImage(String id) throws IOException {
        var r = client.get("/api/runs/" + id + "/image.png");
        assertEquals(200, r.status());
        return ImageIO.read(new ByteArrayInputStream(r.body()));
    }

    @Test
    @Order(1)
    void paintTwoSegmentsGenerateAndCompareWithTheUnguidedRun() throws Exception {
        List<WebElement> texts = driver.findElements(By.cssSelector("#segments .seg-text"));
        assertEquals(2, texts.size(), "the page starts with two segments");
        setValue("prompt", "a red apple and a blue cup on a wooden table");
        setValue("steps", "4");
        setValue("seed", "42");
        setValue("tau", "1");
        select("guidance", "zest");

        driver.findElements(By.cssSelector("#segments .swatch")).get(0).click();
        paint(0.05, 0.05, 0.45, 0.95);
        driver.findElements(By.cssSelector("#segments .swatch")).get(1).click();
        paint(0.6, 0.3, 0.95, 0.7);
        texts = driver.findElements(By.cssSelector("#segments .seg-text"));
        texts.get(0).sendKeys("a red apple");
        texts.get(1).sendKeys("a blue cup");
        String cov0 = driver.findElements(By.cssSelector("#segments .seg-coverage")).get(0).getText();
        assertNotEquals("0%", cov0, "the strokes painted segment 1");

        String guided = generateAndWait(null);
        guidedRun = guided;
        List<WebElement> maps = driver.findElements(By.cssSelector("#maps img.map"));
        assertEquals(2, maps.size(), "one attention map per segment");
        assertEquals("final", driver.findElement(By.id("maps")).getDomAttribute("data-kind"));
        assertTrue(driver.findElement(By.id("loss-label")).getText().startsWith("4 steps"), driver.findElement(By.id("loss-label")).getText());
        assertTrue(driver.findElement(By.id("status")).getText().startsWith("done"), driver.findElement(By.id("status")).getText());
        Boolean loaded = (Boolean) ((JavascriptExecutor) driver).executeScript(
                "const i = document.getElementById('result-image'); return i.complete && i.naturalWidth === 128;");
        assertTrue(loaded, "the result image loaded in the page");

        select("guidance", "none");
        String plain = generateAndWait(guided);
        BufferedImage a = runImage(guided), b = runImage(plain);
        int differing = 0;
        for (int y = 0; y < 128; y++) for (int x = 0; x < 128; x++) if (a.getRGB(x, y) != b.getRGB(x, y)) differing++;
        assertTrue(differing > 128 * 128 / 10, "ZestGuide changed the image: " + differing + " pixels differ");

        // history: both runs; tick both to compare side by side
        waitFor(10).until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#history .card"), 2));
        for (WebElement cb : driver.findElements(By.cssSelector("#history .compare-box"))) cb.click();
        waitFor(5).until(d -> d.findElement(By.id("compare")).isDisplayed());
        assertTrue(driver.findElements(By.cssSelector("#compare-table tr.diff")).size() >= 1, "the guidance differs");
        // show the guided run again for the screenshot
        driver.findElement(By.cssSelector("#history .card[data-run='" + guided + "'] button:nth-of-type(2)")).click();
        waitFor(10).until(d -> guided.equals(d.findElement(By.id("result-image")).getDomAttribute("data-run")));
        Thread.sleep(300);
        Path shot = buildDir().resolve("playground-screenshot.png");
        Files.write(shot, driver.getScreenshotAs(OutputType.BYTES));
        System.out.println("screenshot: " + shot);
    }

    @Test
    @Order(2)
    void reloadingARunRestoresItsSettings() {
        assumeTrue(guidedRun != null, "needs the guided run of the first test");
        setValue("steps", "17");
        select("guidance", "none");
        driver.findElement(By.cssSelector("#history .card[data-run='" + guidedRun + "'] button:first-of-type")).click(); // "Load"
        waitFor(10).until(d -> d.findElement(By.id("status")).getText().startsWith("loaded the settings"));
        assertEquals("zest", new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("guidance"))).getFirstSelectedOption().getDomAttribute("value"));
        assertEquals("4", driver.findElement(By.id("steps")).getDomProperty("value"));
        assertEquals("a red apple", driver.findElements(By.cssSelector("#segments .seg-text")).get(0).getDomProperty("value"));
        assertNotEquals("0%", driver.findElements(By.cssSelector("#segments .seg-coverage")).get(1).getText(), "the layout came back");
    }

    @Test
    @Order(3)
    void cancelStopsARunMidway() {
        select("guidance", "none");
        setValue("steps", "150");
        driver.findElement(By.id("generate")).click();
        waitFor(30).until(d -> d.findElement(By.id("status")).getText().startsWith("step ") && !d.findElement(By.id("status")).getText().startsWith("step 0/"));
        driver.findElement(By.id("cancel")).click();
        waitFor(30).until(d -> d.findElement(By.id("status")).getText().equals("cancelled"));
        assertEquals("true", String.valueOf(driver.findElement(By.id("cancel")).getDomProperty("disabled")));
        assertEquals(null, driver.findElement(By.id("generate")).getDomAttribute("disabled"));
    }

    @Test
    @Order(4)
    void anInvalidInputShowsItsError() {
        setValue("steps", "999");
        driver.findElement(By.id("generate")).click();
        waitFor(10).until(d -> d.findElement(By.id("error")).isDisplayed());
        assertTrue(driver.findElement(By.id("error")).getText().contains("steps must be in 1..150"), driver.findElement(By.id("error")).getText());
        setValue("steps", "4");
    }

    @Test
    @Order(5)
    void exampleLayoutsAndUploadedColorMapsBecomeSegments() throws Exception {
        select("examples", "Dog on a sofa");
        List<WebElement> texts = driver.findElements(By.cssSelector("#segments .seg-text"));
        assertEquals(3, texts.size());
        assertEquals("a sofa", texts.get(0).getDomProperty("value"));
        assertTrue(driver.findElement(By.id("prompt")).getDomProperty("value").contains("dog"));

        BufferedImage map = new BufferedImage(128, 128, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 128; y++) for (int x = 0; x < 128; x++) map.setRGB(x, y, y < 50 ? 0x3366cc : x < 64 ? 0xffffff : 0x22aa44);
        Path file = buildDir().resolve("playground-upload.png");
        ImageIO.write(map, "png", file.toFile());
        driver.findElement(By.id("upload")).sendKeys(file.toAbsolutePath().toString());
        waitFor(10).until(d -> d.findElement(By.id("status")).getText().startsWith("layout loaded: 2 colors"));
        List<WebElement> swatches = driver.findElements(By.cssSelector("#segments li"));
        assertEquals(2, swatches.size());
        assertEquals("#3366cc", swatches.get(0).getDomAttribute("data-color"), "the larger region comes first");
    }

    /** The module's build folder (target, or the -Dzest.buildDir one): the parent of test-classes. */
    static Path buildDir() throws URISyntaxException {
        return Path.of(PlaygroundBrowserTest.class.getProtectionDomain().getCodeSource().getLocation().toURI()).getParent();
    }
}
