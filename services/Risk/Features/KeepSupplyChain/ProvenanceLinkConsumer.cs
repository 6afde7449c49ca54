using MassTransit;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

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

/// <summary>
/// The same, for the events of a captured document published as one message; and the EPCs each exporter has held (named
/// by any event but as a transformation's input, earliest time kept), against which each TransformationEvent's inputs are
/// checked (<see cref="TransformationInputsRule"/>), in document order: a receipt earlier in the same document counts.
/// </summary>
public sealed class EpcisEventsCapturedConsumer(Inbox inbox, Database database, FlagBook flags, TransformationInputsRule inputs) : IConsumer<EpcisEventsCaptured>
{
    private readonly string _insert = KeepSupplyChainSql.InsertProvenanceLink(database.Dialect);
    private readonly string _insertHeld = KeepSupplyChainSql.InsertHeldEpc(database.Dialect);
    private readonly string _heldBefore = KeepSupplyChainSql.HeldBefore(database.Dialect);
    private readonly string _siteByGln = KeepSupplyChainSql.SiteByGln;

    /// <inheritdoc />
    public Task Consume(ConsumeContext<EpcisEventsCaptured> context)
    {
        var message = context.Message;
        return inbox.ConsumeOnceAsync(context, "risk.keep-provenance-links", async data =>
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
                if (!inputs.Enabled)
                {
                    continue;
                }
                if (e.EventType == "TransformationEvent" && e.InputEpcs.Count > 0)
                {
                    var held = await data.QueryAsync<string>(_heldBefore, new { message.TenantId, Epcs = e.InputEpcs.ToArray(), Before = e.EventTime });
                    var neverHeld = e.InputEpcs.Except(held, StringComparer.Ordinal).ToList();
                    if (neverHeld.Count > 0)
                    {
                        var gln = e.BizLocation is null ? null : TransformationInputsRule.GlnOfSgln(e.BizLocation);
                        var site = gln is null ? null : (await data.QueryAsync<FacilityFacts>(_siteByGln, new { Gln = gln })).FirstOrDefault();
                        if (inputs.Evaluate(message.TenantId, e, neverHeld, site) is { } signal)
                        {
                            flags.RaiseOrAppend(data, signal);
                        }
                    }
                }
                foreach (var epc in e.Epcs.Except(e.InputEpcs, StringComparer.Ordinal))
                {
                    var row = new { message.TenantId, Epc = epc, HeldFrom = e.EventTime, EpcisEventId = e.EpcisEventId };
                    data.Defer(_insertHeld, row, inserted =>
                    {
                        if (inserted == 0)
                        {
                            data.Defer(KeepSupplyChainSql.HeldEarlier, row);
                        }
                    });
                }
            }
        });
    }
}
