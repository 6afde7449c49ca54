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
        return inbox.ConsumeOnceAsync(context, "risk.keep-facility", async data =>
        {
            if (await data.ExecuteAsync(_insert, row) == 0)
            {
                await data.ExecuteAsync(KeepSupplyChainSql.UpdateFacility, row);
            }
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
        return inbox.ConsumeOnceAsync(context, "risk.keep-product",
            data => data.ExecuteAsync(_insert, new { Id = p.ProductId, p.TenantId, p.Gtin, p.HsCode, p.Commodity }));
    }
}
