using System.Text.Json;
using Orchestrator.Actors.Tools;
using Orchestrator.Actors.Tools.Demo;
using Xunit;
using static Orchestrator.Tests.Tools.ToolTesting;

namespace Orchestrator.Tests.Tools.Demo;

/// <summary>Calls demo tools the way the model does: by name, with JSON arguments, through an invoker.</summary>
internal static class DemoToolTesting
{
    public static async Task<ToolOutcome> Call(string name, string argumentsJson)
    {
        var invoker = new ToolInvoker(DemoTools.Register(new ToolRegistry()), new ToolInvokerOptions());
        return await invoker.InvokeAsync(name, argumentsJson, Context(), CancellationToken.None).WaitAsync(Bound);
    }

    public static async Task<JsonElement> Succeed(string name, string argumentsJson)
    {
        ToolOutcome outcome = await Call(name, argumentsJson);
        Assert.False(outcome.IsError, outcome.Output);
        return Json(outcome.Output);
    }

    /// <summary>A documented tool failure: reported as <see cref="ToolFailure.Threw"/> with a message for the model.</summary>
    public static async Task<string> Fail(string name, string argumentsJson)
    {
        ToolOutcome outcome = await Call(name, argumentsJson);
        Assert.Equal(ToolFailure.Threw, outcome.Failure);
        return ErrorOf(outcome).Message;
    }
}
