using System.Diagnostics;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// Spans and metrics of the conversation's turns (see <see cref="ConversationTelemetry"/>), derived from what the
/// actor publishes (<see cref="Publish"/> observes each update) plus the moment each request goes out
/// (<see cref="TraceRequestSent"/>, called by <see cref="SendNext"/>): the turn logic makes no spans of its own.
/// Activities are created with explicit parents and never left as <see cref="Activity.Current"/>: the thread belongs
/// to the dispatcher, not to this conversation.
/// </summary>
public sealed partial class ConversationActor
{
    private Activity? _turnActivity;
    private Activity? _modelActivity;
    private long _turnStarted;
    private long _modelStarted;
    private bool _firstTokenSeen;
    private readonly Dictionary<string, (Activity? Span, long Started)> _toolActivities = new();

    private void TraceRequestSent(SendKind kind, int bytes)
    {
        EnsureTurnTraced();
        EndModelSpan("retried");
        _modelStarted = Stopwatch.GetTimestamp();
        _modelActivity = Start("orchestrator.model_response", _turnActivity);
        _modelActivity?.SetTag(ConversationTelemetry.RequestKindTag, kind == SendKind.Continuation ? "continuation" : "full");
        _modelActivity?.SetTag("orchestrator.request.bytes", bytes);
    }

    private void Observe(ConversationUpdate update)
    {
        switch (update)
        {
            case AssistantTextDelta when !_firstTokenSeen && _turnStarted != 0:
                _firstTokenSeen = true;
                ConversationTelemetry.FirstTokenAfter(Stopwatch.GetElapsedTime(_turnStarted));
                break;
            case ToolCallStarted started:
                EnsureTurnTraced();
                EndModelSpan("tool_calls");
                var span = Start("orchestrator.tool", _turnActivity);
                span?.SetTag(ConversationTelemetry.ToolNameTag, started.Name);
                span?.SetTag(ConversationTelemetry.ToolCallIdTag, started.CallId);
                _toolActivities[started.CallId] = (span, Stopwatch.GetTimestamp());
                break;
            case ToolCallFinished finished:
                ConversationTelemetry.ToolEnded(_deps.ToolDeclarations.Any(t => t.Name == finished.Name) ? finished.Name : null, finished.Duration, finished.IsError);
                if (_toolActivities.Remove(finished.CallId, out var tool)) Stop(tool.Span, finished.IsError ? ActivityStatusCode.Error : ActivityStatusCode.Ok);
                break;
            case TurnCompleted completed:
                _modelActivity?.SetTag(ConversationTelemetry.ResponseIdTag, completed.ResponseId);
                EndModelSpan("completed");
                ConversationTelemetry.TurnEnded(completed.Stats.Elapsed, completed: true);
                EndTurnSpan(ActivityStatusCode.Ok, completed.Stats.Elapsed);
                break;
            case TurnFailed failed:
                EndModelSpan("failed");
                var elapsed = _turnStarted == 0 ? TimeSpan.Zero : Stopwatch.GetElapsedTime(_turnStarted);
                ConversationTelemetry.TurnEnded(elapsed, completed: false);
                _turnActivity?.SetTag("error.message", failed.Reason);
                EndTurnSpan(ActivityStatusCode.Error, elapsed);
                break;
        }
    }

    private void EnsureTurnTraced()
    {
        if (_turnStarted != 0) return;
        _turnStarted = Stopwatch.GetTimestamp();
        _firstTokenSeen = false;
        _turnActivity = Start("orchestrator.turn", parent: null);
        _turnActivity?.SetTag(ConversationTelemetry.ModelTag, _state.Settings?.Model);
    }

    private void EndModelSpan(string outcome)
    {
        if (_modelStarted == 0) return;
        ConversationTelemetry.ModelResponseEnded(Stopwatch.GetElapsedTime(_modelStarted), outcome);
        _modelActivity?.SetTag(ConversationTelemetry.OutcomeTag, outcome);
        Stop(_modelActivity, outcome is "failed" ? ActivityStatusCode.Error : ActivityStatusCode.Ok);
        _modelActivity = null;
        _modelStarted = 0;
    }

    private void EndTurnSpan(ActivityStatusCode status, TimeSpan elapsed)
    {
        // The turn began before its first request (leasing a lane, compacting): its stats know when.
        _turnActivity?.SetStartTime(DateTime.UtcNow - elapsed);
        foreach (var tool in _toolActivities.Values) Stop(tool.Span, ActivityStatusCode.Error);
        _toolActivities.Clear();
        Stop(_turnActivity, status);
        _turnActivity = null;
        _turnStarted = 0;
    }

    private Activity? Start(string name, Activity? parent)
    {
        var current = Activity.Current;
        var activity = ConversationTelemetry.Source.StartActivity(name, ActivityKind.Internal, parent?.Context ?? default(ActivityContext));
        activity?.SetTag(ConversationTelemetry.ConversationIdTag, _conversationId);
        Activity.Current = current;
        return activity;
    }

    private static void Stop(Activity? activity, ActivityStatusCode status)
    {
        if (activity is null) return;
        var current = Activity.Current;
        activity.SetStatus(status);
        activity.Stop();
        Activity.Current = current;
    }
}
