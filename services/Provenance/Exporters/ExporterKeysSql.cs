namespace Traceability.Provenance.Exporters;

internal static class ExporterKeysSql
{
    public const string KeyByPrefix = """
        SELECT k.id AS Id, k.exporter_id AS ExporterId, k.key_hash AS KeyHash, k.revoked_at AS RevokedAt
        FROM provenance.api_key k
        WHERE k.prefix = @Prefix
        """;
}
