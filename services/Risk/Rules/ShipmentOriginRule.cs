using Traceability.Contracts.Provenance;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Rules;

/// <summary>
/// Rule <c>dol-goods-list</c>: a shipment whose commodity appears on the US DOL List of Goods
/// together with its origin country, or the country of any upstream tier, is at risk of child or
/// forced labour. Forced labour (alone or with children)
/// is <c>ForcedLabourSeverity</c> (high); child labour alone, or labour exploitation in an input, is
/// <c>ChildLabourSeverity</c> (medium). Scope: the origin country and the goods' HS chapter.
/// </summary>
public sealed class ShipmentOriginRule(DolGoodsList list, RuleCatalog catalog)
{
    /// <summary>The rule's id.</summary>
    public const string Id = "dol-goods-list";

    private readonly RuleSettings _settings = catalog[Id];

    /// <summary>
    /// The finding for a shipment, or null when neither its origin nor any upstream tier's country is
    /// listed for its commodity. One finding per shipment: every listed place is named in it.
    /// </summary>
    public FlagSignal? Evaluate(ShipmentRecorded shipment)
    {
        if (!_settings.Enabled)
        {
            return null;
        }
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
        var severity = places.Any(p => p.Listing.ForcedLabor || p.Listing.ForcedChildLabor)
            ? _settings.Text("ForcedLabourSeverity")
            : _settings.Text("ChildLabourSeverity");
        var explanation = string.Join(" ", places.Select(p =>
            $"{p.Listing.Good} from {p.Listing.Country} ({p.Listing.CountryCode}, {p.Where}) is on the US DOL {DolGoodsList.Edition} List of Goods " +
            $"Produced by Child Labor or Forced Labor for {string.Join(", ", Kinds(p.Listing))}."))
            + $" Shipment commodity '{shipment.Commodity}', origin {shipment.OriginCountry}.";
        return new FlagSignal
        {
            RuleId = Id,
            RuleVersion = _settings.Version,
            Severity = severity,
            Subject = FlagSubject.Shipment(shipment.ShipmentId),
            TenantId = shipment.TenantId,
            Scope = new FlagScope(shipment.OriginCountry, FlagScope.ChapterOf(shipment.HsCode)),
            Explanation = explanation,
            Evidence =
            [
                new FlagEvidence($"shipment:{shipment.ShipmentId}", EvidenceSource.Provenance),
                .. places.Select(p => new FlagEvidence(p.Listing.EvidenceId, EvidenceSource.Reference)),
            ],
        };
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
