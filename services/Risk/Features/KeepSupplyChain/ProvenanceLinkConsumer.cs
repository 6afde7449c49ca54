using MassTransit;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Data.Messaging;

namespace Traceability.Risk.Features.KeepSupplyChain;

/// <summary>Keeps the provenance links (shipping, receiving, transforming) that EPCIS events describe, once per message.</summary>
public sealed class EpcisEventCapturedConsumer(Inbox inbox, Database database) : IConsumer<EpcisEventCaptured>
{
    private readonly string _insert = KeepSupplyChainSql.InsertProvenanceLink(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<EpcisEventCaptured> context)
    {
        var e = context.Message;
        return inbox.ConsumeOnceAsync(context, "risk.keep-provenance-link", async data =>
        {
            if (e.LinkKind is not null)
            {
                await data.ExecuteAsync(_insert, new
                {
                    e.TenantId, EpcisEventId = e.EpcisEventId, e.LinkKind, e.EventType, e.EventTime, e.BizLocation, EpcCount = e.Epcs.Count,
                });
            }
        });
    }
}
