namespace Orchestrator.Hosting.Configuration;

/// <summary>
/// Which Responses endpoint to use, by the SDK convention: an explicit <c>--endpoint</c> first; else, when
/// <c>OPENAI_API_KEY</c> is set, <c>OPENAI_BASE_URL</c> or the OpenAI API; else the embedded emulator.
/// A base URL (<c>http://127.0.0.1:8787/v1</c>) becomes its WebSocket form (<c>ws://127.0.0.1:8787/v1/responses</c>).
/// </summary>
public static class EndpointResolver
{
    public const string OpenAiBaseUrl = "https://api.openai.com/v1";

    /// <returns>The WebSocket URL, or null for "start the embedded emulator".</returns>
    public static Uri? Resolve(string? endpointOption, string? baseUrlEnvironment, string? apiKey)
    {
        if (!string.IsNullOrWhiteSpace(endpointOption)) return ToResponsesUrl(endpointOption, "--endpoint");
        if (string.IsNullOrEmpty(apiKey)) return null;
        return ToResponsesUrl(string.IsNullOrWhiteSpace(baseUrlEnvironment) ? OpenAiBaseUrl : baseUrlEnvironment, "OPENAI_BASE_URL");
    }

    public static Uri ToResponsesUrl(string url, string source)
    {
        var text = url.Trim();
        // On Unix "/v1/responses" parses as an implicit file:// URI; to the user it is a relative URL.
        var implicitFile = Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.IsFile && !text.StartsWith("file:", StringComparison.OrdinalIgnoreCase);
        if (uri is null || implicitFile)
            throw new ConfigurationException($"{source} '{url}' is not an absolute URL (expected e.g. http://127.0.0.1:8787/v1 or ws://127.0.0.1:8787/v1/responses).");

        var scheme = uri.Scheme switch
        {
            "http" or "ws" => "ws",
            "https" or "wss" => "wss",
            _ => throw new ConfigurationException($"{source} '{url}' has scheme '{uri.Scheme}'; use http, https, ws or wss."),
        };
        var path = uri.AbsolutePath.TrimEnd('/');
        // A WebSocket URL is taken as given; a base URL gets the /responses resource appended.
        if (uri.Scheme is "http" or "https" || !path.EndsWith("/responses", StringComparison.Ordinal)) path += "/responses";
        return new UriBuilder(uri) { Scheme = scheme, Path = path, Port = uri.IsDefaultPort ? -1 : uri.Port }.Uri;
    }
}
