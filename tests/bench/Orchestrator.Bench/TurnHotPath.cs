using Akka.Actor;
using BenchmarkDotNet.Attributes;
using Orchestrator.Actors.Conversation;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;
using Orchestrator.Messages.Serialization;

namespace Orchestrator.Bench;

/// <summary>
/// The engine's own work for one model turn of a tool round, end to end but without actors, sockets or the journal:
/// parse <c>response.completed</c>, persist-serialise the response and its 3 tool results, apply them to the state,
/// plan and serialise the continuation. Its allocated bytes are the "allocations per turn" of BENCHMARKS.md.
/// </summary>
[MemoryDiagnoser]
public class TurnHotPath
{
    private ActorSystem _system = null!;
    private PersistedEventSerializer _serializer = null!;
    private ConversationState _before = null!;
    private byte[] _completedFrame = null!;
    private ToolResultRecorded[] _results = null!;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("bench");
        _serializer = new PersistedEventSerializer((ExtendedActorSystem)_system);
        // Awaiting round 10's response: round 9's outputs were sent.
        _before = SampleConversation.After(rounds: 9);
        _completedFrame = SampleConversation.CompletedFrame(round: 10);
        _results = Enumerable.Range(0, SampleConversation.Calls).Select(call => SampleConversation.ToolResultOf(round: 10, call)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    [Benchmark(Description = "one tool round (1 response, 3 results, 1 continuation)")]
    public int OneRound()
    {
        var completed = (ResponseLifecycleEvent)ServerEventParser.Parse(_completedFrame);
        var recorded = new ResponseRecorded(completed.Response.Id, completed.Response.Output, completed.Response.Usage);
        var bytes = _serializer.ToBinary(recorded).Length;
        var state = _before.Apply(recorded);
        foreach (var result in _results)
        {
            bytes += _serializer.ToBinary(result).Length;
            state = state.Apply(result);
        }
        var plan = NextRequestPlanner.Plan(state, state.LastResponseId, chainLost: false);
        return bytes + plan.ToRequest(state.Settings!, SampleConversation.Tools).ToUtf8Bytes().Length;
    }
}
