using Traceability.Contracts.Provenance;

namespace Traceability.Risk.Rules;

/// <summary>What a rule found: enough for a flag to explain itself.</summary>
public sealed record RuleFinding(string RuleId, int RuleVersion, string Severity, string Explanation, IReadOnlyList<string> EvidenceIds);

/// <summary>
/// Rule <c>dol-goods-list</c>: a shipment whose commodity and origin country appear together on the
/// US DOL List of Goods is at risk of child or forced labour. Forced labour (alone or with children)
/// is high severity; child labour alone, or labour exploitation in an input, is medium.
/// </summary>
public sealed class ShipmentOriginRule(DolGoodsList list)
{
    /// <summary>The rule's id.</summary>
    public const string Id = "dol-goods-list";

    /// <summary>Raised when the rule's logic or data changes meaning.</summary>
    public const int Version = 1;

    /// <summary>The finding for a shipment, or null when its origin × commodity is not listed.</summary>
    public RuleFinding? Evaluate(ShipmentRecorded shipment)
    {
        if (list.Find(shipment.Commodity, shipment.OriginCountry) is not { } listing)
        {
            return null;
        }
        var kinds = new List<string>();
        if (listing.ForcedChildLabor)
        {
            kinds.Add("forced child labour");
        }
        if (listing.ForcedLabor)
        {
            kinds.Add("forced labour");
        }
        if (listing.ChildLabor)
        {
            kinds.Add("child labour");
        }
        if (listing.DerivedLaborExploitation)
        {
            kinds.Add($"labour exploitation in inputs from {listing.DerivedCountry ?? listing.Country}");
        }
        var severity = listing.ForcedLabor || listing.ForcedChildLabor ? "high" : "medium";
        var explanation =
            $"{listing.Good} from {listing.Country} ({listing.CountryCode}) is on the US DOL {DolGoodsList.Edition} List of Goods " +
            $"Produced by Child Labor or Forced Labor for {string.Join(", ", kinds)}; shipment commodity '{shipment.Commodity}', origin {shipment.OriginCountry}.";
        return new RuleFinding(Id, Version, severity, explanation, [$"shipment:{shipment.ShipmentId}", listing.EvidenceId]);
    }
}
