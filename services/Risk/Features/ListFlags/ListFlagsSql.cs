namespace Traceability.Risk.Features.ListFlags;

internal static class ListFlagsSql
{
    // Optional filters are written as (@X IS NULL OR column = @X) so one statement serves every combination.
    public const string Page = """
        SELECT id AS Id, rule_id AS RuleId, rule_version AS RuleVersion, severity AS Severity,
               subject_type AS SubjectType, subject_id AS SubjectId, scope_country AS ScopeCountry,
               explanation AS Explanation, evidence AS Evidence, status AS Status, raised_at AS RaisedAt
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
}
