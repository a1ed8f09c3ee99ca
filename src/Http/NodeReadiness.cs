using Akka.Actor;
using Akka.Cluster;
using Akka.Persistence;

namespace Orchestrator.Http;

/// <summary>
/// Readiness of this node for <c>/readyz</c>: its cluster member is up (so the shard region can place
/// conversations) and the journal answers a read (a replay of a probe id that never has events: a real round trip
/// to the database, writing nothing).
/// </summary>
public sealed class NodeReadiness(ActorSystem system, TimeSpan timeout)
{
    private const string ProbePersistenceId = "orchestrator-readiness-probe";

    public async Task<IReadOnlyList<string>> ProblemsAsync(CancellationToken cancellationToken)
    {
        var problems = new List<string>();
        var member = Cluster.Get(system).SelfMember;
        if (member.Status != MemberStatus.Up) problems.Add($"cluster member is {member.Status}, not Up");
        try
        {
            var journal = Akka.Persistence.Persistence.Instance.Apply(system).JournalFor(null);
            var reply = await journal.Ask<object>(replyTo => new ReplayMessages(1, 0, 0, ProbePersistenceId, replyTo), timeout, cancellationToken);
            if (reply is ReplayMessagesFailure failure) problems.Add($"journal read failed: {failure.Cause.Message}");
        }
        catch (AskTimeoutException)
        {
            problems.Add($"journal did not answer within {timeout.TotalSeconds:0} s");
        }
        return problems;
    }
}
