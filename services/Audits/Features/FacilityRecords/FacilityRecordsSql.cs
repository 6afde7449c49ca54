using Traceability.Data;

namespace Traceability.Audits.Features.FacilityRecords;

internal static class FacilityRecordsSql
{
    public const string FacilityByKey = """
        SELECT id AS Id, gln AS Gln, osh_id AS OshId, name AS Name, country AS Country
        FROM audits.facility WHERE gln = @Gln OR osh_id = @OshId OR id = @Id
        """;

    // What the reader may see, in the database so that a page is a page: everyone's (@All = 1), or the audits the
    // auditor led and those their accreditations reach in the facility's country (AuditorReach.AuditsAt): a scheme's in
    // every sector (@Schemes), or, accredited only for some HS chapters, its audits of the whole site (no chapter named)
    // and those with a chapter of theirs (@Cells); the same condition in both statements (a helper method would be
    // taken for a statement by the T-SQL parsing test).
    // uq_audit_facility_scheme_start leads with facility_id: the facility's audits without a scan.
    public static string Audits(SqlDialect dialect) => $"""
        SELECT a.id AS Id, a.scheme AS Scheme, a.audit_type AS AuditType, a.announcement AS Announcement, a.start_date AS StartDate,
               a.end_date AS EndDate, a.lead_auditor_id AS LeadAuditorId, a.overall_result AS OverallResult, a.revision AS Revision,
               a.submitted_at AS SubmittedAt,
               (SELECT COUNT(*) FROM audits.finding x WHERE x.audit_id = a.id) AS Findings,
               (SELECT COUNT(*) FROM audits.finding x WHERE x.audit_id = a.id AND x.severity <> 'observation') AS NonCompliances,
               (SELECT COUNT(*) FROM audits.finding x WHERE x.audit_id = a.id AND x.severity = 'zero-tolerance') AS ZeroTolerance
        FROM audits.audit a
        WHERE a.facility_id = @FacilityId AND (@All = 1 OR a.lead_auditor_id = @AuditorId OR {dialect.IsAnyOf("a.scheme", "Schemes")}
               OR ({dialect.IsAnyOf("a.scheme", "ChapterSchemes")} AND a.hs_chapters = '')
               OR EXISTS (SELECT 1 FROM audits.audit_chapter c WHERE c.audit_id = a.id AND {dialect.IsAnyOf("c.scheme_chapter", "Cells")}))
        ORDER BY a.start_date DESC, a.id
        OFFSET @Offset ROWS FETCH NEXT @PageSize ROWS ONLY
        """;

    public static string CountAudits(SqlDialect dialect) => $"""
        SELECT COUNT(*) FROM audits.audit a
        WHERE a.facility_id = @FacilityId AND (@All = 1 OR a.lead_auditor_id = @AuditorId OR {dialect.IsAnyOf("a.scheme", "Schemes")}
               OR ({dialect.IsAnyOf("a.scheme", "ChapterSchemes")} AND a.hs_chapters = '')
               OR EXISTS (SELECT 1 FROM audits.audit_chapter c WHERE c.audit_id = a.id AND {dialect.IsAnyOf("c.scheme_chapter", "Cells")}))
        """;
}
