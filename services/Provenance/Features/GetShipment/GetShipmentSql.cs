namespace Traceability.Provenance.Features.GetShipment;

internal static class GetShipmentSql
{
    // The exporter is part of the key: another exporter's shipment is as absent as a missing one.
    public const string ShipmentOfExporter = """
        SELECT id AS Id, hs_code AS HsCode, commodity AS Commodity, origin_country AS OriginCountry,
               quantity AS Quantity, unit AS Unit, ship_date AS ShipDate, recorded_at AS RecordedAt,
               product_id AS ProductId, origin_facility_id AS OriginFacilityId, buyer AS Buyer, destination_country AS DestinationCountry
        FROM provenance.shipment
        WHERE id = @Id AND exporter_id = @ExporterId
        """;

    public const string Tiers = """
        SELECT facility_id AS FacilityId, country AS Country, role AS Role, period_from AS PeriodFrom, period_to AS PeriodTo
        FROM provenance.shipment_tier WHERE shipment_id = @Id ORDER BY position
        """;

    public const string Certificates = """
        SELECT scheme AS Scheme, number AS Number FROM provenance.shipment_certificate WHERE shipment_id = @Id ORDER BY position
        """;

    public const string Documents = """
        SELECT name AS Name, sha256 AS Sha256 FROM provenance.shipment_document WHERE shipment_id = @Id ORDER BY position
        """;
}
