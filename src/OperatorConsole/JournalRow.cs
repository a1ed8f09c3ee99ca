using Orchestrator.Messages.Events;

namespace Orchestrator.OperatorConsole;

/// <summary>One event of a conversation as the journal holds it: its sequence number, when it was written, the event.</summary>
public sealed record JournalRow(long SequenceNr, DateTimeOffset Written, IPersistedEvent Event);
