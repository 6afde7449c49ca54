using MassTransit;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Features.CertificateStatus;
using Traceability.Risk.Features.EvaluateFacility;
using Traceability.Risk.Features.KeepSupplyChain;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.EvaluateShipment;

/// <summary>
/// Evaluates every recorded shipment against the shipment rules (DOL list; and, for the facilities it names, UFLPA,
/// hold and provenance gaps; and the certificates it claims), exactly once per message: the evaluation, the claims
/// and every flag raised or appended (with its events) commit with the inbox row. The facilities a shipment names are
/// remembered, so that a facility Risk hears of later is judged with its shipments.
/// </summary>
public sealed class ShipmentRecordedConsumer(
    Inbox inbox, Database database, FlagBook flags, ShipmentOriginRule originRule, UflpaRule uflpa, HoldRule hold, ProvenanceGapRule gaps,
    CertificateClaims certificates, FacilityEvaluator sites, MassBalanceEvaluator massBalance, GoodsTrace trace, TimeProvider time)
    : IConsumer<ShipmentRecorded>, IConsumer<ShipmentsRecorded>
{
    /// <summary>The consumer's name in the inbox.</summary>
    public const string InboxName = "risk.evaluate-shipment";

    private readonly string _insertNamed = FacilityEvaluationSql.InsertShipmentFacility(database.Dialect);
    private readonly string _factsByIds = FacilityEvaluationSql.FactsByIds(database.Dialect);
    private readonly string _criticalFlags = FacilityEvaluationSql.OpenCriticalFlags(database.Dialect);
    private readonly string _lastAudit = FacilityEvaluationSql.LastAudit(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<ShipmentRecorded> context) =>
        EvaluateOnceAsync(context.Message, context.MessageId ?? throw new InvalidOperationException("A message without a MessageId cannot be deduplicated."),
            context.ReceiveContext.Redelivered, context.CancellationToken);

    /// <summary>
    /// Shipments Provenance's relay sent together: each is evaluated exactly once by its own event id, the id its single
    /// message would have carried. They are started together, so they share transactions (group commit); one that fails
    /// fails alone, the others commit, and the batch is retried (the committed ones are then duplicates) and reaches
    /// <c>_error</c> only for the shipment that keeps failing.
    /// </summary>
    public Task Consume(ConsumeContext<ShipmentsRecorded> context) =>
        Task.WhenAll(context.Message.Shipments.Select(shipment =>
            EvaluateOnceAsync(shipment, shipment.EventId, context.ReceiveContext.Redelivered, context.CancellationToken)));

    private async Task EvaluateOnceAsync(ShipmentRecorded shipment, Guid messageId, bool redelivered, CancellationToken cancellationToken)
    {
        var named = Named(shipment);
        var now = time.GetUtcNow().UtcDateTime;

        // The facilities it names are locked first (FacilityLocks): a registration, audit or grievance of one of them consumed
        // at the same moment is judged before it or after it, never beside it unseen. A shipment naming none takes no lock.
        var locks = FacilityLocks.Named(database.Dialect, named.Select(n => n.FacilityId));
        await inbox.ConsumeOnceAsync(messageId, InboxName, redelivered, locks, async data =>
        {
            // First, as the certificate-status sweep does: certificate rows are locked before any flag row.
            await certificates.KeepAsync(data, shipment);
            var signals = new List<FlagSignal>();
            if (originRule.Evaluate(shipment) is { } listed)
            {
                signals.Add(listed);
            }
            // The goods it names followed back through the exporter's EPCIS events (nothing read when it names none).
            var chain = await trace.KeepAsync(data, shipment);
            // Shipments that name no facility (most, so far) cost no read.
            if (named.Count > 0)
            {
                foreach (var (facilityId, role) in named)
                {
                    data.Defer(_insertNamed, new
                    {
                        FacilityId = facilityId, shipment.ShipmentId, Role = role, shipment.TenantId, shipment.HsCode, shipment.Commodity, shipment.ShipDate,
                        // What left the origin counts for its mass balance; a tier's share of the goods is not known.
                        Quantity = role == "origin" ? shipment.Quantity : (decimal?)null, Unit = role == "origin" ? shipment.Unit : null,
                    });
                }
                var known = (await data.QueryAsync<FacilityFacts>(_factsByIds, new { Ids = named.Select(n => n.FacilityId).Distinct().ToArray() }))
                    .ToDictionary(f => f.ProvenanceId!.Value);
                var facilities = named.Where(n => known.ContainsKey(n.FacilityId)).Select(n => (known[n.FacilityId], n.Role)).ToList();
                // Their GLNs and Open Supply Hub ids, before the flags, audits and capacity filed under them are read (held with
                // that read: no round trip of its own).
                FacilityLocks.Learnt(data, known.Values);
                signals.AddRange(uflpa.ForShipment(ShipmentFacts.Of(shipment), facilities, chain));
                if (facilities.Count > 0)
                {
                    var critical = await data.QueryAsync<CriticalFlag>(_criticalFlags, new { Keys = facilities.Select(f => f.Item1.Key).Distinct().ToArray() });
                    var byKey = facilities.Select(f => f.Item1).DistinctBy(f => f.Key).ToDictionary(f => f.Key);
                    if (hold.Evaluate(shipment, critical.Select(c => (byKey[c.FacilityKey.Trim()], c.FlagId, c.RuleId)).ToList()) is { } held)
                    {
                        signals.Add(held);
                    }
                }
                var origin = shipment.OriginFacilityId is { } id && known.TryGetValue(id, out var o) ? o : null;
                DateOnly? lastAudit = null;
                if (origin is not null)
                {
                    var audited = await data.QuerySingleOrDefaultAsync<OriginAudits>(_lastAudit, new
                    {
                        Glns = new[] { origin.Gln }.OfType<string>().ToArray(), OshIds = new[] { origin.OshId }.OfType<string>().ToArray(), shipment.ShipDate,
                    });
                    lastAudit = audited!.LastAudit;
                    // Only an origin with an audited capacity costs the mass balance's reads (the site, its period's shipments).
                    if (audited.Quantity is not null && await sites.IdentifyAsync(data, origin.Gln, origin.OshId, [origin.ProvenanceId!.Value]) is { } site)
                    {
                        await massBalance.EvaluateAsync(data, site, audited.Capacity, shipment.ShipDate, $"shipment:{shipment.ShipmentId}");
                    }
                }
                if (gaps.Evaluate(shipment, origin, lastAudit) is { } gap)
                {
                    signals.Add(gap);
                }
            }
            else
            {
                signals.AddRange(uflpa.ForShipment(ShipmentFacts.Of(shipment), [], chain));
                if (gaps.Evaluate(shipment, null, null) is { } gap)
                {
                    signals.Add(gap);
                }
            }
            foreach (var signal in signals)
            {
                flags.RaiseOrAppend(data, signal);
            }
            data.Defer(EvaluateShipmentSql.InsertEvaluation, new
            {
                shipment.ShipmentId,
                shipment.TenantId,
                MessageId = messageId,
                EvaluatedAt = now,
                Findings = signals.Count,
            });
        }, cancellationToken);
    }

    private static List<(Guid FacilityId, string Role)> Named(ShipmentRecorded shipment)
    {
        var named = new List<(Guid, string)>();
        if (shipment.OriginFacilityId is { } origin)
        {
            named.Add((origin, "origin"));
        }
        named.AddRange(shipment.Tiers.Where(t => t.FacilityId != Guid.Empty).Select(t => (t.FacilityId, $"{t.Role} tier")));
        return named.Distinct().ToList();
    }

    private sealed record CriticalFlag(string FacilityKey, Guid FlagId, string RuleId);

    private sealed record OriginAudits
    {
        public DateOnly? LastAudit { get; init; }
        public Guid? AuditId { get; init; }
        public string? Scheme { get; init; }
        public DateOnly? EndDate { get; init; }
        public decimal? Quantity { get; init; }
        public string? Unit { get; init; }
        public string? Period { get; init; }

        public AuditedCapacity Capacity => new()
        {
            AuditId = AuditId!.Value, Scheme = Scheme!, EndDate = EndDate!.Value, Quantity = Quantity!.Value, Unit = Unit!, Period = Period!,
        };
    }
}
