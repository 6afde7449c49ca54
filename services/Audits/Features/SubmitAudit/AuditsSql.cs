namespace Traceability.Audits.Features.SubmitAudit;

internal static class AuditsSql
{
    public const string InsertAudit = """
        INSERT INTO audits.audit (id, facility_id, scheme, audit_type, announcement, start_date, end_date, lead_auditor_id, team, follow_up_of,
                                  workers_interviewed, women, men, migrant, young, hs_chapters, overall_result, revision, submitted_by, submitted_at,
                                  capacity_quantity, capacity_unit, capacity_period)
        VALUES (@Id, @FacilityId, @Scheme, @AuditType, @Announcement, @StartDate, @EndDate, @LeadAuditorId, @Team, @FollowUpOf,
                @WorkersInterviewed, @Women, @Men, @Migrant, @Young, @HsChapters, @OverallResult, @Revision, @SubmittedBy, @SubmittedAt,
                @CapacityQuantity, @CapacityUnit, @CapacityPeriod)
        """;

    // One row per HS chapter the audit names (AuditorReach.Cell): what a chapter-limited accreditation's list reads.
    public const string InsertChapter = """
        INSERT INTO audits.audit_chapter (audit_id, scheme_chapter) VALUES (@AuditId, @SchemeChapter)
        """;

    public const string InsertFinding = """
        INSERT INTO audits.finding (id, audit_id, position, code, scheme_item, severity, status, description, corrective_action, corrective_action_due, recorded_at)
        VALUES (@Id, @AuditId, @Position, @Code, @SchemeItem, @Severity, @Status, @Description, @CorrectiveAction, @CorrectiveActionDue, @RecordedAt)
        """;

    public const string InsertEvidence = """
        INSERT INTO audits.finding_evidence (finding_id, position, sha256, media_type, description) VALUES (@FindingId, @Position, @Sha256, @MediaType, @Description)
        """;

    // Follow-ups leave the lead auditor's rotation count alone: the auditor who found the issue checks it was fixed.
    public const string PreviousLeads = """
        SELECT lead_auditor_id FROM audits.audit
        WHERE facility_id = @FacilityId AND scheme = @Scheme AND audit_type <> 'follow-up' AND start_date < @StartDate
        ORDER BY start_date DESC
        OFFSET 0 ROWS FETCH NEXT 2 ROWS ONLY
        """;

    public const string Audit = """
        SELECT a.id AS Id, a.facility_id AS FacilityId, f.gln AS Gln, f.osh_id AS OshId, f.name AS FacilityName, f.country AS Country,
               a.scheme AS Scheme, a.audit_type AS AuditType, a.announcement AS Announcement, a.start_date AS StartDate, a.end_date AS EndDate,
               a.lead_auditor_id AS LeadAuditorId, a.team AS Team, a.follow_up_of AS FollowUpOf, a.workers_interviewed AS WorkersInterviewed,
               a.women AS Women, a.men AS Men, a.migrant AS Migrant, a.young AS Young, a.hs_chapters AS HsChapters, a.overall_result AS OverallResult,
               a.revision AS Revision, a.submitted_at AS SubmittedAt, a.capacity_quantity AS CapacityQuantity, a.capacity_unit AS CapacityUnit,
               a.capacity_period AS CapacityPeriod
        FROM audits.audit a JOIN audits.facility f ON f.id = a.facility_id
        WHERE a.id = @Id
        """;

    public const string Findings = """
        SELECT id AS Id, code AS Code, scheme_item AS SchemeItem, severity AS Severity, status AS Status, description AS Description,
               corrective_action AS CorrectiveAction, corrective_action_due AS CorrectiveActionDue
        FROM audits.finding WHERE audit_id = @Id ORDER BY position
        """;

    public const string Evidence = """
        SELECT e.finding_id AS FindingId, e.sha256 AS Sha256, e.media_type AS MediaType, e.description AS Description
        FROM audits.finding_evidence e JOIN audits.finding f ON f.id = e.finding_id
        WHERE f.audit_id = @Id ORDER BY e.finding_id, e.position
        """;

    // The findings a follow-up may speak of: those of earlier audits of the same facility under the same scheme.
    public const string EarlierFindings = """
        SELECT f.id AS Id, f.audit_id AS AuditId, f.code AS Code, f.severity AS Severity, f.status AS Status
        FROM audits.finding f JOIN audits.audit a ON a.id = f.audit_id
        WHERE a.facility_id = @FacilityId AND a.scheme = @Scheme AND a.start_date <= @StartDate
        """;

    public const string UpdateFindingStatus = """
        UPDATE audits.finding SET status = @Status WHERE id = @Id
        """;

    public const string InsertStatusChange = """
        INSERT INTO audits.finding_status_change (finding_id, follow_up_audit_id, previous_status, status, changed_at)
        VALUES (@FindingId, @FollowUpAuditId, @PreviousStatus, @Status, @ChangedAt)
        """;

    public const string RaiseRevision = """
        UPDATE audits.audit SET revision = revision + 1 WHERE id = @Id AND revision = @Revision
        """;
}
