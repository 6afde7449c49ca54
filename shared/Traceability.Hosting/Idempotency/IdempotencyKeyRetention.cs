using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Traceability.Data;

namespace Traceability.Hosting.Idempotency;

/// <summary>How long an Idempotency-Key's answer is kept. Configuration section <c>Idempotency</c>.</summary>
public sealed class IdempotencyOptions
{
    /// <summary>Retries come within minutes; a day covers a client that retries after an outage.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);
}

/// <summary>Deletes stored answers older than the retention, hourly; after that a key can be used again.</summary>
public sealed partial class IdempotencyKeyRetention(Database database, IOptions<IdempotencyOptions> options, TimeProvider time,
    ILogger<IdempotencyKeyRetention> logger) : BackgroundService
{
    private readonly string _deleteExpired = IdempotencySql.DeleteExpired(database.Schema);

    /// <summary>Deletes the answers older than the retention now; returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(new CommandDefinition(_deleteExpired,
            new { Before = time.GetUtcNow().UtcDateTime - options.Value.Retention }, cancellationToken: cancellationToken));
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        do
        {
            try
            {
                var deleted = await DeleteExpiredAsync(stoppingToken);
                if (deleted > 0)
                {
                    LogDeleted(deleted);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogFailed(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} expired idempotency keys")]
    private partial void LogDeleted(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete expired idempotency keys; trying again in an hour")]
    private partial void LogFailed(Exception exception);
}
