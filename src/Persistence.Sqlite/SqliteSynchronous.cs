namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// SQLite's <c>synchronous</c> setting for the embedded journal (<c>orchestrator.sqlite-synchronous</c>). In WAL mode,
/// <see cref="Full"/> (the default) syncs the log at every commit: a committed event survives a power loss.
/// <see cref="Normal"/> syncs only at checkpoints: a committed event survives the process being killed (the log is
/// in the operating system's cache), but a power loss or kernel crash may lose the last commits, never the
/// database's consistency. Each commit then costs no fsync, which is what bounds the journal's throughput.
/// </summary>
public enum SqliteSynchronous
{
    Full,
    Normal,
}

public static class SqliteSynchronousPragmas
{
    /// <summary>The statement every journal connection runs when it opens: the setting is per connection.</summary>
    public static string Pragma(this SqliteSynchronous synchronous) => $"PRAGMA synchronous = {synchronous.ToString().ToUpperInvariant()};";
}
