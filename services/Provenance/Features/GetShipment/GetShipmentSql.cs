using Traceability.Data;

namespace Traceability.Provenance.Features.GetShipment;

/// <summary>Shipments by id, with their tiers, certificates and documents: one query per table for any number of shipments.</summary>
internal static class GetShipmentSql
{
    // The exporter is part of the key: another exporter's shipment is as absent as a missing one.
    public static string ShipmentsOfExporter(SqlDialect dialect) => $"""
        SELECT id AS Id, hs_code AS HsCode, commodity AS Commodity, origin_country AS OriginCountry,
               quantity AS Quantity, unit AS Unit, ship_date AS ShipDate, recorded_at AS RecordedAt,
               product_id AS ProductId, origin_facility_id AS OriginFacilityId, buyer AS Buyer, destination_country AS DestinationCountry
        FROM provenance.shipment
        WHERE exporter_id = @ExporterId AND {dialect.IsAnyOf("id", "Ids")}
        """;

    public static string Tiers(SqlDialect dialect) => $"""
        SELECT shipment_id AS ShipmentId, facility_id AS FacilityId, country AS Country, role AS Role, period_from AS PeriodFrom, period_to AS PeriodTo
        FROM provenance.shipment_tier WHERE {dialect.IsAnyOf("shipment_id", "Ids")} ORDER BY shipment_id, position
        """;

    public static string Certificates(SqlDialect dialect) => $"""
        SELECT shipment_id AS ShipmentId, scheme AS Scheme, number AS Number
        FROM provenance.shipment_certificate WHERE {dialect.IsAnyOf("shipment_id", "Ids")} ORDER BY shipment_id, position
        """;

    public static string Documents(SqlDialect dialect) => $"""
        SELECT shipment_id AS ShipmentId, name AS Name, sha256 AS Sha256
        FROM provenance.shipment_document WHERE {dialect.IsAnyOf("shipment_id", "Ids")} ORDER BY shipment_id, position
        """;

    public static string Epcs(SqlDialect dialect) => $"""
        SELECT shipment_id AS ShipmentId, epc AS Epc
        FROM provenance.shipment_epc WHERE {dialect.IsAnyOf("shipment_id", "Ids")} ORDER BY shipment_id, position
        """;
}
