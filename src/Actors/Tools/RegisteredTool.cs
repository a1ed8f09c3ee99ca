using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Orchestrator.Actors.Tools;

/// <summary>One tool with its types erased: binds JSON arguments and runs to a JSON output.</summary>
internal sealed class RegisteredTool
{
    private readonly Func<string, object> _bind;
    private readonly Func<object, ToolContext, CancellationToken, Task<string>> _run;

    private RegisteredTool(
        ToolDefinition definition,
        Func<string, object> bind,
        Func<object, ToolContext, CancellationToken, Task<string>> run)
    {
        Definition = definition;
        _bind = bind;
        _run = run;
    }

    public ToolDefinition Definition { get; }

    public string Name => Definition.Name;

    /// <exception cref="ArgumentException">The argument or result type cannot be used with the tool JSON conventions.</exception>
    public static RegisteredTool Create<TArgs, TResult>(
        string name,
        string description,
        Func<TArgs, ToolContext, CancellationToken, Task<TResult>> run)
    {
        JsonTypeInfo<TArgs> argsInfo;
        try
        {
            argsInfo = (JsonTypeInfo<TArgs>)ToolJson.Options.GetTypeInfo(typeof(TArgs));
            if (typeof(TResult) != typeof(string))
            {
                ToolJson.Options.GetTypeInfo(typeof(TResult));
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException)
        {
            throw new ArgumentException($"Tool '{name}': {ex.Message}", ex);
        }

        // The Responses API wants an object schema, and a dictionary would accept any property name.
        if (argsInfo.Kind != JsonTypeInfoKind.Object)
        {
            throw new ArgumentException(
                $"Tool '{name}': the argument type {typeof(TArgs)} must serialize as a JSON object with named properties " +
                $"(a class, record or struct), not as a JSON {argsInfo.Kind.ToString().ToLowerInvariant()}.",
                nameof(TArgs));
        }

        var definition = new ToolDefinition(name, description, ToolSchema.For(argsInfo));
        return new RegisteredTool(
            definition,
            json => JsonSerializer.Deserialize(json, argsInfo)
                    ?? throw new JsonException("The arguments must be a JSON object, not null."),
            async (args, context, cancellationToken) =>
                Serialize(await run((TArgs)args, context, cancellationToken).ConfigureAwait(false)));
    }

    /// <summary>An external tool: arguments pass as the model's JSON object, unbound; its server checks them.</summary>
    public static RegisteredTool Create(ExternalTool tool) =>
        new(
            tool.Definition,
            json =>
            {
                using JsonDocument document = JsonDocument.Parse(json);
                return document.RootElement.ValueKind == JsonValueKind.Object
                    ? document.RootElement.Clone()
                    : throw new JsonException("The arguments must be a JSON object.");
            },
            (args, context, cancellationToken) => tool.Run((JsonElement)args, context, cancellationToken));

    /// <summary>Binds arguments; on failure says why in terms the model can act on.</summary>
    public bool TryBind(string? argumentsJson, [NotNullWhen(true)] out object? arguments, [NotNullWhen(false)] out string? problem)
    {
        arguments = null;
        problem = null;
        if (argumentsJson is null)
        {
            problem = "No arguments were given; expected a JSON object.";
            return false;
        }

        try
        {
            arguments = _bind(argumentsJson);
            return true;
        }
        catch (JsonException ex)
        {
            problem = ArgumentProblem.Describe(ex, Definition.Parameters);
        }
        catch (Exception ex)
        {
            // An argument type may validate in its constructor; whatever it rejects is still a bad argument.
            problem = ex.Message;
        }

        return false;
    }

    public Task<string> RunAsync(object arguments, ToolContext context, CancellationToken cancellationToken) =>
        _run(arguments, context, cancellationToken);

    private static string Serialize<TResult>(TResult result) =>
        typeof(TResult) == typeof(string)
            ? (string?)(object?)result ?? string.Empty
            : JsonSerializer.Serialize(result, ToolJson.Options);
}
