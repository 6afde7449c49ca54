using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace Traceability.Hosting;

/// <summary>The platform's rate limits: a token bucket per partition (an API key, a client address), refused with 429.</summary>
public static class TokenBuckets
{
    /// <summary>A bucket of <paramref name="burst"/> tokens that gets <paramref name="perSecond"/> back each second; no queue.</summary>
    public static TokenBucketRateLimiterOptions Of(int burst, int perSecond) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    /// <summary>A refusal: 429 problem details titled <paramref name="title"/>, with <c>Retry-After</c> in whole seconds.</summary>
    public static Func<OnRejectedContext, CancellationToken, ValueTask> TooManyRequests(string title) => async (context, _) =>
    {
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        context.HttpContext.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: title, detail: $"Retry after {retryAfter} s.")
            .ExecuteAsync(context.HttpContext);
    };
}
