using Traceability.Contracts.Provenance;

namespace Traceability.Risk.Rules;

/// <summary>What a rule found: enough for a flag to explain itself.</summary>
public sealed record RuleFinding(string RuleId, int RuleVersion, string Severity, string Explanation, IReadOnlyList<string> EvidenceIds);

/// <summary>
/// Rule <c>dol-goods-list</c> v2: a shipment whose commodity appears on the US DOL List of Goods
/// together with its origin country, or the country of any upstream tier, is at risk of child or
/// forced labour. Forced labour (alone or with children)
/// is high severity; child labour alone, or labour exploitation in an input, is medium.
/// </summary>
public sealed class ShipmentOriginRule(DolGoodsList list)
{
    /// <summary>The rule's id.</summary>
    public const string Id = "dol-goods-list";

    /// <summary>Raised when the rule's logic or data changes meaning.</summary>
    public const int Version = 2;

    /// <summary>
    /// The finding for a shipment, or null when neither its origin nor any upstream tier's country is
    /// listed for its commodity. One finding per shipment: every listed place is named in it.
    /// </summary>
    public RuleFinding? Evaluate(ShipmentRecorded shipment)
    {
        var places = new[] { (Country: shipment.OriginCountry, Where: "origin") }
            .Concat(shipment.Tiers.Select(t => (t.Country, Where: $"{t.Role} tier")))
            .Select(p => (p.Where, Listing: list.Find(shipment.Commodity, p.Country)))
            .Where(p => p.Listing is not null)
            .GroupBy(p => p.Listing!.CountryCode)
            .Select(g => (Where: string.Join(" and ", g.Select(p => p.Where).Distinct()), Listing: g.First().Listing!))
            .ToList();
        if (places.Count == 0)
        {
            return null;
        }
        var severity = places.Any(p => p.Listing.ForcedLabor || p.Listing.ForcedChildLabor) ? "high" : "medium";
        var explanation = string.Join(" ", places.Select(p =>
            $"{p.Listing.Good} from {p.Listing.Country} ({p.Listing.CountryCode}, {p.Where}) is on the US DOL {DolGoodsList.Edition} List of Goods " +
            $"Produced by Child Labor or Forced Labor for {string.Join(", ", Kinds(p.Listing))}."))
            + $" Shipment commodity '{shipment.Commodity}', origin {shipment.OriginCountry}.";
        return new RuleFinding(Id, Version, severity, explanation,
            [$"shipment:{shipment.ShipmentId}", .. places.Select(p => p.Listing.EvidenceId)]);
    }

    private static IEnumerable<string> Kinds(DolListing listing)
    {
        if (listing.ForcedChildLabor)
        {
            yield return "forced child labour";
        }
        if (listing.ForcedLabor)
        {
            yield return "forced labour";
        }
        if (listing.ChildLabor)
        {
            yield return "child labour";
        }
        if (listing.DerivedLaborExploitation)
        {
            yield return $"labour exploitation in inputs from {listing.DerivedCountry ?? listing.Country}";
        }
    }
}
