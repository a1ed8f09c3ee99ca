using Akka.Hosting;
using Orchestrator.Hosting;
using Orchestrator.Hosting.Client;
using Orchestrator.Messages.Conversations;

namespace Orchestrator.Example;

/// <summary>The whole embedding: tools and the facade in DI, the engine on AddAkka, one endpoint that asks a question.</summary>
public static class ExampleApp
{
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        // Two tools: a class with dependencies of its own, and a plain function.
        builder.Services.AddSingleton<OrderBook>();
        builder.Services.AddOrchestratorTool<OrderStatusTool, OrderStatusArgs, OrderStatus>("order_status", "Looks up an order by id and returns its status.");
        builder.Services.AddOrchestratorTool<ShippingQuoteArgs, ShippingQuote>("shipping_quote", "Quotes the shipping cost of a parcel.",
            (args, _) => Task.FromResult(new ShippingQuote(args.Country, Math.Round(4.5 + 1.2 * args.WeightKg, 2), "EUR")));

        builder.Services.AddAkka("example", akka => akka.WithOrchestrator(options =>
        {
            options.Endpoint = builder.Configuration["Endpoint"];
            options.DataDirectory = builder.Configuration["DataDirectory"];
        }));
        builder.Services.AddOrchestratorClient();

        var app = builder.Build();
        app.MapPost("/ask", async (AskRequest request, IOrchestratorClient orchestrator, CancellationToken cancellationToken) =>
        {
            var conversationId = request.ConversationId ?? await orchestrator.StartConversationAsync(cancellationToken: cancellationToken);
            var tools = new List<string>();
            await foreach (var update in orchestrator.SendAsync(conversationId, request.Question, cancellationToken: cancellationToken))
            {
                switch (update)
                {
                    case ToolCallFinished finished:
                        tools.Add(finished.Name);
                        break;
                    case TurnCompleted completed:
                        return Results.Ok(new AskResponse(conversationId, completed.Text, tools));
                    case TurnFailed failed:
                        return Results.Problem(failed.Reason, statusCode: StatusCodes.Status502BadGateway);
                }
            }
            return Results.Problem("The turn ended without an answer.", statusCode: StatusCodes.Status502BadGateway);
        });
        return app;
    }

    /// <summary>True when neither the configuration nor the environment names a Responses endpoint.</summary>
    public static bool NeedsEmulator(Func<string, string?> environment, string[] args) =>
        !args.Any(a => a.StartsWith("--Endpoint", StringComparison.OrdinalIgnoreCase))
        && string.IsNullOrEmpty(environment("OPENAI_BASE_URL"))
        && string.IsNullOrEmpty(environment("OPENAI_API_KEY"));
}

public sealed record AskRequest(string Question, string? ConversationId = null);

public sealed record AskResponse(string ConversationId, string Answer, IReadOnlyList<string> Tools);
