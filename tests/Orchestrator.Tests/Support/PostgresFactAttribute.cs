using Xunit;

namespace Orchestrator.Tests.Support;

/// <summary>
/// A test that needs the PostgreSQL test server: skipped, with the reason, on a machine without one; in CI it always
/// runs (see <see cref="TestPostgres.SkipReason"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class PostgresFactAttribute : FactAttribute
{
    public override string? Skip
    {
        get => TestPostgres.SkipReason;
        set => throw new NotSupportedException("The skip reason of a PostgreSQL test follows from the environment.");
    }
}
