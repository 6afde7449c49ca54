using MassTransit;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Features.EvaluateFacility;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.KeepSupplyChain;

/// <summary>
/// Keeps Risk's copy of each facility at its latest revision, once per message, then judges it: the UFLPA rules for the
/// facility and for every shipment that named it before Risk knew where it was, and the signal rules for signals that
/// arrived before it (a grievance names a facility by its Provenance id).
/// </summary>
public sealed class FacilityRegisteredConsumer(Inbox inbox, Database database, FlagBook flags, UflpaRule uflpa, FacilityEvaluator evaluator,
    MassBalanceEvaluator massBalance)
    : IConsumer<FacilityRegistered>
{
    private readonly string _insert = KeepSupplyChainSql.InsertFacility(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<FacilityRegistered> context)
    {
        var f = context.Message;
        var row = new
        {
            Id = f.FacilityId, f.TenantId, f.Revision, f.Name, f.Country, f.Gln, f.OshId, f.FacilityType, UpdatedAt = f.OccurredAt,
            f.Region, f.Latitude, f.Longitude,
        };
        return inbox.ConsumeOnceAsync(context, "risk.keep-facility", async data =>
        {
            // A facility Risk already has is updated instead (when this revision is newer).
            data.Defer(_insert, row, inserted =>
            {
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
            if (inRegion is not null || listed is not null)
            {
                foreach (var shipment in await data.QueryAsync<NamedBy>(FacilityEvaluationSql.ShipmentsNaming, new { Id = f.FacilityId }))
                {
                    var facts1 = new ShipmentFacts(shipment.ShipmentId, shipment.TenantId, shipment.Commodity, shipment.HsCode, shipment.ShipDate);
                    foreach (var signal in uflpa.ForShipment(facts1, [(facts, shipment.Role)]))
                    {
                        flags.RaiseOrAppend(data, signal);
                    }
                }
            }
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
