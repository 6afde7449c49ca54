using System.Globalization;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules.Uflpa;

namespace Traceability.Risk.Rules;

/// <summary>A facility the rules find (<see cref="UflpaRule.Assess"/>) on the backward path of a root's goods.</summary>
public sealed record ChainFinding(ChainVisit Visit, FacilityFacts Facility, string? InRegion, EntityMatch? Listed)
{
    /// <summary>The path as a sentence, from the place to the goods the root names.</summary>
    public string PathText
    {
        get
        {
            var how = InRegion is not null ? $"Xinjiang, {InRegion}" : string.Create(CultureInfo.InvariantCulture,
                $"UFLPA Entity List: '{Listed!.MatchedName}', score {Listed.Score:0.000}");
            var first = string.Create(CultureInfo.InvariantCulture,
                $"{Visit.Epc} was {Verb(Visit.Event, Visit.Place)} '{Facility.Name}' ({how}) on {Visit.Event.EventTime:yyyy-MM-dd} ({Visit.Event.EventType} {Visit.Event.EpcisEventId})");
            var steps = Visit.Path.Select(s => "then " + s.Text).ToList();
            // A long path keeps its ends in the sentence; every step is in the evidence.
            if (steps.Count > 4)
            {
                steps = [steps[0], steps[1], $"({steps.Count - 3} more step(s) in the evidence)", steps[^1]];
            }
            return string.Join(", ", [first, .. steps]);
        }
    }

    private static string Verb(ChainEvent e, ChainPlace place) => place.Role switch
    {
        ChainPlace.Source => "sent from",
        ChainPlace.Destination => "sent to",
        _ when e.EventType == "TransformationEvent" => "transformed at",
        _ => e.BizStep switch
        {
            "commissioning" => "made at",
            "shipping" or "departing" => "shipped from",
            "receiving" or "arriving" => "received at",
            "packing" => "packed at",
            "storing" => "stored at",
            _ => "recorded at",
        },
    };
}

public sealed partial class UflpaRule
{
    private readonly ChainLimits _limits = ChainLimits.Of(catalog[RegionId]);

    /// <summary>How far a trace may go (<c>uflpa-region</c>'s <c>ChainMaxDepth</c>, <c>ChainMaxEpcs</c>, <c>ChainMaxEvents</c>).</summary>
    public ChainLimits ChainLimits => _limits;

    /// <summary>Whether either rule is on (no trace is needed when both are off).</summary>
    public bool Enabled => _region.Enabled || _entity.Enabled;

    /// <summary>
    /// The facilities a trace visited that the rules find, as of the day the goods were there: <paramref name="facilities"/> are
    /// what Risk knows by GLN (every exporter's registration of the site).
    /// </summary>
    public IReadOnlyList<ChainFinding> Judge(ChainTrace trace, ILookup<string, FacilityFacts> facilities) =>
        trace.Visits.SelectMany(v => facilities[v.Place.Gln].Select(f => (v, f, Found: Assess(f, DateOnly.FromDateTime(v.Event.EventTime)))))
            .Where(x => x.Found.InRegion is not null || x.Found.Listed is not null)
            .Select(x => new ChainFinding(x.v, x.f, x.Found.InRegion, x.Found.Listed))
            .ToList();

    /// <summary>
    /// Flags for the site an EPCIS shipping event shipped from (<paramref name="siteKey"/>: its facility key, or the location
    /// as written), whose goods the trace found at a facility in the region or on the list. The site's flag is
    /// <c>ChainSiteSeverity</c> (high): the presumption is about the goods, which a shipment naming them flags critical.
    /// </summary>
    public IEnumerable<FlagSignal> ForShippingEvent(string tenantId, ChainEvent shipping, string siteKey, FacilityFacts? site, IReadOnlyList<ChainFinding> findings)
    {
        var where = site is not null ? $"'{site.Name}'" : siteKey;
        var self = new FlagEvidence($"epcis:{shipping.EpcisEventId}", EvidenceSource.Provenance,
            string.Create(CultureInfo.InvariantCulture, $"shipped from {where} on {shipping.EventTime:yyyy-MM-dd}"));
        var subject = FlagSubject.Facility(siteKey);
        var shipped = string.Create(CultureInfo.InvariantCulture, $"Goods shipped from {where} on {shipping.EventTime:yyyy-MM-dd} (EPCIS event {shipping.EpcisEventId})");
        return ChainSignals(findings, self, subject, tenantId, site?.Country, null, shipped, _region.Text("ChainSiteSeverity"), _entity.Text("ChainSiteSeverity"));
    }

    private IEnumerable<FlagSignal> ChainSignals(IReadOnlyList<ChainFinding> findings, FlagEvidence self, FlagSubject subject, string tenantId, string? country,
        string? chapter, string goods, string regionSeverity, string entitySeverity)
    {
        var inRegion = findings.Where(f => f.InRegion is not null && _region.Enabled).ToList();
        if (inRegion.Count > 0)
        {
            yield return Signal(RegionId, _region, subject, tenantId, country ?? inRegion[0].Facility.Country, chapter,
                $"{goods} are traced through the exporter's EPCIS events to the Xinjiang Uyghur Autonomous Region: {inRegion[0].PathText}{Others(inRegion)}. " +
                "Goods made there are presumed made with forced labour under the UFLPA.",
                [self, .. ChainEvidence(inRegion), new FlagEvidence("uflpa-region:xuar", EvidenceSource.Reference)]) with { Severity = regionSeverity };
        }
        var listed = findings.Where(f => f.Listed is not null && _entity.Enabled).ToList();
        if (listed.Count > 0)
        {
            yield return Signal(EntityId, _entity, subject, tenantId, country ?? listed[0].Facility.Country, chapter,
                $"{goods} are traced through the exporter's EPCIS events to '{listed[0].Facility.Name}', which {Matched(listed[0].Listed!)}: {listed[0].PathText}{Others(listed)}.",
                [self, .. ChainEvidence(listed), .. listed.Select(f => Evidence(f.Listed!))]) with { Severity = entitySeverity };
        }
    }

    private static string Others(IReadOnlyList<ChainFinding> findings) =>
        findings.Count > 1 ? $" (and {findings.Count - 1} other path(s), in the evidence)" : "";

    // The facility with the whole path, and every EPCIS event on the path with what happened there.
    private static IEnumerable<FlagEvidence> ChainEvidence(IReadOnlyList<ChainFinding> findings) => findings.SelectMany(f =>
        (IEnumerable<FlagEvidence>)
        [
            new FlagEvidence($"facility:{f.Facility.Key}", EvidenceSource.Provenance, f.PathText),
            new FlagEvidence($"epcis:{f.Visit.Event.EpcisEventId}", EvidenceSource.Provenance,
                string.Create(CultureInfo.InvariantCulture, $"{f.Visit.Epc} at '{f.Facility.Name}' ({f.Visit.Place.Role} {f.Visit.Place.Place})")),
            .. f.Visit.Path.Select(s => new FlagEvidence($"epcis:{s.Event.EpcisEventId}", EvidenceSource.Provenance, $"{s.Epc} {s.Text}")),
        ]);
}
