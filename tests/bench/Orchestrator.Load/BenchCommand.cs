using System.CommandLine;
using Orchestrator.Cli;
using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Load;

/// <summary>
/// <c>orchestrator-bench</c>: C concurrent conversations × R tool rounds × N parallel tool calls on a real node, against the
/// in-process emulator or <c>--endpoint</c>; then, in the same process, the full-send baseline and optionally the
/// Agents SDK peer. See BENCHMARKS.md.
/// </summary>
public static class BenchCommand
{
    public static Command Create(Func<string, string?> environment, TextWriter stdout, TextWriter stderr)
    {
        var conversations = new Option<int>("--conversations") { Description = "Concurrent conversations (C).", DefaultValueFactory = _ => 100 };
        var rounds = new Option<int>("--rounds") { Description = "Tool rounds per conversation (R); each conversation makes R+1 model turns.", DefaultValueFactory = _ => 20 };
        var tools = new Option<int>("--tools") { Description = "Parallel tool calls per round (N).", DefaultValueFactory = _ => 3 };
        var modelLatency = new Option<int>("--model-latency-ms") { Description = "Emulated model latency per response (L, the mean when jittered), in-process emulator only." };
        var modelLatencyJitter = new Option<int>("--model-latency-jitter-ms") { Description = "Each response's model latency is drawn uniformly from L ± this (seeded, so runs repeat), at most L; in-process emulator only." };
        var toolLatency = new Option<int>("--tool-latency-ms") { Description = "Latency of each tool call (T)." };
        var endpoint = new Option<string?>("--endpoint") { Description = "Responses endpoint, as for run (OPENAI_API_KEY is sent to it when set); default: a fresh in-process emulator per measured run, whatever OPENAI_BASE_URL says." };
        var warmUp = new Option<int>("--warm-up") { Description = "Conversations each client completes first, left out of the figures (at most C).", DefaultValueFactory = _ => BenchScenario.DefaultWarmUp };
        var noContinuation = new Option<bool>("--no-continuation") { Description = "Measure the engine sending the full window every turn (then no separate baseline)." };
        var noBaseline = new Option<bool>("--no-baseline") { Description = "Skip the full-send baseline." };
        var peer = new Option<string?>("--peer") { Description = "Also run a peer in the same scenario: agents-sdk (needs node and 'npm ci --prefix tests/bench/agents-sdk')." };
        var peerDir = new Option<string?>("--peer-dir") { Description = $"Directory of the Agents SDK peer (default: {AgentsSdkPeer.ScriptDirectory} found from the working directory)." };
        var maxSockets = new Option<int?>("--max-sockets") { Description = "Sockets the node may open (default: orchestrator.connections.max-sockets, as `orchestrator serve` runs the node)." };
        var journal = new Option<string>("--journal") { Description = "sqlite (the node's journal), postgres (a fresh database per run on the --postgres server), or memory: Akka's in-memory journal, not durable, to show what the journal costs.", DefaultValueFactory = _ => "sqlite" };
        var postgres = new Option<string?>("--postgres") { Description = "With --journal postgres: an Npgsql connection string of a role that may create databases (default: ORCHESTRATOR_POSTGRES)." };
        var data = new Option<string?>("--data") { Description = "Directory for the runs' journals (default: a temporary directory, removed afterwards)." };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of the table." };
        var recovery = new Option<bool>("--recovery") { Description = "Measure a restart instead: C conversations with open work (a message each, the model not answering) on a node that stops; then the time for `orchestrator serve`, started in a new process on the same journal, to recover and resume them all, with no new input." };
        var prepared = new Option<string?>("--prepared") { Description = "With --recovery: a directory that keeps the prepared journal; a later run for the same --conversations restarts on a copy of it instead of preparing again." };
        var timeout = new Option<int>("--timeout") { Description = "Give up on a run after this many seconds.", DefaultValueFactory = _ => 600 };
        var nodes = new Option<int?>("--nodes") { Description = "Run N `orchestrator serve` processes as one cluster on the --journal postgres server instead (a fresh database), and drive the conversations through their HTTP APIs, round robin; reports aggregate turns/s and each node's CPU. Run it with 1 for the one-node figure." };

        var command = new RootCommand("Measure turns per second, engine overhead, bytes, CPU, memory and journal writes, with baselines.")
        {
            conversations, rounds, tools, modelLatency, modelLatencyJitter, toolLatency, warmUp, endpoint, noContinuation, noBaseline, peer, peerDir, maxSockets, journal, postgres, data, json, recovery, timeout,
            nodes,
            prepared,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.Guard(stderr, async () =>
        {
            var scenario = new BenchScenario(
                Positive(parse.GetValue(conversations), "--conversations"),
                Positive(parse.GetValue(rounds), "--rounds"),
                Positive(parse.GetValue(tools), "--tools"),
                TimeSpan.FromMilliseconds(NonNegative(parse.GetValue(modelLatency), "--model-latency-ms")),
                TimeSpan.FromMilliseconds(NonNegative(parse.GetValue(toolLatency), "--tool-latency-ms")),
                NonNegative(parse.GetValue(warmUp), "--warm-up"))
            {
                ModelLatencyJitter = TimeSpan.FromMilliseconds(NonNegative(parse.GetValue(modelLatencyJitter), "--model-latency-jitter-ms")),
            };
            if (scenario.ModelLatencyJitter > scenario.ModelLatency)
                throw new ConfigurationException("--model-latency-jitter-ms must not exceed --model-latency-ms: a latency cannot be negative.");
            var peerName = parse.GetValue(peer);
            if (peerName is not null and not "agents-sdk") throw new ConfigurationException($"--peer must be agents-sdk, not '{peerName}'.");
            var journalName = parse.GetValue(journal);
            if (journalName is not ("sqlite" or "postgres" or "memory")) throw new ConfigurationException($"--journal must be sqlite, postgres or memory, not '{journalName}'.");
            var inMemory = journalName == "memory";
            var postgresServer = journalName != "postgres" ? null
                : parse.GetValue(postgres) ?? environment("ORCHESTRATOR_POSTGRES") ?? throw new ConfigurationException("--journal postgres needs --postgres or ORCHESTRATOR_POSTGRES.");
            // Unset, the node keeps its configured pool: the bench measures the node as `orchestrator serve` runs it.
            var sockets = parse.GetValue(maxSockets) is { } max ? Positive(max, "--max-sockets") : (int?)null;
            var runTimeout = TimeSpan.FromSeconds(Positive(parse.GetValue(timeout), "--timeout"));
            var endpointOption = parse.GetValue(endpoint);
            // A load generator must never fall through to the real API because OPENAI_API_KEY or OPENAI_BASE_URL happen to
            // be set: the endpoint is --endpoint or the in-process emulator, and the key is only sent to an explicit endpoint.
            var settings = OrchestratorSettings.Load(
                name => name == "OPENAI_BASE_URL" || name == "OPENAI_API_KEY" && endpointOption is null ? null
                    // The node's journal settings for PostgreSQL; each run then points them at a database of its own.
                    : postgresServer is not null && name == "ORCHESTRATOR_JOURNAL" ? "postgres"
                    : postgresServer is not null && name == "ORCHESTRATOR_POSTGRES" ? postgresServer
                    : environment(name),
                dataDirectoryOption: null,
                endpointOption);
            if (settings.ResponsesUrl is not null && scenario.ModelLatency > TimeSpan.Zero)
                throw new ConfigurationException("--model-latency-ms applies to the in-process emulator; start the endpoint's emulator with it instead.");

            var dataOption = parse.GetValue(data);
            var root = dataOption is null ? Directory.CreateTempSubdirectory("orchestrator-bench-").FullName : Path.GetFullPath(dataOption);
            try
            {
                if (parse.GetValue(nodes) is { } nodeCount)
                {
                    Positive(nodeCount, "--nodes");
                    ClusterBenchRun.CheckOptions(
                        postgresServer, parse.GetValue(recovery), settings.ResponsesUrl is not null, peerName is not null, parse.GetValue(noContinuation), scenario.ToolLatency);
                    var cluster = await ClusterBenchRun.RunAsync(nodeCount, scenario, sockets, postgresServer!, settings, Path.Combine(root, $"cluster-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}"), runTimeout, cancellationToken);
                    ClusterReportWriter.Write(cluster, parse.GetValue(json), stdout);
                    return cluster.Failed == 0 ? 0 : throw new CommandFailedException($"{cluster.Failed} conversations failed; first: {cluster.FirstFailure ?? "not reported"}");
                }

                if (parse.GetValue(recovery))
                {
                    if (inMemory || postgresServer is not null || settings.ResponsesUrl is not null)
                        throw new ConfigurationException("--recovery runs its own emulators on the SQLite journal: leave out --endpoint and --journal.");
                    // The restart is `orchestrator serve` in a new process, with the node's own settings: recovery is measured as deployed.
                    if (parse.GetValue(maxSockets) is not null)
                        throw new ConfigurationException("--recovery restarts the node as `orchestrator serve` runs it: leave out --max-sockets.");
                    var recovered = await RecoveryBenchRun.RunAsync(scenario.Conversations, settings, environment, Path.Combine(root, "recovery"), parse.GetValue(prepared) is { } kept ? Path.GetFullPath(kept) : null, runTimeout, cancellationToken);
                    RecoveryReportWriter.Write(recovered, BenchReport.ReadLoadAverage(), parse.GetValue(json), stdout);
                    return recovered.Resumed >= recovered.Conversations
                        ? 0
                        : throw new CommandFailedException($"only {recovered.Resumed} of {recovered.Conversations} conversations resumed within {runTimeout.TotalSeconds:0} s");
                }

                if (parse.GetValue(prepared) is not null) throw new ConfigurationException("--prepared keeps a recovery bench's journal: it needs --recovery.");
                var started = DateTimeOffset.UtcNow;
                var load = BenchReport.ReadLoadAverage();
                var continuation = !parse.GetValue(noContinuation);
                var engine = await EngineBenchRun.RunAsync(continuation ? "engine" : "engine-full-send", scenario, settings, continuation, sockets, inMemory, postgresServer, Path.Combine(root, $"engine-{started:yyyyMMddHHmmss}"), runTimeout, cancellationToken);
                var fullSend = continuation && !parse.GetValue(noBaseline)
                    ? await EngineBenchRun.RunAsync("engine-full-send", scenario, settings, continuation: false, sockets, inMemory, postgresServer, Path.Combine(root, $"full-send-{started:yyyyMMddHHmmss}"), runTimeout, cancellationToken)
                    : null;
                var sdk = peerName is null ? null : await AgentsSdkPeer.RunAsync(scenario, settings.ResponsesUrl, parse.GetValue(peerDir), runTimeout, cancellationToken);

                var report = new BenchReport(scenario, settings.ResponsesUrl?.ToString() ?? "in-process emulator", journalName, engine, fullSend, sdk, started, load);
                if (parse.GetValue(json)) BenchJsonWriter.Write(report, stdout);
                else BenchTableWriter.Write(report, stdout);
                return report.Failed == 0
                    ? 0
                    : throw new CommandFailedException($"{report.Failed} conversations failed; first: {report.Runs.FirstOrDefault(r => r.FirstFailure is not null)?.FirstFailure ?? "not reported"}");
            }
            finally
            {
                if (dataOption is null) DeleteQuietly(root);
            }
        }));
        return command;
    }

    private static void DeleteQuietly(string directory)
    {
        // Pooled SQLite connections keep the journal files open.
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: the OS cleans its temporary directory eventually.
        }
    }

    private static int Positive(int value, string option) =>
        value > 0 ? value : throw new ConfigurationException($"{option} must be positive, not {value}.");

    private static int NonNegative(int value, string option) =>
        value >= 0 ? value : throw new ConfigurationException($"{option} must not be negative, not {value}.");
}
