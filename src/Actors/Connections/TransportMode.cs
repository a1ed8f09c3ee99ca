using Orchestrator.Actors.Settings;

namespace Orchestrator.Actors.Connections;

/// <summary><c>orchestrator.connections.transport</c>: which transports a node may use to reach its endpoint.</summary>
public enum TransportMode
{
    /// <summary>WebSockets, falling back to HTTP for a cool-down when they are refused or keep failing (<see cref="TransportSelector"/>).</summary>
    Auto,

    /// <summary>WebSockets only: a refused upgrade fails the turns after their retries.</summary>
    WebSocket,

    /// <summary>HTTP only: every request a <c>POST …/responses</c> with <c>stream: true</c>.</summary>
    Http,
}

public static class TransportModes
{
    /// <summary>The names written in HOCON and shown in logs and metrics.</summary>
    public static string Name(this TransportMode mode) => mode switch
    {
        TransportMode.Auto => "auto",
        TransportMode.WebSocket => "websocket",
        TransportMode.Http => "http",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    public static string Name(this Transport transport) => transport == Transport.Http ? "http" : "websocket";

    /// <summary>The mode under <paramref name="key"/>; any other value is refused naming the key and the choices.</summary>
    public static TransportMode Parse(SettingsReader reader, string key)
    {
        var text = reader.String(key).Trim();
        foreach (var mode in Enum.GetValues<TransportMode>())
            if (string.Equals(mode.Name(), text, StringComparison.OrdinalIgnoreCase)) return mode;
        throw new SettingsException($"{reader.Key(key)} must be auto, websocket or http, not '{text}'.");
    }
}
