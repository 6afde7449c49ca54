namespace Traceability.Hosting;

/// <summary>The units of measure a quantity may be given in: shipments (Provenance) and production capacities (Audits).</summary>
public static class QuantityUnits
{
    /// <summary>kg, t, g, lb, pcs, pairs, dozen, l, m3, m, m2, bales, bags.</summary>
    public static readonly IReadOnlySet<string> All = new HashSet<string>(StringComparer.Ordinal)
    {
        "kg", "t", "g", "lb", "pcs", "pairs", "dozen", "l", "m3", "m", "m2", "bales", "bags",
    };

    /// <summary>The units in order, for messages.</summary>
    public static string Listed => string.Join(", ", All.Order(StringComparer.Ordinal));
}
