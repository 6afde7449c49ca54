using MassTransit;
using Traceability.Contracts.Risk;
using Traceability.Data.Messaging;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Features.HoldShipments;

/// <summary>
/// Holds the next batch of shipments naming a facility that turned critical (<see cref="FlagBook.HoldShipmentsAsync"/>),
/// in a transaction of its own with the inbox row: each batch exactly once, and a full batch sends the message for the next.
/// A facility whose critical flag was resolved meanwhile holds nothing more.
/// </summary>
public sealed class HoldShipmentsConsumer(Inbox inbox, FlagBook flags) : IConsumer<HoldShipmentsNamingFacility>
{
    /// <inheritdoc />
    public Task Consume(ConsumeContext<HoldShipmentsNamingFacility> context) =>
        inbox.ConsumeOnceAsync(context, "risk.hold-shipments", data =>
            flags.HoldShipmentsAsync(data, context.Message.FacilityKey, context.Message.TenantId, context.Message.AfterShipmentId));
}
