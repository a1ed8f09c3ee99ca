using Microsoft.Extensions.Hosting;

namespace Orchestrator.Cli;

/// <summary>
/// The host's lifetime when a CLI command runs it: the command owns Ctrl+C and SIGTERM (and disposes the node),
/// so the host neither listens for signals nor prints lifetime banners.
/// </summary>
internal sealed class CommandOwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
