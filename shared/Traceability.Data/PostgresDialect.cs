using System.Data.Common;
using DbUp;
using DbUp.Builder;
using Npgsql;

namespace Traceability.Data;

/// <summary>PostgreSQL through Npgsql: the local and CI default.</summary>
public sealed class PostgresDialect : SqlDialect
{
    /// <summary>The one instance.</summary>
    public static readonly PostgresDialect Instance = new();

    private PostgresDialect() { }

    /// <inheritdoc />
    public override string Name => "postgres";

    /// <inheritdoc />
    /// <remarks>timestamptz, which takes the UTC times the platform writes.</remarks>
    public override System.Data.DbType DateTimeParameterType => System.Data.DbType.DateTime;

    /// <inheritdoc />
    /// <remarks>
    /// Automatic preparation (off in Npgsql unless asked for): the same few dozen statements run
    /// thousands of times a second, and a prepared statement skips parsing and planning on each.
    /// No reset on close: no code here sets session state, so the DISCARD ALL that Npgsql sends on
    /// every return to the pool (which would also drop the prepared statements) is pure cost.
    /// </remarks>
    public override string Tuned(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return connectionString;
        }
        // What the string itself says (Npgsql's builder answers ContainsKey for every keyword it knows).
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 100;
        }
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }
        return builder.ConnectionString;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Npgsql sends a batch as one pipeline with one Sync: PostgreSQL skips everything after a failing statement, and
    /// a COMMIT in the batch ends the transaction (Npgsql then sees the connection idle, as after CommitAsync).
    /// </remarks>
    public override bool BatchesReadsAndCommit => true;

    /// <inheritdoc />
    public override DbConnection CreateConnection(string connectionString) => new NpgsqlConnection(connectionString);

    /// <inheritdoc />
    public override bool IsTransient(Exception exception) => exception switch
    {
        // 40P01 deadlock_detected, 40001 serialization_failure: the transaction as a whole may succeed again.
        PostgresException { SqlState: "40P01" or "40001" } => true,
        NpgsqlException npgsql => npgsql.IsTransient,
        TimeoutException => true,
        _ => false,
    };

    /// <inheritdoc />
    public override bool IsUniqueViolation(Exception exception, out string? constraint)
    {
        // 23505 unique_violation: the server names the constraint (or unique index) it enforced.
        if (exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } unique)
        {
            constraint = unique.ConstraintName;
            return true;
        }
        constraint = null;
        return false;
    }

    /// <inheritdoc />
    public override string InsertIfAbsent(string table, IReadOnlyList<string> columns, IReadOnlyList<string> keyColumns) =>
        $"INSERT INTO {Identifier(table)} ({string.Join(", ", columns.Select(Identifier))}) " +
        $"VALUES ({string.Join(", ", columns.Select(c => "@" + ParameterFor(c)))}) " +
        $"ON CONFLICT ({string.Join(", ", keyColumns.Select(Identifier))}) DO NOTHING";

    /// <inheritdoc />
    public override string NewId => "gen_random_uuid()";

    /// <inheritdoc />
    public override string CrossApply => "CROSS JOIN LATERAL";

    /// <inheritdoc />
    public override string AnyRows(string countParameter) => $"OFFSET 0 ROWS FETCH NEXT @{countParameter} ROWS ONLY";

    /// <inheritdoc />
    public override string SecondsBetween(string fromColumn, string toColumn) =>
        $"CAST(FLOOR(EXTRACT(EPOCH FROM ({Identifier(toColumn)} - {Identifier(fromColumn)}))) AS bigint)";

    /// <inheritdoc />
    public override string IsAnyOf(string column, string listParameter) => $"{Identifier(column)} = ANY(@{listParameter})";

    /// <inheritdoc />
    public override string ClaimOutboxBatch(string schema) => $"""
        SELECT sequence AS Sequence, message_id AS MessageId, message_type AS MessageType, body AS Body, trace_parent AS TraceParent, attempts AS Attempts
        FROM {Identifier(schema)}.outbox_message
        WHERE sent_at IS NULL AND failed_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= @Now)
        ORDER BY sequence
        LIMIT @BatchSize
        FOR UPDATE SKIP LOCKED
        """;

    /// <inheritdoc />
    public override string CreateSchemaIfMissing(string schema) => $"CREATE SCHEMA IF NOT EXISTS {Identifier(schema)}";

    /// <inheritdoc />
    public override string AcquireMigrationLock => "SELECT pg_advisory_lock(hashtext(@LockName))";

    /// <inheritdoc />
    public override string LockForTransaction => "SELECT pg_advisory_xact_lock(hashtext(@LockName))";

    /// <inheritdoc />
    public override bool LockForTransactionAnswersRow => true;

    /// <inheritdoc />
    public override string ReleaseMigrationLock => "SELECT pg_advisory_unlock(hashtext(@LockName))";

    internal override void EnsureDatabase(string connectionString) => DbUp.EnsureDatabase.For.PostgresqlDatabase(connectionString, new DbUp.Engine.Output.NoOpUpgradeLog());

    internal override UpgradeEngineBuilder MigrationsTo(string connectionString, string schema) =>
        DeployChanges.To.PostgresqlDatabase(connectionString, schema)
            .JournalToPostgresqlTable(schema, "schema_version");
}
