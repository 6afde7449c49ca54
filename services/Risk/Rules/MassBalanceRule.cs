using System.Globalization;
using Traceability.Contracts.Audits;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Rules;

/// <summary>A facility's production capacity as its latest audit stating one found it.</summary>
public sealed record AuditedCapacity
{
    /// <summary>The audit that stated it.</summary>
    public Guid AuditId { get; init; }

    /// <summary>The audit's scheme (the flag's scope).</summary>
    public string Scheme { get; init; } = "";

    /// <summary>The audit's last on-site day.</summary>
    public DateOnly EndDate { get; init; }

    /// <summary>What it can produce in one period.</summary>
    public decimal Quantity { get; init; }

    /// <summary>The unit of <see cref="Quantity"/>.</summary>
    public string Unit { get; init; } = "";

    /// <summary>month or year.</summary>
    public string Period { get; init; } = "";
}

/// <summary>One shipment that left a facility (as its origin): how much, in what unit, when.</summary>
public sealed record ShippedQuantity
{
    /// <summary>The shipment's Provenance id.</summary>
    public Guid ShipmentId { get; init; }

    /// <summary>The day it left.</summary>
    public DateOnly ShipDate { get; init; }

    /// <summary>How much.</summary>
    public decimal Quantity { get; init; }

    /// <summary>In what unit.</summary>
    public string Unit { get; init; } = "";
}

/// <summary>
/// Which units convert into which: mass (g, kg, t, lb), volume (l, m3) and counts (pcs, dozen). Pairs, metres, square
/// metres, bales and bags convert only into themselves (a bale or a bag has no standard weight, a pair is not two pieces
/// of everything).
/// </summary>
public static class QuantityConversion
{
    private static readonly Dictionary<string, (string Dimension, decimal Factor)> Units = new(StringComparer.Ordinal)
    {
        ["g"] = ("mass", 0.001m), ["kg"] = ("mass", 1m), ["t"] = ("mass", 1000m), ["lb"] = ("mass", 0.45359237m),
        ["l"] = ("volume", 0.001m), ["m3"] = ("volume", 1m),
        ["pcs"] = ("count", 1m), ["dozen"] = ("count", 12m),
    };

    /// <summary><paramref name="quantity"/> in <paramref name="to"/>, or null when the units do not convert.</summary>
    public static decimal? Convert(decimal quantity, string from, string to)
    {
        if (from == to)
        {
            return quantity;
        }
        return Units.TryGetValue(from, out var source) && Units.TryGetValue(to, out var target) && source.Dimension == target.Dimension
            ? quantity * source.Factor / target.Factor
            : null;
    }
}

/// <summary>
/// Rule <c>mass-balance</c>: more shipped from a facility (as the shipments' origin, by every exporter registering the
/// site) in a calendar month or year than its latest audited production capacity for that period allows, beyond
/// <c>TolerancePercent</c> (stock from earlier periods). Shipments in a unit that does not convert into the capacity's
/// are left out of the sum and named in the explanation. One flag per facility; each period over capacity adds its
/// evidence (<c>mass-balance:&lt;period&gt;</c>, and the audit).
/// </summary>
public sealed class MassBalanceRule(RuleCatalog catalog)
{
    /// <summary>The rule's id.</summary>
    public const string Id = "mass-balance";

    private readonly RuleSettings _settings = catalog[Id];

    /// <summary>Whether the rule is switched on (no reads are needed when it is not).</summary>
    public bool Enabled => _settings.Enabled;

    /// <summary>The calendar period (first day, first day after) of <paramref name="period"/> that holds <paramref name="day"/>.</summary>
    public static (DateOnly From, DateOnly To) PeriodOf(DateOnly day, string period) => period == "year"
        ? (new DateOnly(day.Year, 1, 1), new DateOnly(day.Year + 1, 1, 1))
        : (new DateOnly(day.Year, day.Month, 1), new DateOnly(day.Year, day.Month, 1).AddMonths(1));

    /// <summary>
    /// The signal for every period of <paramref name="shipped"/> over capacity (null when none is): judge the shipments of
    /// one period (a new shipment's) or of all (a capacity or facility that arrived after its shipments).
    /// </summary>
    public FlagSignal? Evaluate(FacilityFacts site, AuditedCapacity capacity, IReadOnlyList<ShippedQuantity> shipped)
    {
        if (!_settings.Enabled || capacity.Quantity <= 0)
        {
            return null;
        }
        var allowed = capacity.Quantity * (1 + _settings.Number("TolerancePercent") / 100m);
        var over = new List<(string Period, decimal Total, int Counted, IReadOnlyList<ShippedQuantity> Skipped)>();
        foreach (var period in shipped.GroupBy(s => PeriodOf(s.ShipDate, capacity.Period).From).OrderBy(g => g.Key))
        {
            var converted = period.Select(s => (Shipment: s, Quantity: QuantityConversion.Convert(s.Quantity, s.Unit, capacity.Unit))).ToList();
            var total = converted.Sum(c => c.Quantity ?? 0);
            if (total > allowed)
            {
                over.Add((Name(period.Key, capacity.Period), total, converted.Count(c => c.Quantity is not null),
                    converted.Where(c => c.Quantity is null).Select(c => c.Shipment).ToList()));
            }
        }
        if (over.Count == 0)
        {
            return null;
        }
        var first = over[0];
        var skipped = first.Skipped.Count == 0 ? ""
            : $" {first.Skipped.Count} shipment(s) in {string.Join(", ", first.Skipped.Select(s => s.Unit).Distinct().Order(StringComparer.Ordinal))} were not counted (no conversion to {capacity.Unit}).";
        var others = over.Count > 1 ? $" {over.Count - 1} other period(s) are over capacity too (see the evidence)." : "";
        return new FlagSignal
        {
            RuleId = Id,
            RuleVersion = _settings.Version,
            Severity = _settings.Text("Severity"),
            Subject = FlagSubject.Facility(site.Key),
            TenantId = AuditsTenant.Id,
            Scope = new FlagScope(site.Country, null, capacity.Scheme),
            Explanation = Invariant(
                $"Mass balance: '{site.Name}' shipped {first.Total:#,0.###} {capacity.Unit} in {first.Period} ({first.Counted} shipment(s)), above its audited production capacity of {capacity.Quantity:#,0.###} {capacity.Unit} a {capacity.Period} (audit of {capacity.EndDate:yyyy-MM-dd}) by {(first.Total / capacity.Quantity - 1) * 100:0} %.{skipped}{others}"),
            Evidence =
            [
                new FlagEvidence($"audit:{capacity.AuditId}", EvidenceSource.Audit,
                    Invariant($"production capacity {capacity.Quantity:0.###} {capacity.Unit} a {capacity.Period}")),
                .. over.Select(o => new FlagEvidence($"mass-balance:{site.Key}:{o.Period}", EvidenceSource.Provenance,
                    Invariant($"shipped {o.Total:0.###} {capacity.Unit} in {o.Period} from {o.Counted} shipment(s), capacity {capacity.Quantity:0.###}{(o.Skipped.Count > 0 ? $"; {o.Skipped.Count} in other units not counted" : "")}"))),
            ],
        };
    }

    private static string Name(DateOnly from, string period) => period == "year"
        ? from.Year.ToString(CultureInfo.InvariantCulture)
        : from.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
