using Traceability.Contracts.Provenance;

namespace Traceability.Risk.Rules;

/// <summary>What the facility rules need of a shipment (from the event, or from what Risk kept of it).</summary>
public sealed record ShipmentFacts(Guid ShipmentId, string TenantId, string Commodity, string HsCode, DateOnly ShipDate)
{
    /// <summary>From the event.</summary>
    public static ShipmentFacts Of(ShipmentRecorded shipment) =>
        new(shipment.ShipmentId, shipment.TenantId, shipment.Commodity, shipment.HsCode, shipment.ShipDate);
}
