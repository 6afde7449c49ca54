using Polly;
using Polly.Retry;
using Polly.Timeout;

namespace Traceability.Data;

/// <summary>
/// The Polly pipeline that wraps whole database transactions: exponential backoff with jitter on
/// the dialect's transient errors, bounded both by attempts and by an overall time budget.
/// </summary>
public static class TransientRetry
{
    /// <summary>Builds the pipeline for a dialect.</summary>
    public static ResiliencePipeline For(SqlDialect dialect, int maxRetryAttempts = 6, TimeSpan? budget = null) =>
        new ResiliencePipelineBuilder()
            .AddTimeout(new TimeoutStrategyOptions { Timeout = budget ?? TimeSpan.FromSeconds(30) })
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(dialect.IsTransient),
                MaxRetryAttempts = maxRetryAttempts,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(50),
                MaxDelay = TimeSpan.FromSeconds(2),
            })
            .Build();

    /// <summary>
    /// Whether <paramref name="exception"/>, having escaped the pipeline, means the database is out of
    /// reach rather than that the work is wrong: a transient error that outlived its retries, or the budget spent.
    /// </summary>
    public static bool MeansUnavailable(SqlDialect dialect, Exception exception) =>
        exception is TimeoutRejectedException || dialect.IsTransient(exception);
}
