namespace Traceability.Contracts.Provenance;

/// <summary>
/// Several <see cref="ShipmentRecorded"/> events of one exporter in one broker message: Provenance's outbox relay
/// sends the shipments it relays together this way (up to a relay batch), so that the broker and Risk pay for one
/// message instead of one per shipment. Each shipment keeps its own <see cref="ShipmentRecorded.EventId"/>, and
/// consumers deduplicate by it, as they would the single message's id; consumers keep handling <see cref="ShipmentRecorded"/> too.
/// </summary>
public sealed record ShipmentsRecorded : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The shipments, in the order they were committed.</summary>
    public required IReadOnlyList<ShipmentRecorded> Shipments { get; init; }
}
