using System.Threading.RateLimiting;
using Traceability.Hosting;

namespace Traceability.Provenance.Exporters;

/// <summary>Per-key token bucket. Configuration section <c>RateLimit</c>.</summary>
public sealed class RateLimitOptions
{
    /// <summary>Requests a key may make in a burst.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>Tokens added back per second.</summary>
    public int PerSecond { get; set; } = 100;
}

/// <summary>
/// Each verified API key gets its own token bucket. A request whose key was not verified (none, malformed,
/// unknown, revoked, or a known prefix with a wrong secret) is bucketed by its client address instead, so
/// that nobody can spend an exporter's bucket without the exporter's secret. Over the limit: 429 problem
/// details with <c>Retry-After</c>.
/// </summary>
internal static class ExporterRateLimit
{
    public const string Policy = "per-api-key";

    public static IServiceCollection AddExporterRateLimit(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection("RateLimit").Get<RateLimitOptions>() ?? new RateLimitOptions();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.AddPolicy(Policy, http =>
            {
                // RequireExporter.VerifyAsync ran before the limiter: only a verified key names a key's bucket.
                var partition = http.Items[typeof(Exporter)] is Exporter { KeyPrefix.Length: > 0 } verified
                    ? "key:" + verified.KeyPrefix
                    : "unverified:" + http.Connection.RemoteIpAddress;
                return RateLimitPartition.GetTokenBucketLimiter(partition, _ => TokenBuckets.Of(options.Burst, options.PerSecond));
            });
            limiter.OnRejected = TokenBuckets.TooManyRequests("Too many requests for this API key.");
        });
        return services;
    }
}
