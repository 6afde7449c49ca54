using System.Text.Json.Serialization;
using Traceability.Hosting;

namespace Traceability.Provenance.Features.RecordShipment;

/// <summary>What an exporter posts. Every field is nullable so that a missing one is a field error, not a crash.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RecordShipmentRequest(
    string? HsCode,
    string? Commodity,
    string? OriginCountry,
    decimal? Quantity,
    string? Unit,
    DateOnly? ShipDate)
{
    /// <summary>Units of measure a shipment quantity may be given in.</summary>
    public static readonly IReadOnlySet<string> Units = new HashSet<string>(StringComparer.Ordinal)
    {
        "kg", "t", "g", "lb", "pcs", "pairs", "dozen", "l", "m3", "m", "m2", "bales", "bags",
    };

    /// <summary>Checks every field and returns the shipment, or the field errors.</summary>
    public bool TryValidate(DateOnly today, out ValidShipment shipment, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        var hsCode = HsCode?.Replace(".", "", StringComparison.Ordinal).Trim();
        errors.Require(hsCode is { Length: >= 6 and <= 10 } && hsCode.All(char.IsAsciiDigit), "hsCode",
            "An HS code has 6 to 10 digits (dots allowed), e.g. 5201.00.");
        var commodity = Commodity?.Trim();
        errors.Require(!string.IsNullOrEmpty(commodity) && commodity.Length <= 200 && !commodity.Any(char.IsControl), "commodity",
            "The commodity is required, at most 200 characters, without control characters.");
        var origin = OriginCountry?.Trim();
        errors.Require(CountryCodes.IsAssigned(origin), "originCountry",
            "The origin country is an ISO 3166-1 alpha-2 code in upper case, e.g. UZ.");
        errors.Require(Quantity is > 0 and < 1_000_000_000_000m && decimal.Round(Quantity.Value, 4) == Quantity.Value, "quantity",
            "The quantity is a positive number below 10^12 with at most 4 decimals.");
        errors.Require(Unit is not null && Units.Contains(Unit), "unit",
            $"The unit is one of: {string.Join(", ", Units.Order(StringComparer.Ordinal))}.");
        errors.Require(ShipDate is { } date && date >= new DateOnly(1990, 1, 1) && date <= today.AddDays(366), "shipDate",
            "The ship date is an ISO 8601 date (yyyy-MM-dd) from 1990 to one year ahead.");
        shipment = errors.IsEmpty
            ? new ValidShipment(hsCode!, commodity!, origin!, Quantity!.Value, Unit!, ShipDate!.Value)
            : null!;
        return errors.IsEmpty;
    }
}

/// <summary>A shipment whose fields passed validation.</summary>
public sealed record ValidShipment(string HsCode, string Commodity, string OriginCountry, decimal Quantity, string Unit, DateOnly ShipDate);

/// <summary>A shipment as the API answers it.</summary>
public sealed record ShipmentResponse(
    Guid Id,
    string HsCode,
    string Commodity,
    string OriginCountry,
    decimal Quantity,
    string Unit,
    DateOnly ShipDate,
    DateTime RecordedAt);
