namespace Traceability.Audits.Features.FacilityRecords;

internal static class FacilityRecordsSql
{
    public const string FacilityByKey = """
        SELECT id AS Id, gln AS Gln, osh_id AS OshId, name AS Name, country AS Country
        FROM audits.facility WHERE gln = @Gln OR osh_id = @OshId OR id = @Id
        """;

    // uq_audit_facility_scheme_start leads with facility_id: the facility's audits without a scan.
    public const string Audits = """
        SELECT a.id AS Id, a.scheme AS Scheme, a.audit_type AS AuditType, a.announcement AS Announcement, a.start_date AS StartDate,
               a.end_date AS EndDate, a.lead_auditor_id AS LeadAuditorId, a.overall_result AS OverallResult, a.revision AS Revision,
               a.submitted_at AS SubmittedAt,
               (SELECT COUNT(*) FROM audits.finding x WHERE x.audit_id = a.id) AS Findings,
               (SELECT COUNT(*) FROM audits.finding x WHERE x.audit_id = a.id AND x.severity <> 'observation') AS NonCompliances,
               (SELECT COUNT(*) FROM audits.finding x WHERE x.audit_id = a.id AND x.severity = 'zero-tolerance') AS ZeroTolerance
        FROM audits.audit a WHERE a.facility_id = @FacilityId
        ORDER BY a.start_date DESC, a.id
        """;
}
