namespace Traceability.Provenance.Features.ManageExporters;

internal static class ManageExportersSql
{
    public const string InsertExporter = """
        INSERT INTO provenance.exporter (id, name, created_at) VALUES (@Id, @Name, @CreatedAt)
        """;

    public const string ExporterById = """
        SELECT id AS Id, name AS Name, created_at AS CreatedAt FROM provenance.exporter WHERE id = @Id
        """;

    public const string Exporters = """
        SELECT id AS Id, name AS Name, created_at AS CreatedAt FROM provenance.exporter ORDER BY created_at, id
        """;

    public const string InsertKey = """
        INSERT INTO provenance.api_key (id, exporter_id, prefix, key_hash, created_at) VALUES (@Id, @ExporterId, @Prefix, @KeyHash, @CreatedAt)
        """;

    public const string KeysOfExporter = """
        SELECT id AS KeyId, prefix AS Prefix, created_at AS CreatedAt, revoked_at AS RevokedAt
        FROM provenance.api_key WHERE exporter_id = @ExporterId ORDER BY created_at, id
        """;

    public const string RevokeKey = """
        UPDATE provenance.api_key SET revoked_at = @RevokedAt
        WHERE id = @Id AND exporter_id = @ExporterId AND revoked_at IS NULL
        """;

    public const string PrefixOfKey = """
        SELECT prefix FROM provenance.api_key WHERE id = @Id AND exporter_id = @ExporterId
        """;
}
