using System.Diagnostics;
using Orchestrator.Emulator;
using Orchestrator.Emulator.Load;

// Acceptance 3 of the emulator issue: response.create round trips per second over loopback with
// zero model latency. Client and server share the machine, so the figure is a floor for the server.
LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

EmulatorServer? server = options.Url is null ? await EmulatorServer.StartAsync(new EmulatorOptions()) : null;
Uri url = options.Url ?? server!.ResponsesUrl;
try
{
    using var stop = new CancellationTokenSource();
    LoadConnection[] connections = [.. Enumerable.Range(0, options.Connections).Select(_ => new LoadConnection(url, options.Pipeline))];
    Task[] running = [.. connections.Select(connection => Task.Run(() => connection.RunAsync(stop.Token)))];

    await Task.WhenAny(Task.Delay(options.Warmup), Task.WhenAny(running));
    long before = connections.Sum(c => Interlocked.Read(ref c.Completions));
    var clock = Stopwatch.StartNew();
    double cpuBefore = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    await Task.WhenAny(Task.Delay(options.Duration), Task.WhenAny(running));
    long after = connections.Sum(c => Interlocked.Read(ref c.Completions));
    double elapsed = clock.Elapsed.TotalSeconds;
    double cpu = Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds - cpuBefore;
    stop.Cancel();
    await Task.WhenAll(running);

    double rate = (after - before) / elapsed;
    Console.WriteLine(
        $"connections={options.Connections} pipeline={options.Pipeline} emulator={(server is null ? url.ToString() : "in-process")} " +
        $"round_trips={after - before} seconds={elapsed:F1} round_trips_per_second={rate:F0} process_cpu_cores={cpu / elapsed:F2}");
    return 0;
}
finally
{
    if (server is not null)
    {
        await server.DisposeAsync();
    }
}
