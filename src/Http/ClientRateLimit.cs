using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace Orchestrator.Http;

/// <summary>
/// A token bucket per client (<see cref="ApiOptions.RequestsPerSecond"/>, <see cref="ApiOptions.RequestBurst"/>): the
/// client is its bearer token when the API has one (every holder of the token shares it; requests without it never get
/// this far), else its remote address. <c>/healthz</c> is never limited, so that liveness probes do not fail under load.
/// A request over the limit is 429 with <c>Retry-After</c>. Buckets of idle clients are dropped by the limiter itself.
/// </summary>
public static class ClientRateLimit
{
    public static IServiceCollection AddClientRateLimit(this IServiceCollection services, ApiOptions options) =>
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, options));
            limiter.OnRejected = async (rejected, cancellationToken) =>
            {
                ApiMetrics.Refused(ApiMetrics.RateLimit);
                var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
                    ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
                    : 1;
                rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await ApiProblems.Problem(StatusCodes.Status429TooManyRequests, "Too many requests",
                        $"This client may send {options.RequestsPerSecond} requests per second (bursts of {options.RequestBurst}); retry after {seconds} s.")
                    .ExecuteAsync(rejected.HttpContext);
            };
        });

    public static IApplicationBuilder UseClientRateLimit(this IApplicationBuilder app, ApiOptions options) =>
        options.RequestsPerSecond > 0 ? app.UseRateLimiter() : app;

    private static RateLimitPartition<string> Partition(HttpContext context, ApiOptions options)
    {
        if (options.RequestsPerSecond <= 0 || context.Request.Path.StartsWithSegments("/healthz")) return RateLimitPartition.GetNoLimiter("");
        var client = options.Token is not null && context.Request.Path.StartsWithSegments("/v1")
            ? "token"
            : "ip:" + context.Connection.RemoteIpAddress;
        return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.RequestBurst,
            TokensPerPeriod = options.RequestsPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}
