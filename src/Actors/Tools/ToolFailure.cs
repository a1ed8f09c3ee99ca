namespace Orchestrator.Actors.Tools;

/// <summary>Why a tool call produced an error output instead of a result.</summary>
public enum ToolFailure
{
    None,
    UnknownTool,
    InvalidArguments,
    TimedOut,
    Threw,
    Cancelled,
    /// <summary>The tool's server could not be reached (an MCP server that is down or reconnecting).</summary>
    Unavailable,
}
