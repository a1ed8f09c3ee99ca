using System.ComponentModel;
using Orchestrator.Actors.Tools;
using Xunit;
using static Orchestrator.Tests.Tools.ToolTesting;

namespace Orchestrator.Tests.Tools;

/// <summary>Results and the failures decided before a tool runs or by the tool itself.</summary>
public sealed class ToolInvokerTests
{
    public enum Unit
    {
        Celsius,
        Fahrenheit,
    }

    public sealed record LookupArgs([Description("City.")] string City, int Count, Unit Unit);

    public sealed record LookupResult(string City, int TotalCount, Unit Unit);

    public sealed record NoArgs;

    private int _lookups;

    private ToolInvoker Invoker(Action<ToolRegistry>? more = null)
    {
        var registry = new ToolRegistry()
            .Add<LookupArgs, LookupResult>("lookup", "Looks up.", (args, _) =>
            {
                Interlocked.Increment(ref _lookups);
                return Task.FromResult(new LookupResult(args.City, args.Count * 2, args.Unit));
            });
        more?.Invoke(registry);
        return new ToolInvoker(registry, new ToolInvokerOptions());
    }

    private Task<ToolOutcome> Lookup(string argumentsJson) =>
        Invoker().InvokeAsync("lookup", argumentsJson, Context(), CancellationToken.None).WaitAsync(Bound);

    [Fact]
    public async Task Success_serializes_the_result_with_the_tool_conventions()
    {
        ToolOutcome outcome = await Lookup("""{"city":"São Paulo","count":21,"unit":"fahrenheit"}""");

        Assert.Equal(ToolFailure.None, outcome.Failure);
        Assert.False(outcome.IsError);
        Assert.Equal("""{"city":"São Paulo","total_count":42,"unit":"fahrenheit"}""", outcome.Output);
        Assert.True(outcome.Duration > TimeSpan.Zero);
    }

