using Akka.Actor;
using Akka.Configuration;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orchestrator.Actors.Tools;
using Orchestrator.Emulator;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Client;
using Orchestrator.Hosting.Configuration;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;

namespace Orchestrator.Cli;

/// <summary>
/// A running node: the Akka.Hosting host with the journal, connection manager and conversation region,
/// plus the embedded emulator when no endpoint is configured. Disposing stops both.
/// </summary>
public sealed class OrchestratorNode : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly EmulatorServer? _emulator;
    private readonly DataDirectoryLock? _lock;

    private OrchestratorNode(IHost host, EmulatorServer? emulator, DataDirectoryLock? dataLock, Uri responsesUrl, ConversationClient client)
    {
        _host = host;
        _emulator = emulator;
        _lock = dataLock;
        ResponsesUrl = responsesUrl;
        Client = client;
    }

    public Uri ResponsesUrl { get; }

    public bool UsesEmbeddedEmulator => _emulator is not null;

    public ConversationClient Client { get; }

    public IServiceProvider Services => _host.Services;

    public static async Task<OrchestratorNode> StartAsync(
        OrchestratorSettings settings,
        ToolRegistry tools,
        LogLevel logLevel = LogLevel.Warning,
        CancellationToken cancellationToken = default,
        TimeSpan? askTimeout = null,
        RegionKind region = RegionKind.Sharded)
    {
        // First: a second node on the same journal is refused before anything starts.
        var dataLock = DataDirectoryLock.Acquire(settings);
        // The embedded emulator starts beside the journal and the host: only the connection manager needs its URL, and
        // the node's first actors wait for it (the compile work of Kestrel's start and the actor system's overlaps).
        var emulatorStart = settings.ResponsesUrl is null
            ? Task.Run(() => EmulatorServer.StartAsync(new EmulatorOptions(), cancellationToken), cancellationToken)
            : null;
        // The journal is checked while the host is built (the first use of SQLite loads and compiles its library, about
        // as long as the build), and before the host starts: a host that fails to start logs the error with its stack
        // trace, and a bad journal is the user's to fix from one line.
        var journalCheck = Task.Run(() => JournalStore.For(settings).PrepareAsync(cancellationToken), cancellationToken);
        IHost? host = null;
        var hostStarting = false;
        try
        {
            Config? journal = null;
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            builder.Logging.ClearProviders();
            // stdout belongs to the command's output (text or JSON lines); every log line goes to stderr.
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Logging.SetMinimumLevel(logLevel);
            builder.Services.AddSingleton<IHostLifetime, CommandOwnedLifetime>();
            builder.Services.AddAkka("orchestrator", (akka, _) =>
            {
                akka.ConfigureLoggers(loggers =>
                {
                    loggers.LogLevel = ToAkka(logLevel);
                    loggers.ClearLoggers();
                    loggers.AddLoggerFactory();
                });
                // The journal and snapshot plugins start with the node, on the dispatcher's threads, rather than at the
                // first conversation's recovery: their start (the plugin's DAO, its stream materializer) then overlaps
                // the rest of the start-up.
                akka.WithActors((system, _) =>
                {
                    var persistence = Akka.Persistence.Persistence.Instance.Apply(system);
                    persistence.JournalFor(null);
                    persistence.SnapshotStoreFor(null);
                });
                akka.WithOrchestrator(settings, journal!, () => settings.ResponsesUrl ?? emulatorStart!.GetAwaiter().GetResult().ResponsesUrl, tools, region);
            });

            host = builder.Build();
            journal = await journalCheck.ConfigureAwait(false);
            hostStarting = true;
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            // The emulator's own failure, if it failed, rather than the host's.
            var emulator = emulatorStart is null ? null : await emulatorStart.ConfigureAwait(false);
            var responsesUrl = settings.ResponsesUrl ?? emulator!.ResponsesUrl;
            var registry = host.Services.GetRequiredService<ActorRegistry>();
            var system = host.Services.GetRequiredService<Akka.Actor.ActorSystem>();
            var client = new ConversationClient(system, registry.Get<ConversationRegion>(), askTimeout ?? TimeSpan.FromSeconds(30));
            return new OrchestratorNode(host, emulator, dataLock, responsesUrl, client);
        }
        catch
        {
            if (host is not null)
            {
                if (hostStarting) await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
                host.Dispose();
            }
            // The check is done with the data directory before its lock is let go.
            await Task.WhenAny(journalCheck).ConfigureAwait(false);
            if (emulatorStart is not null)
            {
                // A start that failed has nothing to stop; its error is the one thrown already or a consequence of it.
                var started = await Task.WhenAny(emulatorStart).ConfigureAwait(false);
                if (started.IsCompletedSuccessfully) await started.Result.DisposeAsync().ConfigureAwait(false);
            }
            dataLock?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the connection manager's first socket for <paramref name="conversationId"/> without waiting for it, so that
    /// the connect overlaps the conversation's recovery and its turn finds the socket open (see <see cref="SocketOpener"/>).
    /// </summary>
    public void OpenSocketAhead(string conversationId)
    {
        var registry = Services.GetRequiredService<ActorRegistry>();
        Services.GetRequiredService<ActorSystem>().ActorOf(SocketOpener.Props(registry.Get<ConnectionManagerActor>(), conversationId), "socket-opener");
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await _host.StopAsync(timeout.Token).ConfigureAwait(false);
        _host.Dispose();
        if (_emulator is not null) await _emulator.DisposeAsync().ConfigureAwait(false);
        _lock?.Dispose();
    }

    private static Akka.Event.LogLevel ToAkka(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => Akka.Event.LogLevel.DebugLevel,
        LogLevel.Information => Akka.Event.LogLevel.InfoLevel,
        LogLevel.Warning => Akka.Event.LogLevel.WarningLevel,
        _ => Akka.Event.LogLevel.ErrorLevel,
    };
}
