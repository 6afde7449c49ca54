using Traceability.Data;

namespace Traceability.Risk.Features.KeepAuditorScope;

internal static class KeepAuditorScopeSql
{
    public static string InsertAuditor(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.auditor", ["auditor_id", "revision", "name", "level", "status", "updated_at"], ["auditor_id"]);

    // Whole-state messages may arrive out of order: an older revision never overwrites a newer one.
    public const string UpdateAuditor = """
        UPDATE risk.auditor SET revision = @Revision, name = @Name, level = @Level, status = @Status, updated_at = @UpdatedAt
        WHERE auditor_id = @AuditorId AND revision < @Revision
        """;

    public const string DeleteScope = "DELETE FROM risk.auditor_scope WHERE auditor_id = @AuditorId";

    public const string InsertScope = """
        INSERT INTO risk.auditor_scope (auditor_id, scheme, country, hs_chapter, valid_from, valid_to)
        VALUES (@AuditorId, @Scheme, @Country, @HsChapter, @ValidFrom, @ValidTo)
        """;
}
