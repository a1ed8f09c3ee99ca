using System.Diagnostics;
using System.Diagnostics.Metrics;
using Orchestrator.Actors.Diagnostics;

namespace Orchestrator.OperatorConsole;

/// <summary>
/// What the journal does not hold about recent work on this node, taken from the engine's own spans: each model
/// request's kind, size and duration, and each tool call's exact run time. Bounded: at most
/// <see cref="MaxConversations"/> conversations with <see cref="MaxRequestsPerConversation"/> requests each, and
/// <see cref="MaxToolCalls"/> tool calls; the oldest leave first, and the console then shows the journal's figures
/// alone ("bytes unknown"). <c>orchestrator.console.spans.kept</c> counts what is kept. Spans of other nodes, or from
/// before this node started, are not here.
/// </summary>
public sealed class RecentSpans : IDisposable
{
    public const int MaxConversations = 10_000;
    public const int MaxRequestsPerConversation = 64;
    public const int MaxToolCalls = 50_000;

    private readonly ActivityListener _listener;
    private readonly object _gate = new();
    private readonly Dictionary<string, LinkedList<RequestSpan>> _requests = new(StringComparer.Ordinal);
    private readonly Queue<string> _conversationOrder = new();
    private readonly Dictionary<string, ToolSpan> _tools = new(StringComparer.Ordinal);
    private readonly Queue<string> _toolOrder = new();
    private readonly Meter _meter = new(EngineMetrics.MeterName);

    public RecentSpans()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == ConversationTelemetry.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = Stopped,
        };
        ActivitySource.AddActivityListener(_listener);
        _meter.CreateObservableGauge("orchestrator.console.spans.kept", Kept, "{span}", "Model requests and tool calls the operator console keeps for its timelines.");
    }

    /// <summary>The requests of a conversation this node sent, oldest first.</summary>
    public IReadOnlyList<RequestSpan> Requests(string conversationId)
    {
        lock (_gate) return _requests.TryGetValue(conversationId, out var list) ? list.ToList() : [];
    }

    public ToolSpan? Tool(string callId)
    {
        lock (_gate) return _tools.GetValueOrDefault(callId);
    }

    private int Kept()
    {
        lock (_gate) return _tools.Count + _requests.Values.Sum(l => l.Count);
    }

    private void Stopped(Activity activity)
    {
        if (activity.GetTagItem(ConversationTelemetry.ConversationIdTag) is not string conversationId) return;
        if (activity.OperationName == "orchestrator.model_response")
        {
            var span = new RequestSpan(
                new DateTimeOffset(activity.StartTimeUtc, TimeSpan.Zero),
                activity.Duration,
                activity.GetTagItem(ConversationTelemetry.RequestKindTag) as string ?? "",
                activity.GetTagItem("orchestrator.request.bytes") is int bytes ? bytes : null,
                activity.GetTagItem(ConversationTelemetry.OutcomeTag) as string ?? "");
            lock (_gate)
            {
                if (!_requests.TryGetValue(conversationId, out var list))
                {
                    if (_requests.Count >= MaxConversations && _conversationOrder.TryDequeue(out var oldest)) _requests.Remove(oldest);
                    _requests[conversationId] = list = new LinkedList<RequestSpan>();
                    _conversationOrder.Enqueue(conversationId);
                }
                list.AddLast(span);
                if (list.Count > MaxRequestsPerConversation) list.RemoveFirst();
            }
        }
        else if (activity.OperationName == "orchestrator.tool" && activity.GetTagItem(ConversationTelemetry.ToolCallIdTag) is string callId)
        {
            var span = new ToolSpan(new DateTimeOffset(activity.StartTimeUtc, TimeSpan.Zero), activity.Duration, activity.Status == ActivityStatusCode.Error);
            lock (_gate)
            {
                if (!_tools.ContainsKey(callId))
                {
                    if (_tools.Count >= MaxToolCalls && _toolOrder.TryDequeue(out var oldest)) _tools.Remove(oldest);
                    _toolOrder.Enqueue(callId);
                }
                _tools[callId] = span;
            }
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _meter.Dispose();
    }
}

/// <summary>One <c>response.create</c> this node sent: when, how long until its response ended, continuation or full, its bytes, how it ended.</summary>
public sealed record RequestSpan(DateTimeOffset Started, TimeSpan Duration, string Kind, int? Bytes, string Outcome);

public sealed record ToolSpan(DateTimeOffset Started, TimeSpan Duration, bool IsError);
