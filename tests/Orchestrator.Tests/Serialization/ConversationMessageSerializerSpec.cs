using Akka.Actor;
using Orchestrator.Messages.Conversations;
using Orchestrator.Messages.Protocol;
using Orchestrator.Messages.Serialization;
using Xunit;

namespace Orchestrator.Tests.Serialization;

/// <summary>Messages that cross cluster nodes read back as they were, raw JSON items and actor references included.</summary>
public sealed class ConversationMessageSerializerSpec : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("messages");

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    public static TheoryData<IWithConversationId> Messages() =>
    [
        new SendMessage("c-1", "hello", "m-1"),
        new MessageAccepted("c-1", "m-1", Duplicate: true),
        new MessageRejected("c-1", "32 messages wait; the limit is 32", MessageRejectionCodes.QueueFull),
        new ConversationTranscript(
            "c-1", true, "gpt-5.1", null,
            new ConversationStatus("c-1", "Idle", "resp_1", 2, 0, 0, "done"),
            [Item.UserMessage("hi"), Item.Parse("""{"type":"reasoning","encrypted_content":"gAAA","unknown_field":[1,{"x":null}]}""")]),
        new TurnCompleted("c-1", ["m-1"], "resp_2", "answer", new TurnStats(2, 3, 400, 1, 1, 0, TimeSpan.FromMilliseconds(1234))),
        new ToolCallFinished("c-1", "call_1", "get_weather", "{}", IsError: false, TimeSpan.FromMilliseconds(20)),
        new CreateConversation("c-1", "m", null, new Orchestrator.Messages.Events.ConversationToolSettings(
            [new Orchestrator.Messages.Events.ClientTool("lookup", null, System.Text.Json.JsonDocument.Parse("""{"type":"object"}""").RootElement)],
            ToolChoice: System.Text.Json.JsonDocument.Parse("\"auto\"").RootElement, ClientToolTimeout: TimeSpan.FromSeconds(5))),
        new ConversationRejected("c-1", "a name clash"),
        new SubmitToolResult("c-1", "call_1", "42"),
        new ToolResultAccepted("c-1", "call_1", Duplicate: true),
        new ToolResultRejected("c-1", "call_9", ToolResultRejectionCodes.UnknownCall, "no such call"),
        new ToolResultRequired("c-1", "call_1", "lookup", "{}"),
        new ConversationStatus("c-1", "RunningTools", "resp_1", 2, 1, 0, null, [new WaitingToolCall("call_1", "lookup", "{}", DateTimeOffset.UnixEpoch)]),
    ];

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_message_reads_back_equal(IWithConversationId original)
    {
        var serializer = new ConversationMessageSerializer((ExtendedActorSystem)_system);

        var read = serializer.FromBinary(serializer.ToBinary(original), serializer.Manifest(original));

        Assert.Equal(original.GetType(), read.GetType());
        Assert.Equal(System.Text.Encoding.UTF8.GetString(serializer.ToBinary(original)), System.Text.Encoding.UTF8.GetString(serializer.ToBinary(read)));
    }

    [Fact]
    public void A_rejection_from_a_node_that_sends_no_code_reads_with_none()
    {
        var serializer = new ConversationMessageSerializer((ExtendedActorSystem)_system);
        var manifest = serializer.Manifest(new MessageRejected("c-1", "why"));

        var read = (MessageRejected)serializer.FromBinary("""{"conversation_id":"c-1","reason":"The message is empty."}"""u8.ToArray(), manifest);

        Assert.Equal(new MessageRejected("c-1", "The message is empty."), read);
    }

    [Fact]
    public void A_subscription_carries_its_subscriber()
    {
        var serializer = new ConversationMessageSerializer((ExtendedActorSystem)_system);
        var subscriber = _system.ActorOf(Props.Empty, "subscriber");
        var original = new Subscribe("c-1", subscriber);

        var read = (Subscribe)serializer.FromBinary(serializer.ToBinary(original), serializer.Manifest(original));

        Assert.Equal("c-1", read.ConversationId);
        Assert.Equal(subscriber, read.Subscriber);
    }

    [Fact]
    public void Engine_conf_binds_conversation_messages_to_it()
    {
        var config = Akka.Configuration.ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "hocon", "engine.conf")));
        using var bound = ActorSystem.Create("bound", config);

        var serializer = bound.Serialization.FindSerializerFor(new GetConversationStatus("c-1"));

        Assert.IsType<ConversationMessageSerializer>(serializer);
    }
}
