using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace Orchestrator.Tests.Support;

/// <summary>
/// Reads the debug log lines of <c>serve</c> processes: when a tool call started and when its result was recorded,
/// and which conversation a line is about. Lines are Akka's, with a UTC timestamp, so that the logs of nodes running
/// side by side can be merged in time order.
/// </summary>
public static partial class ToolRunLog
{
    /// <summary>
    /// From the nodes' own logs, in order: a call may run again only if no earlier log line said its result was
    /// recorded. (A kill between the write and its log line hides a recording, so the check can miss a violation
    /// but never invents one.)
    /// </summary>
    public static (int Runs, int Reruns) CheckNoRecordedCallRanAgain(IEnumerable<string> lines)
    {
        var recorded = new HashSet<string>();
        var ran = new HashSet<string>();
        var (runs, reruns) = (0, 0);
        foreach (var line in lines)
        {
            if (Started().Match(line) is { Success: true } start)
            {
                var call = start.Groups[1].Value;
                Assert.False(recorded.Contains(call), $"call {call} ran again after its result was recorded");
                runs++;
                if (!ran.Add(call)) reruns++;
            }
            else if (Recorded().Match(line) is { Success: true } record)
            {
                recorded.Add(record.Groups[1].Value);
            }
        }
        return (runs, reruns);
    }

    public static bool IsRecording(string line) => Recorded().IsMatch(line);

    /// <summary>The UTC time Akka stamped on a log line, if it is one of Akka's.</summary>
    public static DateTime? Time(string line) =>
        Stamp().Match(line) is { Success: true } m
            ? DateTime.ParseExact(m.Groups[1].Value, "MM/dd/yyyy HH:mm:ss.fff", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal)
            : null;

    /// <summary>The conversation a line of the conversation's own log is about (tool runs and recordings).</summary>
    public static string? ConversationOf(string line) => Conversation().Match(line) is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex(@"tool \S+ call (\S+) started")]
    private static partial Regex Started();

    [GeneratedRegex(@"result of call (\S+) recorded")]
    private static partial Regex Recorded();

    [GeneratedRegex(@"\[(\d\d/\d\d/\d{4} \d\d:\d\d:\d\d\.\d{3})Z\]")]
    private static partial Regex Stamp();

    [GeneratedRegex(@"\] Conversation (\S+): ")]
    private static partial Regex Conversation();
}
