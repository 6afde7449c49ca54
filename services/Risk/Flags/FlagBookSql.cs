using Traceability.Data;

namespace Traceability.Risk.Flags;

internal static class FlagBookSql
{
    public static string InsertFlagIfNoneOpen(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.flag",
        ["id", "rule_id", "rule_version", "severity", "subject_type", "subject_id", "tenant_id", "scope_country", "scope_hs_chapter", "scope_scheme",
         "explanation", "evidence", "status", "is_open", "raised_at", "updated_at", "version", "evidence_count", "grievance_count", "assign_due_at", "resolve_due_at"],
        ["rule_id", "subject_type", "subject_id", "is_open"]);

    public const string InsertEvidence = """
        INSERT INTO risk.flag_evidence (flag_id, evidence_id, source, rule_version, note, appended_at)
        VALUES (@FlagId, @EvidenceId, @Source, @RuleVersion, @Note, @AppendedAt)
        """;

    // The evidence and history of a flag raised by InsertFlagIfNoneOpen in the same round trip: written only if that insert
    // wrote the flag (its fresh id exists only then), so that raising a flag does not wait for the insert's answer.
    public const string InsertEvidenceOfNewFlag = """
        INSERT INTO risk.flag_evidence (flag_id, evidence_id, source, rule_version, note, appended_at)
        SELECT @FlagId, @EvidenceId, @Source, @RuleVersion, @Note, @AppendedAt
        WHERE EXISTS (SELECT 1 FROM risk.flag WHERE id = @FlagId)
        """;

    public const string InsertHistoryOfNewFlag = """
        INSERT INTO risk.flag_history (flag_id, flag_version, action, status, resolution, severity, assignee, actor, reason, note, occurred_at)
        SELECT @FlagId, @FlagVersion, @Action, @Status, @Resolution, @Severity, @Assignee, @Actor, @Reason, @Note, @OccurredAt
        WHERE EXISTS (SELECT 1 FROM risk.flag WHERE id = @FlagId)
        """;

    public const string InsertHistory = """
        INSERT INTO risk.flag_history (flag_id, flag_version, action, status, resolution, severity, assignee, actor, reason, note, occurred_at)
        VALUES (@FlagId, @FlagVersion, @Action, @Status, @Resolution, @Severity, @Assignee, @Actor, @Reason, @Note, @OccurredAt)
        """;

    // Takes the open flag's row lock first: appends to one flag then run one after another, and the
    // NOT EXISTS below sees what the previous one committed.
    public const string LockOpenFlag = $"UPDATE risk.flag SET evidence_count = evidence_count WHERE {FlagFragments.OpenFlag}";

    public const string AppendEvidence = $"""
        INSERT INTO risk.flag_evidence (flag_id, evidence_id, source, rule_version, note, appended_at)
        SELECT f.id, @EvidenceId, @Source, @RuleVersion, @Note, @AppendedAt
        FROM risk.flag f
        WHERE f.rule_id = @RuleId AND f.subject_type = @SubjectType AND f.subject_id = @SubjectId AND f.is_open = 1
          AND NOT EXISTS (SELECT 1 FROM risk.flag_evidence e WHERE e.flag_id = f.id AND e.evidence_id = @EvidenceId)
        """;

    // Severity only climbs, whatever order the signals arrive in; the explanation follows the highest one. Its SLA clocks
    // move to the new severity's, counted from now, unless they already fall sooner (a clock never moves later).
    public const string RaiseSeverity = $"""
        UPDATE risk.flag SET severity = @Severity, explanation = @Explanation, rule_version = @RuleVersion,
            assign_due_at = CASE WHEN assign_due_at IS NULL OR assign_due_at > @AssignDueAt THEN @AssignDueAt ELSE assign_due_at END,
            resolve_due_at = CASE WHEN resolve_due_at IS NULL OR resolve_due_at > @ResolveDueAt THEN @ResolveDueAt ELSE resolve_due_at END
        WHERE {FlagFragments.OpenFlag}
          AND (CASE severity WHEN 'low' THEN 1 WHEN 'medium' THEN 2 WHEN 'high' THEN 3 WHEN 'critical' THEN 4 ELSE 0 END) < @SeverityRank
        """;

