namespace Orchestrator.Example;

public sealed record ShippingQuoteArgs(string Country, double WeightKg);

public sealed record ShippingQuote(string Country, double Price, string Currency);
