using BenchmarkDotNet.Attributes;
using Orchestrator.Actors.Conversation;

namespace Orchestrator.Bench;

/// <summary>
/// Deciding what the next <c>response.create</c> carries and serialising it, at turn 2 and turn 20 of a chain:
/// the continuation should cost the same at both; the full send grows with the history.
/// </summary>
[MemoryDiagnoser]
public class RequestBuilding
{
    private ConversationState _state = null!;

    [Params(1, 19)]
    public int RoundsDone { get; set; }

    [GlobalSetup]
    public void Setup() => _state = SampleConversation.After(RoundsDone);

    [Benchmark(Description = "NextRequestPlanner.Plan (warm chain)")]
    public RequestPlan Plan() => NextRequestPlanner.Plan(_state, _state.LastResponseId, chainLost: false);

    [Benchmark(Description = "plan + build + serialise, continuation")]
    public byte[] Continuation() =>
        NextRequestPlanner.Plan(_state, _state.LastResponseId, chainLost: false).ToRequest(SampleConversation.Settings, SampleConversation.Tools).ToUtf8Bytes();

    [Benchmark(Description = "plan + build + serialise, full send")]
    public byte[] FullSend() =>
        NextRequestPlanner.Plan(_state, _state.LastResponseId, chainLost: true).ToRequest(SampleConversation.Settings, SampleConversation.Tools).ToUtf8Bytes();
}
