using Traceability.Data;

namespace Traceability.Provenance.Idempotency;

internal static class IdempotencySql
{
    public const string Find = """
        SELECT request_hash AS RequestHash, status_code AS StatusCode, location AS Location, response_body AS ResponseBody
        FROM provenance.idempotency_key
        WHERE exporter_id = @ExporterId AND idempotency_key = @IdempotencyKey
        """;

    public static string Save(SqlDialect dialect) => dialect.InsertIfAbsent(
        "provenance.idempotency_key",
        ["exporter_id", "idempotency_key", "request_hash", "status_code", "location", "response_body", "created_at"],
        ["exporter_id", "idempotency_key"]);

    public const string DeleteExpired = """
        DELETE FROM provenance.idempotency_key WHERE created_at < @Before
        """;
}
