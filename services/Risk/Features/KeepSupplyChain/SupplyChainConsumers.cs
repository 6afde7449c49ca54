using MassTransit;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Features.EvaluateFacility;
using Traceability.Risk.Features.FlagGrievances;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.KeepSupplyChain;

/// <summary>
/// Keeps Risk's copy of each facility at its latest revision, once per message, then judges it: the UFLPA rules for the
/// facility and for every shipment that named it before Risk knew where it was, and the signal rules for signals that
/// arrived before it (a grievance names a facility by its Provenance id: its grievance flag moves to the facility's key).
/// </summary>
public sealed class FacilityRegisteredConsumer(Inbox inbox, Database database, FlagBook flags, UflpaRule uflpa, FacilityEvaluator evaluator,
    MassBalanceEvaluator massBalance, ProvenanceGapRule gaps, GrievanceWorkplaces workplaces, GoodsTrace trace)
    : IConsumer<FacilityRegistered>
{
    private readonly string _insert = KeepSupplyChainSql.InsertFacility(database.Dialect);
    private readonly string _auditDays = FacilityEvaluationSql.AuditDays(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<FacilityRegistered> context)
    {
        var f = context.Message;
        var row = new
        {
            Id = f.FacilityId, f.TenantId, f.Revision, f.Name, f.Country, f.Gln, f.OshId, f.FacilityType, UpdatedAt = f.OccurredAt,
            f.Region, f.Latitude, f.Longitude,
        };
        // Every key it is known by (FacilityLocks): a shipment naming it, an audit or a grievance there consumed at the same
        // moment is judged before it or after it, and the one consumed second sees the other's rows.
        var locks = FacilityLocks.Named(database.Dialect, [f.FacilityId], [f.Gln], [f.OshId]);
        return inbox.ConsumeOnceAsync(context, "risk.keep-facility", locks, async data =>
        {
            // A facility Risk already has is updated instead (when this revision is newer).
            var first = false;
            data.Defer(_insert, row, inserted =>
            {
                first = inserted == 1;
                if (inserted == 0)
                {
                    data.Defer(KeepSupplyChainSql.UpdateFacility, row);
                }
            });
            // Judged as it stands now, whichever revision this message carried.
            var facts = (await evaluator.FactsAsync(data, [f.FacilityId]))[0];
            var asOf = DateOnly.FromDateTime(f.OccurredAt);
            foreach (var signal in uflpa.ForFacility(facts, f.TenantId, asOf))
            {
                flags.RaiseOrAppend(data, signal);
            }
            var (inRegion, listed) = uflpa.Assess(facts, asOf);
            // Shipments that named it before Risk heard of it: their origin's audits are judged now, as on arrival.
            var named = inRegion is not null || listed is not null || first
                ? await data.QueryAsync<NamedBy>(FacilityEvaluationSql.ShipmentsNaming, new { Id = f.FacilityId })
                : [];
            var shippedFrom = first ? named.Where(n => n.Role == "origin").ToList() : [];
            if (shippedFrom.Count > 0)
            {
                var audited = await data.QueryAsync<DateOnly>(_auditDays, new
                {
                    Glns = new[] { facts.Gln }.OfType<string>().ToArray(), OshIds = new[] { facts.OshId }.OfType<string>().ToArray(),
                });
                foreach (var shipment in shippedFrom)
                {
                    var lastAudit = audited.Where(d => d <= shipment.ShipDate).Select(d => (DateOnly?)d).Max();
                    var facts1 = new ShipmentFacts(shipment.ShipmentId, shipment.TenantId, shipment.Commodity, shipment.HsCode, shipment.ShipDate);
                    if (gaps.EvaluateOrigin(facts1, facts, lastAudit) is { } gap)
                    {
                        flags.RaiseOrAppend(data, gap);
                    }
                }
            }
            if (inRegion is not null || listed is not null)
            {
                foreach (var shipment in named)
                {
                    var facts1 = new ShipmentFacts(shipment.ShipmentId, shipment.TenantId, shipment.Commodity, shipment.HsCode, shipment.ShipDate);
                    foreach (var signal in uflpa.ForShipment(facts1, [(facts, shipment.Role)]))
                    {
                        flags.RaiseOrAppend(data, signal);
                    }
                }
            }
            // EPCIS events at its GLN kept before Risk knew where it was: the shipments and shipping events they lead to are traced again.
            if (inRegion is not null || listed is not null)
            {
                await trace.FacilityArrivedAsync(data, facts);
            }
            // Grievances filed under its Provenance id before Risk knew its GLN / Open Supply Hub id move to that key.
            await workplaces.SettleAsync(data, facts, f.TenantId);
            if (await evaluator.IdentifyAsync(data, facts.Gln, facts.OshId, [f.FacilityId]) is { } site)
            {
                await evaluator.EvaluateAsync(data, site, f.TenantId);
                // Shipments that named this facility before Risk knew where it is are weighed against its capacity now.
                if (await massBalance.CapacityAsync(data, site) is { } capacity)
                {
                    await massBalance.EvaluateAsync(data, site, capacity);
                }
            }
        });
    }

    private sealed record NamedBy(Guid ShipmentId, string Role, string TenantId, string HsCode, string Commodity, DateOnly ShipDate);
}

/// <summary>Keeps Risk's copy of each product, once per message.</summary>
public sealed class ProductRegisteredConsumer(Inbox inbox, Database database) : IConsumer<ProductRegistered>
{
    private readonly string _insert = KeepSupplyChainSql.InsertProduct(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<ProductRegistered> context)
    {
        var p = context.Message;
        return inbox.ConsumeOnceAsync(context, "risk.keep-product", data =>
        {
            data.Defer(_insert, new { Id = p.ProductId, p.TenantId, p.Gtin, p.HsCode, p.Commodity });
            return Task.CompletedTask;
        });
    }
}
