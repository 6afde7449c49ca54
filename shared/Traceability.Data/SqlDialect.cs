using System.Data.Common;
using DbUp.Builder;

namespace Traceability.Data;

/// <summary>
/// The one place where PostgreSQL and SQL Server differ: connections, transient errors and
/// the few statements that cannot be written portably (insert-if-absent, claim with skip-locked,
/// schema bootstrap, migration lock). Everything else is portable SQL next to the code that runs it.
/// Parameters follow one convention: column <c>message_id</c> binds parameter <c>@MessageId</c>.
/// </summary>
public abstract class SqlDialect
{
    /// <summary>Short name, also the folder under <c>infra/sql/</c>: "postgres" or "sqlserver".</summary>
    public abstract string Name { get; }

    /// <summary>The connection string with this engine's performance settings added where it leaves them out.</summary>
    public virtual string Tuned(string connectionString) => connectionString;

    /// <summary>A new, closed connection.</summary>
    public abstract DbConnection CreateConnection(string connectionString);

    /// <summary>Whether retrying the whole transaction may succeed (connection loss, deadlock, failover...).</summary>
    public abstract bool IsTransient(Exception exception);

    /// <summary>
    /// Whether <paramref name="exception"/> is a unique-key violation (a concurrent request stored the same
    /// business key first), and the constraint or index it names, so that the client gets 409, not 500.
    /// </summary>
    public abstract bool IsUniqueViolation(Exception exception, out string? constraint);

    /// <summary>Inserts a row unless a row with the same key columns exists; affects 0 or 1 rows.</summary>
    public abstract string InsertIfAbsent(string table, IReadOnlyList<string> columns, IReadOnlyList<string> keyColumns);

    /// <summary>A condition true when <paramref name="column"/> equals one of the list parameter's values.</summary>
    public abstract string IsAnyOf(string column, string listParameter);

    /// <summary>An expression giving a new random uuid per row, for set-based inserts (<c>INSERT … SELECT</c>).</summary>
    public abstract string NewId { get; }

    /// <summary>
    /// Joins each row on its left to the rows of a correlated derived table on its right (which may have its own
    /// ORDER BY and FETCH, e.g. the newest N rows per key): <c>CROSS JOIN LATERAL</c> / <c>CROSS APPLY</c>.
    /// </summary>
    public abstract string CrossApply { get; }

    /// <summary>
    /// Ends a SELECT with "any <c>@{countParameter}</c> of its rows, in no order": counting at most so many rows stops
    /// reading there (PostgreSQL fetches without an ORDER BY; SQL Server needs one, and <c>(SELECT NULL)</c> sorts nothing).
    /// </summary>
    public abstract string AnyRows(string countParameter);

    /// <summary>
    /// Selects and locks up to <c>@BatchSize</c> undelivered outbox rows in order, skipping rows
    /// another relay holds, so that two instances of a service never publish the same row at once.
    /// </summary>
    public abstract string ClaimOutboxBatch(string schema);

    /// <summary>Creates the service's schema when missing (before migrations can journal into it).</summary>
    public abstract string CreateSchemaIfMissing(string schema);

    /// <summary>
    /// Takes an exclusive lock named <c>@LockName</c> until the transaction ends, waiting for it: two transactions that must
    /// see each other's rows (one writes what the other's reads decide on) take the same name first and so run one after
    /// the other, the second seeing what the first committed.
    /// </summary>
    public abstract string LockForTransaction { get; }

    /// <summary>Whether <see cref="LockForTransaction"/> answers with a row (a read batched after it skips that row's result).</summary>
    public virtual bool LockForTransactionAnswersRow => false;

    /// <summary>Takes a session lock named <c>@LockName</c>, waiting for it.</summary>
    public abstract string AcquireMigrationLock { get; }

    /// <summary>Releases the lock taken by <see cref="AcquireMigrationLock"/>.</summary>
    public abstract string ReleaseMigrationLock { get; }

    /// <summary>Whole seconds from one timestamp column to another, as a bigint (timestamp arithmetic differs per engine).</summary>
    public abstract string SecondsBetween(string fromColumn, string toColumn);

    /// <summary>
    /// Whether a transaction may send a read after its held writes, and COMMIT after its last ones, in the same
    /// batch (one round trip each): the engine runs a batch's statements in order, stops at the first that fails,
    /// and the reader skips the results of statements that return no rows.
    /// </summary>
    public virtual bool BatchesReadsAndCommit => false;

    /// <summary>How a <see cref="DateTime"/> parameter is typed for this engine.</summary>
    public abstract System.Data.DbType DateTimeParameterType { get; }

    /// <summary>Process-wide Dapper settings this engine needs (one process talks to one engine).</summary>
    internal virtual void ConfigureDapper()
    {
    }

    /// <summary>Creates the database named in the connection string when it does not exist.</summary>
    internal abstract void EnsureDatabase(string connectionString);

    internal abstract UpgradeEngineBuilder MigrationsTo(string connectionString, string schema);

    /// <summary>The dialect named in configuration (<c>Database:Provider</c>).</summary>
    public static SqlDialect For(string provider) => provider.Trim().ToLowerInvariant() switch
    {
        "postgres" or "postgresql" or "npgsql" => PostgresDialect.Instance,
        "sqlserver" or "mssql" => SqlServerDialect.Instance,
        _ => throw new ArgumentException($"Unknown database provider '{provider}'; use 'postgres' or 'sqlserver'.", nameof(provider)),
    };

    /// <summary>message_id → MessageId: the parameter a column binds to.</summary>
    public static string ParameterFor(string column) =>
        string.Concat(column.Split('_', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => char.ToUpperInvariant(part[0]) + part[1..]));

    /// <summary>Checks a schema or table name before it is written into SQL text.</summary>
    protected static string Identifier(string name)
    {
        foreach (var part in name.Split('.'))
        {
            if (part.Length == 0 || !part.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            {
                throw new ArgumentException($"'{name}' is not a lower-case snake_case identifier.", nameof(name));
            }
        }
        return name;
    }
}
