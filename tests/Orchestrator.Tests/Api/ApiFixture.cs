using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Orchestrator.Actors.Tools;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Http;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>
/// One node (SQLite journal, emulator model) shared by the API specs, served twice: <see cref="Open"/> without a
/// token and <see cref="Secured"/> with <see cref="Token"/>. Its only tool, <c>lookup</c>, answers at once unless a
/// spec holds it with <see cref="HoldTools"/> (the emulator calls the declared tools round-robin, so every call is a lookup).
/// </summary>
public sealed class ApiFixture : IAsyncLifetime
{
    public const string Token = "test-token-for-the-api-specs";
    public const long QueuedBytesLimit = 128 * 1024;
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private TaskCompletionSource? _hold;
    private EmulatorAndJournal _ground = null!;

    public OrchestratorNode Node { get; private set; } = null!;
    public ApiHost Open { get; private set; } = null!;
    public ApiHost Secured { get; private set; } = null!;
    public HttpClient Http { get; } = new() { Timeout = Timeout };

    /// <summary>The data directory of the node's SQLite journal.</summary>
    public string DataDirectory => _ground.Journal.DataDirectory!;

    /// <summary>Tool calls wait until the returned release is disposed (or their turn is cancelled).</summary>
    public IDisposable HoldTools()
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _hold = hold;
        return new Release(() =>
        {
            _hold = null;
            hold.TrySetResult();
        });
    }

    public async Task InitializeAsync()
    {
        _ground = await EmulatorAndJournal.StartAsync(new EmulatorOptions());
        var tools = new ToolRegistry().Add<LookupArgs, string>("lookup", "Looks a key up.", async (args, cancellationToken) =>
        {
            if (_hold is { } hold) await hold.Task.WaitAsync(cancellationToken);
            return $"value of {args.Key}";
        });
        var settings = OrchestratorSettings.Load(_ground.Journal.Environment(), _ground.Journal.DataDirectory, _ground.Emulator.ResponsesUrl.ToString());
        // Queued bytes low enough that a few bodies under MaxRequestBytes pass them (QueueBoundsSpec).
        Node = await OrchestratorNode.StartAsync(settings with { Conversation = settings.Conversation with { MaxQueuedBytes = QueuedBytesLimit } }, tools);
        Open = await ApiHost.StartAsync(Node, "http://127.0.0.1:0", new ApiOptions { MaxRequestBytes = 64 * 1024, Telemetry = TelemetryExporters.Prometheus }, CancellationToken.None);
        Secured = await ApiHost.StartAsync(Node, "http://127.0.0.1:0", new ApiOptions { Token = Token }, CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await Secured.DisposeAsync();
        await Open.DisposeAsync();
        await Node.DisposeAsync();
        await _ground.DisposeAsync();
    }

    public Uri At(string path) => new(Open.Address, path);

    public async Task<string> CreateAsync(object? body = null)
    {
        using var response = await Http.PostAsJsonAsync(At("/v1/conversations"), body ?? new { });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public async Task<HttpResponseMessage> PostMessageAsync(string id, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, At($"/v1/conversations/{id}/messages")) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return await Http.SendAsync(request);
    }

    /// <summary>Subscribes, posts the message, and returns the events of its turn, up to turn.completed or turn.failed.</summary>
    public Task<IReadOnlyList<SseClient.Event>> RunTurnAsync(string id, object body) => RunTurnAsync(Open, id, body);

    /// <summary>As <see cref="RunTurnAsync(string, object)"/>, through another API of the node (one with other limits).</summary>
    public async Task<IReadOnlyList<SseClient.Event>> RunTurnAsync(ApiHost host, string id, object body)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using var events = await SseClient.ConnectAsync(Http, new Uri(host.Address, $"/v1/conversations/{id}/events"), null, timeout.Token);
        using (var posted = await Http.PostAsJsonAsync(new Uri(host.Address, $"/v1/conversations/{id}/messages"), body))
            Assert.Equal(System.Net.HttpStatusCode.Accepted, posted.StatusCode);
        return await events.ReadUntilAsync(e => e.Type is "turn.completed" or "turn.failed", timeout.Token);
    }

    /// <summary>Events the journal holds for the conversation (none for one that was never persisted), all or of one manifest.</summary>
    public async Task<long> JournalEventsAsync(string conversationId, string manifest = "%")
    {
        await using var connection = await _ground.Journal.OpenConnectionAsync();
        await using var exists = connection.CreateCommand();
        // The plugin creates the table with the first event it writes.
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = 'journal'";
        if ((long)(await exists.ExecuteScalarAsync())! == 0) return 0;
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM journal WHERE persistence_id = $id AND manifest LIKE $manifest";
        foreach (var (name, value) in new[] { ("$id", $"conversation-{conversationId}"), ("$manifest", manifest) })
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return (long)(await command.ExecuteScalarAsync())!;
    }

    public static async Task AssertProblemAsync(HttpResponseMessage response, int status, string detailContains)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.TryGetProperty("detail", out _), problem.ToString());
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Contains(detailContains, problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);

    public sealed record LookupArgs(string Key);

    private sealed class Release(Action release) : IDisposable
    {
        public void Dispose() => release();
    }
}

[CollectionDefinition(Name)]
public sealed class ApiCollection : ICollectionFixture<ApiFixture>
{
    public const string Name = "api";
}
