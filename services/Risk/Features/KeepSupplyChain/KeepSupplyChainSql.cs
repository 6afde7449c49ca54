using Traceability.Data;
using Traceability.Risk.Features.EvaluateFacility;

namespace Traceability.Risk.Features.KeepSupplyChain;

internal static class KeepSupplyChainSql
{
    public static string InsertFacility(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.facility",
        ["id", "tenant_id", "revision", "name", "country", "gln", "osh_id", "facility_type", "updated_at", "region", "latitude", "longitude"],
        ["id"]);

    // Revisions may arrive out of order: an older one never overwrites a newer one.
    public const string UpdateFacility = """
        UPDATE risk.facility
        SET revision = @Revision, name = @Name, country = @Country, gln = @Gln, osh_id = @OshId, facility_type = @FacilityType, updated_at = @UpdatedAt,
            region = @Region, latitude = @Latitude, longitude = @Longitude
        WHERE id = @Id AND revision < @Revision
        """;

    public static string InsertProduct(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.product", ["id", "tenant_id", "gtin", "hs_code", "commodity"], ["id"]);

    public static string InsertProvenanceLink(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.provenance_link",
        ["tenant_id", "epcis_event_id", "link_kind", "event_type", "event_time", "biz_location", "epc_count"],
        ["tenant_id", "epcis_event_id"]);

    // The EPCs an exporter has held: named by one of its events other than as a transformation's input, from when.
    public static string InsertHeldEpc(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.held_epc", ["tenant_id", "epc", "held_from", "epcis_event_id"], ["tenant_id", "epc"]);

    // Events may arrive out of order: the earliest time an EPC was held is kept.
    public const string HeldEarlier = """
        UPDATE risk.held_epc SET held_from = @HeldFrom, epcis_event_id = @EpcisEventId
        WHERE tenant_id = @TenantId AND epc = @Epc AND held_from > @HeldFrom
        """;

    public static string HeldBefore(SqlDialect dialect) => $"""
        SELECT epc FROM risk.held_epc WHERE tenant_id = @TenantId AND {dialect.IsAnyOf("epc", "Epcs")} AND held_from < @Before
        """;

    public const string SiteByGln = $"""
        SELECT {FacilityColumns.Facts} FROM risk.facility WHERE gln = @Gln ORDER BY id
        """;
}
