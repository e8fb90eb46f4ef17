package dev.sluice.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium, driven through Debian's {@code /usr/bin/chromedriver} (never a downloaded browser).
 * Tests that need it are skipped, with a message, only when chromedriver is not installed.
 */
public final class Browser implements AutoCloseable {
  public static final Path CHROMEDRIVER = Path.of(System.getProperty("sluice.chromedriver", "/usr/bin/chromedriver"));
  public static final Path CHROMIUM = Path.of(System.getProperty("sluice.chromium", "/usr/bin/chromium"));
  /** Screenshots go to the repository's docs/images, so the README shows the console as it is. */
  public static final Path IMAGES = Path.of("..").toAbsolutePath().normalize().resolve("docs/images");
  public static final Dimension DESKTOP = new Dimension(1280, 800);
  public static final Dimension PHONE = new Dimension(390, 844);

  private final ChromeDriver driver;
  private final String base;

  private Browser(ChromeDriver driver, String base) {
    this.driver = driver;
    this.base = base;
  }

  /** A fresh browser (its own profile: no cookies) showing pages of {@code base} at {@code size}. */
  public static Browser open(String base, Dimension size) {
    Assumptions.assumeTrue(Files.isExecutable(CHROMEDRIVER),
        "Browser tests skipped: " + CHROMEDRIVER + " is missing (Debian: apt-get install chromium chromium-driver)");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
    ChromeOptions options = new ChromeOptions();
    if (Files.isExecutable(CHROMIUM)) {
      options.setBinary(CHROMIUM.toFile());
    }
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--no-first-run", "--disable-extensions", "--disable-background-networking", "--disable-sync",
        "--disable-component-update", "--lang=en-GB", "--force-device-scale-factor=1",
        "--window-size=" + size.getWidth() + "," + size.getHeight());
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    Browser browser = new Browser(driver, base.endsWith("/") ? base.substring(0, base.length() - 1) : base);
    browser.resize(size);
    return browser;
  }

  /** Sets the viewport (not the window) to size, as a phone or a desktop screen shows the page. */
  public void resize(Dimension size) {
    driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", java.util.Map.of(
        "width", size.getWidth(), "height", size.getHeight(), "deviceScaleFactor", 1, "mobile", size.getWidth() < 600));
  }

  public ChromeDriver driver() {
    return driver;
  }

  public String base() {
    return base;
  }

  public void go(String path) {
    driver.get(base + path);
  }

  public WebElement find(String css) {
    return driver.findElement(By.cssSelector(css));
  }

  public List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  /** Waits (up to 20 s) until an element matching css is visible, and returns it. */
  public WebElement waitFor(String css) {
    return new WebDriverWait(driver, Duration.ofSeconds(20))
        .until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector(css)));
  }

  /** Waits until the console has rendered the first view of page (it sets body[data-rendered]). */
  public void waitForPage(String page) {
    try {
      new WebDriverWait(driver, Duration.ofSeconds(20))
          .until(d -> page.equals(d.findElement(By.tagName("body")).getAttribute("data-rendered")));
    } catch (org.openqa.selenium.TimeoutException e) {
      String text = driver.findElement(By.tagName("body")).getText();
      throw new AssertionError("page '" + page + "' not rendered; the browser is at " + driver.getCurrentUrl()
          + " showing: " + text.substring(0, Math.min(600, text.length())), e);
    }
  }

  public Object script(String js, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(js, args);
  }

  public Object asyncScript(String js, Object... args) {
    return ((JavascriptExecutor) driver).executeAsyncScript(js, args);
  }

  /** The page as it is now: its DOM serialised, including the values of form fields. */
  public String dom() {
    return (String) script("document.querySelectorAll('input').forEach(i => i.setAttribute('value', i.value));"
        + "return document.documentElement.outerHTML;");
  }

  /** Signs in with the local user form and waits for the models page. */
  public void signIn(String user, String password) {
    go("/console/login");
    waitFor("#username").sendKeys(user);
    find("#password").sendKeys(password);
    find("#sign-in").click();
    waitForPage("models");
  }

  /** Saves the viewport as docs/images/{name}.png (the full page height, as far as it goes). */
  public Path screenshot(String name) throws IOException {
    Files.createDirectories(IMAGES);
    Path file = IMAGES.resolve(name + ".png");
    Files.write(file, driver.getScreenshotAs(OutputType.BYTES));
    return file;
  }

  @Override
  public void close() {
    driver.quit();
  }
}
