using System.Text;
using Orchestrator.Actors.Connections;
using Orchestrator.Messages.Protocol;
using Xunit;

namespace Orchestrator.Tests.Connections;

public sealed class ServerSentEventReaderTests
{
    [Fact]
    public async Task Each_event_is_its_data_lines_joined_whatever_the_line_ends_and_other_fields()
    {
        var body = "event: response.created\ndata: {\"a\":1}\n\n"
                   + ": a comment\r\nid: 7\r\ndata:{\"b\":\r\ndata: 2}\r\n\r\n"
                   + "retry: 10\rdata: {\"c\":3}\r\r"
                   + "data: {\"d\":4}\n";

        Assert.Equal(["{\"a\":1}", "{\"b\":\n2}", "{\"c\":3}"], await ReadAll(body, chunk: 3));
    }

    [Fact]
    public async Task Done_ends_the_stream()
    {
        Assert.Equal(["{}"], await ReadAll("data: {}\n\ndata: [DONE]\n\ndata: {\"late\":1}\n\n", chunk: 64));
    }

    [Fact]
    public async Task An_event_longer_than_the_limit_is_a_protocol_violation()
    {
        var reader = new ServerSentEventReader(new MemoryStream(Encoding.UTF8.GetBytes($"data: {new string('x', 100)}\n\n")), maxEventBytes: 64);

        await Assert.ThrowsAsync<ProtocolException>(async () => await reader.ReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_line_that_never_ends_is_refused_once_past_the_limit()
    {
        var reader = new ServerSentEventReader(new MemoryStream(Encoding.UTF8.GetBytes(new string('x', 100_000))), maxEventBytes: 1000);

        await Assert.ThrowsAsync<ProtocolException>(async () => await reader.ReadAsync(CancellationToken.None));
    }

    private static async Task<List<string>> ReadAll(string body, int chunk)
    {
        var reader = new ServerSentEventReader(new ChunkedStream(Encoding.UTF8.GetBytes(body), chunk), maxEventBytes: 1024);
        var events = new List<string>();
        while (await reader.ReadAsync(CancellationToken.None) is { } data) events.Add(Encoding.UTF8.GetString(data.Span));
        return events;
    }

    /// <summary>A body that arrives a few bytes at a time, so that lines and CRLFs are split across reads.</summary>
    private sealed class ChunkedStream(byte[] bytes, int chunk) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, chunk)], cancellationToken);
    }
}
