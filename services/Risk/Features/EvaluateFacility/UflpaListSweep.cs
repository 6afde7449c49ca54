using Traceability.Data;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;
using Traceability.Risk.Rules.Uflpa;

namespace Traceability.Risk.Features.EvaluateFacility;

internal static class UflpaListSweepSql
{
    public const string Applied = "SELECT COUNT(*) FROM risk.uflpa_list_applied WHERE fingerprint = @Fingerprint";

    // Every facility Risk knows, a batch at a time in id order.
    public const string FacilitiesAfter = $"""
        SELECT tenant_id AS TenantId, {FacilityColumns.Facts} FROM risk.facility
        WHERE id > @After ORDER BY id OFFSET 0 ROWS FETCH NEXT @Batch ROWS ONLY
        """;

    public static string MarkApplied(SqlDialect dialect) =>
        dialect.InsertIfAbsent("risk.uflpa_list_applied", ["fingerprint", "entities", "applied_at"], ["fingerprint"]);
}

/// <summary>
/// A newly imported UFLPA Entity List is laid over every facility Risk already knows, once: the first start that reads a
/// list Risk has not applied yet (<c>risk.uflpa_list_applied</c>, by the list's SHA-256) judges each facility's name
/// against it as of today, a batch of facilities per transaction, and raises or appends <c>uflpa-entity</c> (a critical
/// flag then holds the shipments naming the facility, as any other, a batch per transaction). Without it a facility
/// registered before the list was imported would be flagged only at its next registration. The shipments Risk already
/// has get the hold, not a <c>uflpa-entity</c> flag of their own (that is judged when a shipment arrives).
/// </summary>
internal sealed class UflpaListSweep(Database database, UflpaEntityList list, UflpaRule uflpa, FlagBook flags, TimeProvider time, ILogger<UflpaListSweep> logger)
    : BackgroundService
{
    private const int Batch = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await SweepAsync(stoppingToken);
        }
        catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
        {
            // Not applied: the next start tries again (flags already raised are appended to, never doubled).
            logger.LogWarning(exception, "Laying the UFLPA Entity List over the known facilities failed; the next start tries again");
        }
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        var fingerprint = list.Fingerprint;
        if ((await database.QueryAsync<long>(UflpaListSweepSql.Applied, new { Fingerprint = fingerprint }, cancellationToken))[0] > 0)
        {
            return;
        }
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var after = Guid.Empty;
        var judged = 0;
        while (true)
        {
            var facilities = await database.QueryAsync<KnownFacility>(UflpaListSweepSql.FacilitiesAfter, new { After = after, Batch }, cancellationToken);
            if (facilities.Count == 0)
            {
                break;
            }
            await database.InTransactionAsync(data =>
            {
                foreach (var facility in facilities)
                {
                    foreach (var signal in uflpa.ForFacility(facility.Facts, facility.TenantId, today).Where(s => s.RuleId == UflpaRule.EntityId))
                    {
                        flags.RaiseOrAppend(data, signal);
                    }
                }
                return Task.FromResult(0);
            }, cancellationToken);
            judged += facilities.Count;
            after = facilities[^1].ProvenanceId;
        }
        await database.InTransactionAsync(data =>
        {
            data.Defer(UflpaListSweepSql.MarkApplied(database.Dialect), new { Fingerprint = fingerprint, Entities = list.Entities.Count, AppliedAt = time.GetUtcNow().UtcDateTime });
            return Task.FromResult(0);
        }, cancellationToken);
        logger.LogInformation("UFLPA Entity List {Fingerprint} ({Entities} entities) laid over {Facilities} known facilities", fingerprint[..12], list.Entities.Count, judged);
    }

    private sealed record KnownFacility
    {
        public string TenantId { get; init; } = "";
        public Guid ProvenanceId { get; init; }
        public string? Gln { get; init; }
        public string? OshId { get; init; }
        public string Name { get; init; } = "";
        public string Country { get; init; } = "";
        public string? Region { get; init; }
        public decimal? Latitude { get; init; }
        public decimal? Longitude { get; init; }

        public FacilityFacts Facts => new()
        {
            ProvenanceId = ProvenanceId, Gln = Gln, OshId = OshId, Name = Name, Country = Country, Region = Region, Latitude = Latitude, Longitude = Longitude,
        };
    }
}
