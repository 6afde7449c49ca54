using Traceability.Risk.Features.CertificateStatus;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Features.ShipmentEvidence;

/// <summary>
/// A shipment as Risk knows it from Provenance's and Audits' events: the facilities it named (origin and tiers) and the
/// certificates it claimed. Who may read it is decided by the flags about it (one statement per <see cref="Visibility"/>).
/// </summary>
internal static class ShipmentEvidenceSql
{
    public const string SeenByGrievances = ShipmentEvidenceParts.Seen + FlagVisibility.Grievances + ShipmentEvidenceParts.SeenEnd;
    public const string SeenByAccreditation = ShipmentEvidenceParts.Seen + FlagVisibility.Accreditation + ShipmentEvidenceParts.SeenEnd;
    public const string SeenByGrievancesOrAccreditation = ShipmentEvidenceParts.Seen + FlagVisibility.GrievancesOrAccreditation + ShipmentEvidenceParts.SeenEnd;

    // An admin reads any shipment Risk has heard of, flagged or not.
    public const string Known = """
        SELECT CASE WHEN EXISTS (SELECT 1 FROM risk.shipment_evaluation WHERE shipment_id = @Id)
                      OR EXISTS (SELECT 1 FROM risk.shipment_facility WHERE shipment_id = @Id) THEN 1 ELSE 0 END
        """;

    public const string Facilities = """
        SELECT sf.role AS Role, sf.hs_code AS HsCode, sf.commodity AS Commodity, sf.ship_date AS ShipDate, sf.facility_id AS FacilityId,
               fa.name AS Name, fa.country AS Country, fa.gln AS Gln, fa.osh_id AS OshId
        FROM risk.shipment_facility sf LEFT JOIN risk.facility fa ON fa.id = sf.facility_id
        WHERE sf.shipment_id = @Id
        ORDER BY sf.role, sf.facility_id
        """;

    public const string Certificates = $"""
        SELECT c.scheme_key AS Scheme, c.number AS Number, {ClaimFragments.StatusOnShipDate} AS StatusOnShipDate
        FROM risk.certificate_claim c
        WHERE c.shipment_id = @Id
        ORDER BY c.scheme_key, c.number
        """;
}

/// <summary>Pieces of the statements above (outside the *Sql classes, which the T-SQL test parses whole).</summary>
internal static class ShipmentEvidenceParts
{
    // Some flag about the shipment that the viewer may see (ix_flag_subject).
    public const string Seen = """
        SELECT CASE WHEN EXISTS (SELECT 1 FROM risk.flag f WHERE f.subject_type = 'shipment' AND f.subject_id = @SubjectId AND 
        """;

    public const string SeenEnd = ") THEN 1 ELSE 0 END";

    public static string SeenBy(Visibility visibility) => visibility switch
    {
        Visibility.All => ShipmentEvidenceSql.Known,
        Visibility.Grievances => ShipmentEvidenceSql.SeenByGrievances,
        Visibility.Accreditation => ShipmentEvidenceSql.SeenByAccreditation,
        Visibility.GrievancesOrAccreditation => ShipmentEvidenceSql.SeenByGrievancesOrAccreditation,
        _ => throw new ArgumentOutOfRangeException(nameof(visibility)),
    };
}
