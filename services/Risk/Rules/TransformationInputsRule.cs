using System.Globalization;
using Traceability.Contracts.Provenance;
using Traceability.Hosting;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Rules;

/// <summary>
/// Rule <c>transformation-inputs</c> (a provenance gap in EPCIS): a TransformationEvent whose inputs the exporter never
/// had before it, i.e. no earlier event of the same exporter (receiving, an ObjectEvent observing them, an earlier
/// transformation's output) named them. Goods transformed from inputs nobody received came from somewhere the records
/// do not show. The subject is the facility where it happened (its GLN from the event's SGLN business location; the
/// location as written when it is not an SGLN).
/// </summary>
public sealed class TransformationInputsRule(RuleCatalog catalog)
{
    /// <summary>The rule's id.</summary>
    public const string Id = "transformation-inputs";

    private readonly RuleSettings _settings = catalog[Id];

    /// <summary>Whether the rule is switched on (no reads are needed when it is not).</summary>
    public bool Enabled => _settings.Enabled;

    /// <summary>
    /// The signal, or null. <paramref name="neverHeld"/>: the inputs no earlier event of the exporter named;
    /// <paramref name="site"/>: what Risk knows of the facility at the business location, if anything.
    /// </summary>
    public FlagSignal? Evaluate(string tenantId, CapturedEpcisEvent transformation, IReadOnlyList<string> neverHeld, FacilityFacts? site) =>
        transformation.EventType != "TransformationEvent" ? null
        : Evaluate(new MissingInputs(tenantId, transformation.EpcisEventId, transformation.EventTime, transformation.BizLocation ?? transformation.ReadPoint,
            transformation.InputEpcs.Count, neverHeld), site);

    /// <summary>
    /// The whole judgement of a facility again, after an event holding some of its transformations' missing inputs arrived late:
    /// every transformation there that still misses inputs (<paramref name="transformations"/>), each its own evidence. Null
    /// when none does any more (the flag is then withdrawn).
    /// </summary>
    public FlagSignal? Judge(string subjectId, IReadOnlyList<MissingInputs> transformations, FacilityFacts? site)
    {
        var signals = transformations.Select(t => Evaluate(t, site)).OfType<FlagSignal>().ToList();
        if (signals.Count == 0)
        {
            return null;
        }
        return signals[0] with
        {
            Subject = FlagSubject.Facility(subjectId),
            Explanation = signals[0].Explanation + (signals.Count > 1 ? $" {signals.Count - 1} other transformation(s) there miss inputs too (see the evidence)." : ""),
            Evidence = signals.SelectMany(s => s.Evidence).DistinctBy(e => e.Id).ToList(),
        };
    }

    private FlagSignal? Evaluate(MissingInputs transformation, FacilityFacts? site)
    {
        var neverHeld = transformation.Epcs;
        if (!_settings.Enabled || neverHeld.Count == 0)
        {
            return null;
        }
        var location = transformation.BizLocation;
        var key = site?.Key ?? (location is null ? null : GlnOfSgln(location) ?? (location.Length <= 100 ? location : location[..100]));
        if (key is null)
        {
            return null;
        }
        var named = string.Join(", ", neverHeld.Take(3)) + (neverHeld.Count > 3 ? $" and {neverHeld.Count - 3} more" : "");
        var where = site is not null ? $"'{site.Name}'" : location;
        return new FlagSignal
        {
            RuleId = Id,
            RuleVersion = _settings.Version,
            Severity = _settings.Text("Severity"),
            Subject = FlagSubject.Facility(key),
            TenantId = transformation.TenantId,
            Scope = new FlagScope(site?.Country ?? "ZZ"),
            Explanation = string.Create(CultureInfo.InvariantCulture,
                $"Transformation at {where} on {transformation.EventTime:yyyy-MM-dd} used {neverHeld.Count} of its {transformation.InputCount} input(s) that the exporter never received or observed before: {named}."),
            Evidence =
            [
                // The flag book cuts a long note; every missing input is named up to that.
                new FlagEvidence($"epcis:{transformation.EpcisEventId}", EvidenceSource.Provenance, $"inputs never held before: {string.Join(" ", neverHeld)}"),
            ],
        };
    }

    /// <summary>The GLN an SGLN names (<c>urn:epc:id:sgln:0614141.00777.0</c> → 0614141007770 with its check digit), or null.</summary>
    public static string? GlnOfSgln(string location)
    {
        const string prefix = "urn:epc:id:sgln:";
        if (!location.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var parts = location[prefix.Length..].Split('.');
        var digits = parts.Length == 3 ? parts[0] + parts[1] : "";
        if (digits.Length != 12 || !digits.All(char.IsAsciiDigit))
        {
            return null;
        }
        return digits + CheckDigit.Compute(digits);
    }
}

/// <summary>A transformation's inputs its exporter had not held before it (kept until an event holding them before it arrives).</summary>
public sealed record MissingInputs(string TenantId, string EpcisEventId, DateTime EventTime, string? BizLocation, int InputCount, IReadOnlyList<string> Epcs);
