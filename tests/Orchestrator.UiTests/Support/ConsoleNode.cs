using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Orchestrator.UiTests.Support;

/// <summary>
/// One <c>orchestrator serve</c> child process with the embedded emulator, an API token and slow demo tools (so that a
/// turn's tool calls stay observable as bars), on a journal of its own; an <see cref="HttpClient"/> that sends the
/// token. Shared by the browser tests of a class and killed at the end.
/// </summary>
public sealed class ConsoleNode : IAsyncDisposable
{
    public const string Token = "console-test-token-5b1f";
    public const int ToolLatencyMs = 1500;

    private readonly Process _process;
    private readonly TempDirectory _data;
    private readonly Task _stderr;

    private ConsoleNode(Process process, TempDirectory data, Uri address)
    {
        _process = process;
        _data = data;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        _stderr = process.StandardError.ReadToEndAsync();
    }

    public Uri Address { get; }

    /// <summary>Sends the token.</summary>
    public HttpClient Http { get; }

    public static async Task<ConsoleNode> StartAsync()
    {
        var data = new TempDirectory();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = data.Path,
        };
        foreach (var arg in new[]
                 {
                     System.IO.Path.Combine(AppContext.BaseDirectory, "orchestrator.dll"), "serve", "--urls", "http://127.0.0.1:0",
                     "--data", data.Path, "--demo-tool-latency-ms", ToolLatencyMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
                 })
            start.ArgumentList.Add(arg);
        foreach (var name in new[] { "OPENAI_API_KEY", "OPENAI_BASE_URL", "ORCHESTRATOR_DATA", "ORCHESTRATOR_JOURNAL", "ORCHESTRATOR_POSTGRES", "ORCHESTRATOR_CONFIG" })
            start.Environment.Remove(name);
        start.Environment["ORCHESTRATOR_API_TOKEN"] = Token;
        var process = Process.Start(start)!;
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            // The first stdout line is "listening on http://127.0.0.1:PORT · …".
            var line = await process.StandardOutput.ReadLineAsync(wait.Token)
                       ?? throw new InvalidOperationException($"serve exited before listening: {await process.StandardError.ReadToEndAsync()}");
            return new ConsoleNode(process, data, new Uri(line.Split(' ')[2]));
        }
        catch
        {
            process.Kill();
            data.Dispose();
            throw;
        }
    }

    public async Task PostAsync(string conversationId, string text)
    {
        using var response = await Http.PostAsJsonAsync($"/v1/conversations/{conversationId}/messages", new { text });
        response.EnsureSuccessStatusCode();
    }

    public async Task CreateAsync(string conversationId)
    {
        using var response = await Http.PostAsJsonAsync("/v1/conversations", new { id = conversationId });
        response.EnsureSuccessStatusCode();
    }

    public async Task<JsonElement> StateAsync(string conversationId) =>
        JsonDocument.Parse(await Http.GetStringAsync($"/v1/conversations/{conversationId}")).RootElement.Clone();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        await _stderr;
        _process.Dispose();
        _data.Dispose();
    }
}
