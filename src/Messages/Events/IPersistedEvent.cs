namespace Orchestrator.Messages.Events;

/// <summary>Marker for everything written to the journal; bound in HOCON to <see cref="Serialization.PersistedEventSerializer"/>.</summary>
public interface IPersistedEvent;
