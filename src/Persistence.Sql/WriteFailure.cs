namespace Orchestrator.Persistence.Sql;

/// <summary>
/// Why a writer's transaction failed, and whether its outcome is unknown (the failure came once the commit was asked
/// for: it may have been committed), in which case it is not tried again.
/// </summary>
public sealed record WriteFailure(Exception Error, bool OutcomeUnknown);
