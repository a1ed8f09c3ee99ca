using System.Threading.Channels;
using Orchestrator.Messages.Conversations;
using Spectre.Console;

namespace Orchestrator.Cli;

/// <summary>
/// <c>run</c> on a terminal: a live table of the turn's tool calls (running ones with their elapsed time, finished ones
/// with ✓/✗ and duration) and a line of the answer as it streams; when the turn ends, the whole answer and the stats.
/// Updates arrive on the conversation's thread and are drawn on the display's own task, through a channel, because
/// Spectre's live display must be driven from one place.
/// </summary>
public sealed class LiveTurnOutput(IAnsiConsole console) : ITurnOutput, IAsyncDisposable
{
    private const int MaxShown = 60;
    private readonly Channel<ConversationUpdate> _updates = Channel.CreateUnbounded<ConversationUpdate>(new UnboundedChannelOptions { SingleReader = true });
    private Task _display = Task.CompletedTask;

    /// <summary>True when <paramref name="stdout"/> is the process's own terminal (not redirected, not a test's writer).</summary>
    public static bool CanShow(TextWriter stdout) => ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    public void Started(string conversationId, Uri endpoint, bool embeddedEmulator)
    {
        var where = embeddedEmulator ? $"embedded emulator at {endpoint}" : endpoint.ToString();
        console.MarkupLineInterpolated($"[grey]conversation[/] [bold]{conversationId}[/] [grey]· {where}[/]");
        _display = DisplayAsync();
    }

    public void Show(ConversationUpdate update) => _updates.Writer.TryWrite(update);

    public async ValueTask DisposeAsync()
    {
        _updates.Writer.TryComplete();
        await _display;
    }

    private async Task DisplayAsync()
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumns("", "tool", "arguments", "result", "ms");
        var answer = new System.Text.StringBuilder();
        var rows = new Dictionary<string, int>();
        var running = new HashSet<string>();
        var view = new Rows(table, new Markup("[grey]waiting for the model…[/]"));
        ConversationUpdate? last = null;
        await console.Live(view).AutoClear(false).Overflow(VerticalOverflow.Ellipsis).Cropping(VerticalOverflowCropping.Top).StartAsync(async context =>
        {
            await foreach (var update in _updates.Reader.ReadAllAsync())
            {
                last = update;
                switch (update)
                {
                    case AssistantTextDelta delta:
                        answer.Append(delta.Delta);
                        break;
                    case ToolCallStarted started:
                        rows[started.CallId] = table.Rows.Count;
                        running.Add(started.CallId);
                        table.AddRow(new Markup("[yellow]…[/]"), new Text(started.Name), new Text(Shorten(started.Arguments)), new Text(""), new Text(""));
                        break;
                    case ToolCallFinished finished when rows.TryGetValue(finished.CallId, out var row):
                        running.Remove(finished.CallId);
                        table.UpdateCell(row, 0, new Markup(finished.IsError ? "[red]✗[/]" : "[green]✓[/]"));
                        table.UpdateCell(row, 3, new Text(Shorten(finished.Output)));
                        table.UpdateCell(row, 4, new Text($"{finished.Duration.TotalMilliseconds:0}"));
                        break;
                }
                context.UpdateTarget(new Rows(table, new Text(StatusLine(answer, running.Count), new Style(Color.Grey))));
            }
        });

        switch (last)
        {
            case TurnCompleted completed:
                console.WriteLine(completed.Text);
                console.MarkupLineInterpolated($"[grey]{TextTurnOutput.Describe(completed.Stats)}[/]");
                break;
            case TurnFailed failed:
                console.MarkupLineInterpolated($"[red]turn failed:[/] {failed.Reason}");
                break;
        }
    }

    private static string StatusLine(System.Text.StringBuilder answer, int running)
    {
        if (running > 0) return $"{running} tool calls running…";
        if (answer.Length == 0) return "waiting for the model…";
        var text = answer.ToString().ReplaceLineEndings(" ");
        return text.Length <= 100 ? text : "…" + text[^99..];
    }

    private static string Shorten(string text)
    {
        var flat = text.ReplaceLineEndings(" ");
        return flat.Length <= MaxShown ? flat : flat[..(MaxShown - 1)] + "…";
    }
}
