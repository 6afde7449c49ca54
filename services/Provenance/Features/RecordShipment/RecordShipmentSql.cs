namespace Traceability.Provenance.Features.RecordShipment;

internal static class RecordShipmentSql
{
    public const string InsertShipment = """
        INSERT INTO provenance.shipment (id, exporter_id, hs_code, commodity, origin_country, quantity, unit, ship_date, recorded_at)
        VALUES (@Id, @ExporterId, @HsCode, @Commodity, @OriginCountry, @Quantity, @Unit, @ShipDate, @RecordedAt)
        """;
}
