using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Emulator;
using Orchestrator.Hosting.Client;
using Orchestrator.Messages.Conversations;
using Xunit;

namespace Orchestrator.Example.Tests;

/// <summary>The example app, started as it is shipped (against the emulator, in a fresh data directory), driven through the facade.</summary>
public sealed class ExampleAppSpec : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _data = Path.Combine(Path.GetTempPath(), $"orchestrator-example-{Guid.NewGuid():N}");
    private EmulatorServer _emulator = null!;
    private WebApplication _app = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorServer.StartAsync(new EmulatorOptions());
        _app = ExampleApp.Create([$"--Endpoint={_emulator.ResponsesUrl}", $"--DataDirectory={_data}", "--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
        await _app.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _emulator.DisposeAsync();
        Directory.Delete(_data, recursive: true);
    }

    [Fact]
    public async Task One_conversation_through_the_facade_calls_both_tools_and_completes()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var orchestrator = _app.Services.GetRequiredService<IOrchestratorClient>();
        var id = await orchestrator.StartConversationAsync(model: "gpt-example", instructions: "Answer shoppers.", cancellationToken: timeout.Token);

        var updates = new List<ConversationUpdate>();
        await foreach (var update in orchestrator.SendAsync(id, "where is my order, and what does shipping cost? tools:2", cancellationToken: timeout.Token)) updates.Add(update);

        var completed = Assert.IsType<TurnCompleted>(updates[^1]);
        Assert.Contains("calls=2 outputs=2 missing=0 duplicates=0", completed.Text);
        var finished = updates.OfType<ToolCallFinished>().ToList();
        Assert.Equal(["order_status", "shipping_quote"], finished.Select(f => f.Name).Order());
        Assert.All(finished, f => Assert.False(f.IsError, f.Output));
        Assert.Equal(1, _app.Services.GetRequiredService<OrderBook>().Lookups);

        var conversation = await orchestrator.GetAsync(id, timeout.Token);
        Assert.Equal(("gpt-example", "Answer shoppers.", "Idle"), (conversation!.Model, conversation.Instructions, conversation.Status.Phase));
        Assert.Null(await orchestrator.GetAsync("never-used", timeout.Token));
        Assert.False(await orchestrator.CancelTurnAsync(id, timeout.Token));
    }

    [Fact]
    public async Task The_ask_endpoint_answers_over_http()
    {
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var http = new HttpClient { BaseAddress = new Uri(address), Timeout = Timeout };
        using var response = await http.PostAsJsonAsync("/ask", new AskRequest("hello"));
        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync<AskResponse>();
        Assert.False(string.IsNullOrWhiteSpace(answer!.Answer));
        Assert.Empty(answer.Tools);
    }
}
