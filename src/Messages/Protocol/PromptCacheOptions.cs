namespace Orchestrator.Messages.Protocol;

/// <summary>
/// <c>prompt_cache_options</c> of <c>response.create</c>, passed through as configured: <see cref="Mode"/> and
/// <see cref="Ttl"/> as the server names them, <see cref="Prewarm"/> (true implies <c>generate:false</c>: the request
/// only fills the cache), <see cref="ComparisonResponseId"/>. Null fields are left out.
/// </summary>
public sealed record PromptCacheOptions(string? Mode = null, string? Ttl = null, bool? Prewarm = null, string? ComparisonResponseId = null);
