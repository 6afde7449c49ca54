using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Provenance.Exporters;

namespace Traceability.Provenance.Features.RecordShipment;

/// <summary>Stores a shipment and its <see cref="ShipmentRecorded"/> event in one transaction.</summary>
internal sealed class RecordShipmentHandler(Database database, TimeProvider time)
{
    public async Task<ShipmentResponse> RecordAsync(Exporter exporter, ValidShipment shipment, CancellationToken cancellationToken)
    {
        // Ids and times are fixed before the transaction, so a retried transaction writes the same facts.
        var id = Guid.CreateVersion7();
        var recordedAt = time.GetUtcNow().UtcDateTime;
        var recorded = new ShipmentRecorded
        {
            EventId = Guid.CreateVersion7(),
            TenantId = exporter.Id,
            OccurredAt = recordedAt,
            ShipmentId = id,
            HsCode = shipment.HsCode,
            Commodity = shipment.Commodity,
            OriginCountry = shipment.OriginCountry,
            Quantity = shipment.Quantity,
            Unit = shipment.Unit,
            ShipDate = shipment.ShipDate,
        };
        await database.InTransactionAsync(async data =>
        {
            await data.ExecuteAsync(RecordShipmentSql.InsertShipment, new
            {
                Id = id,
                ExporterId = exporter.Id,
                shipment.HsCode,
                shipment.Commodity,
                shipment.OriginCountry,
                shipment.Quantity,
                shipment.Unit,
                shipment.ShipDate,
                RecordedAt = recordedAt,
            });
            await data.PublishAsync(recorded);
        }, cancellationToken);
        return new ShipmentResponse(id, shipment.HsCode, shipment.Commodity, shipment.OriginCountry, shipment.Quantity, shipment.Unit, shipment.ShipDate, recordedAt);
    }
}