    // evidence_count counts what still counts (evidence a later judgement cleared is kept, marked, and not counted).
    public const string Recount = $"""
        UPDATE risk.flag
        SET evidence_count = (SELECT COUNT(*) FROM risk.flag_evidence e WHERE e.flag_id = risk.flag.id AND e.cleared_at IS NULL),
            grievance_count = (SELECT COUNT(*) FROM risk.flag_evidence e WHERE e.flag_id = risk.flag.id AND e.source = 'grievance')
        WHERE {FlagFragments.OpenFlag}
        """;

    public const string RecountById = """
        UPDATE risk.flag
        SET evidence_count = (SELECT COUNT(*) FROM risk.flag_evidence e WHERE e.flag_id = risk.flag.id AND e.cleared_at IS NULL),
            grievance_count = (SELECT COUNT(*) FROM risk.flag_evidence e WHERE e.flag_id = risk.flag.id AND e.source = 'grievance')
        WHERE id = @Id
        """;

    // A judgement made again: evidence it still counts that an earlier one cleared counts again; what it no longer counts is
    // marked (kept, with the evidence that cleared it), never deleted.
    public static string RestoreEvidence(SqlDialect dialect) => $"""
        UPDATE risk.flag_evidence SET cleared_at = NULL, cleared_by = NULL
        WHERE flag_id = @Id AND cleared_at IS NOT NULL AND {dialect.IsAnyOf("evidence_id", "Counts")}
        """;

    public static string ClearedEvidenceAmong(SqlDialect dialect) => $"""
        SELECT evidence_id FROM risk.flag_evidence
        WHERE flag_id = @Id AND cleared_at IS NOT NULL AND {dialect.IsAnyOf("evidence_id", "Counts")}
        ORDER BY appended_at, evidence_id
        """;

    public static string CountingEvidenceExcept(SqlDialect dialect) => $"""
        SELECT evidence_id FROM risk.flag_evidence
        WHERE flag_id = @Id AND cleared_at IS NULL AND NOT ({dialect.IsAnyOf("evidence_id", "Counts")})
        ORDER BY appended_at, evidence_id
        """;

    public static string ClearEvidence(SqlDialect dialect) => $"""
        UPDATE risk.flag_evidence SET cleared_at = @Now, cleared_by = @ClearedBy
        WHERE flag_id = @Id AND cleared_at IS NULL AND NOT ({dialect.IsAnyOf("evidence_id", "Counts")})
        """;

    // The engine's withdrawal: resolved as withdrawn, so the rule may raise a new flag for the subject later, and no SLA list counts it.
    public const string Withdraw = """
        UPDATE risk.flag SET status = 'resolved', resolution = 'withdrawn', is_open = NULL, resolved_at = @Now, version = version + 1, updated_at = @Now
        WHERE id = @Id
        """;

    public const string Restate = """
        UPDATE risk.flag SET explanation = @Explanation, scope_country = @ScopeCountry, version = version + 1, updated_at = @Now WHERE id = @Id
        """;

    public const string Rekey = """
        UPDATE risk.flag SET subject_id = @SubjectId, scope_country = @ScopeCountry, version = version + 1, updated_at = @Now WHERE id = @Id
        """;

    public const string BumpById = "UPDATE risk.flag SET version = version + 1, updated_at = @Now WHERE id = @Id";

    public const string CopyEvidence = """
        INSERT INTO risk.flag_evidence (flag_id, evidence_id, source, rule_version, note, appended_at, cleared_at, cleared_by)
        SELECT @To, e.evidence_id, e.source, e.rule_version, e.note, e.appended_at, e.cleared_at, e.cleared_by
        FROM risk.flag_evidence e
        WHERE e.flag_id = @From AND NOT EXISTS (SELECT 1 FROM risk.flag_evidence t WHERE t.flag_id = @To AND t.evidence_id = e.evidence_id)
        """;

    public const string BumpOpenFlag = $"UPDATE risk.flag SET version = version + 1, updated_at = @Now WHERE {FlagFragments.OpenFlag}";

