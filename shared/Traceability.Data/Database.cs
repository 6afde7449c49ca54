using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using Polly;
using Traceability.Data.Messaging;

namespace Traceability.Data;

/// <summary>
/// A service's database: its dialect, its schema and transactions retried as a whole. Work serving an
/// HTTP request (see <see cref="ServeRequest"/>) gets a short retry budget, background work a long one;
/// when the budget is spent on transient errors, <see cref="DatabaseUnavailableException"/> surfaces.
/// </summary>
public sealed class Database
{
    // Set for the async flow of one HTTP request by the hosting pipeline, so that every handler,
    // filter and query below it gets the request budget without passing it along.
    private static readonly AsyncLocal<bool> ServingRequest = new();

    private readonly string _connectionString;
    private readonly string _migrationConnectionString;
    private readonly ResiliencePipeline _backgroundRetry;
    private readonly ResiliencePipeline _requestRetry;
    private readonly Outbox _outbox;
    private readonly OutboxSignal _signal;
    private readonly SharedTransactions _shared;

    /// <summary>Creates the database access for one service.</summary>
    public Database(IOptions<DatabaseOptions> options, OutboxSignal signal)
    {
        var value = options.Value;
        Dialect = SqlDialect.For(value.Provider);
        Dialect.ConfigureDapper();
        Schema = value.Schema;
        _connectionString = Dialect.Tuned(value.ConnectionString);
        // Migrations take a session lock: they keep the plain connection string, whose pool resets sessions.
        _migrationConnectionString = value.ConnectionString;
        _backgroundRetry = TransientRetry.For(Dialect, value.MaxRetryAttempts, value.RetryBudget);
        _requestRetry = TransientRetry.For(Dialect, value.RequestRetryAttempts, value.RequestBudget);
        _outbox = new Outbox(Schema);
        _signal = signal;
        _shared = new SharedTransactions(this, value.MaxUnitsPerSharedTransaction);
    }

    /// <summary>The engine's dialect.</summary>
    public SqlDialect Dialect { get; }

    /// <summary>The service's schema.</summary>
    public string Schema { get; }

    /// <summary>
    /// Marks the calling async flow (an HTTP request, until the returned scope is disposed) as serving a
    /// client: its database work gets the request retry budget instead of the background one.
    /// </summary>
    public static IDisposable ServeRequest()
    {
        var before = ServingRequest.Value;
        ServingRequest.Value = true;
        return new RequestScope(before);
    }

    /// <summary>The connection string, for the migration runner only.</summary>
    public string ConnectionStringForMigrations() => _migrationConnectionString;

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
        RetriedAsync(async ct =>
        {
            await using var connection = await OpenAsync(ct);
            var rows = await connection.QueryAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: ct));
            return (IReadOnlyList<T>)rows.AsList();
        }, cancellationToken);

    /// <summary>Reads at most one row outside a transaction, retried on transient errors.</summary>
    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters, CancellationToken cancellationToken) =>
        RetriedAsync(async ct =>
        {
            await using var connection = await OpenAsync(ct);
            return await connection.QuerySingleOrDefaultAsync<T>(new CommandDefinition(sql, parameters, cancellationToken: ct));
        }, cancellationToken);

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction and commits it; on a transient error the
    /// whole transaction runs again (so <paramref name="work"/> must only touch the database).
    /// Messages published through the transaction are handed to the outbox relay after commit.
    /// </summary>
    public async Task<T> InTransactionAsync<T>(Func<DataTransaction, Task<T>> work, CancellationToken cancellationToken)
    {
        var published = false;
        var result = await RetriedAsync(async ct =>
        {
            await using var connection = await OpenAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            var data = new DataTransaction(Dialect, connection, transaction, _outbox, ct);
            var value = await work(data);
            if (!await data.CompleteAsync())
            {
                await transaction.CommitAsync(ct);
            }
            published = data.HasOutgoingMessages;
            return value;
        }, cancellationToken);
        if (published)
        {
            _signal.Notify();
        }
        return result;
    }

    private async Task<T> RetriedAsync<T>(Func<CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken)
    {
        var request = ServingRequest.Value;
        try
        {
            return await (request ? _requestRetry : _backgroundRetry).ExecuteAsync(work, cancellationToken);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && TransientRetry.MeansUnavailable(Dialect, exception))
        {
            throw new DatabaseUnavailableException(
                $"The database did not answer within the {(request ? "request" : "background")} retry budget: {exception.Message}", exception);
        }
    }

    private sealed class RequestScope(bool before) : IDisposable
    {
        public void Dispose() => ServingRequest.Value = before;
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a transaction that it may share with other units arriving at
    /// the same time (group commit, see <see cref="SharedTransactions"/>): everything it writes still
    /// commits or rolls back together, and a failure of another unit never becomes its failure.
    /// <paramref name="first"/> are statements whose affected rows the work needs (an inbox row): the
    /// units' first statements go to the database together, and each work gets its own counts.
    /// </summary>
    public Task<T> InSharedTransactionAsync<T>(IReadOnlyList<(string Sql, object Row)> first, Func<DataTransaction, IReadOnlyList<int>, Task<T>> work, CancellationToken cancellationToken) =>
        _shared.RunAsync([], first, work, cancellationToken);

    /// <summary>
    /// As <see cref="InSharedTransactionAsync{T}(IReadOnlyList{ValueTuple{string, object}}, Func{DataTransaction, IReadOnlyList{int}, Task{T}}, CancellationToken)"/>,
    /// taking <paramref name="locks"/> first: with every other unit's in the transaction, in key order (see <see cref="TransactionLock"/>),
    /// in the first round trip.
    /// </summary>
    public Task<T> InSharedTransactionAsync<T>(IReadOnlyList<TransactionLock> locks, IReadOnlyList<(string Sql, object Row)> first,
        Func<DataTransaction, IReadOnlyList<int>, Task<T>> work, CancellationToken cancellationToken) =>
        _shared.RunAsync(locks, first, work, cancellationToken);

    /// <summary>As <see cref="InSharedTransactionAsync{T}(IReadOnlyList{ValueTuple{string, object}}, Func{DataTransaction, IReadOnlyList{int}, Task{T}}, CancellationToken)"/>, without first statements.</summary>
    public Task<T> InSharedTransactionAsync<T>(Func<DataTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        _shared.RunAsync([], [], (data, _) => work(data), cancellationToken);

    /// <summary>As above, taking <paramref name="locks"/> first (see <see cref="TransactionLock"/>).</summary>
    public Task<T> InSharedTransactionAsync<T>(IReadOnlyList<TransactionLock> locks, Func<DataTransaction, Task<T>> work, CancellationToken cancellationToken) =>
        _shared.RunAsync(locks, [], (data, _) => work(data), cancellationToken);

    /// <summary>Runs <paramref name="work"/> in one transaction, as <see cref="InTransactionAsync{T}"/>.</summary>
    public Task InTransactionAsync(Func<DataTransaction, Task> work, CancellationToken cancellationToken) =>
        InTransactionAsync(async data =>
        {
            await work(data);
            return true;
        }, cancellationToken);
}
