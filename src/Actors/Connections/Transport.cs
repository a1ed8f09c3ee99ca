namespace Orchestrator.Actors.Connections;

/// <summary>The transport a lease sends on.</summary>
public enum Transport
{
    /// <summary>A lane of a <see cref="ResponsesSocket"/>: its connection-local cache can continue a <c>store=false</c> chain.</summary>
    WebSocket,

    /// <summary>One request of <see cref="ResponsesHttp"/>: nothing is cached between requests.</summary>
    Http,
}
