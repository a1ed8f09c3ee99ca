using System.Text;
using System.Text.Json;

namespace Orchestrator.Emulator;

/// <summary>
/// Streams one response as the real server does: created, in_progress, then per output item its
/// added / delta… / done events, then completed. <see cref="EmulatorOptions.ModelLatency"/> is
/// spent before the first output item, <see cref="EmulatorOptions.TokenLatency"/> before each delta.
/// </summary>
internal sealed class ResponseStreamer(EventSender sender, EmulatorOptions options)
{
    private const int WordsPerTextDelta = 3;
    private const int CharsPerArgumentsDelta = 24;

    /// <returns>The output items as context items, for the response cache.</returns>
    public async Task<ContextItem[]> StreamAsync(ResponseState response, CancellationToken cancellationToken)
    {
        await SendResponseEventAsync(ResponseEvents.Created, response, cancellationToken);
        await SendResponseEventAsync(ResponseEvents.InProgress, response, cancellationToken);
        await DelayAsync(options.ModelLatency, cancellationToken);

        var items = new ContextItem[response.Outputs.Count];
        for (int index = 0; index < response.Outputs.Count; index++)
        {
            ModelOutput output = response.Outputs[index];
            ResponseEvents.WriteOutputItemAdded(sender.Json, response, index);
            await sender.SendAsync(cancellationToken);
            if (output.IsFunctionCall)
            {
                await StreamArgumentsAsync(response, index, cancellationToken);
            }
            else
            {
                await StreamTextAsync(response, index, cancellationToken);
            }

            int bytes = ResponseEvents.WriteOutputItemDone(sender.Json, response, index);
            await sender.SendAsync(cancellationToken);
            items[index] = output.IsFunctionCall
                ? new ContextItem(ContextItemKind.FunctionCall, output.CallId, null, bytes)
                : new ContextItem(ContextItemKind.OtherMessage, null, null, bytes);
        }

        response.Completed = true;
        await SendResponseEventAsync(ResponseEvents.CompletedType, response, cancellationToken);
        return items;
    }

    /// <summary>Output tokens estimated like input tokens: UTF-8 bytes of the generated text or arguments / 4.</summary>
    public static int EstimateOutputTokens(List<ModelOutput> outputs)
    {
        int bytes = 0;
        foreach (ModelOutput output in outputs)
        {
            bytes += Encoding.UTF8.GetByteCount(output.Text);
        }

        return Math.Max(1, (bytes + 3) / 4);
    }

    private async ValueTask SendResponseEventAsync(JsonEncodedText type, ResponseState response, CancellationToken cancellationToken)
    {
        ResponseEvents.WriteResponseEvent(sender.Json, type, response);
        await sender.SendAsync(cancellationToken);
    }

    private async ValueTask StreamTextAsync(ResponseState response, int index, CancellationToken cancellationToken)
    {
        string text = response.Outputs[index].Text;
        ResponseEvents.WriteContentPart(sender.Json, response, index, done: false);
        await sender.SendAsync(cancellationToken);
        int start = 0;
        while (start < text.Length)
        {
            int end = EndOfWords(text, start, WordsPerTextDelta);
            await DelayAsync(options.TokenLatency, cancellationToken);
            ResponseEvents.WriteTextDelta(sender.Json, response, index, text.AsSpan(start, end - start));
            await sender.SendAsync(cancellationToken);
            start = end;
        }

        ResponseEvents.WriteTextDone(sender.Json, response, index);
        await sender.SendAsync(cancellationToken);
        ResponseEvents.WriteContentPart(sender.Json, response, index, done: true);
        await sender.SendAsync(cancellationToken);
    }

    private async ValueTask StreamArgumentsAsync(ResponseState response, int index, CancellationToken cancellationToken)
    {
        string arguments = response.Outputs[index].Text;
        int start = 0;
        while (start < arguments.Length)
        {
            int end = Math.Min(arguments.Length, start + CharsPerArgumentsDelta);
            if (end < arguments.Length && char.IsHighSurrogate(arguments[end - 1]))
            {
                // Never split a surrogate pair: each delta must be valid text on its own.
                end++;
            }

            await DelayAsync(options.TokenLatency, cancellationToken);
            ResponseEvents.WriteArgumentsDelta(sender.Json, response, index, arguments.AsSpan(start, end - start));
            await sender.SendAsync(cancellationToken);
            start = end;
        }

        ResponseEvents.WriteArgumentsDone(sender.Json, response, index);
        await sender.SendAsync(cancellationToken);
    }

    /// <summary>The end of the chunk holding <paramref name="words"/> words from <paramref name="start"/>, trailing space included.</summary>
    private static int EndOfWords(string text, int start, int words)
    {
        int position = start;
        for (int word = 0; word < words && position < text.Length; word++)
        {
            int space = text.IndexOf(' ', position);
            if (space < 0)
            {
                return text.Length;
            }

            position = space + 1;
        }

        return position;
    }

    private static Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay > TimeSpan.Zero ? Task.Delay(delay, cancellationToken) : Task.CompletedTask;
}
