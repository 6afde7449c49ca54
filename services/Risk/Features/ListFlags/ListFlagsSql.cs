using Traceability.Data;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Features.ListFlags;

/// <summary>
/// Every flag read, once per <see cref="Visibility"/>: each is its own statement (and its own prepared plan), so an
/// admin's list walks the raised-at index while an auditor's is driven by their accreditations.
/// </summary>
internal static class ListFlagsSql
{
    public const string PageAll = ScopedFlagParts.Select + FlagVisibility.All + ScopedFlagParts.FiltersAndPage;
    public const string PageGrievances = ScopedFlagParts.Select + FlagVisibility.Grievances + ScopedFlagParts.FiltersAndPage;
    public const string PageAccreditation = ScopedFlagParts.Select + FlagVisibility.Accreditation + ScopedFlagParts.FiltersAndPage;
    public const string PageGrievancesOrAccreditation = ScopedFlagParts.Select + FlagVisibility.GrievancesOrAccreditation + ScopedFlagParts.FiltersAndPage;

    public const string CountAll = ScopedFlagParts.Count + FlagVisibility.All + ScopedFlagParts.Filters;
    public const string CountGrievances = ScopedFlagParts.Count + FlagVisibility.Grievances + ScopedFlagParts.Filters;
    public const string CountAccreditation = ScopedFlagParts.Count + FlagVisibility.Accreditation + ScopedFlagParts.Filters;
    public const string CountGrievancesOrAccreditation = ScopedFlagParts.Count + FlagVisibility.GrievancesOrAccreditation + ScopedFlagParts.Filters;

    public const string ByIdAll = ScopedFlagParts.ById + FlagVisibility.All;
    public const string ByIdGrievances = ScopedFlagParts.ById + FlagVisibility.Grievances;
    public const string ByIdAccreditation = ScopedFlagParts.ById + FlagVisibility.Accreditation;
    public const string ByIdGrievancesOrAccreditation = ScopedFlagParts.ById + FlagVisibility.GrievancesOrAccreditation;

    public static string EvidenceOf(SqlDialect dialect) => $"""
        SELECT flag_id AS FlagId, evidence_id AS EvidenceId FROM risk.flag_evidence
        WHERE {dialect.IsAnyOf("flag_id", "Ids")}
        ORDER BY flag_id, appended_at, evidence_id
        """;

    public const string EvidenceDetail = """
        SELECT evidence_id AS Id, source AS Source, rule_version AS RuleVersion, note AS Note, appended_at AS AppendedAt
        FROM risk.flag_evidence WHERE flag_id = @Id ORDER BY appended_at, evidence_id
        """;

    public const string History = """
        SELECT flag_version AS Version, action AS Action, status AS Status, resolution AS Resolution, severity AS Severity,
               assignee AS Assignee, actor AS Actor, reason AS Reason, note AS Note, occurred_at AS OccurredAt
        FROM risk.flag_history WHERE flag_id = @Id ORDER BY flag_version
        """;
}

/// <summary>The parts the scoped statements are made of (fragments, so outside the *Sql classes the T-SQL test parses whole).</summary>
internal static class ScopedFlagParts
{
    public const string Select = $"SELECT {FlagFragments.Columns} FROM risk.flag f WHERE ";

    public const string Count = "SELECT COUNT(*) FROM risk.flag f WHERE ";

    public const string ById = $"SELECT {FlagFragments.Columns} FROM risk.flag f WHERE f.id = @Id AND ";

    // Optional filters are written as (@X IS NULL OR column = @X) so one statement serves every combination.
    // Overdue: still open and past its clock (unassigned past the assign clock, or unresolved past the resolve clock).
    public const string Filters = """

          AND (@SubjectType IS NULL OR f.subject_type = @SubjectType)
          AND (@SubjectId IS NULL OR f.subject_id = @SubjectId)
          AND (@Status IS NULL OR f.status = @Status)
          AND (@Severity IS NULL OR f.severity = @Severity)
          AND (@RuleId IS NULL OR f.rule_id = @RuleId)
          AND (@Assignee IS NULL OR f.assignee = @Assignee)
          AND (@Escalated IS NULL OR f.escalated = @Escalated)
          AND (@Overdue = 0 OR (f.is_open = 1 AND ((f.status = 'open' AND f.assign_due_at < @Now) OR f.resolve_due_at < @Now)))
        """;

    // Newest first, both columns descending: a backward walk of ix_flag_raised_at (raised_at, id) with no sort, for any page.
    public const string FiltersAndPage = Filters + """

        ORDER BY f.raised_at DESC, f.id DESC
        OFFSET @Offset ROWS FETCH NEXT @PageSize ROWS ONLY
        """;

    public static string Page(Visibility visibility) => visibility switch
    {
        Visibility.All => ListFlagsSql.PageAll,
        Visibility.Grievances => ListFlagsSql.PageGrievances,
        Visibility.Accreditation => ListFlagsSql.PageAccreditation,
        Visibility.GrievancesOrAccreditation => ListFlagsSql.PageGrievancesOrAccreditation,
        _ => throw new ArgumentOutOfRangeException(nameof(visibility)),
    };

    public static string CountOf(Visibility visibility) => visibility switch
    {
        Visibility.All => ListFlagsSql.CountAll,
        Visibility.Grievances => ListFlagsSql.CountGrievances,
        Visibility.Accreditation => ListFlagsSql.CountAccreditation,
        Visibility.GrievancesOrAccreditation => ListFlagsSql.CountGrievancesOrAccreditation,
        _ => throw new ArgumentOutOfRangeException(nameof(visibility)),
    };

    public static string ByIdOf(Visibility visibility) => visibility switch
    {
        Visibility.All => ListFlagsSql.ByIdAll,
        Visibility.Grievances => ListFlagsSql.ByIdGrievances,
        Visibility.Accreditation => ListFlagsSql.ByIdAccreditation,
        Visibility.GrievancesOrAccreditation => ListFlagsSql.ByIdGrievancesOrAccreditation,
        _ => throw new ArgumentOutOfRangeException(nameof(visibility)),
    };
}
