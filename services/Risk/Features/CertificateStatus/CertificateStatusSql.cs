using Traceability.Data;

namespace Traceability.Risk.Features.CertificateStatus;

internal static class CertificateStatusSql
{
    public static string InsertCertificateIfAbsent(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.certificate", ["scheme_key", "number", "latest_sequence"], ["scheme_key", "number"]);

    // Every change of a certificate and every claim of it take this row's lock first: a claim recorded while its
    // certificate's status changes is evaluated by one of the two transactions, whichever comes second.
    public const string LockCertificate = """
        UPDATE risk.certificate SET latest_sequence = CASE WHEN latest_sequence < @Sequence THEN @Sequence ELSE latest_sequence END
        WHERE scheme_key = @SchemeKey AND number = @Number
        """;

    public static string InsertStatusIfAbsent(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.certificate_status", ["scheme_key", "number", "sequence", "scheme", "status", "effective_from", "reason", "changed_at"], ["scheme_key", "number", "sequence"]);

    public static string InsertClaimIfAbsent(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.certificate_claim", ["scheme_key", "number", "shipment_id", "subject_id", "tenant_id", "ship_date", "origin_country", "hs_chapter"],
        ["scheme_key", "number", "shipment_id"]);

    // The status a certificate had on a day: the latest change that applied by then (a later-recorded change
    // effective earlier, such as a backdated suspension, counts from its effective day).
    public const string StatusOn = """
        SELECT h.scheme AS Scheme, h.status AS Status, h.sequence AS Sequence
        FROM risk.certificate_status h
        WHERE h.scheme_key = @SchemeKey AND h.number = @Number AND h.effective_from <= @ShipDate
        ORDER BY h.effective_from DESC, h.sequence DESC
        OFFSET 0 ROWS FETCH NEXT 1 ROWS ONLY
        """;

    /// <summary>
    /// One flag per claiming shipment whose certificate was not valid on its ship date and that has no open flag of the
    /// rule yet: the whole re-evaluation of a certificate's claims in one statement, however many there are. Every
    /// lookup per claim is a scalar subquery on an index, so the plan stays a walk over the claims whatever the
    /// statistics say (a join planned while the flags just written were thought to be one row scanned the claims once
    /// per flag).
    /// </summary>
    public static string RaiseFlags(SqlDialect dialect) => $"""
        INSERT INTO risk.flag (id, rule_id, rule_version, severity, subject_type, subject_id, tenant_id, scope_country, scope_hs_chapter, scope_scheme,
                               explanation, evidence, status, is_open, raised_at, updated_at, version, evidence_count, grievance_count, assign_due_at, resolve_due_at)
        SELECT {dialect.NewId}, @RuleId, @RuleVersion,
               CASE s.status WHEN 'expired' THEN @ExpiredSeverity WHEN 'withdrawn' THEN @WithdrawnSeverity ELSE @SuspendedSeverity END,
               'shipment', s.subject_id, s.tenant_id, s.origin_country, s.hs_chapter, @Scheme,
               CASE s.status WHEN 'expired' THEN @ExpiredExplanation WHEN 'withdrawn' THEN @WithdrawnExplanation ELSE @SuspendedExplanation END,
               CONCAT('shipment:', s.subject_id, ' ', @CertificateEvidence), 'open', 1, @Now, @Now, 1, 2, 0,
               CASE s.status WHEN 'expired' THEN @ExpiredAssignDue WHEN 'withdrawn' THEN @WithdrawnAssignDue ELSE @SuspendedAssignDue END,
               CASE s.status WHEN 'expired' THEN @ExpiredResolveDue WHEN 'withdrawn' THEN @WithdrawnResolveDue ELSE @SuspendedResolveDue END
        FROM (SELECT c.subject_id, c.tenant_id, c.origin_country, c.hs_chapter, {ClaimFragments.StatusOnShipDate} AS status, {ClaimFragments.OpenFlag} AS open_flag
              FROM risk.certificate_claim c
              WHERE c.scheme_key = @SchemeKey AND c.number = @Number) s
        WHERE s.status IN ('suspended', 'withdrawn', 'expired') AND s.open_flag IS NULL
        """;

    // The flags just raised are found by the moment they were raised (index ix_flag_raised_at), not by a join.
    public const string NewFlags = """
        SELECT id AS Id, severity AS Severity, subject_id AS SubjectId, tenant_id AS TenantId, scope_country AS ScopeCountry,
               scope_hs_chapter AS ScopeHsChapter, explanation AS Explanation
        FROM risk.flag WHERE rule_id = @RuleId AND raised_at = @Now AND version = 1
        """;

    public const string NewFlagsEvidence = """
        INSERT INTO risk.flag_evidence (flag_id, evidence_id, source, rule_version, note, appended_at)
        SELECT f.id, CONCAT('shipment:', f.subject_id), 'provenance', @RuleVersion, NULL, @Now
        FROM risk.flag f WHERE f.rule_id = @RuleId AND f.raised_at = @Now AND f.version = 1
        UNION ALL
        SELECT f.id, @CertificateEvidence, 'audit', @RuleVersion, @Note, @Now
        FROM risk.flag f WHERE f.rule_id = @RuleId AND f.raised_at = @Now AND f.version = 1
        """;

    public const string NewFlagsHistory = """
        INSERT INTO risk.flag_history (flag_id, flag_version, action, status, resolution, severity, assignee, actor, reason, note, occurred_at)
        SELECT f.id, 1, 'raised', 'open', NULL, f.severity, NULL, 'risk', NULL, NULL, @Now
        FROM risk.flag f WHERE f.rule_id = @RuleId AND f.raised_at = @Now AND f.version = 1
        """;

    // Flags raised before (by an earlier change of this certificate, or when the shipment arrived) that this change
    // concerns too: its evidence is appended to them.
    public const string EarlierOpenFlags = $"""
        SELECT s.open_flag
        FROM (SELECT {ClaimFragments.StatusOnShipDate} AS status, {ClaimFragments.OpenFlag} AS open_flag
              FROM risk.certificate_claim c
              WHERE c.scheme_key = @SchemeKey AND c.number = @Number) s
        WHERE s.status IN ('suspended', 'withdrawn', 'expired') AND s.open_flag IS NOT NULL
        """;

    public static string AppendEvidence(SqlDialect dialect) => $"""
        INSERT INTO risk.flag_evidence (flag_id, evidence_id, source, rule_version, note, appended_at)
        SELECT f.id, @CertificateEvidence, 'audit', @RuleVersion, @Note, @Now
        FROM risk.flag f
        WHERE {dialect.IsAnyOf("f.id", "Ids")} AND f.raised_at <> @Now
          AND NOT EXISTS (SELECT 1 FROM risk.flag_evidence e WHERE e.flag_id = f.id AND e.evidence_id = @CertificateEvidence)
        """;

    public static string Recount(SqlDialect dialect) => $"""
        UPDATE risk.flag SET evidence_count = (SELECT COUNT(*) FROM risk.flag_evidence e WHERE e.flag_id = risk.flag.id)
        WHERE {dialect.IsAnyOf("id", "Ids")}
        """;
}

/// <summary>Pieces of statements (not statements themselves, so they live outside the *Sql classes the T-SQL test parses).</summary>
internal static class ClaimFragments
{
    // The status a certificate had on a claim's ship date (c is risk.certificate_claim), for every claim at once.
    public const string StatusOnShipDate = """
        (SELECT h.status FROM risk.certificate_status h
         WHERE h.scheme_key = c.scheme_key AND h.number = c.number AND h.effective_from <= c.ship_date
         ORDER BY h.effective_from DESC, h.sequence DESC
         OFFSET 0 ROWS FETCH NEXT 1 ROWS ONLY)
        """;

    // The claim's open flag of the rule, if any (c is risk.certificate_claim): one lookup on uq_flag_open_rule_subject.
    public const string OpenFlag = """
        (SELECT f.id FROM risk.flag f
         WHERE f.rule_id = @RuleId AND f.subject_type = 'shipment' AND f.subject_id = c.subject_id AND f.is_open = 1)
        """;
}
