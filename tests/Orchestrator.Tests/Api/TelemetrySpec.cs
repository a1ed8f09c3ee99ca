using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Orchestrator.Actors.Diagnostics;
using Xunit;

namespace Orchestrator.Tests.Api;

/// <summary>What an operator's collector sees: the Prometheus scrape of the node, and the spans of a turn.</summary>
[Collection(ApiCollection.Name)]
public sealed class TelemetrySpec(ApiFixture api)
{
    [Fact]
    public async Task The_prometheus_endpoint_exports_populated_turn_and_tool_instruments()
    {
        var id = await api.CreateAsync();
        await api.RunTurnAsync(id, new { text = "measure me tools:2" });

        var scrape = await api.Http.GetStringAsync(api.At("/metrics"));
        Assert.True(Count(scrape, "orchestrator_turn_duration_seconds_count") >= 1, scrape);
        Assert.True(Count(scrape, "orchestrator_tool_duration_seconds_count") >= 2, scrape);
        Assert.True(Count(scrape, "orchestrator_model_response_duration_seconds_count") >= 2, scrape);
        Assert.True(Count(scrape, "orchestrator_journal_write_duration_seconds_count") >= 4, scrape);
        Assert.Contains("gen_ai_tool_name=\"lookup\"", scrape);
    }

    [Fact]
    public async Task A_turn_is_one_span_with_its_model_responses_and_tool_calls_as_children()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ConversationTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        var id = await api.CreateAsync();
        await api.RunTurnAsync(id, new { text = "trace me tools:3" });

        // The turn span stops when turn.completed is published, before the SSE event is read.
        var mine = spans.Where(s => (string?)s.GetTagItem(ConversationTelemetry.ConversationIdTag) == id).ToList();
        var turn = Assert.Single(mine, s => s.OperationName == "orchestrator.turn");
        var children = mine.Where(s => s.ParentSpanId == turn.SpanId).ToList();
        Assert.Equal(2, children.Count(s => s.OperationName == "orchestrator.model_response"));
        Assert.Equal(3, children.Count(s => s.OperationName == "orchestrator.tool"));
        Assert.All(children, s => Assert.Equal(turn.TraceId, s.TraceId));
        Assert.Equal(ActivityStatusCode.Ok, turn.Status);
    }

    private static double Count(string scrape, string metric) =>
        Regex.Matches(scrape, $@"^{metric}(\{{[^}}]*\}})? (\S+)", RegexOptions.Multiline)
            .Sum(m => double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
}
