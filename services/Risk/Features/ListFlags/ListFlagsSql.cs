using Traceability.Data;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Features.ListFlags;

internal static class ListFlagsSql
{
    // Optional filters are written as (@X IS NULL OR column = @X) so one statement serves every combination.
    public const string Page = $"""
        SELECT {FlagFragments.Columns}
        FROM risk.flag
        WHERE (@SubjectType IS NULL OR subject_type = @SubjectType)
          AND (@SubjectId IS NULL OR subject_id = @SubjectId)
        ORDER BY raised_at DESC, id
        OFFSET @Offset ROWS FETCH NEXT @PageSize ROWS ONLY
        """;

    public const string Count = """
        SELECT COUNT(*) FROM risk.flag
        WHERE (@SubjectType IS NULL OR subject_type = @SubjectType)
          AND (@SubjectId IS NULL OR subject_id = @SubjectId)
        """;

    public static string EvidenceOf(SqlDialect dialect) => $"""
        SELECT flag_id AS FlagId, evidence_id AS EvidenceId FROM risk.flag_evidence
        WHERE {dialect.IsAnyOf("flag_id", "Ids")}
        ORDER BY flag_id, appended_at, evidence_id
        """;
}
