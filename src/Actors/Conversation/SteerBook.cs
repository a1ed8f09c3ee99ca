using Orchestrator.Messages.Events;
using Orchestrator.Messages.Protocol;

namespace Orchestrator.Actors.Conversation;

/// <summary>
/// One turn's steering, beyond the journal: which response streams now, which queued messages were sent into which
/// response and what the server said of them, and a steered response that ended while its successor is awaited.
/// Pure: the conversation feeds it the server's events and carries out what it answers.
/// <code>
///  Submit ─► Sent ─ accepted ─► Accepted ─ pending (the response stopped for tool output) ─► Pending
///             │                   │  └─ the response ended without calls: Held until its successor starts
///             │                   └─ successor's response.created (automatic, or our continuation from it) ─► applied
///             └─ failed (any code), or a request not continuing from it, or the turn failing ─► falls back
/// </code>
/// A message that falls back stays queued and runs as the next turn; it is never offered again in this turn. Only the
/// submissions the server accepted are applied at the successor's <c>response.created</c>: it answers each submission,
/// accepted or failed, before that event.
/// </summary>
public sealed class SteerBook
{
    private readonly List<Submission> _submissions = [];
    private readonly HashSet<string> _offered = [];

    /// <summary>The response streaming now, between its <c>response.created</c> and its end: the one a message steers into.</summary>
    public string? Streaming { get; private set; }

    /// <summary>A steered response that ended without calls: recorded with its successor's start (or alone, should none come).</summary>
    public ResponseRecorded? Held { get; private set; }

    /// <summary>Of <paramref name="queued"/> (message ids, in order), those never offered in this turn.</summary>
    public IReadOnlyList<string> NotOffered(IEnumerable<string> queued) => queued.Where(id => !_offered.Contains(id)).ToList();

    /// <summary>The messages <paramref name="messageIds"/> were sent into <see cref="Streaming"/>.</summary>
    public void Submit(IReadOnlyList<string> messageIds)
    {
        if (Streaming is null) throw new InvalidOperationException("No response is streaming.");
        _submissions.Add(new Submission(messageIds, Streaming));
        _offered.UnionWith(messageIds);
    }

    /// <summary>
    /// A response started (<paramref name="responseId"/>), with the messages it commits: those accepted for the held
    /// response when it is that one's successor, or those left pending for <paramref name="continuedFrom"/>, the
    /// response our request continued. Null when it commits none.
    /// </summary>
    public SteerCommit? Started(string responseId, string? continuedFrom)
    {
        Streaming = responseId;
        // Every response of every turn starts here; nearly all of them were never steered.
        if (_submissions.Count == 0 && Held is null) return null;
        var parent = Held?.ResponseId ?? continuedFrom;
        if (parent is null) return null;
        var committed = _submissions.Where(s => s.ResponseId == parent && s.State is SteerState.Accepted or SteerState.Pending).ToList();
        var held = Held;
        Held = null;
        _submissions.RemoveAll(s => s.ResponseId == parent);
        return committed.Count == 0 && held is null ? null : new SteerCommit([.. committed.SelectMany(s => s.MessageIds)], held);
    }

    /// <summary>
    /// The streaming response ended as <paramref name="recorded"/>. True when it is held: it ended without calls while a
    /// message sent into it may still start a successor (accepted, or not yet answered).
    /// </summary>
    public bool Ended(ResponseRecorded recorded)
    {
        Streaming = null;
        if (_submissions.Count == 0 || recorded.Output.Any(item => item.IsFunctionCall)) return false;
        if (!_submissions.Any(s => s.ResponseId == recorded.ResponseId)) return false;
        Held = recorded;
        return true;
    }

    /// <summary>
    /// A steering answer. A failure takes its submission (the oldest unanswered one of that response, else the oldest
    /// accepted) back to the queue; when that leaves the held response with nothing to start a successor, it is to be
    /// recorded now.
    /// </summary>
    public SteerOutcome On(SteerEvent e)
    {
        var ofResponse = _submissions.Where(s => e.PreviousResponseId is null || s.ResponseId == e.PreviousResponseId).ToList();
        switch (e.Type)
        {
            case ServerEventTypes.SteerAccepted when ofResponse.FirstOrDefault(s => s.State == SteerState.Sent) is { } sent:
                sent.State = SteerState.Accepted;
                return SteerOutcome.None;
            case ServerEventTypes.SteerPending:
                foreach (var accepted in ofResponse.Where(s => s.State == SteerState.Accepted)) accepted.State = SteerState.Pending;
                return SteerOutcome.None;
            case ServerEventTypes.SteerFailed when (ofResponse.FirstOrDefault(s => s.State == SteerState.Sent) ?? ofResponse.FirstOrDefault()) is { } failed:
                _submissions.Remove(failed);
                var recordNow = Held is { } held && _submissions.All(s => s.ResponseId != held.ResponseId) ? held : null;
                if (recordNow is not null) Held = null;
                return new SteerOutcome(failed.MessageIds, e.ErrorCode ?? "unknown", recordNow);
            default:
                return SteerOutcome.None;
        }
    }

    /// <summary>
    /// A request goes out continuing <paramref name="previousResponseId"/> (null: a full send): what waits for another
    /// response's successor falls back, since only a continuation from it commits it.
    /// </summary>
    public IReadOnlyList<string> Sending(string? previousResponseId)
    {
        Streaming = null;
        if (_submissions.Count == 0) return [];
        var stale = _submissions.Where(s => s.ResponseId != previousResponseId).ToList();
        _submissions.RemoveAll(s => s.ResponseId != previousResponseId);
        return [.. stale.SelectMany(s => s.MessageIds)];
    }

    /// <summary>The response, and with it every submission, is lost (a failure, a cancel, no successor in time): all fall back.</summary>
    public IReadOnlyList<string> Abandon()
    {
        Streaming = null;
        Held = null;
        var all = _submissions.SelectMany(s => s.MessageIds).ToList();
        _submissions.Clear();
        return all;
    }

    private sealed class Submission(IReadOnlyList<string> messageIds, string responseId)
    {
        public IReadOnlyList<string> MessageIds { get; } = messageIds;
        public string ResponseId { get; } = responseId;
        public SteerState State { get; set; } = SteerState.Sent;
    }

    private enum SteerState
    {
        Sent,
        Accepted,
        Pending,
    }
}

/// <summary>The messages a successor's start applies, and the steered response to record with them when it was held.</summary>
public sealed record SteerCommit(IReadOnlyList<string> MessageIds, ResponseRecorded? Parent);

/// <summary>What a steering answer leads to: messages that fall back (with the server's code), and a held response to record now.</summary>
public sealed record SteerOutcome(IReadOnlyList<string> FellBack, string? Code, ResponseRecorded? RecordNow)
{
    public static readonly SteerOutcome None = new([], null, null);
}
