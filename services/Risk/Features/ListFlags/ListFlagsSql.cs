using Traceability.Data;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Features.ListFlags;

/// <summary>
/// Every flag read, once per <see cref="Visibility"/> (and order): each is its own statement (and its own prepared plan),
/// so an admin's list walks the raised-at index while an auditor's is driven by their accreditations.
/// </summary>
internal static class ListFlagsSql
{
    public const string ByIdAll = ScopedFlagParts.ById + FlagVisibility.All;
    public const string ByIdGrievances = ScopedFlagParts.ById + FlagVisibility.Grievances;
    public const string ByIdAccreditation = ScopedFlagParts.ById + FlagVisibility.Accreditation;
    public const string ByIdGrievancesOrAccreditation = ScopedFlagParts.ById + FlagVisibility.GrievancesOrAccreditation;

    /// <summary>
    /// One page of the flags a viewer sees, in the order asked for (and one flag more, to tell whether another page follows):
    /// from <c>@Offset</c>, or, <paramref name="afterCursor"/>, from the first flag after a cursor's (keyset paging: the index
    /// range starts there, so a deep page costs what the first does).
    /// </summary>
    public static string Page(SqlDialect dialect, Visibility visibility, FlagOrder order, bool afterCursor) => visibility == Visibility.Accreditation
        ? AccreditedPage(dialect, order, afterCursor)
        : $"""
          SELECT {FlagFragments.Columns} FROM risk.flag f WHERE {ScopedFlagParts.Condition(visibility)}{ScopedFlagParts.Filters}{ScopedFlagParts.Keyset(order, afterCursor)}
          ORDER BY {FlagOrders.OrderBy(order)}
          OFFSET @Offset ROWS FETCH NEXT @Fetch ROWS ONLY
          """;

    /// <summary>How many flags the viewer sees with these filters, counting no further than <c>@CountLimit</c>.</summary>
    // Counting stops at the limit (the endpoint asks for one more than it will report, so it can tell "exactly N" from
    // "N or more"): an exact total walked every visible flag, about 100 ms a million for an admin and 140-275 ms for an
    // auditor seeing half a million, where the page itself takes a few milliseconds. An auditor's flags are counted
    // through the same cells as the page.
    public static string Count(SqlDialect dialect, Visibility visibility) => visibility == Visibility.Accreditation
        ? $"""
          {ScopedFlagParts.AccreditedCells}
          SELECT COUNT(*) FROM (
            SELECT u.id FROM (
            {string.Join("\nUNION ALL\n", AccreditedRanges.Select(cell => $"""
                SELECT f.id FROM {cell.Cells} k JOIN risk.flag f ON {cell.Range} WHERE {FlagVisibility.Accreditation}{ScopedFlagParts.Filters}
                """))}
            ) u {dialect.AnyRows("CountLimit")}
          ) c
          """
        : $"""
          SELECT COUNT(*) FROM (
            SELECT f.id FROM risk.flag f WHERE {ScopedFlagParts.Condition(visibility)}{ScopedFlagParts.Filters}
            {dialect.AnyRows("CountLimit")}
          ) c
          """;

    private static readonly (string Cells, string Range)[] AccreditedRanges =
    [
        ("whole_country", "f.scope_country = k.country"),
        ("chapter", "f.scope_country = k.country AND f.scope_hs_chapter = k.hs_chapter"),
        ("no_chapter", "f.scope_country = k.country AND f.scope_hs_chapter IS NULL"),
    ];

    private static string AccreditedPage(SqlDialect dialect, FlagOrder order, bool afterCursor) => $"""
        {ScopedFlagParts.AccreditedCells}
        SELECT {FlagFragments.Columns} FROM (
        {string.Join("\nUNION ALL\n", AccreditedRanges.Select(cell => $"""
            SELECT w.id FROM {cell.Cells} k {dialect.CrossApply} (
                SELECT f.id FROM risk.flag f WHERE {cell.Range} AND {FlagVisibility.Accreditation}{ScopedFlagParts.Filters}{ScopedFlagParts.Keyset(order, afterCursor)}
                ORDER BY {FlagOrders.OrderBy(order)} OFFSET 0 ROWS FETCH NEXT @Window ROWS ONLY) w
            """))}
        ) v JOIN risk.flag f ON f.id = v.id
        ORDER BY {FlagOrders.OrderBy(order)}
        OFFSET @Offset ROWS FETCH NEXT @Fetch ROWS ONLY
        """;

