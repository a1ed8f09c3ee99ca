namespace Orchestrator.Emulator;

/// <summary>
/// Ids unique per process and unlikely to collide across processes: a random per-process prefix
/// plus a counter, in hex, as the real server's ids look (<c>resp_…</c>, <c>msg_…</c>, <c>fc_…</c>, <c>call_…</c>).
/// </summary>
internal static class IdGenerator
{
    private static readonly string ProcessPrefix = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
    private static long _counter;

    public static string Next(string kind)
    {
        long value = Interlocked.Increment(ref _counter);
        return string.Create(kind.Length + ProcessPrefix.Length + 16, (kind, value), static (span, state) =>
        {
            state.kind.AsSpan().CopyTo(span);
            ProcessPrefix.AsSpan().CopyTo(span[state.kind.Length..]);
            state.value.TryFormat(span[(state.kind.Length + ProcessPrefix.Length)..], out _, "x16");
        });
    }
}
