using System.Collections.Concurrent;
using System.Data.Common;
using System.Linq.Expressions;
using System.Reflection;
using Dapper;
using Traceability.Contracts;
using Traceability.Data.Messaging;

namespace Traceability.Data;

/// <summary>
/// One open database transaction: the domain rows a handler writes and the messages it publishes
/// (through the outbox) commit or roll back together.
/// </summary>
/// <remarks>
/// Writes whose answer nobody needs at once (<see cref="Defer"/>, <see cref="PublishAsync{T}"/>) are
/// held and sent together in one round trip, before the next statement that reads or before commit,
/// in the order they were made: a shipment with its tiers, chain link and outbox row costs one round
/// trip instead of one per row.
/// </remarks>
public sealed class DataTransaction
{
    private readonly Outbox _outbox;
    private readonly List<Deferred> _deferred = [];
    private readonly List<Func<DataTransaction, Task>> _beforeCommit = [];
    private readonly Dictionary<object, object> _state = [];
    private readonly HashSet<string> _locks = new(StringComparer.Ordinal);
    private readonly List<TransactionLock> _named = [];

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
    public async Task<int> ExecuteAsync(string sql, object? parameters = null)
    {
        TakeNamed();
        await FlushAsync();
        return await Connection.ExecuteAsync(Command(sql, parameters));
    }

