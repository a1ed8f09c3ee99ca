using ModelContextProtocol.Client;

namespace Orchestrator.Tools.Mcp;

/// <summary>One connection to a server: its client, and a token cancelled when the connection is lost, so that calls
/// still waiting on it end at once as unavailable rather than at their timeout.</summary>
internal sealed class McpSession(McpClient client, int generation)
{
    private readonly CancellationTokenSource _lost = new();

    public McpClient Client => client;

    /// <summary>Which connection of its server this is; messages about an older one are ignored.</summary>
    public int Generation => generation;

    public CancellationToken Lost => _lost.Token;

    /// <summary>Ends the calls in flight and the client (for a stdio server, its process); never throws.</summary>
    public async Task CloseAsync()
    {
        await _lost.CancelAsync().ConfigureAwait(false);
        try
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or OperationCanceledException or ObjectDisposedException)
        {
            // The connection is gone either way; a failing shutdown leaves nothing of ours behind.
        }
    }
}
