using System.Diagnostics.Metrics;
using System.Net;
using Orchestrator.Cli;
using Orchestrator.Http;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>A flood of connections meets <c>orchestrator.api.max-connections</c>: the excess is refused, the node serves on.</summary>
[Collection(ApiCollection.Name)]
public sealed class ConnectionLimitSpec(ApiFixture api)
{
    private const string Health = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

    [Fact]
    public async Task Connections_past_the_limit_get_503_with_retry_after_and_the_node_answers_and_runs_turns_once_they_close()
    {
        var refused = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == ApiMetrics.Rejections) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: ApiMetrics.ReasonTag, Value: ApiMetrics.ConnectionLimit }) Interlocked.Add(ref refused, value);
        });
        listener.Start();
        await using var host = await ApiHost.StartAsync(api.Node, "http://127.0.0.1:0", new ApiOptions { MaxConnections = 20 }, CancellationToken.None);
        using var timeout = new CancellationTokenSource(ApiFixture.Timeout);
        var flood = await FloodAsync(host, IPAddress.Loopback, timeout.Token);
        try
        {
            // The 20 served stay open (keep-alive) and hold every place; each of the other 80 was told why it was refused.
            var statuses = flood.Select(f => RawHttp.Status(f.Head)).ToList();
            Assert.Equal(20, statuses.Count(s => s == 200));
            Assert.Equal(80, statuses.Count(s => s == 503));
            Assert.All(flood.Where(f => RawHttp.Status(f.Head) == 503), f => Assert.Contains("Retry-After: 1", f.Head));

            using var fresh = await RawHttp.ConnectAsync(host.Address, timeout.Token);
            await fresh.SendAsync(Health, timeout.Token);
            Assert.Equal(503, RawHttp.Status(await fresh.ReadResponseAsync(timeout.Token)));
            Assert.Equal(81, Interlocked.Read(ref refused));
        }
        finally
        {
            foreach (var (connection, _) in flood) connection.Dispose();
        }

        // The node frees the places as it notices the closes.
        await Poll.UntilAsync(async () =>
        {
            using var probe = await RawHttp.ConnectAsync(host.Address, timeout.Token);
            await probe.SendAsync(Health, timeout.Token);
            return RawHttp.Status(await probe.ReadResponseAsync(timeout.Token)) == 200;
        }, ApiFixture.Timeout, () => "/healthz was still refused after the flood's connections closed");
        var id = await api.CreateAsync();
        var events = await api.RunTurnAsync(host, id, new { text = "after the flood tools:2" });
        Assert.Equal("turn.completed", events[^1].Type);
    }

    [Fact]
    public async Task A_client_flooding_past_its_share_is_refused_while_the_node_answers_healthz_and_runs_a_turn_for_others()
    {
        await using var host = await ApiHost.StartAsync(api.Node, "http://127.0.0.1:0", new ApiOptions { MaxConnections = 50, MaxConnectionsPerClient = 20 }, CancellationToken.None);
        using var timeout = new CancellationTokenSource(ApiFixture.Timeout);
        // The flood comes from another loopback address than the test's own client (127.0.0.1).
        var flooder = IPAddress.Parse("127.0.0.2");
        var flood = await FloodAsync(host, flooder, timeout.Token);
        try
        {
            var statuses = flood.Select(f => RawHttp.Status(f.Head)).ToList();
            Assert.Equal(20, statuses.Count(s => s == 200));
            Assert.Equal(80, statuses.Count(s => s == 503));

            // While the flooder holds its 20 places, everyone else is served.
            using var probe = await RawHttp.ConnectAsync(host.Address, timeout.Token);
            await probe.SendAsync(Health, timeout.Token);
            Assert.Equal(200, RawHttp.Status(await probe.ReadResponseAsync(timeout.Token)));
            var id = await api.CreateAsync();
            var events = await api.RunTurnAsync(host, id, new { text = "during the flood tools:2" });
            Assert.Equal("turn.completed", events[^1].Type);
        }
        finally
        {
            foreach (var (connection, _) in flood) connection.Dispose();
        }
    }

    /// <summary>100 connections from <paramref name="from"/>, each asking /healthz and kept open, with the answer each got.</summary>
    private static Task<(RawHttp Connection, string Head)[]> FloodAsync(ApiHost host, IPAddress from, CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, 100).Select(async _ =>
        {
            var connection = await RawHttp.ConnectAsync(host.Address, cancellationToken, from);
            await connection.SendAsync(Health, cancellationToken);
            return (Connection: connection, Head: await connection.ReadResponseAsync(cancellationToken));
        }));
}
