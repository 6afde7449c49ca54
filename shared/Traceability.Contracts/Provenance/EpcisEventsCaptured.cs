namespace Traceability.Contracts.Provenance;

/// <summary>
/// An exporter captured GS1 EPCIS 2.0 events in one document: the same facts as
/// <see cref="EpcisEventCaptured"/>, one message for up to a hundred events instead of one each.
/// Provenance publishes this one; consumers keep handling <see cref="EpcisEventCaptured"/> too.
/// </summary>
public sealed record EpcisEventsCaptured : IMessage
{
    /// <summary>At most this many events in one message; a larger document is published as several.</summary>
    public const int MaxEvents = 100;

    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The capture job the events came in.</summary>
    public required Guid CaptureId { get; init; }

    /// <summary>The events, in document order.</summary>
    public required IReadOnlyList<CapturedEpcisEvent> Events { get; init; }
}

/// <summary>One captured EPCIS event, as <see cref="EpcisEventCaptured"/> describes it.</summary>
public sealed record CapturedEpcisEvent
{
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

    /// <summary>How many identifiers the event named, also when <see cref="Epcs"/> was cut at 1,000.</summary>
    public int EpcCount { get; init; }

    /// <summary>Source ids (owning party, location) from sourceList.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>Destination ids from destinationList.</summary>
    public IReadOnlyList<string> Destinations { get; init; } = [];

    /// <summary>
    /// A TransformationEvent's inputs (inputEPCList, and the classes of inputQuantityList), at most 1,000; they are in
    /// <see cref="Epcs"/> too. Empty for other events. Added 2026-11-26 (additive): earlier messages leave it empty.
    /// </summary>
    public IReadOnlyList<string> InputEpcs { get; init; } = [];

    /// <summary>
    /// The event's parentID (an AggregationEvent's or TransactionEvent's container, e.g. a pallet's SSCC), also in
    /// <see cref="Epcs"/>; the other identifiers of such an event are its contents. Added 2026-11-26 (additive): earlier
    /// messages leave it null, and their containers are not told from their contents.
    /// </summary>
    public string? ParentId { get; init; }
}
