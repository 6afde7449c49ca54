namespace Traceability.Contracts.Provenance;

/// <summary>
/// An exporter captured a GS1 EPCIS 2.0 event. Shipping, receiving and transforming events are
/// provenance links (<see cref="LinkKind"/>); the others are published too, for completeness.
/// </summary>
public sealed record EpcisEventCaptured : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The EPCIS eventID (given, or the canonical hash id Provenance computed).</summary>
    public required string EpcisEventId { get; init; }

    /// <summary>ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent or AssociationEvent.</summary>
    public required string EventType { get; init; }

    /// <summary>When the event happened, in UTC.</summary>
    public required DateTime EventTime { get; init; }

    /// <summary>"shipping", "receiving", "transforming", or null when the event links nothing.</summary>
    public string? LinkKind { get; init; }

    /// <summary>The CBV business step (bare word when it is a CBV one).</summary>
    public string? BizStep { get; init; }

    /// <summary>ADD, OBSERVE or DELETE.</summary>
    public string? Action { get; init; }

    /// <summary>Where the event happened (read point id).</summary>
    public string? ReadPoint { get; init; }

    /// <summary>Where the goods are afterwards (business location id, e.g. an SGLN).</summary>
    public string? BizLocation { get; init; }

    /// <summary>Identifiers the event is about (EPCs, classes, parent), at most 1,000.</summary>
    public IReadOnlyList<string> Epcs { get; init; } = [];

    /// <summary>Source ids (owning party, location) from sourceList.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>Destination ids from destinationList.</summary>
    public IReadOnlyList<string> Destinations { get; init; } = [];
}
