using Traceability.Risk.Flags;

namespace Traceability.Risk.Rules;

/// <summary>What Risk knows of a facility from Provenance (its latest revision).</summary>
public sealed record FacilityFacts
{
    /// <summary>The facility's id in Provenance (null for a facility only an audit has named).</summary>
    public Guid? ProvenanceId { get; init; }

    /// <summary>GLN, when known.</summary>
    public string? Gln { get; init; }

    /// <summary>Open Supply Hub id, when known.</summary>
    public string? OshId { get; init; }

    /// <summary>The facility's name.</summary>
    public required string Name { get; init; }

    /// <summary>ISO 3166-1 alpha-2 country.</summary>
    public required string Country { get; init; }

    /// <summary>Region or province, as written.</summary>
    public string? Region { get; init; }

    /// <summary>WGS 84 latitude.</summary>
    public decimal? Latitude { get; init; }

    /// <summary>WGS 84 longitude.</summary>
    public decimal? Longitude { get; init; }

    /// <summary>The key its facility flags are filed under.</summary>
    public string Key => FacilityKey.Of(Gln, OshId, ProvenanceId);
}
