using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Features.FlagStatistics;

/// <summary>How many open flags share one value (a severity, a rule, a country).</summary>
public sealed record FlagCount(string Key, long Count);

/// <summary>A duration measured over the window's flags: how many were measured, the median and the 90th percentile (seconds).</summary>
public sealed record DurationStatistics(long Count, long? MedianSeconds, long? P90Seconds);

/// <summary>
/// The caller's flags in figures: open flags by severity, rule and country (every open flag the caller may see), and of
/// the flags raised in the last <c>WindowDays</c>, how many there were and how long they took to be assigned (first
/// assignment) and resolved, both from the moment they were raised.
/// </summary>
public sealed record FlagStatisticsResponse(
    int WindowDays, DateTime From, DateTime To, long Open, IReadOnlyList<FlagCount> BySeverity, IReadOnlyList<FlagCount> ByRule,
    IReadOnlyList<FlagCount> ByCountry, long RaisedInWindow, DurationStatistics TimeToAssign, DurationStatistics TimeToResolve);

internal static class FlagStatisticsEndpoint
{
    private const int MaxWindowDays = 366;

    public static RouteGroupBuilder MapFlagStatistics(this RouteGroupBuilder api)
    {
        api.MapGet("/flags/statistics", GetAsync).WithName("GetFlagStatistics")
            .WithSummary("The caller's flags in figures (scoped as the flag list): open flags by severity, rule and country; median and 90th percentile time to assign and to resolve of the flags raised in the last `days` (default 90).")
            .RequireRoles(Roles.Auditor, Roles.Caseworker, Roles.Admin);
        return api;
    }

    private static async Task<Results<Ok<FlagStatisticsResponse>, ValidationProblem>> GetAsync(
        ClaimsPrincipal user, Database database, TimeProvider time, CancellationToken cancellationToken, int days = 90)
    {
        var errors = new ValidationErrors();
        errors.Require(days is >= 1 and <= MaxWindowDays, "days", $"The window is 1 to {MaxWindowDays} days.");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var now = time.GetUtcNow().UtcDateTime;
        var from = now.AddDays(-days);
        var viewer = Viewer.Of(user);
        if (viewer.Visibility == Visibility.None)
        {
            var none = new DurationStatistics(0, null, null);
            return TypedResults.Ok(new FlagStatisticsResponse(days, from, now, 0, [], [], [], 0, none, none));
        }
        var parameters = new { viewer.AuditorId, Today = DateOnly.FromDateTime(now), From = from, To = now };
        var counts = await database.QueryAsync<OpenCountRow>(FlagStatisticsParts.OpenCountsOf(viewer.Visibility), parameters, cancellationToken);
        var times = (await database.QueryAsync<TimeRow>(FlagStatisticsParts.TimesOf(database.Dialect, viewer.Visibility), parameters, cancellationToken))
            .ToDictionary(t => t.Measure);
        return TypedResults.Ok(new FlagStatisticsResponse(days, from, now, counts.Sum(c => c.Count),
            By(counts, c => c.Severity, bySeverity: true), By(counts, c => c.RuleId), By(counts, c => c.Country),
            times.GetValueOrDefault("raised")?.Count ?? 0, Duration(times.GetValueOrDefault("assign")), Duration(times.GetValueOrDefault("resolve"))));
    }

    // Severities from the gravest down; rules and countries by count, then by name.
    private static List<FlagCount> By(IReadOnlyList<OpenCountRow> counts, Func<OpenCountRow, string> key, bool bySeverity = false)
    {
        var grouped = counts.GroupBy(key).Select(g => new FlagCount(g.Key, g.Sum(c => c.Count)));
        return (bySeverity
            ? grouped.OrderByDescending(c => Severity.Rank(c.Key))
            : grouped.OrderByDescending(c => c.Count).ThenBy(c => c.Key, StringComparer.Ordinal)).ToList();
    }

    private static DurationStatistics Duration(TimeRow? row) => row is null ? new DurationStatistics(0, null, null) : new DurationStatistics(row.Count, row.MedianSeconds, row.P90Seconds);
}

/// <summary>Open flags of one severity × rule × country.</summary>
internal sealed record OpenCountRow
{
    public string Severity { get; init; } = "";
    public string RuleId { get; init; } = "";
    public string Country { get; init; } = "";
    public long Count { get; init; }
}

/// <summary>One measure over the window: count, median and 90th percentile in seconds.</summary>
internal sealed record TimeRow
{
    public string Measure { get; init; } = "";
    public long Count { get; init; }
    public long? MedianSeconds { get; init; }
    public long? P90Seconds { get; init; }
}
