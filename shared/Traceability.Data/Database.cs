using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using Polly;
using Traceability.Data.Messaging;

namespace Traceability.Data;

/// <summary>A service's database: its dialect, its schema and transactions retried as a whole.</summary>
public sealed class Database
{
    private readonly string _connectionString;
    private readonly ResiliencePipeline _retry;
    private readonly Outbox _outbox;
    private readonly OutboxSignal _signal;

    /// <summary>Creates the database access for one service.</summary>
    public Database(IOptions<DatabaseOptions> options, OutboxSignal signal)
    {
        var value = options.Value;
        Dialect = SqlDialect.For(value.Provider);
        Dialect.ConfigureDapper();
        Schema = value.Schema;
        _connectionString = value.ConnectionString;
        _retry = TransientRetry.For(Dialect, value.MaxRetryAttempts);
        _outbox = new Outbox(Schema);
        _signal = signal;
    }

    /// <summary>The engine's dialect.</summary>
    public SqlDialect Dialect { get; }

    /// <summary>The service's schema.</summary>
    public string Schema { get; }

    /// <summary>The connection string, for the migration runner only.</summary>
    public string ConnectionStringForMigrations() => _connectionString;

    /// <summary>Opens a connection (for reads outside a transaction).</summary>
    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = Dialect.CreateConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Reads rows outside a transaction, retried on transient errors.</summary>
    public Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(async ct =>
        {
            await using var connection = await OpenAsync(ct);
            var rows = await connection.QueryAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: ct));
            return (IReadOnlyList<T>)rows.AsList();
        }, cancellationToken).AsTask();

    /// <summary>Reads at most one row outside a transaction, retried on transient errors.</summary>
    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters, CancellationToken cancellationToken) =>
        _retry.ExecuteAsync(async ct =>
        {
            await using var connection = await OpenAsync(ct);
            return await connection.QuerySingleOrDefaultAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: ct));
        }, cancellationToken).AsTask();

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and commits it; on a transient error the
    /// whole transaction runs again (so <paramref name="work"/> must only touch the database).
    /// Messages published through the transaction are handed to the outbox relay after commit.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<DataTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var published = false;
        var result = await _retry.ExecuteAsync(async ct =>
        {
            await using var connection = await OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var data = new DataTransaction(Dialect, connection, transaction, _outbox, ct);
            var value = await work(data);
            await transaction.CommitAsync(ct);
            published = data.HasOutgoingMessages;
            return value;
        }, cancellationToken);
        if (published)
        {
            _signal.Notify();
        }
        return result;
    }

    /// <summary>Runs <paramref name="work"/> in one transaction, as <see cref="InTransactionAsync{T}"/>.</summary>
    public Task InTransactionAsync(Func<DataTransaction, Task> work, CancellationToken cancellationToken) =>
        InTransactionAsync(async data =>
        {
            await work(data);
            return true;
        }, cancellationToken);
}
