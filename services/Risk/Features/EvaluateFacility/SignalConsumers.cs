using MassTransit;
using Traceability.Contracts.Audits;
using Traceability.Contracts.Grievances;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Features.FlagGrievances;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.EvaluateFacility;

/// <summary>
/// Keeps what an audit says about its facility over time (when it was audited, the ILO indicators its findings map to)
/// and re-judges the facility's signal rules, its mass balance (a capacity) and the provenance gaps of shipments it covers,
/// once per message. (Rules on a single audit, such as zero tolerance, live in
/// their own consumer.)
/// </summary>
public sealed class AuditSignalsConsumer(Inbox inbox, Database database, FacilityEvaluator evaluator, MassBalanceEvaluator massBalance, ProvenanceGapReview gaps)
    : IConsumer<AuditSubmitted>
{
    private readonly string _insertAudit = FacilityEvaluationSql.InsertAudit(database.Dialect);
    private readonly string _insertSignal = FacilityEvaluationSql.InsertSignal(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<AuditSubmitted> context)
    {
        var audit = context.Message;
        var facility = audit.Facility;
        var named = FacilityKey.Of(facility.Gln, facility.OshId);
        // The site's keys first (FacilityLocks): a shipment from it, its registration or a grievance there consumed at the same
        // moment is judged before this audit or after it, and the later of the two sees the other.
        var locks = FacilityLocks.Named(database.Dialect, [], [facility.Gln], [facility.OshId]);
        return inbox.ConsumeOnceAsync(context, "risk.audit-signals", locks, async data =>
        {
            var capacity = audit.ProductionCapacity;
            data.Defer(_insertAudit, new
            {
                audit.AuditId, facility.Gln, facility.OshId, audit.Scheme, audit.EndDate,
                CapacityQuantity = capacity?.Quantity, CapacityUnit = capacity?.Unit, CapacityPeriod = capacity?.Period,
            });
            var observed = audit.EndDate.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
            foreach (var finding in audit.Findings)
            {
                foreach (var indicator in finding.IloIndicators.Distinct())
                {
                    data.Defer(_insertSignal, new
                    {
                        EvidenceId = $"finding:{finding.FindingId}", Indicator = indicator, Named = named, Source = EvidenceSource.Audit,
                        facility.Gln, facility.OshId, FacilityId = (Guid?)null, ObservedAt = observed,
                    });
                }
            }
            var stand = new FacilityFacts { Gln = facility.Gln, OshId = facility.OshId, Name = facility.Name, Country = facility.Country };
            if (await evaluator.IdentifyAsync(data, facility.Gln, facility.OshId, [], stand) is { } site)
            {
                await evaluator.EvaluateAsync(data, site, audit.TenantId);
                // A capacity judges every period already shipped (the latest audit's capacity, whichever arrives first).
                if (capacity is not null && site.Ids.Count > 0 && await massBalance.CapacityAsync(data, site) is { } latest)
                {
                    await massBalance.EvaluateAsync(data, site, latest);
                }
                // Shipments flagged for a gap this audit would have covered had it come first.
                await gaps.ReviewAsync(data, site, audit.AuditId, audit.EndDate);
            }
        });
    }
}

/// <summary>
/// Keeps each grievance's ILO indicators and filing time per facility it names, and re-judges those facilities' signal
/// rules, once per message. A facility Risk has not heard of yet is judged when it arrives.
/// </summary>
public sealed class GrievanceSignalsConsumer(Inbox inbox, Database database, FacilityEvaluator evaluator) : IConsumer<GrievanceFiled>
{
    private readonly string _insertSignal = FacilityEvaluationSql.InsertSignal(database.Dialect);
    private readonly string _insertCase = FacilityEvaluationSql.InsertCase(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<GrievanceFiled> context)
    {
        var grievance = context.Message;
        // As the facility's own message does: a grievance and its facility (or an audit there) consumed at once still meet.
        var locks = FacilityLocks.Named(database.Dialect, grievance.FacilityIds);
        return inbox.ConsumeOnceAsync(context, "risk.grievance-signals", locks, async data =>
        {
            foreach (var facilityId in grievance.FacilityIds.Distinct())
            {
                var row = new { grievance.CaseId, FacilityId = facilityId, grievance.FiledAt, AcknowledgedAt = (DateTime?)null };
                data.Defer(_insertCase, row, inserted =>
                {
                    if (inserted == 0)
                    {
                        data.Defer(FacilityEvaluationSql.CaseFiled, row);
                    }
                });
                foreach (var indicator in grievance.IloIndicators.Distinct())
                {
                    data.Defer(_insertSignal, new
                    {
                        EvidenceId = $"grievance:{grievance.CaseId}", Indicator = indicator, Named = facilityId.ToString(), Source = EvidenceSource.Grievance,
                        Gln = (string?)null, OshId = (string?)null, FacilityId = (Guid?)facilityId, ObservedAt = grievance.FiledAt,
                    });
                }
            }
            await SignalRules.EvaluateKnownAsync(data, evaluator, grievance.FacilityIds, grievance.TenantId);
        });
    }
}

/// <summary>Keeps when each grievance case was acknowledged (the reprisal rule's starting point), once per message.</summary>
public sealed class GrievanceAcknowledgedConsumer(Inbox inbox, Database database, FacilityEvaluator evaluator) : IConsumer<GrievanceStatusChanged>
{
    private readonly string _insertCase = FacilityEvaluationSql.InsertCase(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<GrievanceStatusChanged> context)
    {
        var change = context.Message;
        var locks = change.Status == "acknowledged" ? FacilityLocks.Named(database.Dialect, change.FacilityIds) : [];
        return inbox.ConsumeOnceAsync(context, "risk.grievance-acknowledged", locks, async data =>
        {
            if (change.Status != "acknowledged")
            {
                return;
            }
            foreach (var facilityId in change.FacilityIds.Distinct())
            {
                var row = new { change.CaseId, FacilityId = facilityId, FiledAt = (DateTime?)null, AcknowledgedAt = (DateTime?)change.OccurredAt };
                data.Defer(_insertCase, row, inserted =>
                {
                    if (inserted == 0)
                    {
                        data.Defer(FacilityEvaluationSql.CaseAcknowledged, row);
                    }
                });
            }
            await SignalRules.EvaluateKnownAsync(data, evaluator, change.FacilityIds, change.TenantId);
        });
    }
}

internal static class SignalRules
{
    /// <summary>Judges each site among the named facilities that Risk knows (once per site).</summary>
    public static async Task EvaluateKnownAsync(DataTransaction data, FacilityEvaluator evaluator, IReadOnlyList<Guid> facilityIds, string tenantId)
    {
        var judged = new HashSet<string>();
        foreach (var facts in await evaluator.FactsAsync(data, facilityIds.Distinct().ToList()))
        {
            if (await evaluator.IdentifyAsync(data, facts.Gln, facts.OshId, [facts.ProvenanceId!.Value]) is { } site && judged.Add(site.Facts.Key))
            {
                await evaluator.EvaluateAsync(data, site, tenantId);
            }
        }
    }
}
