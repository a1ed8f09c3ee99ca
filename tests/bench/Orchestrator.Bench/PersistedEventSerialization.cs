using Akka.Actor;
using BenchmarkDotNet.Attributes;
using Orchestrator.Messages.Events;
using Orchestrator.Messages.Serialization;

namespace Orchestrator.Bench;

/// <summary>Every journal write and every recovered event goes through <see cref="PersistedEventSerializer"/>.</summary>
[MemoryDiagnoser]
public class PersistedEventSerialization
{
    private ActorSystem _system = null!;
    private PersistedEventSerializer _serializer = null!;
    private readonly ResponseRecorded _response = SampleConversation.ResponseRecordedOf(round: 10);
    private readonly ToolResultRecorded _result = SampleConversation.ToolResultOf(round: 10, call: 0);
    private byte[] _responseBytes = null!;
    private string _responseManifest = null!;

    [GlobalSetup]
    public void Setup()
    {
        _system = ActorSystem.Create("bench");
        _serializer = new PersistedEventSerializer((ExtendedActorSystem)_system);
        _responseBytes = _serializer.ToBinary(_response);
        _responseManifest = _serializer.Manifest(_response);
    }

    [GlobalCleanup]
    public void Cleanup() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));

    [Benchmark(Description = "ToBinary ResponseRecorded, 3 calls")]
    public byte[] ResponseToBinary() => _serializer.ToBinary(_response);

    [Benchmark(Description = "ToBinary ToolResultRecorded")]
    public byte[] ToolResultToBinary() => _serializer.ToBinary(_result);

    [Benchmark(Description = "FromBinary ResponseRecorded, 3 calls")]
    public object ResponseFromBinary() => _serializer.FromBinary(_responseBytes, _responseManifest);
}
