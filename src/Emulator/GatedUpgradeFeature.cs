using Microsoft.AspNetCore.Http.Features;

namespace Orchestrator.Emulator;

/// <summary>
/// Stands in for Kestrel's upgrade feature so that ASP.NET's WebSocket handshake runs unchanged
/// while the WebSocket it creates writes through a <see cref="GatedStream"/> the emulator shares.
/// </summary>
internal sealed class GatedUpgradeFeature(IHttpUpgradeFeature inner) : IHttpUpgradeFeature
{
    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    /// <summary>The stream handed to the WebSocket; null until the upgrade.</summary>
    public GatedStream? Stream { get; private set; }

    public async Task<Stream> UpgradeAsync()
    {
        Stream = new GatedStream(await inner.UpgradeAsync());
        return Stream;
    }
}
