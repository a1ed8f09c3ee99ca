namespace Orchestrator.Actors.Tools.Demo;

/// <summary>
/// Deterministic tools for demos, the emulator and benchmarks. Each succeeds on every schema-valid argument
/// except the failures its description names, so a scripted model calling them sees real results.
/// </summary>
public static class DemoTools
{
    /// <param name="latency">
    /// Simulated work per call (honouring cancellation); zero for none. Each call takes one to four times this,
    /// chosen by its call id, so that parallel calls finish at different moments as real ones do.
    /// </param>
    public static ToolRegistry Register(ToolRegistry registry, TimeSpan latency = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentOutOfRangeException.ThrowIfLessThan(latency, TimeSpan.Zero);
        return registry
            .Add(GetWeather.Name, GetWeather.Description, After<WeatherArgs, WeatherReport>(latency, GetWeather.Run))
            .Add(ConvertUnits.Name, ConvertUnits.Description, After<ConvertUnitsArgs, Conversion>(latency, ConvertUnits.Run))
            .Add(Calculate.Name, Calculate.Description, After<CalculateArgs, Calculation>(latency, Calculate.Run))
            .Add(GetLocalTime.Name, GetLocalTime.Description, After<LocalTimeArgs, CityTime>(latency, GetLocalTime.Run));
    }

    private static Func<TArgs, ToolContext, CancellationToken, Task<TResult>> After<TArgs, TResult>(
        TimeSpan latency,
        Func<TArgs, TResult> run) =>
        async (args, context, cancellationToken) =>
        {
            if (latency > TimeSpan.Zero)
            {
                await Task.Delay(latency * (1 + StableHash.Of(context.CallId) % 4), cancellationToken).ConfigureAwait(false);
            }

            return run(args);
        };
}
