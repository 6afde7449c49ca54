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

/// <summary>In-process retries, then the error queue.</summary>
public sealed class EpcisEventCapturedConsumerDefinition : ConsumerDefinition<EpcisEventCapturedConsumer>
{
    /// <inheritdoc />
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<EpcisEventCapturedConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.UseMessageRetry(retry => retry.Exponential(5, TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(300)));
}
