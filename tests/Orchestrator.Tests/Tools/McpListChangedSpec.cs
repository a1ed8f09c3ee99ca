using System.IO.Pipelines;
using Akka.TestKit.Xunit2;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using Orchestrator.Actors.Tools;
using Orchestrator.Tools.Mcp;
using Xunit;

namespace Orchestrator.Tests.Tools;

/// <summary>
/// A server that changes its tools while connected: the SDK's server in this process, over a pair of pipes, adds or
/// removes a tool and sends <c>notifications/tools/list_changed</c>; the node's registry follows.
/// </summary>
public sealed class McpListChangedSpec : TestKit
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Tools_are_listed_again_when_the_server_says_its_list_changed()
    {
        var (clientToServer, serverToClient) = (new Pipe(), new Pipe());
        var tools = new McpServerPrimitiveCollection<McpServerTool> { McpServerTool.Create((string text) => text, new() { Name = "first" }) };
        await using var server = ModelContextProtocol.Server.McpServer.Create(
            new StreamServerTransport(clientToServer.Reader.AsStream(), serverToClient.Writer.AsStream()),
            new McpServerOptions { ToolCollection = tools });
        using var stop = new CancellationTokenSource();
        var serving = server.RunAsync(stop.Token);
        var registry = new ToolRegistry();
        Sys.EventStream.Subscribe(TestActor, typeof(McpServerStatus));

        var actor = Sys.ActorOf(McpServerActor.Props(
            new InProcessServer("inproc", new StreamClientTransport(clientToServer.Writer.AsStream(), serverToClient.Reader.AsStream())),
            registry,
            new McpSourceOptions(),
            _ => null));

        Assert.Equal(new McpServerStatus("inproc", true, 1), await ExpectMsgAsync<McpServerStatus>(Bound));
        Assert.Equal(["inproc__first"], registry.Definitions.Select(d => d.Name));

        var second = McpServerTool.Create((int count) => count + 1, new() { Name = "second" });
        tools.Add(second);
        await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification);
        await FishForMessageAsync<McpServerStatus>(status => status == new McpServerStatus("inproc", true, 2), Bound);
        Assert.Equal(["inproc__first", "inproc__second"], registry.Definitions.Select(d => d.Name));

        tools.Remove(tools.Single(t => t.ProtocolTool.Name == "first"));
        await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification);
        await FishForMessageAsync<McpServerStatus>(status => status == new McpServerStatus("inproc", true, 1), Bound);
        Assert.Equal(["inproc__second"], registry.Definitions.Select(d => d.Name));

        Sys.Stop(actor);
        await stop.CancelAsync();
        await serving.WaitAsync(Bound).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>A server reached through a transport the test made; usable for one connection.</summary>
    private sealed record InProcessServer(string ServerName, IClientTransport Transport) : Orchestrator.Tools.Mcp.McpServer(ServerName)
    {
        internal override IClientTransport CreateTransport(Func<string, string?> environment, Action<string> standardError) => Transport;
    }
}
