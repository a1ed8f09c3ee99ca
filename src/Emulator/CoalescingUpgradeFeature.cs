using Microsoft.AspNetCore.Http.Features;

namespace Orchestrator.Emulator;

/// <summary>
/// Stands in for Kestrel's upgrade feature so that ASP.NET's WebSocket handshake runs unchanged
/// while the WebSocket it creates writes through a <see cref="CoalescingStream"/>.
/// </summary>
internal sealed class CoalescingUpgradeFeature(IHttpUpgradeFeature inner) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    /// <summary>The stream handed to the WebSocket; null until the upgrade.</summary>
    public CoalescingStream? Stream { get; private set; }

    public async Task<Stream> UpgradeAsync()
    {
        Stream = new CoalescingStream(await inner.UpgradeAsync());
        return Stream;
    }
}
