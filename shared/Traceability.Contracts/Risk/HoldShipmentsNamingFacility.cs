namespace Traceability.Contracts.Risk;

/// <summary>
/// Risk to itself: hold the next batch of shipments naming a facility that has an open critical flag, those after
/// <see cref="AfterShipmentId"/>. A site with very many shipments is held a batch per transaction, each batch sending
/// this for the next, instead of in one long transaction. Sent and consumed by Risk only, through its outbox and inbox.
/// </summary>
public sealed record HoldShipmentsNamingFacility : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The facility's key as its flags name it (GLN, else Open Supply Hub id, else Provenance id).</summary>
    public required string FacilityKey { get; init; }

    /// <summary>The last shipment the previous batch held: this batch starts after it.</summary>
    public required Guid AfterShipmentId { get; init; }
}
