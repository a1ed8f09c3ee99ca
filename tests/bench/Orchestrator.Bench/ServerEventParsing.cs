using BenchmarkDotNet.Attributes;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Bench;

/// <summary>Every server frame goes through <see cref="ServerEventParser"/> on the socket's receive loop.</summary>
[MemoryDiagnoser]
public class ServerEventParsing
{
    private readonly byte[] _completed = SampleConversation.CompletedFrame(round: 10);
    private readonly byte[] _delta = SampleConversation.DeltaFrame;

    [Benchmark(Description = "response.completed, 3 function calls")]
    public ServerEvent Completed() => ServerEventParser.Parse(_completed);

    [Benchmark(Description = "function_call_arguments.delta")]
    public ServerEvent Delta() => ServerEventParser.Parse(_delta);
}