    [Fact]
    public async Task A_string_result_is_the_output_verbatim()
    {
        ToolInvoker invoker = Invoker(r => r.Add<NoArgs, string>("text", "", (_, _) => Task.FromResult("plain \"text\"")));

        ToolOutcome outcome = await invoker.InvokeAsync("text", "{}", Context(), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal("plain \"text\"", outcome.Output);
    }

    [Fact]
    public async Task The_tool_receives_the_call_context()
    {
        ToolInvoker invoker = Invoker(r => r.Add<NoArgs, string>(
            "whoami", "", (_, context, _) => Task.FromResult($"{context.ConversationId}/{context.CallId}")));

        ToolOutcome outcome = await invoker.InvokeAsync("whoami", "{}", Context("call_42"), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal("conversation_1/call_42", outcome.Output);
    }

    [Fact]
    public async Task Unknown_tool_lists_the_available_tools()
    {
        ToolInvoker invoker = Invoker(r => r.Add<NoArgs, string>("other", "", (_, _) => Task.FromResult("")));

        ToolOutcome outcome = await invoker.InvokeAsync("lokup", "{}", Context(), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(ToolFailure.UnknownTool, outcome.Failure);
        (string kind, string message) = ErrorOf(outcome);
        Assert.Equal("unknown_tool", kind);
        Assert.Equal("Unknown tool 'lokup'. Available tools: lookup, other.", message);
    }

    [Fact]
    public async Task Unknown_tool_with_an_empty_registry_says_none_are_available()
    {
        var invoker = new ToolInvoker(new ToolRegistry(), new ToolInvokerOptions());

        ToolOutcome outcome = await invoker.InvokeAsync(null!, null!, Context(), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(ToolFailure.UnknownTool, outcome.Failure);
        Assert.Contains("No tools are available", ErrorOf(outcome).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"city":"Paris","count":""", "Expected depth to be zero")]
    [InlineData("", "does not contain any JSON tokens")]
    [InlineData("not json", "is an invalid JSON literal")]
    [InlineData("{city:1}", "is an invalid start of a property name")]
    [InlineData("""{"city":"Paris","count":"3","unit":"celsius"}""", "The value at $.count must be an integer.")]
    [InlineData("""{"city":"Paris","count":1.5,"unit":"celsius"}""", "The value at $.count must be an integer.")]
    [InlineData("""{"city":null,"count":3,"unit":"celsius"}""", "The value at $.city must be a string.")]
    [InlineData("""{"city":"Paris","count":3,"unit":"kelvin"}""", """The value at $.unit must be one of "celsius", "fahrenheit".""")]
    [InlineData("""{"city":"Paris","count":3,"unit":1}""", """The value at $.unit must be one of "celsius", "fahrenheit".""")]
    [InlineData("""{"city":"Paris","unit":"celsius"}""", "Missing required properties at $: 'count'.")]
    [InlineData("""{"city":"Paris","count":3,"unit":"celsius","colour":"red"}""", "Unknown property $.colour; the properties allowed at $ are: city, count, unit.")]
    [InlineData("""{"city":"Paris","City":"Rome","count":3,"unit":"celsius"}""", "Unknown property $.City")]
    [InlineData("""{"city":"Paris","city":"Rome","count":3,"unit":"celsius"}""", "Duplicate property 'city'")]
    [InlineData("""[1,2]""", "The arguments must be an object.")]
    [InlineData("null", "must be a JSON object, not null")]
    public async Task Invalid_arguments_are_reported_without_running_the_tool(string argumentsJson, string expected)
    {
        ToolOutcome outcome = await Lookup(argumentsJson);

        Assert.Equal(ToolFailure.InvalidArguments, outcome.Failure);
        (string kind, string message) = ErrorOf(outcome);
        Assert.Equal("invalid_arguments", kind);
        Assert.StartsWith("Invalid arguments for tool 'lookup': ", message, StringComparison.Ordinal);
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.Equal(0, _lookups);
    }

    [Fact]
    public async Task Null_arguments_are_invalid_arguments()
    {
        ToolOutcome outcome = await Invoker().InvokeAsync("lookup", null!, Context(), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(ToolFailure.InvalidArguments, outcome.Failure);
    }

    public sealed record Nested(Point Point, IReadOnlyList<int> Values);

    public sealed record Point(int X, int Y);

    [Theory]
    [InlineData("""{"point":{"x":1,"y":"2"},"values":[]}""", "The value at $.point.y must be an integer.")]
    [InlineData("""{"point":{"x":1},"values":[]}""", "Missing required properties at $.point: 'y'.")]
    [InlineData("""{"point":{"x":1,"y":2,"z":3},"values":[]}""", "Unknown property $.point.z; the properties allowed at $.point are: x, y.")]
    [InlineData("""{"point":{"x":1,"y":2},"values":[1,"two"]}""", "The value at $.values[1] must be an integer.")]
    public async Task Problems_in_nested_values_name_their_path(string argumentsJson, string expected)
    {
        ToolInvoker invoker = Invoker(r => r.Add<Nested, string>("nested", "", (_, _) => Task.FromResult("")));

        ToolOutcome outcome = await invoker.InvokeAsync("nested", argumentsJson, Context(), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(ToolFailure.InvalidArguments, outcome.Failure);
        Assert.EndsWith(expected, ErrorOf(outcome).Message, StringComparison.Ordinal);
    }

    public sealed record Validated
    {
        public Validated(int percent)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
            Percent = percent;
        }

        public int Percent { get; }
    }

    [Fact]
    public async Task An_argument_type_that_rejects_its_values_gives_invalid_arguments()
    {
        ToolInvoker invoker = Invoker(r => r.Add<Validated, string>("pct", "", (_, _) => Task.FromResult("")));

        ToolOutcome outcome = await invoker.InvokeAsync("pct", """{"percent":150}""", Context(), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(ToolFailure.InvalidArguments, outcome.Failure);
        Assert.Contains("150", ErrorOf(outcome).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tool_that_throws_reports_the_exception_message_only()
    {
        ToolInvoker invoker = Invoker(r => r.Add<NoArgs, string>("boom", "", async (_, cancellationToken) =>
        {
            await Task.Yield();
            throw new InvalidOperationException("The database is on fire.");
        }));

        ToolOutcome outcome = await invoker.InvokeAsync("boom", "{}", Context(), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(ToolFailure.Threw, outcome.Failure);
        (string kind, string message) = ErrorOf(outcome);
        Assert.Equal("threw", kind);
        Assert.Equal("Tool 'boom' failed: The database is on fire.", message);
        Assert.DoesNotContain("InvalidOperationException", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("Tool 'boom' failed", outcome.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tool_that_throws_before_returning_a_task_is_reported_too()
    {
        ToolInvoker invoker = Invoker(r => r.Add<NoArgs, string>(
            "eager", "", (_, _) => throw new ArgumentException("Bad input.")));

        ToolOutcome outcome = await invoker.InvokeAsync("eager", "{}", Context(), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(ToolFailure.Threw, outcome.Failure);
        Assert.Equal("Tool 'eager' failed: Bad input.", ErrorOf(outcome).Message);
    }

    [Fact]
    public async Task A_tool_that_cancels_itself_without_being_asked_threw()
    {
        ToolInvoker invoker = Invoker(r => r.Add<NoArgs, string>(
            "flaky", "", (_, _) => Task.FromCanceled<string>(new CancellationToken(canceled: true))));

        ToolOutcome outcome = await invoker.InvokeAsync("flaky", "{}", Context(), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(ToolFailure.Threw, outcome.Failure);
    }

    public sealed record Unwritable(double Value);

    [Fact]
    public async Task A_result_that_cannot_be_serialized_is_reported_as_threw()
    {
        ToolInvoker invoker = Invoker(r => r.Add<NoArgs, Unwritable>(
            "inf", "", (_, _) => Task.FromResult(new Unwritable(double.PositiveInfinity))));

        ToolOutcome outcome = await invoker.InvokeAsync("inf", "{}", Context(), CancellationToken.None).WaitAsync(Bound);

        Assert.Equal(ToolFailure.Threw, outcome.Failure);
    }
}
