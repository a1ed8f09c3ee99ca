using System.Reflection;
using Orchestrator.Hosting.Configuration;
using Xunit.Sdk;

namespace Orchestrator.Tests.Support;

/// <summary>
/// One row of a theory over journal backends: <c>[Theory, JournalData(JournalKind.Sqlite), JournalData(JournalKind.Postgres)]</c>.
/// The PostgreSQL row is skipped, with the reason, on a machine without a test server; in CI it always runs
/// (see <see cref="TestPostgres.SkipReason"/>). xunit reads <see cref="Skip"/> when it discovers the row.
/// </summary>
[DataDiscoverer("Xunit.Sdk.DataDiscoverer", "xunit.core")]
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class JournalDataAttribute(JournalKind kind) : DataAttribute
{
    public override string? Skip
    {
        get => kind == JournalKind.Postgres ? TestPostgres.SkipReason : null;
        set => throw new NotSupportedException("The skip reason of a journal row follows from the environment.");
    }

    public override IEnumerable<object[]> GetData(MethodInfo testMethod) => [[kind]];
}
