using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Orchestrator.Emulator.Tests;

public sealed class HttpTransportTests
{
    private const string TwoRounds = "Compare the cities. tools:2 rounds:2";

    [Fact]
    public async Task A_streamed_tool_call_response_carries_the_events_of_the_websocket_path()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        await using TestClient socket = await TestClient.ConnectAsync(server, timeout.Token);
        using var http = new HttpResponsesClient(server, timeout.Token);

        ResponseResult overSocket = await socket.CreateAsync(Requests.Create(TwoRounds, tools: Requests.WeatherTools()));
        ResponseResult overHttp = await http.StreamAsync(Requests.Create(TwoRounds, tools: Requests.WeatherTools()));

        Assert.Equal(2, overHttp.FunctionCalls.Length);
        Assert.Equal(overSocket.Types, overHttp.Types);
        Assert.Equal(overSocket.Events.Select(Normalized), overHttp.Events.Select(Normalized));
        Assert.Equal(2, server.Counters.FullSends);
        Assert.Equal(1, server.Counters.HttpRequests);
    }

    [Fact]
    public async Task A_store_false_response_cannot_be_continued_over_http()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        using var http = new HttpResponsesClient(server, timeout.Token);

        ResponseResult first = await http.StreamAsync(Requests.Create(TwoRounds, store: false, tools: Requests.WeatherTools()));
        JsonArray outputs = Requests.Items(first.FunctionCalls.Select(call => Requests.FunctionOutput(call.GetProperty("call_id").GetString()!)));
        using HttpResponseMessage refused = await http.PostAsync(Requests.Create(outputs, previousResponseId: first.Id, store: false, tools: Requests.WeatherTools()), stream: true);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        JsonElement error = await http.ErrorOfAsync(refused);
        Assert.Equal("previous_response_not_found", error.GetProperty("code").GetString());
        Assert.Equal("previous_response_id", error.GetProperty("param").GetString());
        Assert.Equal(1, server.Counters.PreviousResponseNotFound);
    }

    [Fact]
    public async Task A_store_false_tool_loop_over_http_finishes_with_full_sends_recorded_as_http()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        string logPath = Path.Combine(Path.GetTempPath(), $"emulator-traffic-{Guid.NewGuid():N}.jsonl");
        try
        {
            await using (EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { RecordTraffic = true, TrafficLogPath = logPath }, timeout.Token))
            {
                using var http = new HttpResponsesClient(server, timeout.Token);
                var context = new JsonArray(Requests.UserMessage(TwoRounds));
                ResponseResult result = await http.StreamAsync(Requests.Create(context.DeepClone(), store: false, tools: Requests.WeatherTools()));
                while (result.FunctionCalls.Length > 0)
                {
                    foreach (JsonNode item in result.OutputAsInput)
                    {
                        context.Add(item);
                    }

                    foreach (JsonElement call in result.FunctionCalls)
                    {
                        context.Add(Requests.FunctionOutput(call.GetProperty("call_id").GetString()!));
                    }

                    result = await http.StreamAsync(Requests.Create(context.DeepClone(), store: false, tools: Requests.WeatherTools()));
                }

                Assert.Contains("calls=4 outputs=4 missing=0 duplicates=0", result.Text);
                IReadOnlyList<TrafficRecord> traffic = server.Traffic;
                Assert.Equal(3, traffic.Count);
                Assert.All(traffic, record => Assert.Equal((TrafficTransport.Http, "response.create", null, false), (record.Transport, record.Type, record.PreviousResponseId, record.Store)));
                Assert.Equal([1, 5, 9], traffic.Select(record => record.InputItems));
                Assert.Equal(3, traffic.Select(record => record.ConnectionId).Distinct().Count());
                Assert.Equal(0, server.Counters.Connections);
            }

            string[] lines = await File.ReadAllLinesAsync(logPath, timeout.Token);
            Assert.Equal(3, lines.Length);
            Assert.All(lines, line =>
            {
                using JsonDocument record = JsonDocument.Parse(line);
                Assert.Equal("http", record.RootElement.GetProperty("transport").GetString());
            });
        }
        finally
        {
            File.Delete(logPath);
        }
    }

    [Fact]
    public async Task A_stored_chain_continues_over_http_and_then_over_a_websocket()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { RecordTraffic = true }, timeout.Token);
        using var http = new HttpResponsesClient(server, timeout.Token);

        ResponseResult result = await http.StreamAsync(Requests.Create(TwoRounds, store: true, tools: Requests.WeatherTools()));
        result = await http.StreamAsync(Requests.Create(OutputsOf(result), previousResponseId: result.Id, store: true, tools: Requests.WeatherTools()));
        Assert.Equal(2, result.FunctionCalls.Length);
        await using TestClient socket = await TestClient.ConnectAsync(server, timeout.Token);
        result = await socket.CreateAsync(Requests.Create(OutputsOf(result), previousResponseId: result.Id, store: true, tools: Requests.WeatherTools()));

        Assert.Contains("calls=4 outputs=4 missing=0 duplicates=0", result.Text);
        Assert.Equal(2, server.Counters.Continuations);
        Assert.Equal(
            [TrafficTransport.Http, TrafficTransport.Http, TrafficTransport.WebSocket],
            server.Traffic.Select(record => record.Transport));
    }

    [Fact]
    public async Task Without_stream_the_answer_is_the_final_response_object()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions(), timeout.Token);
        using var http = new HttpResponsesClient(server, timeout.Token);

        using HttpResponseMessage absent = await http.PostAsync(Requests.Create("hello", store: true), stream: null);
        using HttpResponseMessage off = await http.PostAsync(Requests.Create("hello again", store: true), stream: false);

        foreach (HttpResponseMessage answer in new[] { absent, off })
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
            Assert.Equal("application/json", answer.Content.Headers.ContentType?.MediaType);
            using JsonDocument body = JsonDocument.Parse(await answer.Content.ReadAsStringAsync(timeout.Token));
            Assert.Equal("response", body.RootElement.GetProperty("object").GetString());
            Assert.Equal("completed", body.RootElement.GetProperty("status").GetString());
            Assert.StartsWith("resp_", body.RootElement.GetProperty("id").GetString());
            Assert.NotEmpty(body.RootElement.GetProperty("output").EnumerateArray());
        }

        Assert.Equal(2, server.Counters.FullSends);
    }

    [Fact]
    public async Task Refusals_before_the_response_are_http_errors_shaped_like_the_api()
    {
        using CancellationTokenSource timeout = TestTimeout.Start();
        var faults = new EmulatorFaults { ErrorOnRequests = new Dictionary<long, InjectedError> { [1] = InjectedError.RateLimitExceeded } };
        await using EmulatorServer server = await EmulatorServer.StartAsync(new EmulatorOptions { Faults = faults, RequiredApiKey = "sk-test" }, timeout.Token);
        using var http = new HttpResponsesClient(server, timeout.Token);

        using HttpResponseMessage anonymous = await http.PostAsync(Requests.Create("hello"), stream: true);
        using var keyed = new HttpClient();
        keyed.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "sk-test");
        JsonObject body = Requests.Create("hello");
        body.Remove("type");
        body["stream"] = true;
        using HttpResponseMessage limited = await keyed.PostAsync(http.Url, new StringContent(body.ToJsonString()), timeout.Token);
        body["stream"] = "yes";
        using HttpResponseMessage badStream = await keyed.PostAsync(http.Url, new StringContent(body.ToJsonString()), timeout.Token);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        Assert.Equal("rate_limit_exceeded", (await http.ErrorOfAsync(limited)).GetProperty("code").GetString());
        Assert.Equal("1", limited.Headers.GetValues("retry-after").Single());
        Assert.Equal(HttpStatusCode.BadRequest, badStream.StatusCode);
        Assert.Equal("stream", (await http.ErrorOfAsync(badStream)).GetProperty("param").GetString());
    }

    private static JsonArray OutputsOf(ResponseResult result) =>
        Requests.Items(result.FunctionCalls.Select(call => Requests.FunctionOutput(call.GetProperty("call_id").GetString()!)));

    /// <summary>The event with its generated ids and times taken out: what must match between transports.</summary>
    private static string Normalized(JsonElement element)
    {
        JsonNode node = JsonNode.Parse(element.GetRawText())!;
        Strip(node);
        return node.ToJsonString();

        static void Strip(JsonNode? node)
        {
            switch (node)
            {
                case JsonObject obj:
                    foreach (string key in obj.Select(pair => pair.Key).ToList())
                    {
                        if (key is "id" or "item_id" or "call_id" or "created_at" or "completed_at" or "response_id")
                        {
                            obj.Remove(key);
                        }
                        else
                        {
                            Strip(obj[key]);
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (JsonNode? item in array)
                    {
                        Strip(item);
                    }

                    break;
            }
        }
    }
}
