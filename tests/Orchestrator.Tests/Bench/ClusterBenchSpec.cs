using System.Text.Json;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Http;
using Orchestrator.Load;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Bench;

/// <summary><c>bench --nodes N</c>: its refusals, the nodes' settings, the report, and a run of two real nodes on PostgreSQL.</summary>
[Collection(RunAloneCollection.Name)]
public sealed class ClusterBenchSpec
{
    /// <summary>A server nobody connects to: the refusals come before any connection.</summary>
    private const string UnusedServer = "Host=127.0.0.1;Port=9;Username=nobody;Password=none;Database=none";

    /// <summary>Two cold <c>serve</c> processes forming a cluster, then a few conversations: seconds on a quiet machine, bounded for a busy one.</summary>
    private static readonly TimeSpan BenchTimeout = TimeSpan.FromMinutes(3);

    private static readonly BenchScenario Scenario = new(3000, 20, 3, TimeSpan.Zero, TimeSpan.Zero);

    [Theory]
    [InlineData("error: --nodes must be positive, not 0.", "--nodes", "0", "--journal", "postgres", "--postgres", UnusedServer)]
    [InlineData("error: --nodes runs `orchestrator serve` processes on one PostgreSQL journal: give --journal postgres", "--nodes", "3")]
    [InlineData("error: --nodes runs `orchestrator serve` processes on one PostgreSQL journal: give --journal postgres", "--nodes", "3", "--journal", "memory")]
    [InlineData("error: --nodes and --recovery are separate measurements", "--nodes", "3", "--journal", "postgres", "--postgres", UnusedServer, "--recovery")]
    [InlineData("error: --nodes runs the nodes against the in-process emulator: leave out --endpoint.", "--nodes", "3", "--journal", "postgres", "--postgres", UnusedServer, "--endpoint", "http://127.0.0.1:9/v1")]
    [InlineData("error: --nodes measures the engine's nodes only: leave out --peer.", "--nodes", "3", "--journal", "postgres", "--postgres", UnusedServer, "--peer", "agents-sdk")]
    [InlineData("error: --nodes runs the nodes as `orchestrator serve` does, with continuation", "--nodes", "3", "--journal", "postgres", "--postgres", UnusedServer, "--no-continuation")]
    [InlineData("error: --nodes runs serve's demo tools, at no latency: leave out --tool-latency-ms.", "--nodes", "3", "--journal", "postgres", "--postgres", UnusedServer, "--tool-latency-ms", "5")]
    public async Task Bench_nodes_refuses_what_a_cluster_run_cannot_honour_with_a_one_line_error(string error, params string[] args)
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());

        var exit = await Program.RunAsync(args, _ => null, stdout, stderr).WaitAsync(BenchTimeout);

        Assert.Equal(2, exit);
        Assert.StartsWith(error, stderr.ToString());
        Assert.Equal("", stdout.ToString());
    }

    [Fact]
    public void Node_settings_lift_the_per_client_limits_for_the_bench_and_stretch_the_turn_caps_to_the_scenario()
    {
        var reference = OrchestratorSettings.Load(_ => null);
        var file = Path.Combine(Directory.CreateTempSubdirectory("cluster-bench-").FullName, "node.conf");
        try
        {
            var large = Scenario with { Rounds = 100, Tools = 8 };
            File.WriteAllText(file, ClusterNodeSettings.Hocon(large, maxSockets: 7, reference));

            // Loaded as serve loads its --config: an unknown key or a wrong type would stop the node.
            var node = OrchestratorSettings.Load(_ => null, configFile: file);
            var api = ApiOptions.FromConfig(node.Hocon, _ => null);

            Assert.Equal(2 * 3000 + 100, api.MaxConnections);
            Assert.Equal(2 * 3000 + 100, api.MaxConnectionsPerClient);
            Assert.Equal(0, api.RequestsPerSecond);
            Assert.Equal(101, node.Conversation.MaxRoundsPerTurn);
            Assert.Equal(800, node.Conversation.MaxToolCallsPerTurn);
            Assert.Equal(7, node.Connections.MaxSockets);

            // A small scenario keeps the reference caps and pool.
            File.WriteAllText(file, ClusterNodeSettings.Hocon(Scenario with { Rounds = 2, Tools = 2 }, maxSockets: null, reference));
            node = OrchestratorSettings.Load(_ => null, configFile: file);
            Assert.Equal(reference.Conversation.MaxRoundsPerTurn, node.Conversation.MaxRoundsPerTurn);
            Assert.Equal(reference.Conversation.MaxToolCallsPerTurn, node.Conversation.MaxToolCallsPerTurn);
            Assert.Equal(reference.Connections.MaxSockets, node.Connections.MaxSockets);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(file)!, recursive: true);
        }
    }

    [Fact]
    public void Each_node_gets_a_bounded_pool_and_every_node_as_seed()
    {
        var connection = ClusterNodeSettings.ConnectionString("Host=127.0.0.1;Port=5432;Username=u;Password=p;Database=run");

        Assert.Contains($"Maximum Pool Size={ClusterNodeSettings.PoolPerNode}", connection);
        Assert.Contains("Database=run", connection);
        Assert.Equal("127.0.0.1:4001,127.0.0.1:4002,127.0.0.1:4003", ClusterNodeSettings.SeedNodes([4001, 4002, 4003]));
    }

    [Theory]
    [InlineData(3000, 3, new[] { 1000, 1000, 1000 })]
    [InlineData(10, 3, new[] { 4, 3, 3 })]
    [InlineData(2, 3, new[] { 1, 1, 0 })]
    public void Round_robin_sends_each_node_its_share(int conversations, int nodes, int[] expected) =>
        Assert.Equal(expected, Enumerable.Range(0, nodes).Select(i => ClusterBenchRun.Sent(conversations, nodes, i)));

    [Fact]
    public void A_turn_ends_with_its_answer_only_when_the_digest_is_exact()
    {
        var digest = Scenario.ExpectedDigest;
        var completed = $$$"""{"type":"turn.completed","conversation_id":"c","response_id":"r","text":"done {{{digest}}}","stats":{"model_turns":21,"tool_calls":60}}""";

        Assert.Equal(new TurnEnd(21, null), TurnEnd.From("c", "turn.completed", completed, digest));
        var wrong = TurnEnd.From("c", "turn.completed", completed.Replace("missing=0", "missing=1"), digest)!;
        Assert.False(wrong.Completed);
        Assert.StartsWith("c: wrong digest", wrong.Error);
        Assert.Equal("c: no lane was granted", TurnEnd.From("c", "turn.failed", """{"type":"turn.failed","conversation_id":"c","reason":"no lane was granted"}""", digest)!.Error);
        Assert.False(TurnEnd.From("c", "stream.reset", """{"conversation_id":"c","reason":"behind"}""", digest)!.Completed);
        Assert.Null(TurnEnd.From("c", "tool.finished", """{"type":"tool.finished"}""", digest));
        Assert.Null(TurnEnd.From("c", null, "{}", digest));
    }

    [Fact]
    public void The_report_gives_aggregate_turns_per_second_and_each_nodes_cpu()
    {
        var result = new ClusterBenchResult(
            Scenario, 3, Completed: 2999, Failed: 1, Turns: 2999 * 21, Retries: 4, Seconds: 20, [
                new ClusterNodeFigures(0, "http://127.0.0.1:1", 1000, 10, 300),
                new ClusterNodeFigures(1, "http://127.0.0.1:2", 1000, 11, 310),
                new ClusterNodeFigures(2, "http://127.0.0.1:3", 1000, 12.5, 320),
            ],
            BenchCpuSeconds: 9, JournalWrites: 40_000, FirstFailure: "bench-x-7: boom", DateTimeOffset.Parse("2026-12-07T20:00:00Z"), "3.0 2.0 1.0", "4.0 3.0 2.0");

        var json = JsonDocument.Parse(ClusterReportWriter.Json(result).ToJsonString()).RootElement;
        Assert.Equal(3, json.GetProperty("nodes").GetInt32());
        Assert.Equal(2999, json.GetProperty("completed").GetInt32());
        Assert.Equal(1, json.GetProperty("failed").GetInt32());
        Assert.Equal(4, json.GetProperty("retries").GetInt64());
        Assert.Equal(2999 * 21 / 20.0, json.GetProperty("turns_per_second").GetDouble(), 3);
        Assert.Equal(33.5, json.GetProperty("nodes_cpu_seconds").GetDouble(), 3);
        Assert.Equal(33.5 / (2999 * 21) * 1000, json.GetProperty("nodes_cpu_seconds_per_1000_turns").GetDouble(), 3);
        Assert.Equal(2000, json.GetProperty("journal_writes_per_second").GetDouble(), 3);
        Assert.Equal(3, json.GetProperty("node_figures").GetArrayLength());
        Assert.Equal(12.5, json.GetProperty("node_figures")[2].GetProperty("cpu_seconds").GetDouble());
        Assert.Equal("bench-x-7: boom", json.GetProperty("first_failure").GetString());
        Assert.Equal("4.0 3.0 2.0", json.GetProperty("load_average_at_end").GetString());

        var table = new StringWriter();
        ClusterReportWriter.Write(result, json: false, table);
        Assert.Matches("aggregate turns/s +3149\n", table.ToString().ReplaceLineEndings("\n"));
        Assert.Contains("node 2 http://127.0.0.1:3: 1000 conversations sent to it, CPU 12.50 s", table.ToString());
        Assert.Contains("first failure: bench-x-7: boom", table.ToString());
    }

    [PostgresFact]
    public async Task Two_serve_nodes_on_one_postgres_complete_every_conversation_sent_to_either()
    {
        var (stdout, stderr) = (new StringWriter(), new StringWriter());
        var server = Environment.GetEnvironmentVariable(TestPostgres.Variable);

        var exit = await Program.RunAsync(
                ["--nodes", "2", "--journal", "postgres", "--conversations", "6", "--rounds", "2", "--tools", "2", "--warm-up", "2", "--timeout", "120", "--json"],
                name => name == "ORCHESTRATOR_POSTGRES" ? server : null, stdout, stderr)
            .WaitAsync(BenchTimeout);

        Assert.True(exit == 0, $"exit {exit}: {stderr}");
        var root = JsonDocument.Parse(stdout.ToString()).RootElement;
        Assert.Equal(2, root.GetProperty("nodes").GetInt32());
        Assert.Equal(6, root.GetProperty("completed").GetInt32());
        Assert.Equal(0, root.GetProperty("failed").GetInt32());
        // Each conversation: two tool rounds and the final answer.
        Assert.Equal(18, root.GetProperty("turns").GetInt64());
        Assert.True(root.GetProperty("turns_per_second").GetDouble() > 0);
        // Every message, response and tool result of the measured conversations is a row in the shared journal.
        Assert.True(root.GetProperty("journal_writes").GetInt64() >= 6 * 3);
        var nodes = root.GetProperty("node_figures");
        Assert.Equal(2, nodes.GetArrayLength());
        foreach (var node in nodes.EnumerateArray())
        {
            Assert.Equal(3, node.GetProperty("conversations").GetInt32());
            Assert.True(node.GetProperty("cpu_seconds").GetDouble() > 0);
        }
        Assert.NotEqual(nodes[0].GetProperty("address").GetString(), nodes[1].GetProperty("address").GetString());
    }
}
