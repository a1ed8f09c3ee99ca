using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Actors.Tools;
using Orchestrator.Actors.Tools.Demo;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Hosting.Configuration;
using Orchestrator.Messages.Conversations;
using Orchestrator.Tests.Support;
using Orchestrator.Tools.Mcp;
using Xunit;

namespace Orchestrator.Tests.Tools;

/// <summary>
/// A real node with the C# demo tools and the test MCP server (a stdio process built with the same SDK), against the
/// emulator: the model's calls mix both kinds in one response; the server's failing tool and the server's death are
/// error outputs, never a failed turn; the server is reconnected for the next turn.
/// </summary>
public sealed class McpToolSourceSpec : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly ToolRegistry _tools = DemoTools.Register(new ToolRegistry());
    private readonly McpTestServerProcess _server = new();
    private TestJournal _journal = null!;
    private EmulatorServer _emulator = null!;

    public async Task InitializeAsync()
    {
        _journal = await TestJournal.CreateAsync(JournalKind.Sqlite);
        _emulator = await EmulatorServer.StartAsync(new EmulatorOptions());
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        await _journal.DisposeAsync();
        _server.Dispose();
    }

    [Fact]
    public async Task A_response_mixing_mcp_and_csharp_tools_ends_with_the_exact_digest_and_the_failing_tool_is_an_error_output()
    {
        await using var node = await StartNodeAsync();

        // Four C# tools and two MCP tools declared: six calls in one response call each once.
        var updates = await node.RunTurnAsync("c-mcp-mix", "go tools:6", Bound);

        Assert.Contains("calls=6 outputs=6 missing=0 duplicates=0", updates.Completed().Text);
        var finished = updates.OfType<ToolCallFinished>().ToDictionary(f => f.Name);
        Assert.Equal(["calculate", "convert_units", "get_local_time", "get_weather", "test__always_fails", "test__slow_echo"], finished.Keys.Order(StringComparer.Ordinal));
        Assert.All(finished.Values.Where(f => !f.Name.StartsWith("test__", StringComparison.Ordinal)), f => Assert.False(f.IsError, f.Output));
        Assert.False(finished["test__slow_echo"].IsError, finished["test__slow_echo"].Output);
        Assert.StartsWith("echo: ", finished["test__slow_echo"].Output, StringComparison.Ordinal);
        Assert.True(finished["test__slow_echo"].Duration >= TimeSpan.FromMilliseconds(200), $"slow_echo took {finished["test__slow_echo"].Duration}");
        var (kind, message) = Error(finished["test__always_fails"].Output);
        Assert.Equal("threw", kind);
        Assert.Contains("on purpose", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_killed_mid_call_gives_error_outputs_and_is_reconnected_for_the_next_turn()
    {
        await using var node = await StartNodeAsync();
        using var statuses = new StatusWatch(node.Services.GetRequiredService<ActorSystem>());
        var firstPid = _server.Pid;
        // Far longer than the turn may take: the call can only end by the kill.
        _server.SlowEchoWaits(TimeSpan.FromMinutes(5));

        var turn = node.RunTurnAsync("c-mcp-kill", "go tools:6", Bound);
        await Poll.UntilAsync(() => _server.StartedCalls == 1, Bound, () => "slow_echo never started");
        using (var process = Process.GetProcessById(firstPid)) process.Kill();
        var first = await turn;

        Assert.Contains("calls=6 outputs=6 missing=0 duplicates=0", first.Completed().Text);
        var slow = first.OfType<ToolCallFinished>().Single(f => f.Name == "test__slow_echo");
        Assert.Equal("unavailable", Error(slow.Output).Kind);
        Assert.True(slow.Duration < Bound, $"the lost call took {slow.Duration}");

        await statuses.NextAsync(s => s.Connected, Bound);
        Assert.NotEqual(firstPid, _server.Pid);
        _server.SlowEchoWaits(TimeSpan.FromMilliseconds(50));

        var second = await node.RunTurnAsync("c-mcp-kill", "again tools:6", Bound);

        Assert.Contains("calls=12 outputs=12 missing=0 duplicates=0", second.Completed().Text);
        Assert.StartsWith("echo: ", second.OfType<ToolCallFinished>().Single(f => f.Name == "test__slow_echo").Output, StringComparison.Ordinal);
    }

    private async Task<OrchestratorNode> StartNodeAsync()
    {
        var settings = OrchestratorSettings.Load(_journal.Environment(), _journal.DataDirectory, _emulator.ResponsesUrl.ToString());
        settings = settings with
        {
            Mcp = settings.Mcp with { Servers = [_server.Server()], MinBackoff = TimeSpan.FromMilliseconds(50), MaxBackoff = TimeSpan.FromMilliseconds(500) },
        };
        var node = await OrchestratorNode.StartAsync(settings, _tools);
        // The node's start waits for its servers' first connection: the first turn sees their tools.
        Assert.True(_tools.Contains("test__slow_echo") && _tools.Contains("test__always_fails"), "the MCP server's tools were not declared when the node started");
        return node;
    }

    private static (string Kind, string Message) Error(string output)
    {
        using var document = JsonDocument.Parse(output);
        var error = document.RootElement.GetProperty("error");
        return (error.GetProperty("kind").GetString()!, error.GetProperty("message").GetString()!);
    }

    /// <summary>The <see cref="McpServerStatus"/> events of a node, from the moment it is made.</summary>
    private sealed class StatusWatch : IDisposable
    {
        private readonly Channel<McpServerStatus> _statuses = Channel.CreateUnbounded<McpServerStatus>();
        private readonly ActorSystem _system;
        private readonly IActorRef _forwarder;

        public StatusWatch(ActorSystem system)
        {
            _system = system;
            var writer = _statuses.Writer;
            _forwarder = system.ActorOf(Props.Create(() => new Forwarder(writer)));
            system.EventStream.Subscribe(_forwarder, typeof(McpServerStatus));
        }

        public async Task<McpServerStatus> NextAsync(Func<McpServerStatus, bool> match, TimeSpan bound)
        {
            using var deadline = new CancellationTokenSource(bound);
            while (true)
            {
                var status = await _statuses.Reader.ReadAsync(deadline.Token);
                if (match(status)) return status;
            }
        }

        public void Dispose() => _system.Stop(_forwarder);

        private sealed class Forwarder : ReceiveActor
        {
            public Forwarder(ChannelWriter<McpServerStatus> writer) => Receive<McpServerStatus>(status => writer.TryWrite(status));
        }
    }
}
