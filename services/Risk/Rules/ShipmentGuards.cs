using System.Globalization;
using Traceability.Contracts.Provenance;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Rules;

/// <summary>
/// Rule <c>provenance-gap</c>: a shipment whose origin facility was never audited, or last audited more than
/// <c>MaxAuditAge</c> before the ship date, or with a tier that names no facility. (A transformation whose inputs
/// the exporter never received is <see cref="TransformationInputsRule"/>'s.)
/// </summary>
public sealed class ProvenanceGapRule(RuleCatalog catalog)
{
    /// <summary>The rule's id.</summary>
    public const string Id = "provenance-gap";

    private readonly RuleSettings _settings = catalog[Id];

    /// <summary>Whether the rule is switched on (a rule switched off judges nothing again, and so withdraws nothing).</summary>
    public bool Enabled => _settings.Enabled;

    /// <summary>The prefix of the evidence naming a shipment's tiers that name no facility (its note says which).</summary>
    public const string UnnamedTiersEvidence = "tiers:";

    /// <summary>The gap signal, or null. <paramref name="lastAudit"/>: the last day the origin facility was audited on site, if ever.</summary>
    public FlagSignal? Evaluate(ShipmentRecorded shipment, FacilityFacts? origin, DateOnly? lastAudit)
    {
        var unnamed = shipment.Tiers.Where(t => t.FacilityId == Guid.Empty).ToList();
        return Evaluate(ShipmentFacts.Of(shipment), shipment.OriginCountry, origin, lastAudit,
            unnamed.Count == 0 ? null : $"{unnamed.Count} tier(s) ({string.Join(", ", unnamed.Select(t => $"{t.Role} in {t.Country}"))}) name no facility");
    }

    /// <summary>
    /// The origin's part alone, for a shipment whose origin facility Risk heard of after the shipment (its tiers were
    /// judged when it arrived): the same evidence as if the facility had come first.
    /// </summary>
    public FlagSignal? EvaluateOrigin(ShipmentFacts shipment, FacilityFacts origin, DateOnly? lastAudit) =>
        Evaluate(shipment, origin.Country, origin, lastAudit, unnamedTiers: null);

    /// <summary>
    /// The whole judgement again, for a shipment flagged before an audit of its origin arrived: <paramref name="unnamedTiers"/> is
    /// what the flag's <c>tiers:</c> evidence said (null when its tiers all name a facility). Null when the audit cleared every gap.
    /// </summary>
    public FlagSignal? Rejudge(ShipmentFacts shipment, FacilityFacts origin, DateOnly? lastAudit, string? unnamedTiers) =>
        Evaluate(shipment, origin.Country, origin, lastAudit, unnamedTiers);

    private FlagSignal? Evaluate(ShipmentFacts shipment, string originCountry, FacilityFacts? origin, DateOnly? lastAudit, string? unnamedTiers)
    {
        if (!_settings.Enabled)
        {
            return null;
        }
        var gaps = new List<string>();
        var evidence = new List<FlagEvidence> { new($"shipment:{shipment.ShipmentId}", EvidenceSource.Provenance) };
        var maxAge = _settings.Integer("MaxAuditAgeDays");
        if (origin is not null)
        {
            evidence.Add(new FlagEvidence($"facility:{origin.Key}", EvidenceSource.Provenance, "origin"));
            if (lastAudit is null)
            {
                gaps.Add($"its origin facility '{origin.Name}' has never been audited");
            }
            else if (lastAudit.Value.AddDays(maxAge) < shipment.ShipDate)
            {
                gaps.Add(string.Create(CultureInfo.InvariantCulture,
                    $"its origin facility '{origin.Name}' was last audited on {lastAudit:yyyy-MM-dd}, more than {maxAge} days before the ship date {shipment.ShipDate:yyyy-MM-dd}"));
            }
        }
        if (unnamedTiers is not null)
        {
            gaps.Add(unnamedTiers);
            // A reason of its own in the evidence: an audit arriving later clears the origin's gap, never this one.
            evidence.Add(new FlagEvidence($"{UnnamedTiersEvidence}{shipment.ShipmentId}", EvidenceSource.Provenance, unnamedTiers));
        }
        if (gaps.Count == 0)
        {
            return null;
        }
        return new FlagSignal
        {
            RuleId = Id,
            RuleVersion = _settings.Version,
            Severity = _settings.Text("Severity"),
            Subject = FlagSubject.Shipment(shipment.ShipmentId),
            TenantId = shipment.TenantId,
            Scope = new FlagScope(origin?.Country ?? originCountry, FlagScope.ChapterOf(shipment.HsCode)),
            Explanation = $"Provenance gap: {string.Join("; ", gaps)}.",
            Evidence = evidence,
        };
    }
}

/// <summary>
/// Rule <c>hold</c>: a shipment that names (as origin or tier) a facility with an open critical flag is itself flagged,
/// naming those flags, so that it is looked at before it moves on: when it arrives, and when a facility it names gets
/// an open critical flag later (<see cref="FlagBook"/> holds the shipments Risk has that name it).
/// </summary>
public sealed class HoldRule(RuleCatalog catalog)
{
    /// <summary>The rule's id.</summary>
    public const string Id = "hold";

    private readonly RuleSettings _settings = catalog[Id];

    /// <summary>Whether the rule is switched on.</summary>
    public bool Enabled => _settings.Enabled;

    /// <summary>How many shipments one transaction holds when a facility turns critical (the rest follow, a batch per transaction).</summary>
    public int BatchSize => Math.Max(1, _settings.Integer("BatchSize"));

    /// <summary>The hold signal, or null. <paramref name="criticalFlags"/>: the open critical flags of the shipment's facilities.</summary>
    public FlagSignal? Evaluate(ShipmentRecorded shipment, IReadOnlyList<(FacilityFacts Facility, Guid FlagId, string RuleId)> criticalFlags) =>
        Evaluate(ShipmentFacts.Of(shipment), criticalFlags);

    /// <summary>
    /// The same for a shipment Risk already has, when a facility it names gets an open critical flag after it arrived: the
    /// hold a shipment gets does not depend on which of the two Risk heard of first.
    /// </summary>
    public FlagSignal? Evaluate(ShipmentFacts shipment, IReadOnlyList<(FacilityFacts Facility, Guid FlagId, string RuleId)> criticalFlags)
    {
        if (!_settings.Enabled || criticalFlags.Count == 0)
        {
            return null;
        }
        var facilities = criticalFlags.GroupBy(f => f.Facility.Key).ToList();
        return new FlagSignal
        {
            RuleId = Id,
            RuleVersion = _settings.Version,
            Severity = _settings.Text("Severity"),
            Subject = FlagSubject.Shipment(shipment.ShipmentId),
            TenantId = shipment.TenantId,
            Scope = new FlagScope(facilities[0].First().Facility.Country, FlagScope.ChapterOf(shipment.HsCode)),
            Explanation = $"Hold: the shipment names {string.Join(" and ", facilities.Select(g => $"'{g.First().Facility.Name}' (open critical flag: {string.Join(", ", g.Select(f => f.RuleId).Distinct())})"))}.",
            Evidence =
            [
                new FlagEvidence($"shipment:{shipment.ShipmentId}", EvidenceSource.Provenance),
                .. criticalFlags.Select(f => new FlagEvidence($"flag:{f.FlagId}", EvidenceSource.Reference, f.RuleId)),
            ],
        };
    }
}
