using MassTransit;
using Traceability.Contracts.Provenance;
using Traceability.Contracts.Risk;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.EvaluateShipment;

/// <summary>
/// Evaluates every recorded shipment against the shipment rules, exactly once per message:
/// the evaluation, any flag and its <see cref="FlagRaised"/> event commit with the inbox row.
/// </summary>
public sealed class ShipmentRecordedConsumer(Inbox inbox, Database database, ShipmentOriginRule originRule, TimeProvider time) : IConsumer<ShipmentRecorded>
{
    /// <summary>The consumer's name in the inbox.</summary>
    public const string InboxName = "risk.evaluate-shipment";

    private readonly string _insertFlag = EvaluateShipmentSql.InsertFlagIfAbsent(database.Dialect);

    /// <inheritdoc />
    public async Task Consume(ConsumeContext<ShipmentRecorded> context)
    {
        var shipment = context.Message;
        var findings = new[] { originRule.Evaluate(shipment) }.OfType<RuleFinding>().ToList();
        var now = time.GetUtcNow().UtcDateTime;
        var flags = findings.Select(f => (Finding: f, FlagId: Guid.CreateVersion7(), EventId: Guid.CreateVersion7())).ToList();

        await inbox.ConsumeOnceAsync(context, InboxName, data =>
        {
            foreach (var (finding, flagId, eventId) in flags)
            {
                // Held with the other writes; FlagRaised follows only a flag that was not there yet.
                data.Defer(_insertFlag, new
                {
                    Id = flagId,
                    finding.RuleId,
                    finding.RuleVersion,
                    finding.Severity,
                    SubjectType = "shipment",
                    SubjectId = shipment.ShipmentId.ToString(),
                    shipment.TenantId,
                    ScopeCountry = shipment.OriginCountry,
                    finding.Explanation,
                    Evidence = string.Join(' ', finding.EvidenceIds),
                    Status = "open",
                    RaisedAt = now,
                }, raised =>
                {
                    if (raised == 1)
                    {
                        data.Publish(new FlagRaised
                        {
                            EventId = eventId,
                            TenantId = shipment.TenantId,
                            OccurredAt = now,
                            FlagId = flagId,
                            RuleId = finding.RuleId,
                            RuleVersion = finding.RuleVersion,
                            Severity = finding.Severity,
                            SubjectType = "shipment",
                            SubjectId = shipment.ShipmentId.ToString(),
                            ScopeCountry = shipment.OriginCountry,
                            Explanation = finding.Explanation,
                        });
                    }
                });
            }
            data.Defer(EvaluateShipmentSql.InsertEvaluation, new
            {
                shipment.ShipmentId,
                shipment.TenantId,
                MessageId = context.MessageId,
                EvaluatedAt = now,
                Findings = findings.Count,
            });
            return Task.CompletedTask;
        });
    }
}
