using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Orchestrator.Emulator;

/// <summary>The HTTP side: authentication, the <c>/v1/responses</c> WebSocket upgrade (or its refusal) and POST, and HTTP errors shaped like the real API's.</summary>
internal sealed class EmulatorEndpoint(EmulatorRuntime runtime)
{
    private static readonly PathString ResponsesPath = new("/v1/responses");

    private readonly CompactEndpoint _compact = new(runtime);
    private readonly HttpResponsesEndpoint _responses = new(runtime);

    private readonly byte[]? _expectedAuthorization =
        runtime.Options.RequiredApiKey is { } key ? Encoding.UTF8.GetBytes("Bearer " + key) : null;

    public async Task HandleAsync(HttpContext context)
    {
        if (!IsAuthorized(context.Request))
        {
            // Never echo the key, not even the wrong one.
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "invalid_api_key", "Incorrect API key provided.");
            return;
        }

        if (context.Request.Path.Equals(CompactEndpoint.Path, StringComparison.Ordinal))
        {
            await _compact.HandleAsync(context);
            return;
        }

        if (!context.Request.Path.Equals(ResponsesPath, StringComparison.Ordinal))
        {
            await WriteErrorAsync(context, StatusCodes.Status404NotFound, "not_found", $"Unknown path: {context.Request.Path}.");
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            if (HttpMethods.IsPost(context.Request.Method))
            {
                await _responses.HandleAsync(context);
                return;
            }

            context.Response.Headers.Upgrade = "websocket";
            await WriteErrorAsync(context, StatusCodes.Status426UpgradeRequired, "upgrade_required", "This endpoint takes a WebSocket upgrade or a POST.");
            return;
        }

        if (runtime.RefuseWebSockets)
        {
            runtime.Counters.WebSocketRefused();
            await RefuseWebSocketAsync(context, runtime.Options.WebSocketRefusalStatus);
            return;
        }

        if (runtime.Faults.RefuseNextUpgrade())
        {
            runtime.Counters.UpgradeRefused();
            foreach ((string name, string value) in ProtocolError.RetryAfterHeaders(runtime.Options.Faults.RetryAfter))
            {
                context.Response.Headers[name] = value;
            }

            await WriteErrorAsync(context, StatusCodes.Status429TooManyRequests, "rate_limit_exceeded", "Rate limit reached for requests. Please try again later.", "requests");
            return;
        }

        using WebSocket socket = await context.WebSockets.AcceptWebSocketAsync();
        runtime.Counters.ConnectionAccepted();
        GatedStream? transport = (context.Features.Get<IHttpUpgradeFeature>() as GatedUpgradeFeature)?.Stream;
        var session = new ConnectionSession(runtime.NextConnectionId(), socket, transport, runtime, context.Abort, context.RequestAborted);
        runtime.Sessions[session.Id] = session;
        try
        {
            await session.RunAsync();
        }
        finally
        {
            runtime.Sessions.TryRemove(session.Id, out _);
            runtime.Counters.ConnectionEnded();
        }
    }

    private static Task RefuseWebSocketAsync(HttpContext context, int status)
    {
        const string useHttp = "WebSocket mode is not available here: use POST /v1/responses with stream: true.";
        return status switch
        {
            StatusCodes.Status404NotFound => WriteErrorAsync(context, status, "not_found", useHttp),
            StatusCodes.Status405MethodNotAllowed => WriteErrorAsync(context, status, "method_not_allowed", useHttp),
            _ => WriteErrorAsync(context, StatusCodes.Status426UpgradeRequired, "upgrade_required", useHttp),
        };
    }

    private bool IsAuthorized(HttpRequest request)
    {
        if (_expectedAuthorization is null)
        {
            return true;
        }

        string? header = request.Headers.Authorization;
        return header is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header), _expectedAuthorization);
    }

    /// <summary>
    /// Installed before ASP.NET's WebSocket middleware: the WebSocket it creates then writes through a
    /// <see cref="GatedStream"/> (see there why).
    /// </summary>
    public static Task GateUpgrades(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
        {
            context.Features.Set<IHttpUpgradeFeature>(new GatedUpgradeFeature(upgrade));
        }

        return next(context);
    }

    /// <summary>An HTTP error body shaped like the real API's: <c>{"error":{message,type,param,code}}</c>.</summary>
    public static async Task WriteErrorAsync(HttpContext context, int status, string code, string message, string type = "invalid_request_error", string? param = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var body = new MemoryStream();
        await using (var json = new System.Text.Json.Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteStartObject("error");
            json.WriteString("message", message);
            json.WriteString("type", type);
            json.WriteString("param", param);
            json.WriteString("code", code);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        await context.Response.Body.WriteAsync(body.GetBuffer().AsMemory(0, (int)body.Length), context.RequestAborted);
    }
}
