using Traceability.Data;
using Traceability.Risk.Features.KeepSupplyChain;
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

    // The next batch of shipments naming one facility (by the Provenance id the shipment named), with every facility each of
    // them names (origin and tiers) as Risk knows it: a shipment is judged against all its facilities, as on arrival.
    public const string ShipmentsNamingAfter = $"""
        SELECT sf.shipment_id AS ShipmentId, sf.role AS Role, sf.tenant_id AS TenantId, sf.hs_code AS HsCode, sf.commodity AS Commodity,
               sf.ship_date AS ShipDate, {FacilityColumns.Facts}
        FROM risk.shipment_facility sf JOIN risk.facility ON risk.facility.id = sf.facility_id
        WHERE sf.shipment_id IN (SELECT DISTINCT n.shipment_id FROM risk.shipment_facility n WHERE n.facility_id = @FacilityId AND n.shipment_id > @After
                                 ORDER BY n.shipment_id OFFSET 0 ROWS FETCH NEXT @Batch ROWS ONLY)
        ORDER BY sf.shipment_id, risk.facility.id, sf.role
        """;

    public static string MarkApplied(SqlDialect dialect) =>
        dialect.InsertIfAbsent("risk.uflpa_list_applied", ["fingerprint", "entities", "applied_at"], ["fingerprint"]);
}

/// <summary>
/// A newly imported UFLPA Entity List is laid over every facility Risk already knows, once: the first start that reads a
/// list Risk has not applied yet (<c>risk.uflpa_list_applied</c>, by the list's SHA-256) judges each facility's name
/// against it as of today, a batch of facilities per transaction, and raises or appends <c>uflpa-entity</c> (a critical
/// flag then holds the shipments naming the facility, as any other, a batch per transaction). Without it a facility
/// registered before the list was imported would be flagged only at its next registration. The shipments Risk already has
/// that name a facility the list has (on any day) are then judged as a shipment arriving now would be (their ship date, every
/// facility they name), a batch per transaction, so they end with the same <c>uflpa-entity</c> flag as one recorded after
/// the import. Until the last batch is done the list is not marked applied: a start that stops half-way is taken up by the
/// next, and what was already raised is appended to, never doubled.
/// </summary>
internal sealed class UflpaListSweep(
    Database database, UflpaEntityList list, UflpaRule uflpa, FlagBook flags, GoodsTrace trace, TimeProvider time, ILogger<UflpaListSweep> logger)
    : BackgroundService
{
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
        var batch = uflpa.BatchSize;
        var after = Guid.Empty;
        var judged = 0;
        var shipments = 0;
        while (true)
        {
            var facilities = await database.QueryAsync<KnownFacility>(UflpaListSweepSql.FacilitiesAfter, new { After = after, Batch = batch }, cancellationToken);
            if (facilities.Count == 0)
            {
                break;
            }
            await database.InTransactionAsync(data =>
            {
                // Each facility's keys, in order (FacilityLocks): a critical flag holds the shipments naming the facility, and a
                // shipment consumed at the same moment must see the flag or be seen by the hold.
                data.Lock(FacilityLocks.Named(database.Dialect, facilities.Select(f => f.ProvenanceId), facilities.Select(f => f.Gln), facilities.Select(f => f.OshId)));
                foreach (var facility in facilities)
                {
                    foreach (var signal in uflpa.ForFacility(facility.Facts, facility.TenantId, today).Where(s => s.RuleId == UflpaRule.EntityId))
                    {
                        flags.RaiseOrAppend(data, signal);
                    }
                }
                return Task.FromResult(0);
            }, cancellationToken);
            foreach (var facility in facilities.Where(f => uflpa.EverListed(f.Facts)))
            {
                shipments += await JudgeShipmentsNamingAsync(facility.ProvenanceId, batch, cancellationToken);
                // Goods that passed through it by the exporters' EPCIS events: the shipments and shipping events they lead to are
                // traced again, as when the facility itself arrives (a transaction per facility, within the chain's limits).
                await database.InTransactionAsync(data => trace.FacilityArrivedAsync(data, facility.Facts), cancellationToken);
            }
            judged += facilities.Count;
            after = facilities[^1].ProvenanceId;
        }
        await database.InTransactionAsync(data =>
        {
            data.Defer(UflpaListSweepSql.MarkApplied(database.Dialect), new { Fingerprint = fingerprint, Entities = list.Entities.Count, AppliedAt = time.GetUtcNow().UtcDateTime });
            return Task.FromResult(0);
        }, cancellationToken);
        logger.LogInformation("UFLPA Entity List {Fingerprint} ({Entities} entities) laid over {Facilities} known facilities and {Shipments} shipments naming listed ones",
            fingerprint[..12], list.Entities.Count, judged, shipments);
    }

    // The shipments naming one listed facility, a batch per transaction (a site may have been named by very many).
    private async Task<int> JudgeShipmentsNamingAsync(Guid facilityId, int batch, CancellationToken cancellationToken)
    {
        var after = Guid.Empty;
        var judged = 0;
        while (true)
        {
            var rows = await database.QueryAsync<NamedFacility>(UflpaListSweepSql.ShipmentsNamingAfter, new { FacilityId = facilityId, After = after, Batch = batch }, cancellationToken);
            var byShipment = rows.GroupBy(r => r.ShipmentId).ToList();
            if (byShipment.Count == 0)
            {
                return judged;
            }
            await database.InTransactionAsync(data =>
            {
                foreach (var shipment in byShipment)
                {
                    var first = shipment.First();
                    var facts = new ShipmentFacts(first.ShipmentId, first.TenantId, first.Commodity, first.HsCode, first.ShipDate);
                    var named = shipment.Select(r => (r.Facts, r.Role)).ToList();
                    foreach (var signal in uflpa.ForShipment(facts, named).Where(s => s.RuleId == UflpaRule.EntityId))
                    {
                        flags.RaiseOrAppend(data, signal);
                    }
                }
                return Task.FromResult(0);
            }, cancellationToken);
            judged += byShipment.Count;
            if (byShipment.Count < batch)
            {
                return judged;
            }
            after = byShipment[^1].Key;
        }
    }

    // A shipment naming the listed facility, once per facility it names.
    private sealed record NamedFacility : FacilityRow
    {
        public Guid ShipmentId { get; init; }
        public string Role { get; init; } = "";
        public string TenantId { get; init; } = "";
        public string HsCode { get; init; } = "";
        public string Commodity { get; init; } = "";
        public DateOnly ShipDate { get; init; }
    }

    private sealed record KnownFacility : FacilityRow
    {
        public string TenantId { get; init; } = "";
    }

    // A facility row as the sweep's statements read it (FacilityColumns.Facts).
    private abstract record FacilityRow
    {
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
