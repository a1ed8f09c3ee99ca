using System.Diagnostics.Metrics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Orchestrator.Actors.Diagnostics;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// The conversation region of a process that forms no cluster (the CLI's one-shot <c>run</c>): a plain parent with one
/// child per conversation id, speaking the part of the shard protocol a conversation uses. A child that asks to
/// <see cref="Passivate"/> gets its stop message; what arrives for it until it has stopped is buffered and handed to
/// its next incarnation, started at once, as a shard does. Nothing is remembered: open work of other conversations is
/// not started, and a conversation resumes its own when its next message starts it.
/// </summary>
/// <remarks>
/// The buffer holds at most <see cref="MaxBuffered"/> messages over all passivating conversations (metric
/// <see cref="BufferedMetric"/>); past it a message goes to dead letters with a warning, as past a shard region's
/// <c>buffer-size</c>.
/// </remarks>
public sealed class LocalConversationRegion : ReceiveActor
{
    /// <summary>The buffer's bound; sharding's default <c>buffer-size</c>.</summary>
    public const int MaxBuffered = 100_000;

    /// <summary>Messages held for passivating conversations, on meter <see cref="EngineMetrics.MeterName"/>.</summary>
    public const string BufferedMetric = "orchestrator.region.buffered";

    private static readonly Meter Meter = new(EngineMetrics.MeterName);
    private static readonly UpDownCounter<int> Buffered = Meter.CreateUpDownCounter<int>(BufferedMetric);

    private readonly Func<string, Props> _entityProps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Dictionary<string, IActorRef> _children = [];
    private readonly Dictionary<IActorRef, string> _ids = [];
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _passivating = [];
    private int _buffered;

    public LocalConversationRegion(Func<string, Props> entityProps)
    {
        _entityProps = entityProps;
        Receive<Passivate>(OnPassivate);
        Receive<Terminated>(OnTerminated);
        Receive<IWithConversationId>(message => Deliver(message.ConversationId, message, Sender));
    }

    public static Props Props(Func<string, Props> entityProps) => Akka.Actor.Props.Create(() => new LocalConversationRegion(entityProps));

    private void Deliver(string id, object message, IActorRef sender)
    {
        if (_passivating.TryGetValue(id, out var buffer))
        {
            if (_buffered >= MaxBuffered)
            {
                _log.Warning("Conversation {0} is stopping and {1} messages wait already: {2} dropped", id, _buffered, message.GetType().Name);
                Context.System.DeadLetters.Tell(new DeadLetter(message, sender, Self));
                return;
            }
            buffer.Add((message, sender));
            _buffered++;
            Buffered.Add(1);
            return;
        }
        Child(id).Tell(message, sender);
    }

    private IActorRef Child(string id)
    {
        if (_children.TryGetValue(id, out var child)) return child;
        child = Context.Watch(Context.ActorOf(_entityProps(id), Uri.EscapeDataString(id)));
        _children[id] = child;
        _ids[child] = id;
        return child;
    }

    private void OnPassivate(Passivate passivate)
    {
        if (!_ids.TryGetValue(Sender, out var id) || _passivating.ContainsKey(id)) return;
        _passivating[id] = [];
        Sender.Tell(passivate.StopMessage);
    }

    private void OnTerminated(Terminated terminated)
    {
        if (!_ids.Remove(terminated.ActorRef, out var id)) return;
        _children.Remove(id);
        if (!_passivating.Remove(id, out var buffer) || buffer.Count == 0) return;
        _buffered -= buffer.Count;
        Buffered.Add(-buffer.Count);
        foreach (var (message, sender) in buffer) Child(id).Tell(message, sender);
    }
}
