using System.Globalization;

namespace Orchestrator.Emulator.Load;

/// <summary>Command line of the load generator; every option has a default that measures acceptance 3.</summary>
internal sealed record LoadOptions
{
    public int Connections { get; init; } = 32;

    /// <summary>Requests kept queued per connection on its default lane (1: strictly request, wait, request).</summary>
    public int Pipeline { get; init; } = 1;

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>An emulator already running elsewhere (loopback); null starts one in this process.</summary>
    public Uri? Url { get; init; }

    public const string Usage = """
        Emulator.Load: response.create round trips per second against the emulator (zero latency).
          --connections N   WebSocket connections (default 32)
          --pipeline D      requests in flight per connection, FIFO on its default lane (default 1, at most 16)
          --warmup S        seconds before measuring (default 3)
          --seconds S       seconds measured (default 10)
          --url WS_URL      an emulator already running on loopback (default: start one in-process)
        """;

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            options = args[i] switch
            {
                "--connections" => options with { Connections = Positive(value) },
                "--pipeline" => options with { Pipeline = Math.Min(16, Positive(value)) },
                "--warmup" => options with { Warmup = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) },
                "--seconds" => options with { Duration = TimeSpan.FromSeconds(double.Parse(value, CultureInfo.InvariantCulture)) },
                "--url" => options with { Url = new Uri(value) },
                _ => throw new ArgumentException($"Unknown option {args[i]}.\n{Usage}"),
            };
            i++;
        }

        return options;
    }

    private static int Positive(string value) =>
        int.Parse(value, CultureInfo.InvariantCulture) is var number && number > 0 ? number : throw new ArgumentException($"{value} must be positive.");
}
