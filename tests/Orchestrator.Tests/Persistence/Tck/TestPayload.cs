using Akka.Actor;

namespace Orchestrator.Tests.Persistence.Tck;

/// <summary>
/// The TCK's event and snapshot that carries an actor reference (Akka.Persistence.TCK.Serialization.TestPayload),
/// serialised by <see cref="TestSerializer"/>: it shows that the plugin serialises with the system's transport
/// information set, as a reference needs it to be written with its address.
/// </summary>
public sealed record TestPayload(IActorRef Ref);
