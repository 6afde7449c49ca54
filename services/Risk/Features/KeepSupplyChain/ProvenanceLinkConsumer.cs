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
        return inbox.ConsumeOnceAsync(context, "risk.keep-provenance-link", data =>
        {
            if (e.LinkKind is not null)
            {
                data.Defer(_insert, new
                {
                    e.TenantId, EpcisEventId = e.EpcisEventId, e.LinkKind, e.EventType, e.EventTime, e.BizLocation, EpcCount = e.Epcs.Count,
                });
            }
            return Task.CompletedTask;
        });
    }
}

/// <summary>The same, for the events of a captured document published as one message.</summary>
public sealed class EpcisEventsCapturedConsumer(Inbox inbox, Database database) : IConsumer<EpcisEventsCaptured>
{
    private readonly string _insert = KeepSupplyChainSql.InsertProvenanceLink(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<EpcisEventsCaptured> context)
    {
        var message = context.Message;
        return inbox.ConsumeOnceAsync(context, "risk.keep-provenance-links", data =>
        {
            foreach (var e in message.Events.Where(e => e.LinkKind is not null))
            {
                data.Defer(_insert, new
                {
                    message.TenantId, EpcisEventId = e.EpcisEventId, e.LinkKind, e.EventType, e.EventTime, e.BizLocation, e.EpcCount,
                });
            }
            return Task.CompletedTask;
        });
    }
}
