namespace Orchestrator.Actors.Tools;

/// <summary>Thrown by an <see cref="ExternalTool"/> whose server cannot be reached; the call gets an <c>unavailable</c> error output.</summary>
public sealed class ToolUnavailableException : Exception
{
    public ToolUnavailableException()
    {
    }

    public ToolUnavailableException(string message) : this(message, null)
    {
    }

    public ToolUnavailableException(string message, Exception? innerException) : base(message, innerException)
    {
    }
}
