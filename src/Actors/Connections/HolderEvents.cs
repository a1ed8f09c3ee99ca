using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Connections;

/// <summary>
/// Which server events a socket or an HTTP stream passes on to the holder of the request. Every event still counts as
/// a sign of life for stall detection; the holder gets the ones it can act on. Items streamed one by one
/// (<c>response.output_item.added</c> / <c>.done</c>) come again, complete, in the terminal event's response, which is
/// what the holder records; events this client does not interpret (<see cref="OtherServerEvent"/>: argument deltas,
/// content parts, …) have no reader. Those two kinds are most of a response's frames (17 of the 28 of a turn with three
/// tool calls), each otherwise one more message through the holder's mailbox.
/// </summary>
public static class HolderEvents
{
    public static bool Forwarded(ServerEvent e) => e is not (OtherServerEvent or OutputItemEvent);
}