    public static string EvidenceOf(SqlDialect dialect) => $"""
        SELECT flag_id AS FlagId, evidence_id AS EvidenceId FROM risk.flag_evidence
        WHERE {dialect.IsAnyOf("flag_id", "Ids")}
        ORDER BY flag_id, appended_at, evidence_id
        """;

    public const string EvidenceDetail = """
        SELECT evidence_id AS Id, source AS Source, rule_version AS RuleVersion, note AS Note, appended_at AS AppendedAt,
               cleared_at AS ClearedAt, cleared_by AS ClearedBy
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
    public const string ById = $"SELECT {FlagFragments.Columns} FROM risk.flag f WHERE f.id = @Id AND ";

    // Optional filters are written as (@X IS NULL OR column = @X) so one statement serves every combination.
    // Overdue: still open and past its clock (unassigned past the assign clock, or unresolved past the resolve clock).
    public const string Filters = """

          AND (@SubjectType IS NULL OR f.subject_type = @SubjectType)
          AND (@SubjectId IS NULL OR f.subject_id = @SubjectId)
          AND (@Status IS NULL OR f.status = @Status)
          AND (@Resolution IS NULL OR f.resolution = @Resolution)
          AND (@Severity IS NULL OR f.severity = @Severity)
          AND (@RuleId IS NULL OR f.rule_id = @RuleId)
          AND (@Assignee IS NULL OR f.assignee = @Assignee)
          AND (@Escalated IS NULL OR f.escalated = @Escalated)
          AND (@Country IS NULL OR f.scope_country = @Country)
          AND (@Overdue = 0 OR (f.is_open = 1 AND ((f.status = 'open' AND f.assign_due_at < @Now) OR f.resolve_due_at < @Now)))
        """;

    // An auditor's flags are found from their accreditations, not by testing every flag against them (which made a
    // narrow auditor's list walk all flags: 430 ms over a million). The active scope rows are cut into disjoint
    // cells of flags, each an index range: a country some accreditation covers in every sector (whole_country,
    // ix_flag_scope_country), else each HS chapter named for it (chapter) and its flags without a chapter (no_chapter,
    // both ix_flag_scope_chapter). A flag lies in one cell at most, so nothing is counted or listed twice; inside a
    // cell the scope condition still decides (scheme, chapter), and only the first @Window rows of each cell in the
    // order asked for can reach the page.
    public const string AccreditedCells = """
        WITH active_scope AS (
          SELECT s.country, s.hs_chapter FROM risk.auditor_scope s JOIN risk.auditor a ON a.auditor_id = s.auditor_id
          WHERE s.auditor_id = @AuditorId AND a.status = 'active' AND s.valid_from <= @Today AND s.valid_to >= @Today
            AND (@Country IS NULL OR s.country = @Country)
        ),
        whole_country AS (SELECT DISTINCT country FROM active_scope WHERE hs_chapter IS NULL),
        chapter AS (SELECT DISTINCT country, hs_chapter FROM active_scope
                    WHERE hs_chapter IS NOT NULL AND country NOT IN (SELECT country FROM whole_country)),
        no_chapter AS (SELECT DISTINCT country FROM active_scope WHERE country NOT IN (SELECT country FROM whole_country))
        """;

    // Keyset paging: only the flags after the cursor's (FlagOrders.After).
    public static string Keyset(FlagOrder order, bool afterCursor) => afterCursor ? $"\n  AND {FlagOrders.After(order)}" : "";

    public static string Condition(Visibility visibility) => visibility switch
    {
        Visibility.None => FlagVisibility.None,
        Visibility.All => FlagVisibility.All,
        Visibility.Grievances => FlagVisibility.Grievances,
        Visibility.Accreditation => FlagVisibility.Accreditation,
        Visibility.GrievancesOrAccreditation => FlagVisibility.GrievancesOrAccreditation,
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
