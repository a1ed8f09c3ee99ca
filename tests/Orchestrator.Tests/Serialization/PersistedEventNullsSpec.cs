using Akka.Actor;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Messages.Serialization;
using Xunit;

namespace Orchestrator.Tests.Serialization;

/// <summary>Events whose optional fields are null survive the journal (found by the serializer micro benchmark).</summary>
public sealed class PersistedEventNullsSpec : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("nulls");

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    public static TheoryData<IPersistedEvent> EventsWithNulls() =>
    [
        new ResponseRecorded("resp_1", [Item.UserMessage("hi")], Usage: null),
        new ConversationStarted(new ConversationSettings("gpt-5.1", Instructions: null, Store: false)),
    ];

    [Theory]
    [MemberData(nameof(EventsWithNulls))]
    public void An_event_with_a_null_field_reads_back_equal(IPersistedEvent original)
    {
        var serializer = new PersistedEventSerializer((ExtendedActorSystem)_system);

        var read = serializer.FromBinary(serializer.ToBinary(original), serializer.Manifest(original));

        Assert.Equal(original.GetType(), read.GetType());
        Assert.Equal(System.Text.Encoding.UTF8.GetString(serializer.ToBinary(original)), System.Text.Encoding.UTF8.GetString(serializer.ToBinary(read)));
    }
}
