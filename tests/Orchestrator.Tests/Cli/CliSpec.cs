using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Orchestrator.Cli;
using Orchestrator.Emulator;
using Orchestrator.Tests.Support;
using Xunit;

namespace Orchestrator.Tests.Cli;

/// <summary>The CLI contract of DESIGN.md §5: output, exit codes, one-line errors, and the API key kept out of sight.</summary>
public sealed class CliSpec : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("run")]
    [InlineData("run", "--timeout", "soon", "hello")]
    public async Task Bad_command_lines_give_a_one_line_error_and_the_usage_exit_code(params string[] args)
    {
        var result = await CliRun.InProcessAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", result.ErrorLines[0]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task An_empty_message_is_refused(string message)
    {
        var result = await CliRun.InProcessAsync("run", "--data", _temp.Path, message);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(["error: The message is empty."], result.ErrorLines);
    }

    [Fact]
    public async Task An_unusable_data_directory_is_refused_with_its_path()
    {
        var file = Path.Combine(_temp.Path, "a-file");
        await File.WriteAllTextAsync(file, "not a directory");
        var data = Path.Combine(file, "data");

        var result = await CliRun.InProcessAsync("run", "--data", data, "hello");

        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.Contains($"Data directory '{data}' is not usable", line);
    }

    [Theory]
    [InlineData("--endpoint", "ftp://127.0.0.1/v1")]
    [InlineData("--endpoint", "not a url")]
    [InlineData("--conversation", "../etc/passwd")]
    public async Task Bad_option_values_are_refused(string option, string value)
    {
        var result = await CliRun.InProcessAsync("run", "--data", _temp.Path, option, value, "hello");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Json_output_is_one_object_per_line_ending_with_turn_completed()
    {
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions());

        var result = await CliRun.InProcessAsync("run", "--json", "--data", _temp.Path, "--endpoint", emulator.BaseUrl.ToString(), "--conversation", "c-json", "weather tools:2");

        Assert.Equal(0, result.ExitCode);
        var lines = result.OutputLines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal("run.started", lines[0].GetProperty("type").GetString());
        Assert.Equal(2, lines.Count(l => l.GetProperty("type").GetString() == "tool.started"));
        Assert.Equal(2, lines.Count(l => l.GetProperty("type").GetString() == "tool.finished"));
        var last = lines[^1];
        Assert.Equal("turn.completed", last.GetProperty("type").GetString());
        Assert.Equal("c-json", last.GetProperty("conversation_id").GetString());
        Assert.StartsWith("resp_", last.GetProperty("response_id").GetString());
        Assert.Contains("calls=2 outputs=2 missing=0 duplicates=0", last.GetProperty("text").GetString());
        Assert.Equal(2, last.GetProperty("stats").GetProperty("tool_calls").GetInt32());
        Assert.Equal(1, last.GetProperty("stats").GetProperty("continuations").GetInt32());
    }

    [Fact]
    public async Task An_unreachable_endpoint_fails_the_turn_with_a_one_line_error()
    {
        // Port 9 (discard) is closed on loopback here: every connect is refused at once.
        var result = await CliRun.InProcessAsync("run", "--data", _temp.Path, "--endpoint", "http://127.0.0.1:9/v1", "hello");

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: turn failed: gave up after", line);
        Assert.Contains("127.0.0.1:9", line);
    }

    [Fact]
    public async Task The_api_key_is_sent_but_never_appears_in_output_logs_or_the_journal()
    {
        const string key = "sk-test-0123456789-do-not-print";
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions { RequiredApiKey = key });

        // A real process, so that everything the engine logs (verbose, on stderr) is captured.
        var result = await RunProcess(
            ["run", "--verbose", "--data", _temp.Path, "--endpoint", emulator.BaseUrl.ToString(), "lookup tools:3 rounds:2"],
            ("OPENAI_API_KEY", key));

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.Error}");
        Assert.Contains("calls=6 outputs=6 missing=0 duplicates=0", result.Output);
        Assert.DoesNotContain(key, result.Output);
        Assert.DoesNotContain(key, result.Error);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(_temp.Path))
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.Length > 0 || !file.EndsWith(".db"), $"{file} is empty");
            Assert.DoesNotContain(key, Encoding.UTF8.GetString(bytes));
        }
    }

    [Fact]
    public async Task Run_joins_no_cluster_and_each_turn_is_in_the_journal_when_it_exits()
    {
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions());

        var first = await CliRun.InProcessAsync("run", "--data", _temp.Path, "--endpoint", emulator.BaseUrl.ToString(), "--conversation", "c-local", "first");
        var second = await CliRun.InProcessAsync("run", "--data", _temp.Path, "--endpoint", emulator.BaseUrl.ToString(), "--conversation", "c-local", "second");

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first.Error + second.Error);
        var history = await CliRun.InProcessAsync("inspect", "c-local", "--data", _temp.Path);
        Assert.Equal(0, history.ExitCode);
        Assert.Contains("user      \"first\"", history.Output);
        Assert.Contains("answer \"You said: \"first\".", history.Output);
        Assert.Contains("user      \"second\"", history.Output);
        Assert.Contains("answer \"You said: \"second\".", history.Output);
        // A cluster's sharding would have created its tables and remembered the conversation there.
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_temp.Path, "orchestrator.db")};Pooling=False");
        await connection.OpenAsync();
        await using var tables = connection.CreateCommand();
        tables.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name LIKE 'sharding%'";
        Assert.Equal(0L, (long)(await tables.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Run_through_the_app_host_journals_each_turn_whether_it_starts_over_or_not()
    {
        await using var emulator = await EmulatorServer.StartAsync(new EmulatorOptions());
        var appHost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "orchestrator.exe" : "orchestrator");

        var first = await RunProcess(appHost, ["run", "--data", _temp.Path, "--endpoint", emulator.BaseUrl.ToString(), "--conversation", "c-host", "first"]);
        // A tiering delay already set is the operator's: the command goes on without starting over.
        var second = await RunProcess(appHost, ["run", "--data", _temp.Path, "--endpoint", emulator.BaseUrl.ToString(), "--conversation", "c-host", "second"],
            (OneShotTiering.DelayVariable, "0"));

        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first.Error + second.Error);
        Assert.Contains("You said: \"first\".", first.Output);
        var history = await CliRun.InProcessAsync("inspect", "c-host", "--data", _temp.Path);
        Assert.Contains("user      \"first\"", history.Output);
        Assert.Contains("answer \"You said: \"first\".", history.Output);
        Assert.Contains("user      \"second\"", history.Output);
        Assert.Contains("answer \"You said: \"second\".", history.Output);
    }

    private static Task<CliRun> RunProcess(string[] args, params (string Name, string Value)[] environment) =>
        RunProcess("dotnet", [Path.Combine(AppContext.BaseDirectory, "orchestrator.dll"), .. args], environment);

    private static async Task<CliRun> RunProcess(string program, string[] args, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var name in new[] { "OPENAI_API_KEY", "OPENAI_BASE_URL", "ORCHESTRATOR_DATA", "ORCHESTRATOR_JOURNAL" }) start.Environment.Remove(name);
        foreach (var (name, value) in environment) start.Environment[name] = value;

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TestNodes.TurnTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
        return new CliRun(process.ExitCode, await output, await error);
    }
}
