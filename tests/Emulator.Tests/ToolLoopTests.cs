using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

public sealed class ToolLoopTests
{
    private const string ThreeRounds = "Plan my trip. tools:2 rounds:3";

    [Fact]
    public async Task Tool_loop_continued_by_previous_response_id_reports_a_complete_digest()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult result = await client.CreateAsync(Requests.Create(ThreeRounds, tools: Requests.WeatherTools()));
        int rounds = 0;
        while (result.FunctionCalls.Length > 0)
        {
            rounds++;
            Assert.Equal(2, result.FunctionCalls.Length);
            JsonArray outputs = Requests.Items(result.FunctionCalls.Select(call => Requests.FunctionOutput(CallId(call))));
            result = await client.CreateAsync(Requests.Create(outputs, previousResponseId: result.Id, tools: Requests.WeatherTools()));
            Assert.False(result.IsError, result.Last.GetRawText());
        }

        Assert.Equal(3, rounds);
        Assert.Contains("calls=6 outputs=6 missing=0 duplicates=0", result.Text);
        Assert.Contains("ran 6 tool calls over 3 rounds", result.Text);
        Assert.Equal(3, server.Counters.Continuations);
        Assert.Equal(1, server.Counters.FullSends);
    }

    [Fact]
    public async Task Tool_loop_resending_the_full_context_reports_the_same_digest()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        var context = new JsonArray(Requests.UserMessage(ThreeRounds));
        ResponseResult result = await client.CreateAsync(Requests.Create(context.DeepClone(), tools: Requests.WeatherTools()));
        int rounds = 0;
        while (result.FunctionCalls.Length > 0)
        {
            rounds++;
            foreach (JsonNode item in result.OutputAsInput)
            {
                context.Add(item);
            }

            foreach (JsonElement call in result.FunctionCalls)
            {
                context.Add(Requests.FunctionOutput(CallId(call)));
            }

            result = await client.CreateAsync(Requests.Create(context.DeepClone(), tools: Requests.WeatherTools()));
        }

        Assert.Equal(3, rounds);
        Assert.Contains("calls=6 outputs=6 missing=0 duplicates=0", result.Text);
        Assert.Equal(0, server.Counters.Continuations);
        Assert.Equal(4, server.Counters.FullSends);
    }

    [Fact]
    public async Task Duplicate_and_missing_outputs_are_counted()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult calls = await client.CreateAsync(Requests.Create("tools:3", tools: Requests.WeatherTools()));
        string[] ids = [.. calls.FunctionCalls.Select(CallId)];
        Assert.Equal(3, ids.Length);
        JsonArray outputs = Requests.Items(
            Requests.FunctionOutput(ids[0]),
            Requests.FunctionOutput(ids[0], "again"),
            Requests.FunctionOutput(ids[1]),
            Requests.FunctionOutput("call_unknown"));
        ResponseResult final = await client.CreateAsync(Requests.Create(outputs, previousResponseId: calls.Id, tools: Requests.WeatherTools()));

        Assert.Empty(final.FunctionCalls);
        Assert.Contains("calls=3 outputs=3 missing=1 duplicates=1", final.Text);
    }

    [Fact]
    public async Task A_new_user_message_starts_a_new_tool_loop_while_the_digest_covers_the_whole_chain()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult first = await client.CreateAsync(Requests.Create("tools:1", tools: Requests.WeatherTools()));
        ResponseResult done = await client.CreateAsync(Requests.Create(Requests.Items(Requests.FunctionOutput(CallId(first.FunctionCalls[0]))), first.Id, tools: Requests.WeatherTools()));
        ResponseResult second = await client.CreateAsync(Requests.Create(Requests.Items(Requests.UserMessage("again tools:2")), done.Id, tools: Requests.WeatherTools()));
        ResponseResult final = await client.CreateAsync(Requests.Create(Requests.Items(second.FunctionCalls.Select(c => Requests.FunctionOutput(CallId(c)))), second.Id, tools: Requests.WeatherTools()));

        Assert.Equal(2, second.FunctionCalls.Length);
        Assert.Contains("ran 2 tool calls over 1 rounds", final.Text);
        Assert.Contains("calls=3 outputs=3 missing=0 duplicates=0", final.Text);
    }

    [Fact]
    public async Task Without_declared_function_tools_the_model_says_so()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient client = await TestClient.ConnectAsync(server, timeout.Token);

        ResponseResult result = await client.CreateAsync(Requests.Create("tools:2", tools: new JsonArray(new JsonObject { ["type"] = "web_search" })));

        Assert.Empty(result.FunctionCalls);
        Assert.Contains("No function tools", result.Text);
        Assert.Contains("calls=0 outputs=0 missing=0 duplicates=0", result.Text);
    }

    private static string CallId(JsonElement call) => call.GetProperty("call_id").GetString()!;
}
