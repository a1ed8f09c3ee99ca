using Orchestrator.Hosting.Configuration;

namespace Orchestrator.Hosting;

/// <summary>
/// One node per SQLite journal: two processes appending to the same conversations would race on sequence numbers.
/// A node holds an exclusive lock on <c>orchestrator.lock</c> in the data directory while it runs; the operating
/// system releases it when the process ends, however it ends, so a crash never leaves a stale lock behind.
/// Reading the journal (<c>inspect</c>) takes no lock. PostgreSQL journals are shared by a cluster's nodes and are not locked.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "orchestrator.lock";

    private readonly FileStream _file;

    private DataDirectoryLock(FileStream file) => _file = file;

    /// <summary>Null for journals that are not a local file.</summary>
    public static DataDirectoryLock? Acquire(OrchestratorSettings settings)
    {
        if (settings.Journal != JournalKind.Sqlite) return null;
        var path = Path.Combine(settings.DataDirectory, FileName);
        try
        {
            Directory.CreateDirectory(settings.DataDirectory);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new ConfigurationException($"Data directory '{settings.DataDirectory}' is not usable: {e.Message}", e);
        }
        try
        {
            return new DataDirectoryLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ConfigurationException($"Data directory '{settings.DataDirectory}' is not usable: {e.Message}", e);
        }
        catch (IOException e) when (File.Exists(path))
        {
            throw new ConfigurationException(
                $"The journal in '{settings.DataDirectory}' is in use by another node (a running 'serve' or 'run'). " +
                "Stop that node, or send your message to it over its HTTP API (POST /v1/conversations/{id}/messages), or use another --data directory.", e);
        }
        catch (IOException e)
        {
            throw new ConfigurationException($"Data directory '{settings.DataDirectory}' is not usable: {e.Message}", e);
        }
    }

    public void Dispose() => _file.Dispose();
}
