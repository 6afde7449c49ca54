namespace Traceability.Data;

/// <summary>Where a service keeps its data. Read from configuration section <c>Database</c>.</summary>
public sealed class DatabaseOptions
{
    /// <summary>"postgres" (local, CI) or "sqlserver" (docker-compose, production).</summary>
    public string Provider { get; set; } = "postgres";

    /// <summary>Connection string; defaults to <c>ConnectionStrings:Traceability</c>.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The service's own schema: a service never reads another's tables.</summary>
    public string Schema { get; set; } = "";

    /// <summary>
    /// Background work (consumers, the outbox relay): how often a transaction is retried on transient
    /// errors before <see cref="DatabaseUnavailableException"/> surfaces (and the caller's own loop retries).
    /// </summary>
    public int MaxRetryAttempts { get; set; } = 6;

    /// <summary>Background work: the most one transaction may take, its retries included.</summary>
    public TimeSpan RetryBudget { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Work serving an HTTP request: fewer retries, so that a client whose database is down gets a 503
    /// at once (with Retry-After) instead of waiting out the background budget.
    /// </summary>
    public int RequestRetryAttempts { get; set; } = 3;

    /// <summary>
    /// Work serving an HTTP request: the most its database work may take, retries included. Bounds a
    /// request when the database does not even refuse (a network partition); a refused connection
    /// fails within the retries' backoff, well under a second.
    /// </summary>
    public TimeSpan RequestBudget { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>At most this many units of work share one transaction (group commit).</summary>
    public int MaxUnitsPerSharedTransaction { get; set; } = 64;
}
