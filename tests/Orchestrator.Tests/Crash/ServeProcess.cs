using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Orchestrator.Tests.Support;

namespace Orchestrator.Tests.Crash;

/// <summary>One <c>orchestrator serve</c> child process: its HTTP address, its stderr log lines, SIGKILL and SIGTERM.</summary>
internal sealed class ServeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _stderr;
    private readonly List<string> _log = [];
    private readonly TaskCompletionSource _toolStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServeProcess(Process process, Uri address)
    {
        _process = process;
        Address = address;
        _stderr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync() is { } line)
            {
                lock (_log) _log.Add(line);
                if (line.Contains(" started", StringComparison.Ordinal) && line.Contains(": tool ", StringComparison.Ordinal)) _toolStarted.TrySetResult();
            }
        });
    }

    public Uri Address { get; }

    /// <param name="arguments">More options for <c>serve</c> (cluster port, seed nodes).</param>
    /// <param name="environment">Variables set last, over the journal's.</param>
    public static async Task<ServeProcess> StartAsync(
        TestJournal journal,
        Uri endpoint,
        int toolLatencyMs,
        TimeSpan timeout,
        IEnumerable<string>? arguments = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "orchestrator.dll"), "serve", "--urls", "http://127.0.0.1:0",
                     "--endpoint", endpoint.ToString(), "--demo-tool-latency-ms", toolLatencyMs.ToString(), "--log-level", "Debug",
                 }.Concat(arguments ?? []))
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var name in new[] { "OPENAI_API_KEY", "OPENAI_BASE_URL", "ORCHESTRATOR_DATA", "ORCHESTRATOR_JOURNAL", "ORCHESTRATOR_POSTGRES" })
            start.Environment.Remove(name);
        // The journal is chosen the way a user chooses it: by the environment.
        var journalEnvironment = journal.Environment();
        foreach (var name in new[] { "ORCHESTRATOR_JOURNAL", "ORCHESTRATOR_POSTGRES" })
        {
            if (journalEnvironment(name) is { } value) start.Environment[name] = value;
        }
        if (journal.DataDirectory is { } data) start.Environment["ORCHESTRATOR_DATA"] = data;
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;

        var process = Process.Start(start)!;
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            // The first stdout line is "listening on http://127.0.0.1:PORT · …".
            var line = await process.StandardOutput.ReadLineAsync(wait.Token)
                       ?? throw new InvalidOperationException($"serve exited before listening: {await process.StandardError.ReadToEndAsync()}");
            var address = new Uri(line.Split(' ')[2]);
            return new ServeProcess(process, address);
        }
        catch
        {
            process.Kill();
            throw;
        }
    }

    /// <summary>Completes when this node runs its first tool call: conversations are at work.</summary>
    public Task ToolStarted => _toolStarted.Task;

    public IReadOnlyList<string> LogLines
    {
        get
        {
            lock (_log) return _log.ToList();
        }
    }

    /// <summary>SIGKILL: no shutdown hook, no flush, no handoff.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        await _stderr;
    }

    /// <summary>SIGTERM: the node leaves the cluster and hands its conversations over; waits for it to exit.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        using (var signal = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString()]))!) await signal.WaitForExitAsync();
        using var wait = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(wait.Token);
        await _stderr;
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) await KillAsync();
        _process.Dispose();
    }

    public static async Task<bool> TryPostAsync(HttpClient http, Uri address, string conversationId, string text, string idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, $"/v1/conversations/{conversationId}/messages"))
        {
            Content = JsonContent.Create(new Dictionary<string, string> { ["text"] = text }),
        };
        request.Headers.Add("Idempotency-Key", idempotencyKey);
        try
        {
            using var response = await http.SendAsync(request);
            return response.StatusCode == System.Net.HttpStatusCode.Accepted;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    public static async Task<JsonElement?> TryGetStatusAsync(HttpClient http, Uri address, string conversationId)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(address, $"/v1/conversations/{conversationId}"));
            if (!response.IsSuccessStatusCode) return null;
            return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }
}
