namespace Traceability.Contracts.Provenance;

/// <summary>An exporter registered a facility, or changed one (<see cref="Revision"/> above 1).</summary>
public sealed record FacilityRegistered : IMessage
{
    /// <inheritdoc />
    public required Guid EventId { get; init; }

    /// <inheritdoc />
    public required string TenantId { get; init; }

    /// <inheritdoc />
    public required DateTime OccurredAt { get; init; }

    /// <summary>The facility's id in Provenance.</summary>
    public required Guid FacilityId { get; init; }

    /// <summary>1 when registered, then one more for each update.</summary>
    public required int Revision { get; init; }

    /// <summary>Global Location Number (13 digits), when known.</summary>
    public string? Gln { get; init; }

    /// <summary>Open Supply Hub id, when known.</summary>
    public string? OshId { get; init; }

    /// <summary>The facility's name.</summary>
    public required string Name { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country.</summary>
    public required string Country { get; init; }

    /// <summary>Region or province, free text.</summary>
    public string? Region { get; init; }

    /// <summary>WGS 84 latitude.</summary>
    public decimal? Latitude { get; init; }

    /// <summary>WGS 84 longitude.</summary>
    public decimal? Longitude { get; init; }

    /// <summary>farm, mill, factory, warehouse, port, ...</summary>
    public required string FacilityType { get; init; }
}
