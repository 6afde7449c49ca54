using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Hosting;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages;

/// <summary>
/// The dashboard: open flags by severity, rule and country, and how long flags wait to be assigned and resolved,
/// counted over the flags this user may see (Risk scopes the list to them).
/// </summary>
public sealed class IndexModel(RiskApi risk) : PageModel
{
    /// <summary>At most this many flags are read for the counts (four of Risk's largest pages).</summary>
    public const int MostFlagsCounted = 2000;

    public ApiProblem? Problem { get; private set; }
    public bool SeesFlags { get; private set; }
    public long Total { get; private set; }
    public int Counted { get; private set; }
    public IReadOnlyList<(string Key, int Count)> BySeverity { get; private set; } = [];
    public IReadOnlyList<(string Key, int Count)> ByRule { get; private set; } = [];
    public IReadOnlyList<(string Key, int Count)> ByCountry { get; private set; } = [];
    public TimeSpan? MedianTimeToAssign { get; private set; }
    public TimeSpan? MedianTimeToResolve { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        SeesFlags = User.IsInRole(Roles.Auditor) || User.IsInRole(Roles.Caseworker) || User.IsInRole(Roles.Admin);
        if (!SeesFlags)
        {
            return;
        }
        var flags = new List<Flag>();
        for (var page = 1; flags.Count < MostFlagsCounted; page++)
        {
            var answer = await risk.ListFlagsAsync(new FlagQuery { Page = page, PageSize = 500 }, cancellationToken);
            if (answer.Problem is not null)
            {
                Problem = answer.Problem;
                return;
            }
            Total = answer.Value!.Total;
            flags.AddRange(answer.Value.Items);
            if (answer.Value.Items.Count < 500)
            {
                break;
            }
        }
        Counted = flags.Count;
        var open = flags.Where(f => f.Status != "resolved").ToList();
        BySeverity = IndexModelCounts.By(open, f => f.Severity, Flags.QueueModel.Severities);
        ByRule = IndexModelCounts.By(open, f => f.RuleId);
        ByCountry = IndexModelCounts.By(open, f => f.ScopeCountry);
        MedianTimeToAssign = IndexModelCounts.Median(flags.Where(f => f.AssignedAt is not null).Select(f => f.AssignedAt!.Value - f.RaisedAt));
        MedianTimeToResolve = IndexModelCounts.Median(flags.Where(f => f.ResolvedAt is not null).Select(f => f.ResolvedAt!.Value - f.RaisedAt));
    }
}

internal static class IndexModelCounts
{
    public static IReadOnlyList<(string Key, int Count)> By(IEnumerable<Flag> flags, Func<Flag, string> key, IReadOnlyList<string>? order = null)
    {
        var counts = flags.GroupBy(key).Select(g => (g.Key, g.Count()));
        return order is null
            ? counts.OrderByDescending(c => c.Item2).ThenBy(c => c.Key, StringComparer.Ordinal).ToList()
            : counts.OrderBy(c => order.Contains(c.Key) ? order.ToList().IndexOf(c.Key) : order.Count).ToList();
    }

    public static TimeSpan? Median(IEnumerable<TimeSpan> spans)
    {
        var sorted = spans.Order().ToList();
        return sorted.Count == 0 ? null : sorted[sorted.Count / 2];
    }
}
