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

    /// <summary>How often a transaction is retried on transient errors before the error surfaces.</summary>
    public int MaxRetryAttempts { get; set; } = 6;
}
