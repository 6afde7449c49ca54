using MassTransit;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.KeepSupplyChain;

/// <summary>
/// Keeps the provenance links (shipping, receiving, transforming) that EPCIS events describe, once per message, and the EPCs
/// the event held (<see cref="HeldInputs"/>): a receipt published one event at a time still clears a transformation's missing
/// inputs. This message does not tell a transformation's inputs from its outputs, so its transformations are not judged
/// (Provenance publishes <see cref="EpcisEventsCaptured"/>, which does).
/// </summary>
public sealed class EpcisEventCapturedConsumer(Inbox inbox, Database database, HeldInputs held, GoodsTrace trace) : IConsumer<EpcisEventCaptured>
{
    private readonly string _insert = KeepSupplyChainSql.InsertProvenanceLink(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<EpcisEventCaptured> context)
    {
        var e = context.Message;
        return inbox.ConsumeOnceAsync(context, "risk.keep-provenance-link", [HeldInputs.Lock(database.Dialect, e.TenantId)], async data =>
        {
            if (e.LinkKind is not null)
            {
                data.Defer(_insert, new
                {
                    e.TenantId, EpcisEventId = e.EpcisEventId, e.LinkKind, e.EventType, e.EventTime, e.BizLocation, EpcCount = e.Epcs.Count,
                });
            }
            CapturedEpcisEvent[] captured =
            [
                new()
                {
                    EpcisEventId = e.EpcisEventId, EventType = e.EventType, EventTime = e.EventTime, LinkKind = e.LinkKind, BizStep = e.BizStep, Action = e.Action,
                    ReadPoint = e.ReadPoint, BizLocation = e.BizLocation, Epcs = e.Epcs, EpcCount = e.Epcs.Count, Sources = e.Sources, Destinations = e.Destinations,
                },
            ];
            await held.KeepAsync(data, e.TenantId, captured, inputsKnown: false);
            await trace.KeepAsync(data, e.TenantId, captured, rolesKnown: false);
        });
    }
}

/// <summary>
/// The same, for the events of a captured document published as one message; and the EPCs each exporter has held (named
/// by any event but as a transformation's input, earliest time kept), against which each TransformationEvent's inputs are
/// checked (<see cref="TransformationInputsRule"/> through <see cref="HeldInputs"/>): a receipt anywhere in the same document,
/// or in one that arrives later, with an event time before the transformation's counts.
/// </summary>
public sealed class EpcisEventsCapturedConsumer(Inbox inbox, Database database, HeldInputs held, GoodsTrace trace) : IConsumer<EpcisEventsCaptured>
{
    private readonly string _insert = KeepSupplyChainSql.InsertProvenanceLink(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<EpcisEventsCaptured> context)
    {
        var message = context.Message;
        return inbox.ConsumeOnceAsync(context, "risk.keep-provenance-links", [HeldInputs.Lock(database.Dialect, message.TenantId)], async data =>
        {
            foreach (var e in message.Events)
            {
                if (e.LinkKind is not null)
                {
                    data.Defer(_insert, new
                    {
                        message.TenantId, EpcisEventId = e.EpcisEventId, e.LinkKind, e.EventType, e.EventTime, e.BizLocation, e.EpcCount,
                    });
                }
            }
            await held.KeepAsync(data, message.TenantId, message.Events);
            await trace.KeepAsync(data, message.TenantId, message.Events);
        });
    }
}
