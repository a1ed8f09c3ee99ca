using System.Collections.Immutable;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Orchestrator.Messages.Events;

namespace Orchestrator.Tests.Support;

/// <summary>
/// The in-memory journal, except that it publishes every write it receives on the event stream as <see cref="Written"/>,
/// and, once the test has sent <see cref="Hold"/> (<see cref="HoldResponses"/>), confirms a write carrying a tool result
/// (a recorded response) only when the test sends <see cref="Release"/> (one per held write, in order). The events are
/// stored at once; only the confirmation the persistent actor waits for is held.
/// </summary>
public sealed class HeldWritesJournal : MemoryJournal
{
    private readonly Queue<TaskCompletionSource> _held = new();
    private bool _holding;
    private bool _holdingResponses;

    protected override Task<IImmutableList<Exception?>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages, CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        var events = writes.SelectMany(w => (IImmutableList<IPersistentRepresentation>)w.Payload).Select(p => p.Payload).ToList();
        Context.System.EventStream.Publish(new Written(events));
        var stored = base.WriteMessagesAsync(writes, cancellationToken);
        var held = (_holding && events.OfType<ToolResultRecorded>().Any()) || (_holdingResponses && events.OfType<ResponseRecorded>().Any());
        if (!held) return stored;

        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _held.Enqueue(release);
        return HeldAsync(stored, release.Task);
    }

    protected override bool ReceivePluginInternal(object message)
    {
        switch (message)
        {
            case Hold:
                _holding = true;
                return true;
            case HoldResponses:
                _holdingResponses = true;
                return true;
            case Release:
                _held.Dequeue().SetResult();
                return true;
            default:
                return base.ReceivePluginInternal(message);
        }
    }

    private static async Task<IImmutableList<Exception?>> HeldAsync(Task<IImmutableList<Exception?>> stored, Task release)
    {
        await release;
        return await stored;
    }

    /// <summary>One write as the journal received it: the events of all its atomic writes, in order.</summary>
    public sealed record Written(IReadOnlyList<object> Events);

    public sealed class Hold
    {
        public static readonly Hold Instance = new();

        private Hold()
        {
        }
    }

    public sealed class HoldResponses
    {
        public static readonly HoldResponses Instance = new();

        private HoldResponses()
        {
        }
    }

    public sealed class Release
    {
        public static readonly Release Instance = new();

        private Release()
        {
        }
    }
}
