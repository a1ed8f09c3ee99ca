namespace Orchestrator.Actors.Connections;

/// <summary>New leases go over <paramref name="To"/> from now on; <paramref name="Reason"/> is the metric's tag, <paramref name="Why"/> the log's words.</summary>
public sealed record TransportSwitch(Transport To, string Reason, string Why)
{
    public const string UpgradeRefused = "upgrade_refused";
    public const string FailedConnects = "failed_connects";
    public const string WebSocketConnected = "websocket_connected";
}
