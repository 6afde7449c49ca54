using System.Text.Json.Serialization;
using Traceability.Hosting;
using Traceability.Provenance.Gs1;

namespace Traceability.Provenance.Features.RecordShipment;

/// <summary>One upstream tier as the exporter posts it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record TierRequest(Guid? FacilityId, string? Role, DateOnly? From, DateOnly? To);

/// <summary>A claimed certificate as the exporter posts it.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CertificateRequest(string? Scheme, string? Number);

/// <summary>A document's fingerprint: the file stays with the exporter, its SHA-256 comes here.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DocumentRequest(string? Name, string? Sha256);

/// <summary>What an exporter posts. Every field is nullable so that a missing one is a field error, not a crash.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RecordShipmentRequest(
    string? HsCode,
    string? Commodity,
    string? OriginCountry,
    decimal? Quantity,
    string? Unit,
    DateOnly? ShipDate,
    Guid? ProductId = null,
    Guid? OriginFacilityId = null,
    IReadOnlyList<TierRequest?>? Tiers = null,
    IReadOnlyList<CertificateRequest?>? Certificates = null,
    string? Buyer = null,
    string? DestinationCountry = null,
    IReadOnlyList<DocumentRequest?>? Documents = null,
    IReadOnlyList<string?>? Epcs = null)
{
    /// <summary>At most this many EPCs (instances, lots, containers) in one shipment.</summary>
    public const int MaxEpcs = 100;
    /// <summary>Units of measure a shipment quantity may be given in.</summary>
    public static readonly IReadOnlySet<string> Units = QuantityUnits.All;

    /// <summary>What a facility did for these goods.</summary>
    public static readonly IReadOnlyList<string> Roles =
    [
        "grower", "harvester", "miner", "fisher", "collector", "cooperative", "processor", "spinner", "weaver", "dyer",
        "manufacturer", "assembler", "smelter", "refiner", "trader", "warehouse", "transporter", "exporter",
    ];

    private const string PeriodRule = "A tier's period is given in dates from 1990 to one year ahead (yyyy-MM-dd).";

    private static bool InShipDateRange(DateOnly date, DateOnly today) => date >= new DateOnly(1990, 1, 1) && date <= today.AddDays(366);

    /// <summary>
    /// Checks every field that needs no lookup. HS code and commodity may come from the product,
    /// the origin country from the origin facility: those are completed when the references resolve.
    /// </summary>
    public bool TryValidate(DateOnly today, out ValidShipment shipment, out ValidationErrors errors)
    {
        errors = new ValidationErrors();
        var hsCode = HsCodes.Normalise(HsCode);
        if (hsCode is not null || ProductId is null)
        {
            errors.Require(HsCodes.IsValid(hsCode), "hsCode", HsCodes.Rule);
        }
        var commodity = Commodity is not null || ProductId is null
            ? errors.RequireText("commodity", Commodity, 200, required: true, "The commodity")
            : null;
        var origin = OriginCountry?.Trim();
        if (origin is not null || OriginFacilityId is null)
        {
            errors.Require(CountryCodes.IsAssigned(origin), "originCountry", "The origin country is an ISO 3166-1 alpha-2 code in upper case, e.g. UZ.");
        }
        errors.Require(Quantity is > 0 and < 1_000_000_000_000m && decimal.Round(Quantity.Value, 4) == Quantity.Value, "quantity",
            "The quantity is a positive number below 10^12 with at most 4 decimals.");
        errors.Require(Unit is not null && Units.Contains(Unit), "unit",
            $"The unit is one of: {string.Join(", ", Units.Order(StringComparer.Ordinal))}.");
        errors.Require(ShipDate is { } date && InShipDateRange(date, today), "shipDate",
            "The ship date is an ISO 8601 date (yyyy-MM-dd) from 1990 to one year ahead.");
        errors.Require(DestinationCountry is null || CountryCodes.IsAssigned(DestinationCountry), "destinationCountry",
            "The destination country is an ISO 3166-1 alpha-2 code in upper case.");
        var buyer = errors.RequireText("buyer", Buyer, 200, required: false, "The buyer");

        var tiers = Tiers ?? [];
        errors.Require(tiers.Count <= 50, "tiers", "At most 50 tiers.");
        for (var i = 0; i < tiers.Count && i < 50; i++)
        {
            var tier = tiers[i];
            errors.Require(tier?.FacilityId is not null, $"tiers[{i}].facilityId", "Each tier names one of your facilities by id.");
            errors.Require(tier?.Role is not null && Roles.Contains(tier.Role), $"tiers[{i}].role", $"The role is one of: {string.Join(", ", Roles)}.");
            errors.Require(tier is null || tier.From is null || tier.To is null || tier.From <= tier.To, $"tiers[{i}].to", "A tier's period ends on or after it starts.");
            // A period is when the facility worked on these goods: within the years a ship date may have,
            // not a placeholder such as 0001-01-01..9999-12-31 that says nothing.
            errors.Require(tier?.From is not { } from || InShipDateRange(from, today), $"tiers[{i}].from", PeriodRule);
            errors.Require(tier?.To is not { } to || InShipDateRange(to, today), $"tiers[{i}].to", PeriodRule);
        }
        var certificates = Certificates ?? [];
        errors.Require(certificates.Count <= 20, "certificates", "At most 20 certificates.");
        for (var i = 0; i < certificates.Count && i < 20; i++)
        {
            var certificate = certificates[i];
            errors.RequireText($"certificates[{i}].scheme", certificate?.Scheme, 50, required: true, "The scheme (e.g. Fairtrade, RSPO)");
            errors.RequireText($"certificates[{i}].number", certificate?.Number, 100, required: true, "The certificate number");
        }
        var documents = Documents ?? [];
        errors.Require(documents.Count <= 50, "documents", "At most 50 documents.");
        for (var i = 0; i < documents.Count && i < 50; i++)
        {
            var document = documents[i];
            errors.RequireText($"documents[{i}].name", document?.Name, 200, required: true, "The document's name");
            errors.Require(document?.Sha256 is { Length: 64 } hash && hash.All(char.IsAsciiHexDigit), $"documents[{i}].sha256",
                "The SHA-256 of the file is 64 hexadecimal characters.");
        }
        var epcs = Epcs ?? [];
        errors.Require(epcs.Count <= MaxEpcs, "epcs", $"At most {MaxEpcs} EPCs.");
        for (var i = 0; i < epcs.Count && i < MaxEpcs; i++)
        {
            errors.Require(IsEpc(epcs[i]), $"epcs[{i}]",
                "Each EPC is a GS1 EPC URI of the goods (urn:epc:id:sgtin:…, urn:epc:id:sscc:…, a lot urn:epc:class:lgtin:…) or a GS1 Digital Link (https://…), at most 400 characters, as your EPCIS events name them.");
            errors.Require(epcs.Take(i).All(e => e != epcs[i]), $"epcs[{i}]", "Each EPC is named once.");
        }
        shipment = errors.IsEmpty
            ? new ValidShipment(hsCode, commodity, origin, Quantity!.Value, Unit!, ShipDate!.Value, ProductId, OriginFacilityId,
                tiers.Select(t => new ValidTier(t!.FacilityId!.Value, t.Role!, t.From, t.To)).ToList(),
                certificates.Select(c => new ShipmentCertificate(c!.Scheme!.Trim(), c.Number!.Trim())).ToList(),
                buyer, DestinationCountry,
                documents.Select(d => new ShipmentDocument(d!.Name!.Trim(), d.Sha256!.ToLowerInvariant())).ToList(),
                epcs.Count == 0 ? null : epcs.Select(e => e!).ToList())
            : null!;
        return errors.IsEmpty;
    }

    // As Provenance's EPCIS capture keeps identifiers (at most 400 characters): a URN of the EPC or class schemes, or a Digital Link.
    private static bool IsEpc(string? epc) =>
        epc is { Length: > 0 and <= 400 } && !epc.Any(char.IsWhiteSpace)
        && (epc.StartsWith("urn:epc:id:", StringComparison.Ordinal) || epc.StartsWith("urn:epc:class:", StringComparison.Ordinal)
            || Uri.TryCreate(epc, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" && uri.AbsolutePath.Length > 1);
}

/// <summary>A tier whose fields passed validation; its facility still has to be found.</summary>
public sealed record ValidTier(Guid FacilityId, string Role, DateOnly? From, DateOnly? To);

/// <summary>A shipment whose fields passed validation; references still have to resolve.</summary>
public sealed record ValidShipment(
    string? HsCode, string? Commodity, string? OriginCountry, decimal Quantity, string Unit, DateOnly ShipDate,
    Guid? ProductId = null, Guid? OriginFacilityId = null, IReadOnlyList<ValidTier>? Tiers = null,
    IReadOnlyList<ShipmentCertificate>? Certificates = null, string? Buyer = null, string? DestinationCountry = null,
    IReadOnlyList<ShipmentDocument>? Documents = null, IReadOnlyList<string>? Epcs = null);

/// <summary>A tier as the API answers it.</summary>
public sealed record ShipmentTier(Guid FacilityId, string Country, string Role, DateOnly? From, DateOnly? To);

/// <summary>A claimed certificate as the API answers it.</summary>
public sealed record ShipmentCertificate(string Scheme, string Number);

/// <summary>A document fingerprint as the API answers it.</summary>
public sealed record ShipmentDocument(string Name, string Sha256);

/// <summary>A shipment as the API answers it (and as its chain link hashes it).</summary>
public sealed record ShipmentResponse(
    Guid Id,
    string HsCode,
    string Commodity,
    string OriginCountry,
    decimal Quantity,
    string Unit,
    DateOnly ShipDate,
    DateTime RecordedAt,
    Guid? ProductId,
    Guid? OriginFacilityId,
    IReadOnlyList<ShipmentTier> Tiers,
    IReadOnlyList<ShipmentCertificate> Certificates,
    string? Buyer,
    string? DestinationCountry,
    IReadOnlyList<ShipmentDocument> Documents,
    // Left out when none were named, so that a shipment recorded before EPCs could be named hashes as it did (hash chain).
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Epcs = null);
