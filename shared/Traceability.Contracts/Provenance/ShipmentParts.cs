namespace Traceability.Contracts.Provenance;

/// <summary>One upstream tier of a shipment's supply chain: a facility, its role and when.</summary>
public sealed record SupplyTier
{
    /// <summary>The facility's id in Provenance.</summary>
    public required Guid FacilityId { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country of the facility.</summary>
    public required string Country { get; init; }

    /// <summary>grower, processor, manufacturer, trader, ...</summary>
    public required string Role { get; init; }

    /// <summary>First day the facility worked on these goods, when known.</summary>
    public DateOnly? From { get; init; }

    /// <summary>Last day, when known.</summary>
    public DateOnly? To { get; init; }
}

/// <summary>A certificate the exporter claims for a shipment.</summary>
public sealed record CertificateClaim
{
    /// <summary>The scheme (Fairtrade, Rainforest Alliance, RSPO, ...).</summary>
    public required string Scheme { get; init; }

    /// <summary>The certificate's number in that scheme.</summary>
    public required string Number { get; init; }
}
