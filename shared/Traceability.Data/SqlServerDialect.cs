using System.Data.Common;
using DbUp;
using DbUp.Builder;
using Microsoft.Data.SqlClient;

namespace Traceability.Data;

/// <summary>SQL Server through Microsoft.Data.SqlClient: the production default in docker-compose.</summary>
public sealed partial class SqlServerDialect : SqlDialect
{
    /// <summary>The one instance.</summary>
    public static readonly SqlServerDialect Instance = new();

    // SqlClient's transient error numbers (as its own SqlConfigurableRetryFactory lists them),
    // plus 1205 (deadlock victim), -2 (client timeout) and a transaction lock not granted (see LockForTransaction).
    private static readonly HashSet<int> TransientNumbers =
    [
        -2, 20, 64, 233, 1205, 4060, 4221, 10053, 10054, 10060, 10928, 10929, 11001,
        40143, 40197, 40501, 40540, 40613, 42108, 42109, 49918, 49919, 49920, LockNotGranted,
    ];

    private SqlServerDialect() { }

    /// <inheritdoc />
    public override string Name => "sqlserver";

    /// <inheritdoc />
    public override DbConnection CreateConnection(string connectionString) => new SqlConnection(connectionString);

    /// <inheritdoc />
    public override bool IsTransient(Exception exception) => exception switch
    {
        SqlException sql => sql.Errors.Cast<SqlError>().Any(e => TransientNumbers.Contains(e.Number)),
        TimeoutException => true,
        _ => false,
    };

    /// <inheritdoc />
    public override bool IsUniqueViolation(Exception exception, out string? constraint)
    {
        // 2627: UNIQUE or PRIMARY KEY constraint; 2601: unique index. SqlClient has no property for the
        // name, so it is read from the message ("... constraint 'uq_x'" / "... with unique index 'uq_x'").
        if (exception is SqlException sql && sql.Errors.Cast<SqlError>().FirstOrDefault(e => e.Number is 2627 or 2601) is { } error)
        {
            var match = UniqueName().Match(error.Message);
            constraint = match.Success ? match.Groups[1].Value : null;
            return true;
        }
        constraint = null;
        return false;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"(?:constraint|unique index) '([^']+)'")]
    private static partial System.Text.RegularExpressions.Regex UniqueName();

    /// <inheritdoc />
    public override string InsertIfAbsent(string table, IReadOnlyList<string> columns, IReadOnlyList<string> keyColumns) =>
        // UPDLOCK + HOLDLOCK hold the key range until commit, so two concurrent inserts of the same key
        // serialise instead of one failing on the primary key.
        $"INSERT INTO {Identifier(table)} ({string.Join(", ", columns.Select(Identifier))}) " +
        $"SELECT {string.Join(", ", columns.Select(c => "@" + ParameterFor(c)))} " +
        $"WHERE NOT EXISTS (SELECT 1 FROM {Identifier(table)} WITH (UPDLOCK, HOLDLOCK) " +
        $"WHERE {string.Join(" AND ", keyColumns.Select(k => $"{Identifier(k)} = @{ParameterFor(k)}"))})";

    /// <inheritdoc />
    public override string NewId => "NEWID()";

    /// <inheritdoc />
    public override string CrossApply => "CROSS APPLY";

    /// <inheritdoc />
    public override string AnyRows(string countParameter) => $"ORDER BY (SELECT NULL) OFFSET 0 ROWS FETCH NEXT @{countParameter} ROWS ONLY";

    /// <inheritdoc />
    public override string SecondsBetween(string fromColumn, string toColumn) =>
        $"DATEDIFF_BIG(second, {Identifier(fromColumn)}, {Identifier(toColumn)})";

    /// <inheritdoc />
    public override string IsAnyOf(string column, string listParameter) =>
        // Dapper expands "IN @List" into one parameter per value.
        $"{Identifier(column)} IN @{listParameter}";

    /// <inheritdoc />
    public override string ClaimOutboxBatch(string schema) => $"""
        SELECT TOP (@BatchSize) sequence AS Sequence, message_id AS MessageId, message_type AS MessageType, body AS Body, trace_parent AS TraceParent, attempts AS Attempts
        FROM {Identifier(schema)}.outbox_message WITH (UPDLOCK, READPAST, ROWLOCK)
        WHERE sent_at IS NULL AND failed_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= @Now)
        ORDER BY sequence
        """;

    /// <inheritdoc />
    public override string CreateSchemaIfMissing(string schema) =>
        $"IF SCHEMA_ID(N'{Identifier(schema)}') IS NULL EXEC(N'CREATE SCHEMA {Identifier(schema)}')";

    // sp_getapplock answers a lock it did not grant (timed out, or chosen as a deadlock victim) with a negative status, not an
    // error: the transaction would go on without the lock, and two transactions meant to see each other's rows could miss them.
    // Failing it instead rolls it back, and the error (LockNotGranted) is transient, so the whole transaction is tried again.
    private const int LockNotGranted = 51205;

    /// <inheritdoc />
    public override string LockForTransaction =>
        "DECLARE @Granted int; EXEC @Granted = sp_getapplock @Resource = @LockName, @LockMode = 'Exclusive', @LockOwner = 'Transaction', @LockTimeout = 30000; " +
        $"IF @Granted < 0 THROW {LockNotGranted}, 'The transaction lock was not granted (timed out or chosen as a deadlock victim).', 1";

    /// <inheritdoc />
    public override string AcquireMigrationLock =>
        "EXEC sp_getapplock @Resource = @LockName, @LockMode = 'Exclusive', @LockOwner = 'Session', @LockTimeout = 120000";

    /// <inheritdoc />
    public override string ReleaseMigrationLock =>
        "EXEC sp_releaseapplock @Resource = @LockName, @LockOwner = 'Session'";

    /// <inheritdoc />
    /// <remarks>datetime2: datetime would round to 3.33 ms (breaking keyset paging) and stop at 1753.</remarks>
    public override System.Data.DbType DateTimeParameterType => System.Data.DbType.DateTime2;

    internal override void ConfigureDapper()
    {
        Dapper.SqlMapper.AddTypeMap(typeof(DateTime), DateTimeParameterType);
        Dapper.SqlMapper.AddTypeMap(typeof(DateTime?), DateTimeParameterType);
    }

    internal override void EnsureDatabase(string connectionString) => DbUp.EnsureDatabase.For.SqlDatabase(connectionString, new DbUp.Engine.Output.NoOpUpgradeLog());

    internal override UpgradeEngineBuilder MigrationsTo(string connectionString, string schema) =>
        DeployChanges.To.SqlDatabase(connectionString, schema)
            .JournalToSqlTable(schema, "schema_version");
}
