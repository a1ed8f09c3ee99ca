using Microsoft.Playwright;
using Xunit;

namespace Orchestrator.UiTests.Support;

/// <summary>
/// The browser tests' shared parts: one <see cref="ConsoleNode"/> and one headless chromium, started when the first
/// test of the class runs (so not at all when the tests are skipped), and stopped after the last.
/// </summary>
public sealed class ConsoleBrowser : IAsyncLifetime
{
    public const string TokenKey = "orchestrator.console.token";

    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private ConsoleNode? _node;

    public ConsoleNode Node => _node ?? throw new InvalidOperationException("chromium is missing: the browser tests are skipped");

    public async Task InitializeAsync()
    {
        if (Chromium.SkipReason is not null) return;
        _node = await ConsoleNode.StartAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium.Path,
            Headless = true,
            // Root in a container has no user namespace for chromium's sandbox; /dev/shm may be small there.
            Args = ["--no-sandbox", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A page in a context of its own (a browser tab's session storage); with the token stored, as after entering it once.</summary>
    public async Task<IPage> NewPageAsync(bool withToken)
    {
        var context = await _browser!.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Node.Address.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
        });
        context.SetDefaultTimeout(20_000);
        if (withToken) await context.AddInitScriptAsync($"sessionStorage.setItem('{TokenKey}', '{ConsoleNode.Token}')");
        return await context.NewPageAsync();
    }

    /// <summary>
    /// Saves a screenshot: into the repository's <c>docs/</c> when <c>ORCHESTRATOR_UI_SCREENSHOTS=1</c> (how the committed
    /// ones are made), otherwise beside the test's binaries, so that a test run leaves the working tree as it was.
    /// </summary>
    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var directory = Environment.GetEnvironmentVariable("ORCHESTRATOR_UI_SCREENSHOTS") == "1"
            ? Path.Combine(RepositoryRoot(), "docs")
            : Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name), FullPage = true });
    }

    private static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "Orchestrator.sln"))) return d.FullName;
        throw new InvalidOperationException("ORCHESTRATOR_UI_SCREENSHOTS=1 writes into the repository's docs/, but no Orchestrator.sln is above the test binaries");
    }

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_node is not null) await _node.DisposeAsync();
    }
}
