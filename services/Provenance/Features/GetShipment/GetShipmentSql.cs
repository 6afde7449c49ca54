namespace Traceability.Provenance.Features.GetShipment;

internal static class GetShipmentSql
{
    // The exporter is part of the key: another exporter's shipment is as absent as a missing one.
    public const string ShipmentOfExporter = """
        SELECT id AS Id, hs_code AS HsCode, commodity AS Commodity, origin_country AS OriginCountry,
               quantity AS Quantity, unit AS Unit, ship_date AS ShipDate, recorded_at AS RecordedAt
        FROM provenance.shipment
        WHERE id = @Id AND exporter_id = @ExporterId
        """;
}
