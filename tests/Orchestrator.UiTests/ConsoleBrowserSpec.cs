using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Orchestrator.UiTests.Support;
using Xunit;
using static Microsoft.Playwright.Assertions;

namespace Orchestrator.UiTests;

/// <summary>
/// The operator console in a real browser (Debian's chromium, headless) against a real <c>serve</c> with the embedded
/// emulator, an API token and demo tools that take 1.5 s each. Every wait is Playwright's own (an expectation polled
/// until it holds or its timeout ends), never a sleep.
/// </summary>
public sealed partial class ConsoleBrowserSpec(ConsoleBrowser browser) : IClassFixture<ConsoleBrowser>
{
    private static readonly LocatorAssertionsToHaveCountOptions Long = new() { Timeout = 30_000 };

    [ChromiumFact]
    public async Task With_a_token_set_the_page_asks_for_it_and_the_api_refuses_without_it()
    {
        using var anonymous = new HttpClient { BaseAddress = browser.Node.Address };
        foreach (var path in new[] { "/v1/console/conversations", "/v1/console/node", "/v1/console/conversations/x/timeline", "/v1/conversations/x" })
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/ui/")).StatusCode);

        var page = await browser.NewPageAsync(withToken: false);
        await page.GotoAsync("/ui/");
        var dialog = page.Locator("#token-dialog");
        await Expect(dialog).ToBeVisibleAsync();
        await page.FillAsync("#token-input", "not-the-token");
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#token-error")).ToContainTextAsync("refused");
        await page.FillAsync("#token-input", ConsoleNode.Token);
        await page.Keyboard.PressAsync("Enter");
        await Expect(dialog).ToBeHiddenAsync();
        await Expect(page.Locator("table.list caption")).ToBeVisibleAsync();
        Assert.Equal(ConsoleNode.Token, await page.EvaluateAsync<string>($"sessionStorage.getItem('{ConsoleBrowser.TokenKey}')"));
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task A_conversation_posted_through_the_api_appears_in_the_list()
    {
        var ids = new[] { "support-7f3a91", "billing-2c88e0", "onboarding-a-very-long-conversation-id-that-does-not-fit-its-column-0123456789" };
        foreach (var id in ids) await browser.Node.PostAsync(id, "hello");

        var page = await browser.NewPageAsync(withToken: true);
        await page.GotoAsync("/ui/");
        foreach (var id in ids) await Expect(page.Locator($"tr[data-id='{id}']")).ToBeVisibleAsync();

        await page.FillAsync("#search", "bill");
        await Expect(page.Locator("tr[data-id]")).ToHaveCountAsync(1);
        await Expect(page.Locator("tr[data-id='billing-2c88e0'] td").Nth(3)).Not.ToHaveTextAsync("—");

        await page.FillAsync("#search", "");
        await Expect(page.Locator("tr[data-id]")).Not.ToHaveCountAsync(1);
        await ConsoleBrowser.ScreenshotAsync(page, "console-conversations.png");

        await page.Locator("tr[data-id='support-7f3a91'] a").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("h1.id")).ToHaveTextAsync("support-7f3a91");
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task While_a_turn_runs_its_tool_calls_appear_as_bars_and_finish()
    {
        const string id = "tools-live-1";
        var page = await OpenFollowingAsync(id);

        await browser.Node.PostAsync(id, "compare cities tools:3");

        await Expect(page.Locator("#live-bars .bar[data-state='running']")).ToHaveCountAsync(3, Long);
        await Expect(page.Locator("#live-bars .bar[data-state='ok']")).ToHaveCountAsync(3, Long);
        await Expect(page.Locator("#live-state")).ToContainTextAsync("Turn completed", new() { Timeout = 30_000 });
        await Expect(page.Locator("#timeline .bar[data-state='ok']")).ToHaveCountAsync(3, Long);
        var durations = await page.Locator("#timeline .bar .duration").AllTextContentsAsync();
        Assert.All(durations, d => Assert.Matches(DurationPattern(), d));
        await Expect(page.Locator("#timeline .sent").First).ToHaveTextAsync(new Regex("continued|full send|full resend"));
        await ConsoleBrowser.ScreenshotAsync(page, "console-conversation.png");
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task A_message_posted_from_the_page_runs()
    {
        const string id = "from-the-page-1";
        var page = await OpenFollowingAsync(id);

        await page.FillAsync("#message", "convert units tools:2");
        await page.ClickAsync("button[type='submit']");

        await Expect(page.Locator("#timeline .user")).ToContainTextAsync("convert units tools:2");
        await Expect(page.Locator("#timeline .answer")).ToContainTextAsync("calls=2 outputs=2 missing=0", new() { Timeout = 30_000 });
        var state = await browser.Node.StateAsync(id);
        Assert.Contains("calls=2", state.GetProperty("last_answer").GetString(), StringComparison.Ordinal);
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task The_page_cancels_a_running_turn_and_deletes_only_after_confirmation()
    {
        const string id = "cancel-and-delete-1";
        var page = await OpenFollowingAsync(id);
        await browser.Node.PostAsync(id, "weather tools:2");
        await Expect(page.Locator("#live-bars .bar[data-state='running']")).ToHaveCountAsync(2, Long);

        await page.ClickAsync("#cancel-turn");
        await Expect(page.Locator("#live-state")).ToContainTextAsync("Turn failed", new() { Timeout = 30_000 });

        await page.ClickAsync("#delete");
        await Expect(page.Locator("#confirm-dialog")).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#confirm-dialog")).ToBeHiddenAsync();
        Assert.Equal(HttpStatusCode.OK, (await browser.Node.Http.GetAsync($"/v1/conversations/{id}")).StatusCode);

        await page.ClickAsync("#delete");
        await page.ClickAsync("#confirm-dialog button[value='delete']");
        await Expect(page.Locator("table.list caption")).ToBeVisibleAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await browser.Node.Http.GetAsync($"/v1/conversations/{id}")).StatusCode);
        await page.Context.CloseAsync();
    }

    [ChromiumFact]
    public async Task The_node_view_shows_members_shards_and_the_engines_meters()
    {
        await browser.Node.PostAsync("node-view-1", "weather tools:2");
        var page = await browser.NewPageAsync(withToken: true);
        await page.GotoAsync("/ui/#/node");

        await Expect(page.Locator("#members tbody tr").First).ToContainTextAsync("Up");
        await Expect(page.Locator("#members tbody tr").First).ToContainTextAsync("this node");
        await Expect(page.Locator("#shards tbody tr")).ToHaveCountAsync(1);
        await Expect(page.Locator("#gauges .tile", new() { HasText = "turns" }).First.Locator(".tile-value")).ToHaveTextAsync(new Regex("^[1-9][0-9]*$"), new() { Timeout = 30_000 });
        await Expect(page.Locator("svg.chart polyline").First).ToBeVisibleAsync();
        await ConsoleBrowser.ScreenshotAsync(page, "console-node.png");
        await page.Context.CloseAsync();
    }

    /// <summary>A new conversation's page, once it follows the event stream (the node has subscribed it).</summary>
    private async Task<IPage> OpenFollowingAsync(string id)
    {
        await browser.Node.CreateAsync(id);
        var page = await browser.NewPageAsync(withToken: true);
        await page.GotoAsync($"/ui/#/c/{id}");
        await Expect(page.Locator("#live-state")).ToContainTextAsync("Following the event stream");
        return page;
    }

    [GeneratedRegex(@"^\d+(\.\d)? m?s ✓$")]
    private static partial Regex DurationPattern();
}
