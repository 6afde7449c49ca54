using Traceability.Data;

namespace Traceability.Provenance.Features.RecordShipment;

internal static class RecordShipmentSql
{
    public const string InsertShipment = """
        INSERT INTO provenance.shipment (id, exporter_id, hs_code, commodity, origin_country, quantity, unit, ship_date, recorded_at,
                                         product_id, origin_facility_id, buyer, destination_country)
        VALUES (@Id, @ExporterId, @HsCode, @Commodity, @OriginCountry, @Quantity, @Unit, @ShipDate, @RecordedAt,
                @ProductId, @OriginFacilityId, @Buyer, @DestinationCountry)
        """;

    public const string InsertTier = """
        INSERT INTO provenance.shipment_tier (shipment_id, position, facility_id, country, role, period_from, period_to)
        VALUES (@ShipmentId, @Position, @FacilityId, @Country, @Role, @From, @To)
        """;

    public const string InsertCertificate = """
        INSERT INTO provenance.shipment_certificate (shipment_id, position, scheme, number) VALUES (@ShipmentId, @Position, @Scheme, @Number)
        """;

    public const string InsertDocument = """
        INSERT INTO provenance.shipment_document (shipment_id, position, name, sha256) VALUES (@ShipmentId, @Position, @Name, @Sha256)
        """;

    public const string InsertEpc = """
        INSERT INTO provenance.shipment_epc (shipment_id, position, epc) VALUES (@ShipmentId, @Position, @Epc)
        """;

    public const string ProductOfExporter = """
        SELECT hs_code AS HsCode, commodity AS Commodity FROM provenance.product WHERE id = @Id AND exporter_id = @ExporterId
        """;

    public static string FacilityCountries(SqlDialect dialect) => $"""
        SELECT id AS Id, country AS Country FROM provenance.facility WHERE exporter_id = @ExporterId AND {dialect.IsAnyOf("id", "Ids")}
        """;
}
