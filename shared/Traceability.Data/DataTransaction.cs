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

    /// <summary>
    /// Runs one statement once per row in a single round trip (an ADO.NET batch where the provider has
    /// them), returning the rows each execution affected. For bulk work such as a 500-event EPCIS document.
    /// </summary>
    public async Task<IReadOnlyList<int>> ExecuteBatchAsync(string sql, IReadOnlyList<object> rows)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        if (!Connection.CanCreateBatch)
        {
            var counts = new List<int>(rows.Count);
            foreach (var row in rows)
            {
                counts.Add(await ExecuteAsync(sql, row));
            }
            return counts;
        }
        await using var batch = Connection.CreateBatch();
        batch.Transaction = Transaction;
        foreach (var row in rows)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = sql;
            foreach (var property in row.GetType().GetProperties())
            {
                command.Parameters.Add(Parameter(command, property.Name, property.PropertyType, property.GetValue(row)));
            }
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(CancellationToken);
        return batch.BatchCommands.Select(c => c.RecordsAffected).ToList();
    }

    private DbParameter Parameter(DbBatchCommand command, string name, Type type, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        (parameter.DbType, parameter.Value) = value switch
        {
            null => (DbTypeOf(underlying), DBNull.Value),
            DateOnly date => (System.Data.DbType.Date, date.ToDateTime(TimeOnly.MinValue)),
            _ => (DbTypeOf(underlying), value),
        };
        return parameter;
    }

    private System.Data.DbType DbTypeOf(Type type) => type switch
    {
        _ when type == typeof(string) => System.Data.DbType.String,
        _ when type == typeof(Guid) => System.Data.DbType.Guid,
        _ when type == typeof(int) => System.Data.DbType.Int32,
        _ when type == typeof(long) => System.Data.DbType.Int64,
        _ when type == typeof(decimal) => System.Data.DbType.Decimal,
        _ when type == typeof(bool) => System.Data.DbType.Boolean,
        _ when type == typeof(DateOnly) => System.Data.DbType.Date,
        _ when type == typeof(DateTime) => Dialect.DateTimeParameterType,
        _ when type == typeof(byte[]) => System.Data.DbType.Binary,
        _ => throw new NotSupportedException($"A batch parameter of type {type.Name} is not supported."),
    };

    /// <summary>Writes messages to the outbox in one round trip; they are published after this transaction commits.</summary>
    public async Task PublishManyAsync<T>(IReadOnlyList<T> messages) where T : class, IMessage
    {
        if (messages.Count == 0)
        {
            return;
        }
        await _outbox.AddManyAsync(this, messages);
        HasOutgoingMessages = true;
    }

    /// <summary>Writes a message to the outbox; it is published after this transaction commits.</summary>
    public async Task PublishAsync<T>(T message) where T : class, IMessage
    {
        await _outbox.AddAsync(this, message);
        HasOutgoingMessages = true;
    }

    private CommandDefinition Command(string sql, object? parameters) =>
        new(sql, parameters, Transaction, cancellationToken: CancellationToken);
}
