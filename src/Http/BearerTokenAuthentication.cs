using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Orchestrator.Http;

/// <summary>
/// Bearer-token check of every <c>/v1</c> request when the operator set a token. Health, readiness and the
/// OpenAPI document stay open: orchestrators and tooling probe them without credentials, and they reveal nothing
/// about conversations. Compared in constant time over hashes, so neither content nor length leaks by timing.
/// </summary>
public static class BearerTokenAuthentication
{
    public static IApplicationBuilder UseBearerToken(this IApplicationBuilder app, string? token)
    {
        if (token is null) return app;
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        return app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/v1"))
            {
                await next(context);
                return;
            }
            var header = context.Request.Headers.Authorization.ToString();
            const string scheme = "Bearer ";
            string? problem = null;
            if (string.IsNullOrEmpty(header)) problem = "This API needs a bearer token: send 'Authorization: Bearer <ORCHESTRATOR_API_TOKEN>'.";
            else if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) problem = "The Authorization header must use the Bearer scheme.";
            else if (!CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim())), expected))
                problem = "The bearer token is wrong.";
            if (problem is null)
            {
                await next(context);
                return;
            }
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await ApiProblems.Unauthorized(problem).ExecuteAsync(context);
        });
    }
}
