namespace Traceability.Risk.Flags;

/// <summary>low, medium, high, critical: the order a flag's severity only ever climbs.</summary>
public static class Severity
{
    /// <summary>The lowest.</summary>
    public const string Low = "low";

    /// <summary>Second.</summary>
    public const string Medium = "medium";

    /// <summary>Third.</summary>
    public const string High = "high";

    /// <summary>The highest: a new shipment from a facility with an open critical flag is held.</summary>
    public const string Critical = "critical";

    /// <summary>Every severity, lowest first.</summary>
    public static readonly IReadOnlyList<string> All = [Low, Medium, High, Critical];

    /// <summary>1 (low) to 4 (critical); 0 for anything else.</summary>
    public static int Rank(string severity) => severity switch
    {
        Low => 1,
        Medium => 2,
        High => 3,
        Critical => 4,
        _ => 0,
    };

    /// <summary>The higher of two.</summary>
    public static string Max(string a, string b) => Rank(a) >= Rank(b) ? a : b;
}

/// <summary>What a flag is about: a shipment (by its Provenance id) or a facility (by its facility key).</summary>
public sealed record FlagSubject(string Type, string Id)
{
    /// <summary>The subject type of shipments.</summary>
    public const string ShipmentType = "shipment";

    /// <summary>The subject type of facilities.</summary>
    public const string FacilityType = "facility";

    /// <summary>A shipment.</summary>
    public static FlagSubject Shipment(Guid shipmentId) => new(ShipmentType, shipmentId.ToString());

    /// <summary>A facility, by the key every service can join on (see <see cref="FacilityKey"/>).</summary>
    public static FlagSubject Facility(string facilityKey) => new(FacilityType, facilityKey);
}

/// <summary>
/// The id a facility flag is filed under: its GLN when known, else its Open Supply Hub id, else (a facility
/// registered with neither) its Provenance id. The same mill registered by two exporters is one subject.
/// </summary>
public static class FacilityKey
{
    /// <summary>The key of a facility named by any of its ids.</summary>
    public static string Of(string? gln, string? oshId, Guid? provenanceId = null) =>
        !string.IsNullOrWhiteSpace(gln) ? gln.Trim()
        : !string.IsNullOrWhiteSpace(oshId) ? oshId.Trim().ToUpperInvariant()
        : provenanceId?.ToString() ?? throw new ArgumentException("A facility needs a GLN, an Open Supply Hub id or a Provenance id.");
}

/// <summary>
/// Who may see a flag: auditors accredited for its country (and its HS chapter and scheme, where the flag
/// has them). <see cref="Scheme"/> is set only for flags that come from an audit or a certificate.
/// </summary>
public sealed record FlagScope(string Country, string? HsChapter = null, string? Scheme = null)
{
    /// <summary>The HS chapter (first two digits) of an HS code, or null.</summary>
    public static string? ChapterOf(string? hsCode)
    {
        var digits = new string((hsCode ?? "").Where(char.IsAsciiDigit).ToArray());
        return digits.Length >= 2 ? digits[..2] : null;
    }
}

/// <summary>Where a piece of evidence comes from.</summary>
public static class EvidenceSource
{
    /// <summary>An exporter's record (shipment, facility, EPCIS event).</summary>
    public const string Provenance = "provenance";

    /// <summary>An audit, finding or certificate.</summary>
    public const string Audit = "audit";

    /// <summary>A worker's grievance: flags holding one are shown to caseworkers, and its content never to exporters.</summary>
    public const string Grievance = "grievance";

    /// <summary>A reference list entry (DOL list, UFLPA Entity List, region).</summary>
    public const string Reference = "reference";
}

/// <summary>One piece of evidence: a stable id (<c>shipment:…</c>, <c>finding:…</c>, <c>grievance:…</c>, <c>dol-2022:cocoa:CI</c>), its source and a note.</summary>
public sealed record FlagEvidence(string Id, string Source, string? Note = null);

/// <summary>
/// What a rule found, for <see cref="FlagBook.RaiseOrAppend"/>: the rule and its version, the severity, the
/// subject, the scope, one sentence of explanation and the evidence it used.
/// </summary>
public sealed record FlagSignal
{
    /// <summary>The rule's id (see <c>Rules/rules.json</c>).</summary>
    public required string RuleId { get; init; }

    /// <summary>The version of the rule that found it (from the catalog).</summary>
    public required int RuleVersion { get; init; }

    /// <summary>low, medium, high or critical.</summary>
    public required string Severity { get; init; }

    /// <summary>The shipment or facility.</summary>
    public required FlagSubject Subject { get; init; }

    /// <summary>The tenant of the event that led here (an exporter, or the publishing service's own tenant).</summary>
    public required string TenantId { get; init; }

    /// <summary>Country, HS chapter, scheme.</summary>
    public required FlagScope Scope { get; init; }

    /// <summary>One sentence an auditor reads: what was found and why it matters. No grievance content.</summary>
    public required string Explanation { get; init; }

    /// <summary>The evidence it used; at least one.</summary>
    public required IReadOnlyList<FlagEvidence> Evidence { get; init; }

    /// <summary>The evidence ids alone.</summary>
    public IEnumerable<string> EvidenceIds => Evidence.Select(e => e.Id);
}
