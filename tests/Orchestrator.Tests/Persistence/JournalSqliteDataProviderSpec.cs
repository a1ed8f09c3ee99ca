using System.Runtime.CompilerServices;
using LinqToDB;
using LinqToDB.Data;
using LinqToDB.Mapping;
using LinqToDB.Metrics;
using Orchestrator.Persistence.Sqlite;
using Xunit;

namespace Orchestrator.Tests.Persistence;

/// <summary>
/// The embedded journal's linq2db provider builds the SQL of the plugin's read queries — keyed by a persistence id —
/// once, and builds the same SQL linq2db would for each id; what could differ by value is still built per value.
/// </summary>
public sealed class JournalSqliteDataProviderSpec : IDisposable
{
    /// <summary>As the plugin maps its journal: the persistence id NOT NULL. <see cref="Tag"/> may hold NULL.</summary>
    public sealed class Row
    {
        public string PersistenceId { get; set; } = "";
        public long SequenceNumber { get; set; }
        public bool Deleted { get; set; }
        public string? Tag { get; set; }
    }

    private static readonly string[] Ids = ["a", "b", "c"];
    private static readonly AsyncLocal<StrongBox<int>?> SqlBuilds = new();

    static JournalSqliteDataProviderSpec() => ActivityService.AddFactory(id =>
    {
        if (id == ActivityID.BuildSql && SqlBuilds.Value is { } builds) builds.Value++;
        return null;
    });

    private readonly string _directory = Directory.CreateTempSubdirectory("orchestrator-provider-").FullName;
    private readonly MappingSchema _mapping = new();

    public JournalSqliteDataProviderSpec()
    {
        new FluentMappingBuilder(_mapping).Entity<Row>().HasTableName("journal")
            .Property(r => r.PersistenceId).IsNullable(false)
            .Property(r => r.SequenceNumber)
            .Property(r => r.Deleted)
            .Property(r => r.Tag).IsNullable()
            .Build();
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    public static TheoryData<string> PluginReads => ["replay", "highest", "latest"];

    public static TheoryData<string> ValueDependentReads => ["nullable column", "negation"];

    [Theory]
    [MemberData(nameof(PluginReads))]
    public void A_read_keyed_by_a_persistence_id_is_built_once_into_the_sql_linq2db_builds_for_each_id(string read)
    {
        var journal = Run(Journal(), read);
        var stock = Run(Stock(), read);

        Assert.Equal(1, journal.Builds);
        Assert.Equal(Ids.Length, stock.Builds);
        Assert.Equal(stock.Sql, journal.Sql);
        Assert.Equal(stock.Results, journal.Results);
        Assert.All(journal.Results, result => Assert.NotEqual("", result));
    }

    [Theory]
    [MemberData(nameof(ValueDependentReads))]
    public void A_read_whose_sql_a_null_would_change_is_still_built_for_each_value(string read)
    {
        var stock = Run(Stock(), read);
        var journal = Run(Journal(), read);

        Assert.Equal(Ids.Length, journal.Builds);
        Assert.Equal(stock.Sql, journal.Sql);
        Assert.Equal(stock.Results, journal.Results);
    }

    private DataOptions Stock() =>
        new DataOptions().UseConnectionString(ProviderName.SQLiteMS, ConnectionString("stock"));

    private DataOptions Journal() =>
        SqliteConnectionInterceptor.DataOptions(ConnectionString("journal"), SqliteSynchronous.Full);

    private string ConnectionString(string name) => $"Data Source={Path.Combine(_directory, name + ".db")}";

    private (string[] Sql, string[] Results, int Builds) Run(DataOptions options, string read)
    {
        using var db = new DataConnection(options.UseMappingSchema(_mapping));
        db.CreateTable<Row>();
        foreach (var id in Ids)
            for (var sequenceNumber = 1L; sequenceNumber <= 3; sequenceNumber++)
                db.Insert(new Row { PersistenceId = id, SequenceNumber = sequenceNumber, Tag = sequenceNumber == 2 ? null : id });

        var builds = new StrongBox<int>();
        SqlBuilds.Value = builds;
        var sql = new string[Ids.Length];
        var results = new string[Ids.Length];
        try
        {
            for (var i = 0; i < Ids.Length; i++)
            {
                results[i] = Query(db, read, Ids[i]);
                sql[i] = db.LastQuery!;
            }
        }
        finally
        {
            SqlBuilds.Value = null;
        }
        return (sql, results, builds.Value);
    }

    /// <summary>The shapes of Akka.Persistence.Sql's recovery reads, and two whose SQL depends on a null.</summary>
    private static string Query(DataConnection db, string read, string id)
    {
        var journal = db.GetTable<Row>();
        long from = 2, to = 3, max = 10;
        return read switch
        {
            "replay" => string.Join(",", journal
                .Where(r => r.PersistenceId == id && r.SequenceNumber >= from && r.SequenceNumber <= to && r.Deleted == false)
                .OrderBy(r => r.SequenceNumber).Take((int)max)
                .Select(r => r.PersistenceId + r.SequenceNumber)),
            "highest" => journal.Where(r => r.PersistenceId == id).Select(r => (long?)r.SequenceNumber).Max().ToString()!,
            "latest" => journal.Where(r => r.PersistenceId == id).OrderByDescending(r => r.SequenceNumber).FirstOrDefault()?.SequenceNumber.ToString() ?? "",
            "nullable column" => string.Join(",", journal.Where(r => r.Tag == id).Select(r => r.SequenceNumber)),
            "negation" => journal.Count(r => r.PersistenceId != id).ToString(),
            _ => throw new ArgumentOutOfRangeException(nameof(read), read, null),
        };
    }
}