    public const string SelectOpenFlag = $"""
        SELECT id AS Id, version AS Version, status AS Status, resolution AS Resolution, severity AS Severity, assignee AS Assignee, escalated AS Escalated,
               rule_id AS RuleId, rule_version AS RuleVersion, subject_type AS SubjectType, subject_id AS SubjectId, tenant_id AS TenantId,
               grievance_count AS GrievanceCount, scope_country AS ScopeCountry, scope_hs_chapter AS ScopeHsChapter, scope_scheme AS ScopeScheme,
               explanation AS Explanation, raised_at AS RaisedAt, assign_due_at AS AssignDueAt, resolve_due_at AS ResolveDueAt
        FROM risk.flag WHERE {FlagFragments.OpenFlag}
        """;

    public const string SelectFlagState = """
        SELECT id AS Id, version AS Version, status AS Status, resolution AS Resolution, severity AS Severity, assignee AS Assignee, escalated AS Escalated,
               rule_id AS RuleId, rule_version AS RuleVersion, subject_type AS SubjectType, subject_id AS SubjectId, tenant_id AS TenantId,
               grievance_count AS GrievanceCount, scope_country AS ScopeCountry, scope_hs_chapter AS ScopeHsChapter, scope_scheme AS ScopeScheme,
               explanation AS Explanation, raised_at AS RaisedAt, assign_due_at AS AssignDueAt, resolve_due_at AS ResolveDueAt
        FROM risk.flag WHERE id = @Id
        """;

    public const string OpenCriticalFacilityFlags = """
        SELECT id AS FlagId, rule_id AS RuleId FROM risk.flag
        WHERE subject_type = 'facility' AND subject_id = @Key AND is_open = 1 AND severity = 'critical'
        """;

    // Every registration of the facility a key names (GLN, Open Supply Hub id or Provenance id) and the shipments naming
    // it, a batch at a time in shipment order: the next batch starts after the last shipment of the one before.
    public const string ShipmentsNamingFacility = """
        SELECT sf.shipment_id AS ShipmentId, sf.tenant_id AS TenantId, sf.commodity AS Commodity, sf.hs_code AS HsCode, sf.ship_date AS ShipDate,
               f.id AS FacilityId, f.gln AS Gln, f.osh_id AS OshId, f.name AS Name, f.country AS Country
        FROM risk.facility f JOIN risk.shipment_facility sf ON sf.facility_id = f.id
        WHERE (f.gln = @Key OR f.osh_id = @Key OR f.id = @Id) AND sf.shipment_id > @After
        ORDER BY sf.shipment_id, f.id
        OFFSET 0 ROWS FETCH NEXT @Batch ROWS ONLY
        """;

    public const string GrievanceEvidence = """
        SELECT evidence_id FROM risk.flag_evidence WHERE flag_id = @Id AND source = 'grievance' ORDER BY evidence_id
        """;
}

/// <summary>Pieces of flag statements (not statements themselves, so they live outside the *Sql classes the T-SQL test parses).</summary>
internal static class FlagFragments
{
    // The open flag of a rule × subject; every statement of the append path names it this way, so that no
    // read is needed between them.
    public const string OpenFlag = "rule_id = @RuleId AND subject_type = @SubjectType AND subject_id = @SubjectId AND is_open = 1";

    public const string Columns = """
        f.id AS Id, f.rule_id AS RuleId, f.rule_version AS RuleVersion, f.severity AS Severity,
        f.subject_type AS SubjectType, f.subject_id AS SubjectId, f.tenant_id AS TenantId, f.scope_country AS ScopeCountry,
        f.scope_hs_chapter AS ScopeHsChapter, f.scope_scheme AS ScopeScheme, f.explanation AS Explanation,
        f.evidence_count AS EvidenceCount, f.grievance_count AS GrievanceCount, f.status AS Status, f.resolution AS Resolution,
        f.assignee AS Assignee, f.escalated AS Escalated, f.version AS Version, f.raised_at AS RaisedAt, f.updated_at AS UpdatedAt,
        f.assign_due_at AS AssignDueAt, f.resolve_due_at AS ResolveDueAt, f.resolved_at AS ResolvedAt
        """;
}
