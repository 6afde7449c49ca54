using System.Globalization;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules.Uflpa;

namespace Traceability.Risk.Rules;

/// <summary>
/// Rules <c>uflpa-region</c> and <c>uflpa-entity</c> (US Uyghur Forced Labor Prevention Act): a facility in the Xinjiang
/// Uyghur Autonomous Region (region as written, or a geo point inside the region's outline), or one whose name matches the
/// UFLPA Entity List as it stood on the day, is flagged itself, and so is every shipment that names it as origin or tier.
/// Goods from either are presumed to be made with forced labour under the Act. Goods are followed back through the exporter's
/// EPCIS events too (<see cref="EpcisChain"/>): a shipment naming them, or an EPCIS shipping event's site, is flagged when the
/// trace finds such a facility anywhere upstream.
/// </summary>
public sealed partial class UflpaRule(RuleCatalog catalog, UflpaEntityList entities)
{
    /// <summary>The region rule's id.</summary>
    public const string RegionId = "uflpa-region";

    /// <summary>The entity list rule's id.</summary>
    public const string EntityId = "uflpa-entity";

    private readonly RuleSettings _region = catalog[RegionId];
    private readonly RuleSettings _entity = catalog[EntityId];
    private readonly Xinjiang _xinjiang = new(catalog[RegionId].Text("Outline"));

    /// <summary>What the rules find about one facility: in the region (and how it was told), on the list (and how well it matched).</summary>
    public (string? InRegion, EntityMatch? Listed) Assess(FacilityFacts facility, DateOnly asOf)
    {
        string? inRegion = null;
        if (_region.Enabled)
        {
            if (Xinjiang.IsRegion(facility.Country, facility.Region))
            {
                inRegion = $"region '{facility.Region}'";
            }
            else if (_xinjiang.Contains(facility.Latitude, facility.Longitude))
            {
                inRegion = string.Create(CultureInfo.InvariantCulture, $"geo point {facility.Latitude}, {facility.Longitude} inside the region's outline");
            }
        }
        var listed = _entity.Enabled ? entities.Match(facility.Name, asOf, (double)_entity.Number("Threshold")) : null;
        return (inRegion, listed);
    }

    /// <summary>
    /// Whether the facility's name matches an entity the list has on any day (removed ones too): a shipment naming it may be
    /// flagged for the days it was listed, whatever the facility's own standing today.
    /// </summary>
    public bool EverListed(FacilityFacts facility) =>
        _entity.Enabled && entities.Match(facility.Name, asOf: null, (double)_entity.Number("Threshold")) is not null;

    /// <summary>How many shipments (or facilities) one transaction judges when a new list is laid over what Risk already has.</summary>
    public int BatchSize => Math.Max(1, _entity.Integer("BatchSize"));

    /// <summary>Flags for the facility itself.</summary>
    public IEnumerable<FlagSignal> ForFacility(FacilityFacts facility, string tenantId, DateOnly asOf)
    {
        var (inRegion, listed) = Assess(facility, asOf);
        var subject = FlagSubject.Facility(facility.Key);
        var self = new FlagEvidence($"facility:{facility.Key}", EvidenceSource.Provenance, facility.Name);
        if (inRegion is not null)
        {
            yield return Signal(RegionId, _region, subject, tenantId, facility.Country, null,
                $"Facility '{facility.Name}' is in the Xinjiang Uyghur Autonomous Region ({inRegion}): goods made there are presumed made with forced labour under the UFLPA.",
                [self, new FlagEvidence("uflpa-region:xuar", EvidenceSource.Reference, inRegion)]);
        }
        if (listed is not null)
        {
            yield return Signal(EntityId, _entity, subject, tenantId, facility.Country, null, Explain(facility, listed),
                [self, Evidence(listed)]);
        }
    }

