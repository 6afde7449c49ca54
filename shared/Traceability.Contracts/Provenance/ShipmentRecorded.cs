namespace Traceability.Contracts.Provenance;

/// <summary>An exporter recorded a shipment. Published by Provenance through its outbox.</summary>
public sealed record ShipmentRecorded : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The shipment's id in Provenance.</summary>
    public required Guid ShipmentId { get; init; }

    /// <summary>Harmonized System code of the product, 6 to 10 digits.</summary>
    public required string HsCode { get; init; }

    /// <summary>Commodity name as the exporter gave it (e.g. "Cotton").</summary>
    public required string Commodity { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country of origin.</summary>
    public required string OriginCountry { get; init; }

    /// <summary>Quantity shipped, in <see cref="Unit"/>.</summary>
    public required decimal Quantity { get; init; }

    /// <summary>Unit of the quantity (kg, t, pcs, ...).</summary>
    public required string Unit { get; init; }

    /// <summary>The day the goods left the origin.</summary>
    public required DateOnly ShipDate { get; init; }

    /// <summary>The registered product shipped, when given.</summary>
    public Guid? ProductId { get; init; }

    /// <summary>The facility the goods left from, when given.</summary>
    public Guid? OriginFacilityId { get; init; }

    /// <summary>Upstream tiers, nearest the raw material first as the exporter listed them.</summary>
    public IReadOnlyList<SupplyTier> Tiers { get; init; } = [];

    /// <summary>Certificates claimed for the goods.</summary>
    public IReadOnlyList<CertificateClaim> Certificates { get; init; } = [];

    /// <summary>The buyer, when given.</summary>
    public string? Buyer { get; init; }

    /// <summary>ISO 3166-1 alpha-2 destination country, when given.</summary>
    public string? DestinationCountry { get; init; }

    /// <summary>
    /// The EPCIS identifiers of the goods shipped (instance EPCs, lot classes, an SSCC), when the exporter named them: Risk
    /// follows them back through the exporter's EPCIS events. Added 2026-11-26 (additive): earlier messages leave it empty.
    /// </summary>
    public IReadOnlyList<string> Epcs { get; init; } = [];
}
