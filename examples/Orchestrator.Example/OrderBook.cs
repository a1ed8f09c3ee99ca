namespace Orchestrator.Example;

/// <summary>Stands in for the application's own data: the tool's dependency.</summary>
public sealed class OrderBook
{
    private int _lookups;

    public int Lookups => Volatile.Read(ref _lookups);

    public string StatusOf(string orderId) => orderId.Length % 2 == 0 ? "shipped" : "processing";

    public int Count() => Interlocked.Increment(ref _lookups);
}
