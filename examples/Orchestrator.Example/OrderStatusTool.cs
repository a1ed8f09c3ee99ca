using Orchestrator.Actors.Tools;
using Orchestrator.Hosting;

namespace Orchestrator.Example;

public sealed record OrderStatusArgs(string OrderId);

public sealed record OrderStatus(string OrderId, string Status, int CallsSoFar);

/// <summary>A tool as a class: made per call in a DI scope, with its dependencies injected.</summary>
public sealed class OrderStatusTool(OrderBook orders) : IOrchestratorTool<OrderStatusArgs, OrderStatus>
{
    public Task<OrderStatus> RunAsync(OrderStatusArgs args, ToolContext context, CancellationToken cancellationToken) =>
        Task.FromResult(new OrderStatus(args.OrderId, orders.StatusOf(args.OrderId), orders.Count()));
}
