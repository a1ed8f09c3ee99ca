using LinqToDB;
using LinqToDB.DataProvider.SQLite;
using LinqToDB.Internal.DataProvider.SQLite;
using LinqToDB.Internal.SqlProvider;
using LinqToDB.Internal.SqlQuery;
using LinqToDB.Mapping;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>
/// linq2db's Microsoft.Data.Sqlite provider for the embedded journal, with one difference: the plugin's read queries
/// keep the SQL they were built with. linq2db caches a query's SQL only when no parameter value could change it, and
/// counts every string parameter as one that could (a null would turn <c>column = @p</c> into <c>column IS NULL</c>),
/// and a constant <c>LIMIT 1</c> too, so each recovery would re-optimise and re-build the SQL of its three queries,
/// each keyed by the persistence id.
/// </summary>
public sealed class JournalSqliteDataProvider : SQLiteDataProvider
{
    /// <summary>One per process, as linq2db's own providers: its caches are keyed by the provider.</summary>
    public static readonly JournalSqliteDataProvider Instance = new();

    private readonly ISqlOptimizer _optimizer;

    private JournalSqliteDataProvider() : base(ProviderName.SQLiteMS, SQLiteProvider.Microsoft) =>
        _optimizer = new StableKeySqlOptimizer(SqlProviderFlags);

    public override ISqlOptimizer GetSqlOptimizer(DataOptions dataOptions) => _optimizer;

    /// <summary>
    /// A string parameter compared for equality with a NOT NULL column builds the same SQL whatever its value: for a
    /// null, <c>column = NULL</c> matches no row, as <c>column IS NULL</c> would not either (the plugin binds no null
    /// persistence id anyway: Akka.Persistence refuses one). Anything else keeps linq2db's rule: a column that may hold
    /// NULL (its value-free SQL adds <c>OR column IS NULL AND @p IS NULL</c>, which defeats the index), and an
    /// inequality, where a null would match every row.
    /// </summary>
    private sealed class StableKeySqlOptimizer(SqlProviderFlags flags) : SQLiteSqlOptimizer(flags)
    {
        public override bool IsParameterDependedElement(NullabilityContext nullability, IQueryElement element, DataOptions dataOptions, MappingSchema mappingSchema) =>
            element switch
            {
                SqlParameter parameter when IsStringParameter(parameter) => false,
                SqlPredicate.ExprExpr { Operator: SqlPredicate.Operator.Equal } predicate
                    when (IsStringParameter(predicate.Expr2) && IsNotNullColumn(predicate.Expr1))
                      || (IsStringParameter(predicate.Expr1) && IsNotNullColumn(predicate.Expr2)) => false,
                _ => base.IsParameterDependedElement(nullability, element, dataOptions, mappingSchema),
            };

        /// <summary>A constant or bound LIMIT/OFFSET (<c>FirstOrDefault</c>'s <c>LIMIT 1</c>) is the same SQL for every execution.</summary>
        public override bool IsParameterDependedQuery(SelectQuery query) =>
            !(IsFixed(query.Select.TakeValue) && IsFixed(query.Select.SkipValue)) && base.IsParameterDependedQuery(query);

        private static bool IsFixed(ISqlExpression? value) => value is null or SqlValue or SqlParameter { IsQueryParameter: true };

        private static bool IsStringParameter(IQueryElement element) =>
            element is SqlParameter { IsQueryParameter: true } parameter && parameter.Type.SystemType == typeof(string);

        private static bool IsNotNullColumn(IQueryElement element) => element is SqlField { CanBeNull: false };
    }
}
