using Traceability.Data;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Features.FlagStatistics;

/// <summary>
/// The dashboard's figures, scoped exactly as the flag list is (one statement per <see cref="Visibility"/>, as there):
/// open flags counted by severity × rule × country in the database, and the times to assign and to resolve of the
/// flags raised in a window, as nearest-rank percentiles over every such flag (no sample, no cap).
/// </summary>
internal static class FlagStatisticsSql
{
    public const string OpenCountsAll = FlagStatisticsParts.OpenCounts + FlagVisibility.All + FlagStatisticsParts.OpenCountsGroup;
    public const string OpenCountsGrievances = FlagStatisticsParts.OpenCounts + FlagVisibility.Grievances + FlagStatisticsParts.OpenCountsGroup;
    public const string OpenCountsAccreditation = FlagStatisticsParts.OpenCounts + FlagVisibility.Accreditation + FlagStatisticsParts.OpenCountsGroup;
    public const string OpenCountsGrievancesOrAccreditation =
        FlagStatisticsParts.OpenCounts + FlagVisibility.GrievancesOrAccreditation + FlagStatisticsParts.OpenCountsGroup;

    public static string TimesAll(SqlDialect dialect) => FlagStatisticsParts.Times(dialect, FlagVisibility.All);
    public static string TimesGrievances(SqlDialect dialect) => FlagStatisticsParts.Times(dialect, FlagVisibility.Grievances);
    public static string TimesAccreditation(SqlDialect dialect) => FlagStatisticsParts.Times(dialect, FlagVisibility.Accreditation);
    public static string TimesGrievancesOrAccreditation(SqlDialect dialect) => FlagStatisticsParts.Times(dialect, FlagVisibility.GrievancesOrAccreditation);
}

/// <summary>The parts the statistics statements are made of (fragments, so outside the *Sql classes the T-SQL test parses whole).</summary>
internal static class FlagStatisticsParts
{
    public const string OpenCounts = """
        SELECT f.severity AS Severity, f.rule_id AS RuleId, f.scope_country AS Country, COUNT(*) AS Count
        FROM risk.flag f WHERE f.is_open = 1 AND 
        """;

    public const string OpenCountsGroup = """

        GROUP BY f.severity, f.rule_id, f.scope_country
        """;

    /// <summary>
    /// Measures 'raised' (how many flags the window holds), 'assign' (raised → first assignment, from the history) and
    /// 'resolve' (raised → resolved by a person: a flag the engine withdrew is no one's work): per measure the count, the median and the 90th percentile in seconds. The
    /// nearest-rank percentile p is the smallest duration whose rank n satisfies n ≥ p × count, written with window
    /// functions both engines have (PostgreSQL's percentile_disc has no SQL Server twin outside OVER()).
    /// </summary>
    public static string Times(SqlDialect dialect, string visibility) => $"""
        WITH cohort AS (
          SELECT f.raised_at, f.resolved_at, f.resolution,
                 (SELECT MIN(h.occurred_at) FROM risk.flag_history h WHERE h.flag_id = f.id AND h.action = 'assigned') AS assigned_at
          FROM risk.flag f
          WHERE f.raised_at >= @From AND f.raised_at < @To AND {visibility}
        ), durations AS (
          SELECT 'raised' AS measure, 0 AS seconds FROM cohort
          UNION ALL
          SELECT 'assign', {dialect.SecondsBetween("raised_at", "assigned_at")} FROM cohort WHERE assigned_at IS NOT NULL
          UNION ALL
          SELECT 'resolve', {dialect.SecondsBetween("raised_at", "resolved_at")} FROM cohort
          WHERE resolved_at IS NOT NULL AND (resolution IS NULL OR resolution <> 'withdrawn')
        ), ranked AS (
          SELECT measure, seconds, ROW_NUMBER() OVER (PARTITION BY measure ORDER BY seconds) AS n, COUNT(*) OVER (PARTITION BY measure) AS total
          FROM durations
        )
        SELECT measure AS Measure, COUNT(*) AS Count,
               MIN(CASE WHEN n * 2 >= total THEN seconds END) AS MedianSeconds,
               MIN(CASE WHEN n * 10 >= total * 9 THEN seconds END) AS P90Seconds
        FROM ranked GROUP BY measure
        """;

    public static string OpenCountsOf(Visibility visibility) => visibility switch
    {
        Visibility.All => FlagStatisticsSql.OpenCountsAll,
        Visibility.Grievances => FlagStatisticsSql.OpenCountsGrievances,
        Visibility.Accreditation => FlagStatisticsSql.OpenCountsAccreditation,
        Visibility.GrievancesOrAccreditation => FlagStatisticsSql.OpenCountsGrievancesOrAccreditation,
        _ => throw new ArgumentOutOfRangeException(nameof(visibility)),
    };

    public static string TimesOf(SqlDialect dialect, Visibility visibility) => visibility switch
    {
        Visibility.All => FlagStatisticsSql.TimesAll(dialect),
        Visibility.Grievances => FlagStatisticsSql.TimesGrievances(dialect),
        Visibility.Accreditation => FlagStatisticsSql.TimesAccreditation(dialect),
        Visibility.GrievancesOrAccreditation => FlagStatisticsSql.TimesGrievancesOrAccreditation(dialect),
        _ => throw new ArgumentOutOfRangeException(nameof(visibility)),
    };
}