    /// <summary>
    /// Flags for a shipment naming facilities (origin and tiers) the rules find, or whose goods (<see cref="ShipmentFacts"/>'
    /// EPCs) the trace found at one (<paramref name="chain"/>): one signal per rule holding both.
    /// </summary>
    public IEnumerable<FlagSignal> ForShipment(ShipmentFacts shipment, IReadOnlyList<(FacilityFacts Facility, string Where)> facilities,
        IReadOnlyList<ChainFinding>? chain = null)
    {
        var named = Named(shipment, facilities).ToList();
        var traced = chain is { Count: > 0 }
            ? ChainSignals(chain, new FlagEvidence($"shipment:{shipment.ShipmentId}", EvidenceSource.Provenance), FlagSubject.Shipment(shipment.ShipmentId),
                shipment.TenantId, null, FlagScope.ChapterOf(shipment.HsCode), $"Shipment of '{shipment.Commodity}': the goods it names",
                _region.Text("Severity"), _entity.Text("Severity")).ToList()
            : [];
        foreach (var signal in named)
        {
            var more = traced.FirstOrDefault(t => t.RuleId == signal.RuleId);
            yield return more is null ? signal : signal with
            {
                Explanation = signal.Explanation + " " + more.Explanation, Evidence = [.. signal.Evidence, .. more.Evidence],
            };
        }
        foreach (var signal in traced.Where(t => named.All(n => n.RuleId != t.RuleId)))
        {
            yield return signal;
        }
    }

    private IEnumerable<FlagSignal> Named(ShipmentFacts shipment, IReadOnlyList<(FacilityFacts Facility, string Where)> facilities)
    {
        // Origin first, then the tiers by role: the same explanation and scope whether the shipment is judged from its event
        // or from what Risk kept of it (which no longer knows the order its tiers were declared in).
        var assessed = facilities.Select(f => (f.Facility, f.Where, Found: Assess(f.Facility, shipment.ShipDate)))
            .OrderBy(a => a.Where != "origin").ThenBy(a => a.Where, StringComparer.Ordinal).ThenBy(a => a.Facility.Key, StringComparer.Ordinal).ToList();
        var chapter = FlagScope.ChapterOf(shipment.HsCode);
        var self = new FlagEvidence($"shipment:{shipment.ShipmentId}", EvidenceSource.Provenance);
        var inRegion = assessed.Where(a => a.Found.InRegion is not null).ToList();
        if (inRegion.Count > 0)
        {
            yield return Signal(RegionId, _region, FlagSubject.Shipment(shipment.ShipmentId), shipment.TenantId, inRegion[0].Facility.Country, chapter,
                $"Shipment of '{shipment.Commodity}' names {string.Join(" and ", inRegion.Select(a => $"'{a.Facility.Name}' ({a.Where}, {a.Found.InRegion})"))} " +
                "in the Xinjiang Uyghur Autonomous Region: the goods are presumed made with forced labour under the UFLPA.",
                [self, .. inRegion.Select(a => new FlagEvidence($"facility:{a.Facility.Key}", EvidenceSource.Provenance, a.Where)),
                 new FlagEvidence("uflpa-region:xuar", EvidenceSource.Reference)]);
        }
        var listed = assessed.Where(a => a.Found.Listed is not null).ToList();
        if (listed.Count > 0)
        {
            yield return Signal(EntityId, _entity, FlagSubject.Shipment(shipment.ShipmentId), shipment.TenantId, listed[0].Facility.Country, chapter,
                $"Shipment of '{shipment.Commodity}' names " +
                string.Join(" and ", listed.Select(a => $"'{a.Facility.Name}' ({a.Where})")) + ", " +
                string.Join("; ", listed.Select(a => Matched(a.Found.Listed!))) + ".",
                [self, .. listed.Select(a => new FlagEvidence($"facility:{a.Facility.Key}", EvidenceSource.Provenance, a.Where)),
                 .. listed.Select(a => Evidence(a.Found.Listed!))]);
        }
    }

    private static string Explain(FacilityFacts facility, EntityMatch match) => $"Facility '{facility.Name}' {Matched(match)}.";

    private static string Matched(EntityMatch match) => string.Create(CultureInfo.InvariantCulture,
        $"matches '{match.MatchedName}' on the UFLPA Entity List (listed {match.Entity.Added:yyyy-MM-dd}; name score {match.Score:0.000})");

    private static FlagEvidence Evidence(EntityMatch match) => new(match.Entity.EvidenceId, EvidenceSource.Reference,
        string.Create(CultureInfo.InvariantCulture, $"matched '{match.MatchedName}', score {match.Score:0.000}, listed {match.Entity.Added:yyyy-MM-dd}"));

    private static FlagSignal Signal(string id, RuleSettings settings, FlagSubject subject, string tenantId, string country, string? chapter,
        string explanation, IReadOnlyList<FlagEvidence> evidence) => new()
    {
        RuleId = id,
        RuleVersion = settings.Version,
        Severity = settings.Text("Severity"),
        Subject = subject,
        TenantId = tenantId,
        Scope = new FlagScope(country, chapter),
        Explanation = explanation,
        Evidence = evidence,
    };
}
