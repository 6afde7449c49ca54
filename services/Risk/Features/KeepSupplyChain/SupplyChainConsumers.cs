using MassTransit;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Data.Messaging;

namespace Traceability.Risk.Features.KeepSupplyChain;

/// <summary>Keeps Risk's copy of each facility at its latest revision, once per message.</summary>
public sealed class FacilityRegisteredConsumer(Inbox inbox, Database database) : IConsumer<FacilityRegistered>
{
    private readonly string _insert = KeepSupplyChainSql.InsertFacility(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<FacilityRegistered> context)
    {
        var f = context.Message;
        var row = new
        {
            Id = f.FacilityId, f.TenantId, f.Revision, f.Name, f.Country, f.Gln, f.OshId, f.FacilityType, UpdatedAt = f.OccurredAt,
        };
        return inbox.ConsumeOnceAsync(context, "risk.keep-facility", data =>
        {
            // A facility Risk already has is updated instead (when this revision is newer).
            data.Defer(_insert, row, inserted =>
            {
                if (inserted == 0)
                {
                    data.Defer(KeepSupplyChainSql.UpdateFacility, row);
                }
            });
            return Task.CompletedTask;
        });
    }
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
