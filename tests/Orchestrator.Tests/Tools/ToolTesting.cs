using System.Text.Json;
using Orchestrator.Actors.Tools;
using Xunit;

namespace Orchestrator.Tests.Tools;

/// <summary>Shared helpers for tool tests: a bound on every wait, and readers for outputs.</summary>
internal static class ToolTesting
{
    /// <summary>No test waits longer than this for anything; a hang fails instead of stalling the run.</summary>
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    public static ToolContext Context(string callId = "call_1") => new(callId, "conversation_1");

    public static JsonElement Json(string text)
    {
        using JsonDocument document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    /// <summary>Asserts the error output has exactly the documented shape and returns its fields.</summary>
    public static (string Kind, string Message) ErrorOf(ToolOutcome outcome)
    {
        Assert.True(outcome.IsError);
        JsonElement root = Json(outcome.Output);
        Assert.Equal(["error"], root.EnumerateObject().Select(p => p.Name));
        JsonElement error = root.GetProperty("error");
        Assert.Equal(["kind", "message"], error.EnumerateObject().Select(p => p.Name));
        string message = error.GetProperty("message").GetString()!;
        // A stack trace would show up as "   at Type.Method(...)" lines.
        Assert.DoesNotContain("   at ", message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', message);
        return (error.GetProperty("kind").GetString()!, message);
    }

    public static TaskCompletionSource Gate() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
