using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Actors.Tools;

/// <summary>The result of one tool call, always ready to send to the model as a <c>function_call_output</c>.</summary>
/// <param name="Output">The tool's result as JSON (or its string result verbatim), or on failure
/// <c>{"error":{"kind":"timed_out","message":"…"}}</c>.</param>
/// <param name="Duration">Wall time of the whole invocation, including any wait for a concurrency slot.</param>
public sealed record ToolOutcome(string Output, ToolFailure Failure, TimeSpan Duration)
{
    public bool IsError => Failure != ToolFailure.None;

    internal static ToolOutcome Success(string output, TimeSpan duration) => new(output, ToolFailure.None, duration);

    /// <remarks>Line breaks become spaces: some exception messages span lines, and the model needs one sentence, not a layout.</remarks>
    internal static ToolOutcome Error(ToolFailure failure, string message, TimeSpan duration)
    {
        var error = new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["kind"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(failure.ToString()),
                ["message"] = message.ReplaceLineEndings(" "),
            },
        };
        return new ToolOutcome(error.ToJsonString(ToolJson.Options), failure, duration);
    }
}
