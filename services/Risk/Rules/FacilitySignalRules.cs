using System.Globalization;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Rules;

/// <summary>One observation at a facility: an audit finding's or a grievance's ILO forced-labour indicator.</summary>
public sealed record IndicatorSignal(string Indicator, string Source, string EvidenceId, DateTime ObservedAt);

/// <summary>
/// Rule <c>ilo-indicators</c>: the ILO forced-labour indicators seen at a facility over <c>WindowDays</c>, from audit findings
/// and grievances, combined. An indicator seen by one kind of source scores <c>SingleSourceWeight</c> (however often);
/// seen by both (an auditor and a worker, independently) it scores <c>IndependentSourcesWeight</c>. The flag is raised
/// at <c>Threshold</c> (medium) and is high from <c>HighAt</c>. So one indicator from two independent sources counts more
/// than two indicators from one.
/// </summary>
public sealed class IloIndicatorRule(RuleCatalog catalog)
{
    /// <summary>The rule's id.</summary>
    public const string Id = "ilo-indicators";

    private readonly RuleSettings _settings = catalog[Id];

    /// <summary>The window the signals are taken from, ending at the latest one.</summary>
    public TimeSpan Window => TimeSpan.FromDays(_settings.Integer("WindowDays"));

    /// <summary>The score and its parts: each indicator with the sources that saw it.</summary>
    public (int Score, IReadOnlyList<(string Indicator, IReadOnlyList<string> Sources, int Points)> Parts) Score(IEnumerable<IndicatorSignal> signals)
    {
        int single = _settings.Integer("SingleSourceWeight"), independent = _settings.Integer("IndependentSourcesWeight");
        var parts = signals.GroupBy(s => s.Indicator)
            .Select(g =>
            {
                IReadOnlyList<string> sources = g.Select(s => s.Source).Distinct().Order().ToList();
                return (Indicator: g.Key, Sources: sources, Points: sources.Count > 1 ? independent : single);
            })
            .OrderByDescending(p => p.Points).ThenBy(p => p.Indicator, StringComparer.Ordinal)
            .ToList();
        return (parts.Sum(p => p.Points), parts);
    }

    /// <summary>The signal for a facility, or null, from its signals inside the window that ends at the newest of them.</summary>
    public FlagSignal? Evaluate(FacilityFacts facility, string tenantId, IReadOnlyList<IndicatorSignal> signals)
    {
        if (!_settings.Enabled || signals.Count == 0)
        {
            return null;
        }
        // The window ends at the newest signal, not at the clock: the same signals give the same flag whenever they are evaluated.
        var end = signals.Max(s => s.ObservedAt);
        var inWindow = signals.Where(s => s.ObservedAt > end - Window).ToList();
        var (score, parts) = Score(inWindow);
        if (score < _settings.Integer("Threshold"))
        {
            return null;
        }
        return new FlagSignal
        {
            RuleId = Id,
            RuleVersion = _settings.Version,
            Severity = score >= _settings.Integer("HighAt") ? Severity.High : Severity.Medium,
            Subject = FlagSubject.Facility(facility.Key),
            TenantId = tenantId,
            Scope = new FlagScope(facility.Country),
            Explanation = string.Create(CultureInfo.InvariantCulture,
                $"ILO forced-labour indicators at '{facility.Name}' within {Window.TotalDays:0} days: ") +
                string.Join(", ", parts.Select(p => $"{p.Indicator} ({string.Join(" and ", p.Sources)}: {p.Points})")) +
                $"; score {score}, threshold {_settings.Integer("Threshold")}.",
            Evidence = inWindow.Select(s => new FlagEvidence(s.EvidenceId, s.Source, s.Indicator)).ToList(),
        };
    }
}

/// <summary>
/// Rule <c>reprisal-warning</c>: grievances from a facility stop after a case there was acknowledged, measured against the
/// facility's own baseline: over the <c>BaselineDays</c> before the acknowledgement it had at least <c>MinBaseline</c>
/// grievances, so at its own rate at least <c>MinExpected</c> would have come since; none did. Silence where workers used to
/// speak is an early warning of retaliation. Evaluated when grievances and acknowledgements arrive and by a periodic sweep.
/// </summary>
public sealed class ReprisalRule(RuleCatalog catalog)
{
    /// <summary>The rule's id.</summary>
    public const string Id = "reprisal-warning";

    private readonly RuleSettings _settings = catalog[Id];

    /// <summary>How often the sweep runs.</summary>
    public TimeSpan SweepInterval => _settings.Duration("SweepInterval");

    /// <summary>The signal for a facility, or null.</summary>
    public FlagSignal? Evaluate(FacilityFacts facility, string tenantId, Guid acknowledgedCase, DateTime acknowledgedAt, IReadOnlyList<DateTime> filed, DateTime now)
    {
        if (!_settings.Enabled || now <= acknowledgedAt)
        {
            return null;
        }
        var baselineDays = _settings.Integer("BaselineDays");
        var baseline = filed.Count(f => f < acknowledgedAt && f >= acknowledgedAt.AddDays(-baselineDays));
        var since = filed.Count(f => f > acknowledgedAt);
        var rate = baseline / (double)baselineDays;
        var expected = rate * (now - acknowledgedAt).TotalDays;
        if (baseline < _settings.Integer("MinBaseline") || since > 0 || expected < (double)_settings.Number("MinExpected"))
        {
            return null;
        }
        return new FlagSignal
        {
            RuleId = Id,
            RuleVersion = _settings.Version,
            Severity = _settings.Text("Severity"),
            Subject = FlagSubject.Facility(facility.Key),
            TenantId = tenantId,
            Scope = new FlagScope(facility.Country),
            Explanation = string.Create(CultureInfo.InvariantCulture,
                $"Grievances from '{facility.Name}' stopped after a case there was acknowledged on {acknowledgedAt:yyyy-MM-dd}: {baseline} in the {baselineDays} days before, " +
                $"none in the {(now - acknowledgedAt).TotalDays:0} days since, where its own rate would give {expected:0.0}."),
            Evidence = [new FlagEvidence($"grievance:{acknowledgedCase}", EvidenceSource.Grievance, "acknowledged")],
        };
    }
}
