namespace Orchestrator.Messages.Protocol;

/// <summary>The fields of a <c>function_call</c> item that running it needs; null where the item has no such string.</summary>
public readonly record struct FunctionCallFields(string? CallId, string? Name, string? Arguments);
