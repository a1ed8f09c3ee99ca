using Orchestrator.Cli;
using Orchestrator.Messages.Conversations;
using Spectre.Console;
using Xunit;

namespace Orchestrator.Tests.Hosting;

/// <summary>The terminal display, drawn on a console that records what it writes (no terminal in CI).</summary>
public sealed class LiveTurnOutputTests
{
    [Fact]
    public async Task Parallel_tool_calls_and_the_final_answer_are_drawn()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(writer),
        });
        await using (var output = new LiveTurnOutput(console))
        {
            output.Started("c-live", new Uri("ws://127.0.0.1:1/v1/responses"), embeddedEmulator: true);
            output.Show(new ToolCallStarted("c-live", "call_1", "get_weather", "{\"city\":\"Lima\"}"));
            output.Show(new ToolCallStarted("c-live", "call_2", "convert_units", "{\"value\":2}"));
            output.Show(new ToolCallFinished("c-live", "call_2", "convert_units", "{\"result\":3.2}", false, TimeSpan.FromMilliseconds(12)));
            output.Show(new ToolCallFinished("c-live", "call_1", "get_weather", "{\"error\":\"x\"}", true, TimeSpan.FromMilliseconds(40)));
            output.Show(new AssistantTextDelta("c-live", "It is "));
            output.Show(new TurnCompleted("c-live", ["m1"], "resp_1", "It is cold in Lima.", TurnStats.Empty with { ModelResponses = 2, ToolCalls = 2 }));
        }

        var text = writer.ToString();
        Assert.Contains("conversation c-live", text);
        Assert.Contains("get_weather", text);
        Assert.Contains("convert_units", text);
        Assert.Contains("✗", text);
        Assert.Contains("It is cold in Lima.", text);
        Assert.Contains("2 tool calls", text);
    }
}
