using System.Text.Json;
using Microsoft.Playwright;

namespace Traceability.IntegrationTests;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, installed by <c>infra.sh browser</c>) driven by Playwright, one browser
/// per fixture. Playwright's own browser download cannot work on a machine that reaches only package registries.
/// </summary>
internal sealed class BrowserSession : IAsyncDisposable
{
    public const string Chromium = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly string _axe;

    private BrowserSession(IPlaywright playwright, IBrowser browser, string axe)
    {
        _playwright = playwright;
        Browser = browser;
        _axe = axe;
    }

    public IBrowser Browser { get; }

    /// <summary>Where each page's screenshot goes: a test artefact under .local/ (test.sh clears it at every run).</summary>
    public static string ScreenshotDirectory => Path.Combine(Infrastructure.RepositoryRoot, ".local", "test-results", "screenshots");

    public static async Task<BrowserSession> LaunchAsync()
    {
        Assert.That(File.Exists(Chromium), Is.True, $"{Chromium} is missing: run `bash infra/local/infra.sh browser` (Debian's chromium package).");
        var axe = Environment.GetEnvironmentVariable("TRACEABILITY_AXE_SCRIPT") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Infrastructure.RepositoryRoot, ".local", "browser", "node_modules", "axe-core", "axe.min.js");
        Assert.That(File.Exists(axe), Is.True, $"{axe} is missing: run `bash infra/local/infra.sh browser` (axe-core from npm).");
        // Playwright's expectations wait 5 s by default; a slow or busy 2-core CI machine can take longer than that to render
        // a page the first time (JIT, a cold htmx round trip to two services). They still fail, later, when the page is wrong.
        Assertions.SetDefaultExpectTimeout(20_000);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // The machine reaches only package registries: no background calls home, no component updates.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
        });
        return new BrowserSession(playwright, browser, await File.ReadAllTextAsync(axe));
    }

    /// <summary>A fresh browser profile (no cookies): one person at one browser.</summary>
    public Task<IBrowserContext> NewPersonAsync(string locale = "en-GB") =>
        Browser.NewContextAsync(new BrowserNewContextOptions { Locale = locale, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });

    /// <summary>
    /// Runs axe-core in the page (evaluated through the DevTools protocol, so the page's Content-Security-Policy,
    /// which admits no inline script, stays as it is) and fails on any serious or critical violation.
    /// </summary>
    public async Task AssertAccessibleAsync(IPage page, string what)
    {
        await page.EvaluateAsync(_axe);
        var result = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] });
              return r.violations.map(v => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }));
            }
            """);
        var serious = result.EnumerateArray()
            .Where(v => v.GetProperty("impact").GetString() is "serious" or "critical")
            .Select(v => $"{v.GetProperty("id").GetString()} ({v.GetProperty("impact").GetString()}): {v.GetProperty("help").GetString()} at {string.Join(", ", v.GetProperty("targets").EnumerateArray().Select(t => t.GetString()))}")
            .ToList();
        Assert.That(serious, Is.Empty, $"axe-core found serious or critical violations on {what} ({page.Url})");
    }

    /// <summary>A full-page screenshot under .local/test-results/screenshots/, attached to the test's results.</summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path, name);
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
