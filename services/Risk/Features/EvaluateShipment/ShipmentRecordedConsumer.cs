using MassTransit;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.EvaluateShipment;

/// <summary>
/// Evaluates every recorded shipment against the shipment rules, exactly once per message: the
/// evaluation and every flag raised or appended (with its events) commit with the inbox row.
/// </summary>
public sealed class ShipmentRecordedConsumer(Inbox inbox, FlagBook flags, ShipmentOriginRule originRule, TimeProvider time) : IConsumer<ShipmentRecorded>
{
    /// <summary>The consumer's name in the inbox.</summary>
    public const string InboxName = "risk.evaluate-shipment";

    /// <inheritdoc />
    public async Task Consume(ConsumeContext<ShipmentRecorded> context)
    {
        var shipment = context.Message;
        var signals = new[] { originRule.Evaluate(shipment) }.OfType<FlagSignal>().ToList();
        var now = time.GetUtcNow().UtcDateTime;

        await inbox.ConsumeOnceAsync(context, InboxName, data =>
        {
            foreach (var signal in signals)
            {
                flags.RaiseOrAppend(data, signal);
            }
            data.Defer(EvaluateShipmentSql.InsertEvaluation, new
            {
                shipment.ShipmentId,
                shipment.TenantId,
                MessageId = context.MessageId,
                EvaluatedAt = now,
                Findings = signals.Count,
            });
            return Task.CompletedTask;
        });
    }
}
