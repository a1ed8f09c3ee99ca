using System.Net;
using System.Net.Http.Json;
using Akka.Actor;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Hosting;
using Orchestrator.Http;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>The API mapped into an ASP.NET Core app of one's own, beside a running node.</summary>
public sealed class EmbeddedApiSpec : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http = new() { Timeout = Timeout };
    private EmulatorAndJournal _ground = null!;
    private OrchestratorNode _node = null!;
    private WebApplication _app = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        _ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions());
        _node = await _ground.StartNodeAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddOrchestratorApi(new ApiOptions());
        _app = builder.Build();
        _app.MapGet("/", () => "the app's own endpoint");
        _app.MapOrchestratorApi(_node.Services.GetRequiredService<ActorSystem>(), _node.Services.GetRequiredService<ActorRegistry>().Get<ConversationRegion>(), _node.Client);
        await _app.StartAsync();
        _address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _node.DisposeAsync();
        await _ground.DisposeAsync();
    }

    [Fact]
    public async Task A_message_posted_to_the_apps_own_endpoints_streams_its_turn_to_the_end()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using (var created = await _http.PostAsJsonAsync(new Uri(_address, "/v1/conversations"), new { id = "embedded-1" }, timeout.Token))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        await using var events = await SseClient.ConnectAsync(_http, new Uri(_address, "/v1/conversations/embedded-1/events"), null, timeout.Token);
        using (var posted = await _http.PostAsJsonAsync(new Uri(_address, "/v1/conversations/embedded-1/messages"), new { text = "hello" }, timeout.Token))
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        var seen = await events.ReadUntilAsync(e => e.Type is "turn.completed" or "turn.failed", timeout.Token);

        Assert.Equal("turn.completed", seen[^1].Type);
        Assert.Contains(seen, e => e.Type == "text.delta");
        Assert.Equal("the app's own endpoint", await _http.GetStringAsync(_address, timeout.Token));
    }
}
