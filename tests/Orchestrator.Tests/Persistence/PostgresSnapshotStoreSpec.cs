using Orchestrator.Hosting.Configuration;
using Orchestrator.Persistence.Sql;
using Orchestrator.Tests.Support;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// <see cref="PostgresSnapshotStore"/>, the node's snapshot store on PostgreSQL, loads what the plugin's own store loads
/// — the same snapshot, its sequence number and time — read side by side from one database, as on SQLite
/// (<see cref="SqliteSnapshotStoreSpec"/>).
/// </summary>
public sealed class PostgresSnapshotStoreSpec
{
    [PostgresFact]
    public Task Loads_what_the_plugins_store_loads() =>
        SqliteSnapshotStoreSpec.LoadsWhatThePluginsStoreLoadsAsync(JournalKind.Postgres, typeof(PostgresSnapshotStore));
}
