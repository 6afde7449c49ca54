using Traceability.Data;

namespace Traceability.Provenance.Features.ExporterFlags;

internal static class ExporterFlagsSql
{
    public static string InsertFlag(SqlDialect dialect) => dialect.InsertIfAbsent(
        "provenance.risk_flag",
        ["flag_id", "tenant_id", "rule_id", "rule_version", "severity", "subject_type", "subject_id", "shipment_id", "facility_key", "facility_id",
         "scope_country", "scope_hs_chapter", "scope_scheme", "explanation", "grievance_count", "status", "resolution", "version", "raised_at", "updated_at"],
        ["flag_id"]);

    // Events may arrive out of order or twice: the highest version wins.
    // The whole state, subject and scope included: Risk files a grievance's workplace under its Provenance id until it hears
    // of the facility, then moves the flag to the facility's GLN / Open Supply Hub id (and its country).
    public const string UpdateFlag = """
        UPDATE provenance.risk_flag
        SET rule_version = @RuleVersion, severity = @Severity, explanation = @Explanation, grievance_count = @GrievanceCount,
            status = @Status, resolution = @Resolution, version = @Version, updated_at = @UpdatedAt,
            subject_id = @SubjectId, shipment_id = @ShipmentId, facility_key = @FacilityKey, facility_id = @FacilityId, scope_country = @ScopeCountry
        WHERE flag_id = @FlagId AND version < @Version
        """;

    public const string Page = $"""
        SELECT f.flag_id AS Id, f.rule_id AS RuleId, f.rule_version AS RuleVersion, f.severity AS Severity, f.subject_type AS SubjectType,
               f.subject_id AS SubjectId, f.scope_country AS ScopeCountry, f.scope_hs_chapter AS ScopeHsChapter, f.scope_scheme AS ScopeScheme,
               f.explanation AS Explanation, f.grievance_count AS GrievanceCount, f.status AS Status, f.resolution AS Resolution,
               f.raised_at AS RaisedAt, f.updated_at AS UpdatedAt
        {ExporterFlagParts.OwnFlags}
        ORDER BY f.raised_at DESC, f.flag_id
        OFFSET @Offset ROWS FETCH NEXT @PageSize ROWS ONLY
        """;

    public const string Count = $"SELECT COUNT(*) {ExporterFlagParts.OwnFlags}";
}

/// <summary>The part of the exporter's flag statements that scopes them (a fragment, outside the *Sql class the T-SQL test parses whole).</summary>
internal static class ExporterFlagParts
{
    // The exporter's own shipments, and facilities the exporter registered (joined by GLN, Open Supply Hub id or id).
    public const string OwnFlags = """
        FROM provenance.risk_flag f
        WHERE ((f.shipment_id IS NOT NULL AND EXISTS (SELECT 1 FROM provenance.shipment s WHERE s.id = f.shipment_id AND s.exporter_id = @ExporterId))
            OR (f.facility_key IS NOT NULL AND EXISTS (SELECT 1 FROM provenance.facility p WHERE p.exporter_id = @ExporterId
                    AND (p.gln = f.facility_key OR p.osh_id = f.facility_key OR p.id = f.facility_id))))
          AND (@SubjectType IS NULL OR f.subject_type = @SubjectType)
          AND (@Status IS NULL OR f.status = @Status)
        """;
}
