using System.Text.Json.Serialization;
using Traceability.Hosting;

namespace Traceability.Provenance.Features.RegisterFacility;

/// <summary>A facility as an exporter registers or updates it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record FacilityRequest(
    string? Gln,
    string? OshId,
    string? Name,
    string? Country,
    string? Region,
    decimal? Latitude,
    decimal? Longitude,
    string? Type)
{
    /// <summary>The kinds of facility a supply chain passes through.</summary>
    public static readonly IReadOnlyList<string> Types =
    [
        "farm", "plantation", "fishery", "mine", "cooperative", "collection-point", "mill", "ginnery", "processing",
        "spinning", "weaving", "dyeing", "factory", "smelter", "refinery", "warehouse", "port", "trader", "other",
    ];

    /// <summary>Checks every field; a facility needs a GLN or an Open Supply Hub id (or both).</summary>
    public bool TryValidate(out ValidFacility facility, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        FacilityIds.Require(errors, Gln, OshId, "");
        var name = errors.RequireText("name", Name, 200, required: true, "The name");
        errors.Require(CountryCodes.IsAssigned(Country), "country", "The country is an ISO 3166-1 alpha-2 code in upper case, e.g. GH.");
        var region = errors.RequireText("region", Region, 100, required: false, "The region");
        errors.Require(Latitude is null || (Latitude is >= -90 and <= 90 && decimal.Round(Latitude.Value, 6) == Latitude), "latitude",
            "The latitude is from -90 to 90 with at most 6 decimals.");
        errors.Require(Longitude is null || (Longitude is >= -180 and <= 180 && decimal.Round(Longitude.Value, 6) == Longitude), "longitude",
            "The longitude is from -180 to 180 with at most 6 decimals.");
        errors.Require(Latitude.HasValue == Longitude.HasValue, Latitude.HasValue ? "longitude" : "latitude", "Give both latitude and longitude, or neither.");
        errors.Require(Type is not null && Types.Contains(Type), "type", $"The type is one of: {string.Join(", ", Types)}.");
        facility = errors.IsEmpty ? new ValidFacility(Gln, OshId, name!, Country!, region, Latitude, Longitude, Type!) : null!;
        return errors.IsEmpty;
    }
}

/// <summary>A facility whose fields passed validation.</summary>
public sealed record ValidFacility(string? Gln, string? OshId, string Name, string Country, string? Region, decimal? Latitude, decimal? Longitude, string Type);

/// <summary>A facility as the API answers it (and as its chain link hashes it).</summary>
public sealed record FacilityResponse(
    Guid Id,
    int Revision,
    string? Gln,
    string? OshId,
    string Name,
    string Country,
    string? Region,
    decimal? Latitude,
    decimal? Longitude,
    string Type,
    DateTime RegisteredAt,
    DateTime UpdatedAt);
