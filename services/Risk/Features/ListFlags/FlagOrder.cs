namespace Traceability.Risk.Features.ListFlags;

/// <summary>The orders a flag list can be asked for (<c>sort</c>); ties go newest first.</summary>
public enum FlagOrder
{
    /// <summary><c>-raised</c> (the default): newest first.</summary>
    NewestFirst,
    /// <summary><c>raised</c>: oldest first.</summary>
    OldestFirst,
    /// <summary><c>-severity</c>: critical first.</summary>
    MostSevereFirst,
    /// <summary><c>severity</c>: low first.</summary>
    LeastSevereFirst,
    /// <summary><c>due</c>: the next SLA clock soonest first (assign while open, resolve while assigned or investigating); resolved flags last.</summary>
    DueSoonestFirst,
    /// <summary><c>-due</c>: the next SLA clock latest first; resolved flags last.</summary>
    DueLatestFirst,
}

internal static class FlagOrders
{
    public static readonly IReadOnlyDictionary<string, FlagOrder> ByName = new Dictionary<string, FlagOrder>(StringComparer.Ordinal)
    {
        ["-raised"] = FlagOrder.NewestFirst,
        ["raised"] = FlagOrder.OldestFirst,
        ["-severity"] = FlagOrder.MostSevereFirst,
        ["severity"] = FlagOrder.LeastSevereFirst,
        ["due"] = FlagOrder.DueSoonestFirst,
        ["-due"] = FlagOrder.DueLatestFirst,
    };

    public static string Names => string.Join(", ", ByName.Keys);

    // Severity as a rank (its name sorts alphabetically, which means nothing); an unknown one ranks lowest.
    private const string SeverityRank = "CASE f.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END";

    // The next clock: time to assign while open, time to resolve while assigned or investigating; none once resolved.
    private const string Due = "CASE WHEN f.is_open = 1 AND f.status = 'open' THEN f.assign_due_at WHEN f.is_open = 1 THEN f.resolve_due_at END";

    // Flags without a clock go last in both directions: PostgreSQL and SQL Server put NULLs at opposite ends.
    private const string WithoutDueLast = $"CASE WHEN f.is_open = 1 THEN 0 ELSE 1 END";

    private const string Newest = "f.raised_at DESC, f.id DESC";

    /// <summary>The ORDER BY list on a flag aliased <c>f</c>: deterministic (the id breaks ties), so pages never overlap.</summary>
    public static string OrderBy(FlagOrder order) => order switch
    {
        FlagOrder.NewestFirst => Newest,
        FlagOrder.OldestFirst => "f.raised_at, f.id",
        FlagOrder.MostSevereFirst => $"{SeverityRank} DESC, {Newest}",
        FlagOrder.LeastSevereFirst => $"{SeverityRank}, {Newest}",
        FlagOrder.DueSoonestFirst => $"{WithoutDueLast}, {Due}, {Newest}",
        FlagOrder.DueLatestFirst => $"{WithoutDueLast}, {Due} DESC, {Newest}",
        _ => throw new ArgumentOutOfRangeException(nameof(order)),
    };
}
