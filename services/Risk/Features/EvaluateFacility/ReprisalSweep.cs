using Traceability.Data;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.EvaluateFacility;

/// <summary>
/// Silence is only seen by looking: every <c>SweepInterval</c> the reprisal rule is evaluated again for each facility with a
/// grievance case acknowledged within the last year (the rule raises or appends; a flag already open gains nothing).
/// </summary>
internal sealed class ReprisalSweep(Database database, FacilityEvaluator evaluator, ReprisalRule rule, TimeProvider time, ILogger<ReprisalSweep> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(rule.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The next tick tries again; a database outage must not end the sweep for good.
                logger.LogWarning(exception, "The reprisal sweep failed; it runs again in {Interval}", rule.SweepInterval);
            }
        }
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var since = time.GetUtcNow().UtcDateTime.AddDays(-365);
        var facilities = await database.QueryAsync<Guid>(FacilityEvaluationSql.RecentlyAcknowledged, new { Since = since }, cancellationToken);
        foreach (var facilityId in facilities)
        {
            await database.InTransactionAsync(async data =>
            {
                // As a grievance naming it does (FacilityLocks): one filed at the same moment is judged before the sweep or after it.
                data.Lock(FacilityLocks.Named(database.Dialect, [facilityId]));
                await SignalRules.EvaluateKnownAsync(data, evaluator, [facilityId], "grievances");
                return 0;
            }, cancellationToken);
        }
    }
}
