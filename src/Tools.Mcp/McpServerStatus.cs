namespace Orchestrator.Tools.Mcp;

/// <summary>Published on the actor system's event stream whenever an MCP server connects, loses its connection, fails
/// an attempt or changes its tools.</summary>
/// <param name="Tools">The server's tools declared to the model now (a lost server's stay declared).</param>
public sealed record McpServerStatus(string Server, bool Connected, int Tools);
