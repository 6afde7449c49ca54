using Traceability.Data;

namespace Traceability.Hosting.Idempotency;

/// <summary>The statements of a service's <c>idempotency_key</c> table, in the service's own schema.</summary>
internal static class IdempotencySql
{
    public static string Find(string schema) => $"""
        SELECT request_hash AS RequestHash, status_code AS StatusCode, location AS Location, response_body AS ResponseBody
        FROM {schema}.idempotency_key
        WHERE owner_id = @OwnerId AND idempotency_key = @IdempotencyKey
        """;

    public static string Save(SqlDialect dialect, string schema) => dialect.InsertIfAbsent(
        $"{schema}.idempotency_key",
        ["owner_id", "idempotency_key", "request_hash", "status_code", "location", "response_body", "created_at"],
        ["owner_id", "idempotency_key"]);

    public static string DeleteExpired(string schema) => $"""
        DELETE FROM {schema}.idempotency_key WHERE created_at < @Before
        """;
}
