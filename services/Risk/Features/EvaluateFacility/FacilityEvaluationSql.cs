using Traceability.Data;

namespace Traceability.Risk.Features.EvaluateFacility;

internal static class FacilityEvaluationSql
{
    public static string FactsByIds(SqlDialect dialect) => $"SELECT {FacilityColumns.Facts} FROM risk.facility WHERE {dialect.IsAnyOf("id", "Ids")}";

    // Every exporter's registration of one site: the same GLN, the same Open Supply Hub id, or one of the ids named.
    public static string SameSite(SqlDialect dialect) => $"""
        SELECT {FacilityColumns.Facts} FROM risk.facility
        WHERE (@Gln IS NOT NULL AND gln = @Gln) OR (@OshId IS NOT NULL AND osh_id = @OshId) OR {dialect.IsAnyOf("id", "Ids")}
        ORDER BY id
        """;

    public static string Signals(SqlDialect dialect) => $"""
        SELECT indicator AS Indicator, source AS Source, evidence_id AS EvidenceId, observed_at AS ObservedAt
        FROM risk.facility_signal
        WHERE {dialect.IsAnyOf("gln", "Glns")} OR {dialect.IsAnyOf("osh_id", "OshIds")} OR {dialect.IsAnyOf("facility_id", "Ids")}
        """;

    public static string GrievanceCases(SqlDialect dialect) => $"""
        SELECT case_id AS CaseId, filed_at AS FiledAt, acknowledged_at AS AcknowledgedAt
        FROM risk.grievance_case WHERE {dialect.IsAnyOf("facility_id", "Ids")}
        """;

    // A shipment's origin in one read: the last audit on or before the ship date (provenance-gap) and the latest audited
    // production capacity (mass-balance; its columns are NULL when no audit stated one).
    public static string LastAudit(SqlDialect dialect) => $"""
        SELECT (SELECT MAX(end_date) FROM risk.facility_audit
                WHERE ({dialect.IsAnyOf("gln", "Glns")} OR {dialect.IsAnyOf("osh_id", "OshIds")}) AND end_date <= @ShipDate) AS LastAudit,
               c.audit_id AS AuditId, c.scheme AS Scheme, c.end_date AS EndDate, c.capacity_quantity AS Quantity, c.capacity_unit AS Unit,
               c.capacity_period AS Period
        FROM (SELECT 1 AS one) origin
        LEFT JOIN (SELECT audit_id, scheme, end_date, capacity_quantity, capacity_unit, capacity_period FROM risk.facility_audit
                   WHERE ({dialect.IsAnyOf("gln", "Glns")} OR {dialect.IsAnyOf("osh_id", "OshIds")}) AND capacity_quantity IS NOT NULL
                   ORDER BY end_date DESC, audit_id DESC OFFSET 0 ROWS FETCH NEXT 1 ROWS ONLY) c ON 1 = 1
        """;

    // Every day a site's audits ended on (a facility arriving after its shipments judges their provenance gaps with them).
    public static string AuditDays(SqlDialect dialect) => $"""
        SELECT end_date FROM risk.facility_audit WHERE {dialect.IsAnyOf("gln", "Glns")} OR {dialect.IsAnyOf("osh_id", "OshIds")}
        """;

    public static string OpenCriticalFlags(SqlDialect dialect) => $"""
        SELECT subject_id AS FacilityKey, id AS FlagId, rule_id AS RuleId FROM risk.flag
        WHERE subject_type = 'facility' AND is_open = 1 AND severity = 'critical' AND {dialect.IsAnyOf("subject_id", "Keys")}
        """;

    public const string ShipmentsNaming = """
        SELECT shipment_id AS ShipmentId, role AS Role, tenant_id AS TenantId, hs_code AS HsCode, commodity AS Commodity, ship_date AS ShipDate
        FROM risk.shipment_facility WHERE facility_id = @Id
        """;

    public static string InsertShipmentFacility(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.shipment_facility", ["facility_id", "shipment_id", "role", "tenant_id", "hs_code", "commodity", "ship_date", "quantity", "unit"],
        ["facility_id", "shipment_id", "role"]);

    public static string InsertAudit(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.facility_audit", ["audit_id", "gln", "osh_id", "scheme", "end_date", "capacity_quantity", "capacity_unit", "capacity_period"], ["audit_id"]);

    public static string InsertSignal(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.facility_signal", ["evidence_id", "indicator", "named", "source", "gln", "osh_id", "facility_id", "observed_at"], ["evidence_id", "indicator", "named"]);

    public static string InsertCase(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.grievance_case", ["case_id", "facility_id", "filed_at", "acknowledged_at"], ["case_id", "facility_id"]);

    // Filed and acknowledged may arrive in either order: each fills its own column.
    public const string CaseFiled = "UPDATE risk.grievance_case SET filed_at = @FiledAt WHERE case_id = @CaseId AND facility_id = @FacilityId AND filed_at IS NULL";

    public const string CaseAcknowledged = """
        UPDATE risk.grievance_case SET acknowledged_at = @AcknowledgedAt
        WHERE case_id = @CaseId AND facility_id = @FacilityId AND acknowledged_at IS NULL
        """;

    public const string RecentlyAcknowledged = """
        SELECT DISTINCT facility_id FROM risk.grievance_case WHERE acknowledged_at IS NOT NULL AND acknowledged_at >= @Since
        """;
}

/// <summary>A fragment of the facility statements (outside the *Sql class the T-SQL test parses whole).</summary>
internal static class FacilityColumns
{
    public const string Facts = "id AS ProvenanceId, gln AS Gln, osh_id AS OshId, name AS Name, country AS Country, region AS Region, latitude AS Latitude, longitude AS Longitude";
}
