using System.Diagnostics.Metrics;
using Orchestrator.Actors.Connections;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Integration;

/// <summary>
/// WebSockets refused for a while, then accepted again: the conversations finish over HTTP, and once the cool-down is
/// over and a WebSocket connects, new requests go over WebSockets and the chains go on there. The switch back is
/// awaited on the node's own metric for this emulator's endpoint (a completion signal, not a sleep).
/// </summary>
public sealed class TransportFallbackSpec : IAsyncLifetime
{
    private static readonly TimeSpan CoolDown = TimeSpan.FromMilliseconds(500);
    private readonly MeterListener _listener = new();
    private TestJournal _journal = null!;
    private EmulatorServer _emulator = null!;
    private TaskCompletionSource _backOnWebSockets = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task InitializeAsync()
    {
        _journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        _emulator = await EmulatorServer.StartAsync(new EmulatorOptions { RecordTraffic = true, RefuseWebSockets = true });
        var endpoint = _emulator.ResponsesUrl.Authority;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == EngineMetrics.MeterName && instrument.Name == ConnectionMetrics.TransportSwitches)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? at = null, to = null;
            foreach (var tag in tags)
            {
                if (tag.Key == ConnectionMetrics.EndpointTag) at = tag.Value as string;
                if (tag.Key == ConnectionMetrics.TransportTag) to = tag.Value as string;
            }
            if (at == endpoint && to == "websocket") _backOnWebSockets.TrySetResult();
        });
        _listener.Start();
    }

    public async Task DisposeAsync()
    {
        _listener.Dispose();
        await _emulator.DisposeAsync();
        await _journal.DisposeAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Conversations_finish_over_http_while_websockets_are_refused_and_go_back_to_websockets_after_the_cool_down(bool store)
    {
        await using var node = await TestNodes.StartAsync(_journal, _emulator.ResponsesUrl, configure: s => s with
        {
            Connections = s.Connections with { FallbackCoolDown = CoolDown },
            Conversation = s.Conversation with { Defaults = s.Defaults with { Store = store }, RetryMinBackoff = TimeSpan.FromMilliseconds(20) },
        });

        var first = await Task.WhenAll(
            node.RunTurnAsync("c-a", "go tools:2 rounds:2"),
            node.RunTurnAsync("c-b", "go tools:3 rounds:1"));
        Assert.Contains("calls=4 outputs=4 missing=0 duplicates=0", first[0].Completed().Text);
        Assert.Contains("calls=3 outputs=3 missing=0 duplicates=0", first[1].Completed().Text);
        var overHttp = Requests();
        Assert.Equal(5, overHttp.Count);
        Assert.All(overHttp, r => Assert.Equal(TrafficTransport.Http, r.Transport));
        Assert.False(_backOnWebSockets.Task.IsCompleted);

        _emulator.RefuseWebSockets = false;
        await _backOnWebSockets.Task.WaitAsync(TimeSpan.FromSeconds(30));

        var second = (await node.RunTurnAsync("c-a", "more tools:2 rounds:2")).Completed();

        Assert.Contains("calls=8 outputs=8 missing=0 duplicates=0", second.Text);
        var overWebSocket = Requests().Skip(overHttp.Count).ToList();
        Assert.Equal(3, overWebSocket.Count);
        Assert.All(overWebSocket, r => Assert.Equal(TrafficTransport.WebSocket, r.Transport));
        Assert.Single(overWebSocket.Select(r => r.ConnectionId).Distinct());
        // Cold on arrival with store=false (no cache on the new connection yet), then the chain continues there;
        // with store=true it continues from the response recorded over HTTP.
        if (store) Assert.NotNull(overWebSocket[0].PreviousResponseId);
        else Assert.Null(overWebSocket[0].PreviousResponseId);
        Assert.All(overWebSocket.Skip(1), r => Assert.NotNull(r.PreviousResponseId));
    }

    private List<TrafficRecord> Requests() => _emulator.Traffic.Where(r => r.Type == "response.create").ToList();
}
