using System.Collections.Frozen;
using Microsoft.AspNetCore.Http;

namespace Orchestrator.OperatorConsole;

/// <summary>
/// The page's files, embedded in this assembly (works offline, no CDN): <c>/ui/</c> is <c>index.html</c>, every other
/// file by its name. They hold no data: the page fetches everything from <c>/v1</c> with the bearer token the operator
/// enters, so they are served without it. The content security policy lets the page load only its own files.
/// </summary>
internal static class ConsoleAssets
{
    private const string Prefix = "ui/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    private static readonly FrozenDictionary<string, byte[]> Files = typeof(ConsoleAssets).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
        .ToFrozenDictionary(n => n[Prefix.Length..], Read, StringComparer.Ordinal);

    public static IResult Serve(string? file, HttpContext http)
    {
        var name = string.IsNullOrEmpty(file) ? "index.html" : file;
        if (!Files.TryGetValue(name, out var bytes)) return Results.NotFound();
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["Content-Security-Policy"] =
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers["Referrer-Policy"] = "no-referrer";
        return Results.Bytes(bytes, ContentTypes.GetValueOrDefault(Path.GetExtension(name), "application/octet-stream"));
    }

    private static byte[] Read(string resource)
    {
        using var stream = typeof(ConsoleAssets).Assembly.GetManifestResourceStream(resource)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