    /// <summary>Reads rows mapped to <typeparamref name="T"/> in this transaction.</summary>
    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? parameters = null)
    {
        if (CanReadWithHeldWrites(sql, parameters))
        {
            TakeNamed();
            return await ReadWithHeldWritesAsync<T>(sql, parameters!);
        }
        await FlushAsync();
        return (await Connection.QueryAsync<T>(Command(sql, parameters))).AsList();
    }

    /// <summary>Reads at most one row.</summary>
    public async Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? parameters = null)
    {
        if (CanReadWithHeldWrites(sql, parameters))
        {
            TakeNamed();
            var rows = await ReadWithHeldWritesAsync<T>(sql, parameters!);
            return rows.Count switch
            {
                0 => default,
                1 => rows[0],
                _ => throw new InvalidOperationException("The query returned more than one row."),
            };
        }
        await FlushAsync();
        return await Connection.QuerySingleOrDefaultAsync<T>(Command(sql, parameters));
    }

    // A read goes in the same round trip as the writes held before it (a shipment's rows and the chain head's lock with
    // the head's read: one round trip, not two) where the engine runs a batch's statements in order and returns only the
    // read's rows, and no held write waits for its count (its callback may hold more writes, which the read must see).
    private bool CanReadWithHeldWrites(string sql, object? parameters) =>
        (_deferred.Count > 0 || _named.Count > 0) && Dialect.BatchesReadsAndCommit && Connection.CanCreateBatch && parameters is not null
        // A parameter bag (Dapper's DynamicParameters, or a dictionary) has no properties to bind: the read goes on its own, as Dapper binds it.
        && parameters is not SqlMapper.IDynamicParameters and not System.Collections.IEnumerable
        && _deferred.TrueForAll(d => d.Then is null) && Binding.Of(parameters.GetType(), sql).All(b => Binding.Supported(b.Type));

    private async Task<IReadOnlyList<T>> ReadWithHeldWritesAsync<T>(string sql, object parameters)
    {
        var held = _deferred.ToList();
        _deferred.Clear();
        await using var batch = Batch([.. held.Select(d => (d.Sql, (object?)d.Row)), (sql, parameters)]);
        await using var reader = await batch.ExecuteReaderAsync(CancellationToken);
        // The reader skips statements that answer no rows, but not a held one that does (a lock): the read's rows come after.
        for (var i = held.Count(d => d.Answers); i > 0; i--)
        {
            await reader.NextResultAsync(CancellationToken);
        }
        var rows = new List<T>();
        if (reader.FieldCount > 0)
        {
            var parse = reader.GetRowParser<T>();
            while (await reader.ReadAsync(CancellationToken))
            {
                rows.Add(parse(reader));
            }
        }
        return rows;
    }

    /// <summary>Reads one scalar value.</summary>
    public async Task<T?> ExecuteScalarAsync<T>(string sql, object? parameters = null)
    {
        await FlushAsync();
        return await Connection.ExecuteScalarAsync<T>(Command(sql, parameters));
    }

    /// <summary>
    /// Holds a write (one row of parameters, whose property names are the statement's parameters)
    /// until the next read or commit, and sends it with the other held writes in one round trip.
    /// <paramref name="then"/> gets the rows it affected, after it ran; it may hold further writes
    /// or throw to roll the transaction back.
    /// </summary>
    public void Defer(string sql, object row, Action<int>? then = null) =>
        _deferred.Add(new Deferred(sql, row, then, Answers: AnswersRow(sql)));

    /// <summary>Runs <paramref name="work"/> once, just before commit, after every other held write was sent.</summary>
    public void BeforeCommit(Func<DataTransaction, Task> work) => _beforeCommit.Add(work);

    /// <summary>State that lives as long as this transaction (e.g. a hash chain's head once it is locked).</summary>
    public T State<T>(object key, Func<T> create) where T : class
    {
        if (!_state.TryGetValue(key, out var value))
        {
            _state[key] = value = create();
        }
        return (T)value;
    }

    /// <summary>Whether this transaction took (or holds to take, see <see cref="TransactionLock"/>) the lock <paramref name="key"/>.</summary>
    public bool Holds(string key) => _locks.Contains(key);

    /// <summary>
    /// Takes the locks this transaction does not hold yet, in key order, held with the other writes (they go out with the next
    /// read or at commit, before it). For locks a unit learns it needs from what it read (a facility's GLN, read by its
    /// Provenance id): those it knows before it starts are named to the shared transaction (<see cref="Name"/>). Those go first.
    /// </summary>
    public void Lock(IEnumerable<TransactionLock> locks)
    {
        TakeNamed();
        foreach (var l in locks.DistinctBy(l => l.Key).Where(l => _locks.Add(l.Key)).OrderBy(l => l.Key, StringComparer.Ordinal).ToList())
        {
            foreach (var (sql, row) in l.Statements)
            {
                Defer(sql, row);
            }
        }
    }

    /// <summary>
    /// The locks the units of this transaction named before they started, every unit's at once, in key order: they are taken
    /// before the first held write, batched read or first statement goes out (in that round trip), or when a lock is asked for.
    /// A read sent alone before that (one whose parameters cannot be batched) takes none: a unit needing its locks before
    /// such a read has first statements (an inbox row) that carry them.
    /// </summary>
    internal void Name(IEnumerable<TransactionLock> locks)
    {
        foreach (var l in locks)
        {
            if (_locks.Add(l.Key))
            {
                _named.Add(l);
            }
        }
    }

    // The named locks, at the front of the held writes (before any row lock a held write may wait for).
    private void TakeNamed()
    {
        if (_named.Count == 0)
        {
            return;
        }
        var statements = _named.OrderBy(l => l.Key, StringComparer.Ordinal).SelectMany(l => l.Statements)
            .Select(s => new Deferred(s.Sql, s.Row, null, Answers: AnswersRow(s.Sql))).ToList();
        _named.Clear();
        _deferred.InsertRange(0, statements);
    }

    private bool AnswersRow(string sql) => sql == Dialect.LockForTransaction && Dialect.LockForTransactionAnswersRow;

    /// <summary>Sends every held write now, in one round trip.</summary>
    public async Task FlushAsync()
    {
        if (_deferred.Count > 0)
        {
            TakeNamed();
        }
        while (_deferred.Count > 0)
        {
            var held = _deferred.ToList();
            _deferred.Clear();
            var counts = await RunBatchAsync(held.Select(d => (d.Sql, d.Row)).ToList());
            for (var i = 0; i < held.Count; i++)
            {
                held[i].Then?.Invoke(counts[i]);
            }
        }
    }

    /// <summary>
    /// Sends held writes, runs the before-commit work and, where the engine takes it in a batch, commits with the
    /// last held writes in their round trip; returns whether it committed (otherwise the caller commits).
    /// </summary>
    internal async Task<bool> CompleteAsync()
    {
        TakeNamed();
        // Held writes that wait for their counts go first: their callbacks may hold more writes or throw to roll back,
        // and the before-commit work may depend on what they found.
        await FlushCallbacksAsync();
        for (var i = 0; i < _beforeCommit.Count; i++)
        {
            await _beforeCommit[i](this);
            await FlushCallbacksAsync();
        }
        if (_deferred.Count == 0 || !Dialect.BatchesReadsAndCommit || !Connection.CanCreateBatch)
        {
            await FlushAsync();
            return false;
        }
        // The last held writes and COMMIT in one round trip: a statement that fails stops the batch before COMMIT (the
        // transaction is then rolled back as usual), and a failing COMMIT fails the batch, as CommitAsync would.
        var held = _deferred.ToList();
        _deferred.Clear();
        await using var batch = Batch([.. held.Select(d => (d.Sql, (object?)d.Row)), ("COMMIT", null)]);
        await batch.ExecuteNonQueryAsync(CancellationToken);
        return true;
    }

    private async Task FlushCallbacksAsync()
    {
        while (_deferred.Exists(d => d.Then is not null))
        {
            await FlushAsync();
        }
    }

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
        // Held writes go first, in the same round trip.
        return await ExecuteBatchAsync(rows.Select(r => (sql, r)).ToList());
    }

    /// <summary>Runs different statements, each with its row, in one round trip (after the held writes); returns each one's affected rows.</summary>
    public async Task<IReadOnlyList<int>> ExecuteBatchAsync(IReadOnlyList<(string Sql, object Row)> statements)
    {
        if (statements.Count == 0)
        {
            return [];
        }
        TakeNamed();
        var held = _deferred.ToList();
        _deferred.Clear();
        var counts = await RunBatchAsync([.. held.Select(d => (d.Sql, d.Row)), .. statements]);
        for (var i = 0; i < held.Count; i++)
        {
            held[i].Then?.Invoke(counts[i]);
        }
        await FlushAsync();
        return counts.Skip(held.Count).ToList();
    }

    private async Task<IReadOnlyList<int>> RunBatchAsync(IReadOnlyList<(string Sql, object Row)> statements)
    {
        if (!Connection.CanCreateBatch)
        {
            var counts = new List<int>(statements.Count);
            foreach (var (sql, row) in statements)
            {
                counts.Add(await Connection.ExecuteAsync(Command(sql, row)));
            }
            return counts;
        }
        await using var batch = Batch(statements.Select(s => (s.Sql, (object?)s.Row)).ToList());
        await batch.ExecuteNonQueryAsync(CancellationToken);
        return batch.BatchCommands.Select(c => c.RecordsAffected).ToList();
    }

    private DbBatch Batch(IReadOnlyList<(string Sql, object? Row)> statements)
    {
        var batch = Connection.CreateBatch();
        batch.Transaction = Transaction;
        foreach (var (sql, row) in statements)
        {
            var command = batch.CreateBatchCommand();
            command.CommandText = sql;
            if (row is not null)
            {
                foreach (var binding in Binding.Of(row.GetType(), sql))
                {
                    command.Parameters.Add(Parameter(command, binding.Name, binding.Type, binding.Read(row)));
                }
            }
            batch.BatchCommands.Add(command);
        }
        return batch;
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

    private System.Data.DbType DbTypeOf(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying == typeof(DateTime) ? Dialect.DateTimeParameterType
            : BatchDbTypes.TryGetValue(underlying, out var dbType) ? dbType
            : throw new NotSupportedException($"A batch parameter of type {type.Name} is not supported.");
    }

    // The types a held write's parameter may have, with their DbType; DateTime's is the dialect's (see DbTypeOf).
    private static readonly Dictionary<Type, System.Data.DbType> BatchDbTypes = new()
    {
        [typeof(string)] = System.Data.DbType.String,
        [typeof(Guid)] = System.Data.DbType.Guid,
        [typeof(int)] = System.Data.DbType.Int32,
        [typeof(long)] = System.Data.DbType.Int64,
        [typeof(decimal)] = System.Data.DbType.Decimal,
        [typeof(bool)] = System.Data.DbType.Boolean,
        [typeof(DateOnly)] = System.Data.DbType.Date,
        [typeof(byte[])] = System.Data.DbType.Binary,
    };

    /// <summary>Writes messages to the outbox (held with the other writes); they are published after this transaction commits.</summary>
    public Task PublishManyAsync<T>(IReadOnlyList<T> messages) where T : class, IMessage
    {
        foreach (var message in messages)
        {
            Publish(message);
        }
        return Task.CompletedTask;
    }

    /// <summary>Writes a message to the outbox (held with the other writes); it is published after this transaction commits.</summary>
    public Task PublishAsync<T>(T message) where T : class, IMessage
    {
        Publish(message);
        return Task.CompletedTask;
    }

    /// <summary>As <see cref="PublishAsync{T}"/>, for code that runs after a held write (see <see cref="Defer"/>).</summary>
    public void Publish<T>(T message) where T : class, IMessage
    {
        _outbox.Add(this, message);
        HasOutgoingMessages = true;
    }

    /// <summary>
    /// As <see cref="Publish{T}"/>, but the message is written only if the row of <paramref name="table"/> whose
    /// <paramref name="keyColumn"/> is <paramref name="key"/> exists when the held writes run. For the message about a row
    /// that a held insert-if-absent before it may or may not write under a fresh id: both go in one round trip, instead of
    /// the message waiting for the insert's answer.
    /// </summary>
    public void PublishIfExists<T>(T message, string table, string keyColumn, Guid key) where T : class, IMessage
    {
        _outbox.AddIfExists(this, message, table, keyColumn, key);
        HasOutgoingMessages = true;
    }

    private CommandDefinition Command(string sql, object? parameters) =>
        new(sql, parameters, Transaction, cancellationToken: CancellationToken);

    // Answers: whether the statement answers with rows of its own (a lock taken with a SELECT), which a read sent after it skips.
    private sealed record Deferred(string Sql, object Row, Action<int>? Then, bool Answers = false);

    /// <summary>
    /// A row property a statement names, read through a compiled getter. Found once per row type and statement, as
    /// Dapper caches its own: looking the properties up, searching the statement for each name and reading each value by
    /// reflection on every held write was 2-3 % of Provenance's and Risk's CPU per shipment.
    /// </summary>
    private sealed record Binding(string Name, Type Type, Func<object, object?> Read)
    {
        // Statements are constants or built once per service, so the cache stays small; the bound only guards against
        // a caller that builds statement text per call.
        private const int MaxCached = 10_000;
        private static readonly ConcurrentDictionary<(Type Row, string Sql), Binding[]> Cache = new();

        /// <summary>Whether a held write's parameter of this type can be bound (lists, for instance, cannot).</summary>
        public static bool Supported(Type type) =>
            (Nullable.GetUnderlyingType(type) ?? type) is var underlying && (underlying == typeof(DateTime) || BatchDbTypes.ContainsKey(underlying));

        public static Binding[] Of(Type row, string sql)
        {
            if (Cache.TryGetValue((row, sql), out var bindings))
            {
                return bindings;
            }
            bindings = row.GetProperties()
                // As Dapper does: a row may carry more than the statement uses (one row for an insert and its update).
                .Where(p => sql.Contains("@" + p.Name, StringComparison.Ordinal))
                .Select(p => new Binding(p.Name, p.PropertyType, Getter(p)))
                .ToArray();
            if (Cache.Count < MaxCached)
            {
                Cache.TryAdd((row, sql), bindings);
            }
            return bindings;
        }

        private static Func<object, object?> Getter(PropertyInfo property)
        {
            var row = Expression.Parameter(typeof(object), "row");
            var value = Expression.Property(Expression.Convert(row, property.DeclaringType!), property);
            return Expression.Lambda<Func<object, object?>>(Expression.Convert(value, typeof(object)), row).Compile();
        }
    }
}
