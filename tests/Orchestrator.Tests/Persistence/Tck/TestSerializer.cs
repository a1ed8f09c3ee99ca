using System.Runtime.Serialization;
using System.Text;
using Akka.Actor;
using Akka.Serialization;

namespace Orchestrator.Tests.Persistence.Tck;

/// <summary>
/// The TCK's serializer of <see cref="TestPayload"/> (Akka.Persistence.TCK.Serialization.TestSerializer): it fails
/// unless the caller set the system's transport information (<c>Serialization.WithTransport</c>), both ways.
/// </summary>
public sealed class TestSerializer(ExtendedActorSystem actorSystem) : SerializerWithStringManifest(actorSystem)
{
    public override int Identifier => 666;

    public override byte[] ToBinary(object obj)
    {
        if (obj is not TestPayload payload) throw new SerializationException($"Unsupported message type [{obj?.GetType()}]");
        VerifyTransportInfo();
        return Encoding.UTF8.GetBytes(Akka.Serialization.Serialization.SerializedActorPath(payload.Ref));
    }

    public override object FromBinary(byte[] bytes, string manifest)
    {
        VerifyTransportInfo();
        return manifest == "A"
            ? new TestPayload(system.Provider.ResolveActorRef(Encoding.UTF8.GetString(bytes)))
            : throw new SerializationException($"Unsupported message type [{manifest}]");
    }

    public override string Manifest(object o) => o is TestPayload ? "A" : null!;

    private void VerifyTransportInfo()
    {
        // Throws when the caller did not set it.
        var information = Akka.Serialization.Serialization.GetCurrentTransportInformation();
        if (!information.System.Equals(system))
            throw new InvalidOperationException($"wrong system in CurrentTransportInformation, {information.System} != {system}");
        if (information.Address != system.Provider.DefaultAddress)
            throw new InvalidOperationException($"wrong address in CurrentTransportInformation, {information.Address} != {system.Provider.DefaultAddress}");
    }
}
