using System.Text.Json;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Load;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Bench;

/// <summary>The <c>bench</c> verb at toy size: it runs the real engine and reports every figure the benchmark issue lists.</summary>
[Collection(RunAloneCollection.Name)]
public sealed class BenchCommandSpec
{
    private static readonly string[] RequiredKeys =
    [
        "conversations", "completed", "failed", "turns", "turns_per_second", "overhead_ms", "bytes_per_continuation",
        "bytes_per_full_send", "continuation_ratio", "cpu_seconds_per_1000_turns", "peak_rss_mb", "rss_kb_per_conversation",
        "journal_writes_per_second", "lease_wait_ms", "turns_in_flight_peak", "turns_per_second_all_running", "max_sockets", "lanes_per_connection",
    ];

    /// <summary>Two runs, each starting and stopping a node: seconds on a quiet machine, bounded for a busy one.</summary>
    private static readonly TimeSpan BenchTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Bench_json_reports_every_figure_and_completes_every_conversation_with_its_baseline()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var exit = await Program.RunAsync(["--conversations", "3", "--rounds", "2", "--tools", "2", "--json"], _ => null, stdout, stderr)
            .WaitAsync(BenchTimeout);

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        var root = JsonDocument.Parse(stdout.ToString()).RootElement;
        foreach (var key in RequiredKeys) Assert.True(root.TryGetProperty(key, out _), $"missing key {key}");
        Assert.Equal(3, root.GetProperty("conversations").GetInt32());
        Assert.Equal(3, root.GetProperty("completed").GetInt32());
        Assert.Equal(0, root.GetProperty("failed").GetInt32());
        // The default warm-up (32) is capped at C.
        Assert.Equal(3, root.GetProperty("scenario").GetProperty("warm_up").GetInt32());
        // Each conversation: two tool rounds and the final answer.
        Assert.Equal(9, root.GetProperty("turns").GetInt64());
        foreach (var percentile in new[] { "p50", "p95", "p99" }) Assert.True(root.GetProperty("overhead_ms").GetProperty(percentile).GetDouble() >= 0);
        Assert.True(root.GetProperty("journal_writes_per_second").GetDouble() > 0);
        // Every turn parses a response and persists an event at least.
        Assert.True(root.GetProperty("allocated_kb_per_turn").GetDouble() > 0);
        // Memory: every conversation had passivated (no actor left) and was woken again; at this size the heap's own
        // noise outweighs three conversations, so only that a figure came out is checked.
        Assert.Equal(0, root.GetProperty("live_conversations_after_passivation").GetInt32());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("managed_kb_per_conversation").ValueKind);

        var baseline = root.GetProperty("baselines").GetProperty("full_send");
        Assert.Equal(3, baseline.GetProperty("completed").GetInt32());
        Assert.Equal(JsonValueKind.Null, baseline.GetProperty("bytes_per_continuation").ValueKind);
        Assert.True(root.GetProperty("continuation_ratio").GetDouble() > 1, "the last continuation should be smaller than the last full send");
        // Three requests per conversation, the first a full send: at most two in three continue; the baseline never does.
        Assert.InRange(root.GetProperty("continuation_share").GetDouble(), 0.01, 0.667);
        Assert.Equal(0, baseline.GetProperty("continuation_share").GetDouble());
    }

    [Fact]
    public async Task Bench_ignores_the_api_key_and_base_url_of_the_environment_and_uses_the_emulator()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        // A base URL nobody listens on: were it used, every conversation would fail.
        string? Environment(string name) => name switch
        {
            "OPENAI_API_KEY" => "sk-must-not-be-used",
            "OPENAI_BASE_URL" => "http://127.0.0.1:9/v1",
            _ => null,
        };

        var exit = await Program.RunAsync(["--conversations", "1", "--rounds", "1", "--tools", "1", "--warm-up", "0", "--no-baseline", "--json"], Environment, stdout, stderr)
            .WaitAsync(BenchTimeout);

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        var root = JsonDocument.Parse(stdout.ToString()).RootElement;
        Assert.Equal("in-process emulator", root.GetProperty("scenario").GetProperty("endpoint").GetString());
        Assert.Equal(0, root.GetProperty("scenario").GetProperty("warm_up").GetInt32());
        Assert.Equal(1, root.GetProperty("completed").GetInt32());
    }

    [Fact]
    public async Task Bench_runs_the_node_with_its_configured_pool_unless_max_sockets_is_given()
    {
        var pool = OrchestratorSettings.Load(_ => null, null, null).Connections;
        // More conversations than one socket has lanes, each turn two responses of 450-550 ms: with --max-sockets 1,
        // the last four ask for a lane while the socket's lanes are all held, far sooner than a turn ends (the
        // conversations start within a few hundred milliseconds even on a busy machine).
        var conversations = $"{pool.LanesPerConnection + 4}";
        string[] Bench(params string[] extra) =>
            ["--conversations", conversations, "--rounds", "1", "--tools", "1", "--warm-up", "1", "--no-baseline", "--json", .. extra];

        var byDefault = await BenchJsonAsync(Bench());
        var oneSocket = await BenchJsonAsync(Bench("--max-sockets", "1", "--model-latency-ms", "500", "--model-latency-jitter-ms", "50"));

        Assert.Equal(pool.MaxSockets, byDefault.GetProperty("max_sockets").GetInt32());
        Assert.Equal(pool.LanesPerConnection, byDefault.GetProperty("lanes_per_connection").GetInt32());
        Assert.True(byDefault.GetProperty("turns_per_second_all_running").GetDouble() > 0);
        Assert.Equal(1, oneSocket.GetProperty("max_sockets").GetInt32());
        Assert.Equal(pool.LanesPerConnection, oneSocket.GetProperty("turns_in_flight_peak").GetInt64());
        Assert.Equal(50, oneSocket.GetProperty("scenario").GetProperty("model_latency_jitter_ms").GetDouble());
        // One lease per turn; the waiting ones wait for another's turn to end.
        var leaseWait = oneSocket.GetProperty("lease_wait_ms");
        Assert.Equal(pool.LanesPerConnection + 4, leaseWait.GetProperty("count").GetInt32());
        Assert.True(leaseWait.GetProperty("max").GetDouble() >= 100, $"lease wait {leaseWait}");
        foreach (var run in new[] { byDefault, oneSocket })
            Assert.Equal(run.GetProperty("conversations").GetInt32(), run.GetProperty("completed").GetInt32());
    }

    [Theory]
    [InlineData("--warm-up", "-1")]
    [InlineData("--conversations", "0")]
    [InlineData("--model-latency-jitter-ms", "-1")]
    [InlineData("--model-latency-jitter-ms", "1")]
    public async Task Bench_refuses_bad_numbers_with_a_one_line_error(string option, string value)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var exit = await Program.RunAsync([option, value], _ => null, stdout, stderr).WaitAsync(BenchTimeout);

        Assert.Equal(2, exit);
        Assert.StartsWith($"error: {option} must", stderr.ToString());
    }

    [Fact]
    public async Task Bench_recovery_brings_back_every_conversation_with_open_work_after_a_restart()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var exit = await Program.RunAsync(["--recovery", "--conversations", "20", "--json"], _ => null, stdout, stderr)
            .WaitAsync(BenchTimeout);

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        var root = JsonDocument.Parse(stdout.ToString()).RootElement;
        Assert.Equal(20, root.GetProperty("conversations").GetInt32());
        // Every conversation sent its request again on the new node, though nobody sent it anything.
        Assert.Equal(20, root.GetProperty("resumed").GetInt64());
        Assert.True(root.GetProperty("all_resumed_seconds").GetDouble() >= root.GetProperty("node_start_seconds").GetDouble());
        Assert.True(root.GetProperty("restarted_node_cpu_seconds").GetDouble() > 0);
    }

    [Fact]
    public async Task Bench_recovery_keeps_its_prepared_journal_and_restarts_on_a_copy_of_it()
    {
        var kept = Directory.CreateTempSubdirectory("orchestrator-prepared-").FullName;
        try
        {
            string[] args = ["--recovery", "--conversations", "12", "--json", "--prepared", kept];

            var first = await BenchJsonAsync(args);
            var second = await BenchJsonAsync(args);

            // The first run prepares and keeps; the second restarts on a copy, so its conversations still have their open work.
            Assert.True(first.GetProperty("prepare_seconds").GetDouble() > 0);
            Assert.Equal(JsonValueKind.Null, second.GetProperty("prepare_seconds").ValueKind);
            Assert.Equal(12, first.GetProperty("resumed").GetInt64());
            Assert.Equal(12, second.GetProperty("resumed").GetInt64());
            Assert.True(second.GetProperty("first_request_seconds").GetDouble() <= second.GetProperty("half_resumed_seconds").GetDouble());
            Assert.True(second.GetProperty("half_resumed_seconds").GetDouble() <= second.GetProperty("all_resumed_seconds").GetDouble());
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(kept, recursive: true);
        }
    }

    [Fact]
    public async Task Bench_prepared_needs_recovery()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var exit = await Program.RunAsync(["--prepared", "somewhere"], _ => null, stdout, stderr).WaitAsync(BenchTimeout);

        Assert.Equal(2, exit);
        Assert.StartsWith("error: --prepared keeps a recovery bench's journal: it needs --recovery.", stderr.ToString());
    }

    [Fact]
    public async Task Bench_recovery_refuses_a_socket_limit_the_restarted_node_would_not_have()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var exit = await Program.RunAsync(["--recovery", "--max-sockets", "64"], _ => null, stdout, stderr).WaitAsync(BenchTimeout);

        Assert.Equal(2, exit);
        Assert.StartsWith("error: --recovery restarts the node as `orchestrator serve` runs it: leave out --max-sockets.", stderr.ToString());
    }

    private static async Task<JsonElement> BenchJsonAsync(string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var exit = await Program.RunAsync(args, _ => null, stdout, stderr).WaitAsync(BenchTimeout);
        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        return JsonDocument.Parse(stdout.ToString()).RootElement;
    }

    [Fact]
    public void Bench_tools_answer_what_the_agents_sdk_peer_answers()
    {
        // The value tests/bench/agents-sdk/tools.mjs returns for the same call:
        // node -e "import('./tools.mjs').then(m => console.log(m.lookup('get_price', 'widget')))" prints {"item":"widget","value":25917}.
        Assert.Equal(new ItemFigure("widget", 25917), BenchTools.Lookup("get_price", "widget"));
    }
}
