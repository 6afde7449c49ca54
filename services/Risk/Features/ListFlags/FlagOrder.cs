using Traceability.Risk.Flags;

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

    // The next clock: time to assign while open, time to resolve while assigned or investigating; none once resolved. A flag
    // without one (resolved, or raised before clocks existed) takes @NoDue, which sorts last whichever way (in both dialects:
    // PostgreSQL and SQL Server put NULLs at opposite ends), so the key is never NULL and a cursor can compare it.
    private const string Due = "COALESCE(CASE WHEN f.is_open = 1 AND f.status = 'open' THEN f.assign_due_at WHEN f.is_open = 1 THEN f.resolve_due_at END, @NoDue)";

    // Resolved flags last in both due orders.
    private const string WithoutDueLast = "CASE WHEN f.is_open = 1 THEN 0 ELSE 1 END";

    private static readonly SortKey[] Newest = [new("f.raised_at", true, "@AfterRaisedAt"), new("f.id", true, "@AfterId")];

    // Each order as its keys, most significant first; the id breaks ties, so the order is total: pages never overlap, and the
    // keys of a page's last flag say exactly where the next page starts.
    private static SortKey[] Keys(FlagOrder order) => order switch
    {
        FlagOrder.NewestFirst => Newest,
        FlagOrder.OldestFirst => [new("f.raised_at", false, "@AfterRaisedAt"), new("f.id", false, "@AfterId")],
        FlagOrder.MostSevereFirst => [new(SeverityRank, true, "@AfterRank"), .. Newest],
        FlagOrder.LeastSevereFirst => [new(SeverityRank, false, "@AfterRank"), .. Newest],
        FlagOrder.DueSoonestFirst => [new(WithoutDueLast, false, "@AfterResolved"), new(Due, false, "@AfterDue"), .. Newest],
        FlagOrder.DueLatestFirst => [new(WithoutDueLast, false, "@AfterResolved"), new(Due, true, "@AfterDue"), .. Newest],
        _ => throw new ArgumentOutOfRangeException(nameof(order)),
    };

    /// <summary>The ORDER BY list on a flag aliased <c>f</c>: deterministic (the id breaks ties), so pages never overlap.</summary>
    public static string OrderBy(FlagOrder order) => string.Join(", ", Keys(order).Select(k => k.Descending ? $"{k.Expression} DESC" : k.Expression));

    /// <summary>
    /// The flags after a cursor's in <paramref name="order"/>: each key no further than the cursor's, and past it or equal with the
    /// next key past. Written so that the first key bounds the range by itself (<c>f.raised_at &lt;= @AfterRaisedAt AND (...)</c>),
    /// which an index on it can seek to in both dialects (PostgreSQL's row comparison would too, SQL Server has none).
    /// </summary>
    public static string After(FlagOrder order) => After(Keys(order), 0);

    private static string After(SortKey[] keys, int i)
    {
        var key = keys[i];
        var past = key.Descending ? "<" : ">";
        return i == keys.Length - 1
            ? $"{key.Expression} {past} {key.Parameter}"
            : $"{key.Expression} {past}= {key.Parameter} AND ({key.Expression} {past} {key.Parameter} OR ({After(keys, i + 1)}))";
    }

    /// <summary>What a flag without a clock sorts as in a due order: after every clock, whichever way.</summary>
    public static DateTime NoDue(FlagOrder order) => order == FlagOrder.DueLatestFirst
        ? new DateTime(1, 1, 1, 0, 0, 0, DateTimeKind.Utc)
        : new DateTime(9999, 12, 31, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>A flag's severity as the orders rank it.</summary>
    public static int SeverityRankOf(string severity) => Math.Max(1, Severity.Rank(severity));

    /// <summary>A flag's next clock as the due orders read it (null: none).</summary>
    public static DateTime? DueOf(FlagRow flag) => flag.Status == FlagStatus.Resolved ? null
        : flag.Status == FlagStatus.Open ? Utc(flag.AssignDueAt) : Utc(flag.ResolveDueAt);

    private static DateTime? Utc(DateTime? time) => time is { } value ? DateTime.SpecifyKind(value, DateTimeKind.Utc) : null;

    private sealed record SortKey(string Expression, bool Descending, string Parameter);
}
