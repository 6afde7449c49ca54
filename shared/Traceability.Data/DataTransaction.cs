using System.Data.Common;
using Dapper;
using Traceability.Contracts;
using Traceability.Data.Messaging;

namespace Traceability.Data;

/// <summary>
/// One open database transaction: the domain rows a handler writes and the messages it publishes
/// (through the outbox) commit or roll back together.
/// </summary>
public sealed class DataTransaction
{
    private readonly Outbox _outbox;

    internal DataTransaction(SqlDialect dialect, DbConnection connection, DbTransaction transaction, Outbox outbox, CancellationToken cancellationToken)
    {
        Dialect = dialect;
        Connection = connection;
        Transaction = transaction;
        _outbox = outbox;
        CancellationToken = cancellationToken;
    }

    /// <summary>The engine's dialect.</summary>
    public SqlDialect Dialect { get; }

    /// <summary>The open connection.</summary>
    public DbConnection Connection { get; }

    /// <summary>The transaction every statement must join.</summary>
    public DbTransaction Transaction { get; }

    /// <summary>Cancels the work.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Whether a message was written to the outbox in this transaction.</summary>
    public bool HasOutgoingMessages { get; private set; }

    /// <summary>Runs a statement in this transaction.</summary>
    public Task<int> ExecuteAsync(string sql, object? parameters = null) =>
        Connection.ExecuteAsync(Command(sql, parameters));

    /// <summary>Reads rows mapped to <typeparamref name="T"/> in this transaction.</summary>
    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null) =>
        (await Connection.QueryAsync<T>(Command(sql, parameters))).AsList();

    /// <summary>Reads at most one row.</summary>
    public Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters = null) =>
        Connection.QuerySingleOrDefaultAsync<T>(Command(sql, parameters));

    /// <summary>Reads one scalar value.</summary>
    public Task<T?> ExecuteScalarAsync<T>(string sql, object? parameters = null) =>
        Connection.ExecuteScalarAsync<T>(Command(sql, parameters));

    /// <summary>Writes a message to the outbox; it is published after this transaction commits.</summary>
    public async Task PublishAsync<T>(T message) where T : class, IMessage
    {
        await _outbox.AddAsync(this, message);
        HasOutgoingMessages = true;
    }

    private CommandDefinition Command(string sql, object? parameters) =>
        new(sql, parameters, Transaction, cancellationToken: CancellationToken);
}
