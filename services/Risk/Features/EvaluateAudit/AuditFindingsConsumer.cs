using MassTransit;
using Traceability.Contracts.Audits;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Features.EvaluateFacility;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.EvaluateAudit;

/// <summary>
/// Flags the audited facility from what an audit found, once per message: <c>audit-zero-tolerance</c> (a finding
/// of zero-tolerance severity that is not closed: critical) and <c>audit-ilo-indicators</c> (findings evidencing
/// at least <c>MinimumIndicators</c> distinct ILO forced-labour indicators in one audit: high). An audit published
/// again with more findings (a CSV upload) appends its new findings to the same open flags.
/// </summary>
public sealed class AuditFindingsConsumer(Inbox inbox, Database database, FlagBook flags, RuleCatalog rules) : IConsumer<AuditSubmitted>
{
    /// <summary>The consumer's name in the inbox.</summary>
    public const string InboxName = "risk.audit-findings";

    /// <summary>The zero-tolerance rule's id.</summary>
    public const string ZeroToleranceRule = "audit-zero-tolerance";

    /// <summary>The ILO indicators rule's id.</summary>
    public const string IloIndicatorsRule = "audit-ilo-indicators";

    /// <inheritdoc />
    public Task Consume(ConsumeContext<AuditSubmitted> context)
    {
        var signals = Evaluate(context.Message, rules);
        // A critical flag holds the shipments naming the site (FlagBook): the site's keys first (FacilityLocks), so a shipment
        // from it consumed at the same moment either sees the flag or is seen by the hold.
        var facility = context.Message.Facility;
        var locks = signals.Count == 0 ? [] : FacilityLocks.Named(database.Dialect, [], [facility.Gln], [facility.OshId]);
        return inbox.ConsumeOnceAsync(context, InboxName, locks, data =>
        {
            foreach (var signal in signals)
            {
                flags.RaiseOrAppend(data, signal);
            }
            return Task.CompletedTask;
        });
    }

    /// <summary>The flags an audit calls for.</summary>
    public static IReadOnlyList<FlagSignal> Evaluate(AuditSubmitted audit, RuleCatalog rules)
    {
        var signals = new List<FlagSignal>();
        var open = audit.Findings.Where(f => f.Status != "closed").ToList();
        var where = $"the {audit.Scheme} audit of {audit.Facility.Name} ({audit.Facility.Country}, {audit.StartDate:yyyy-MM-dd} to {audit.EndDate:yyyy-MM-dd})";
        FlagSignal Signal(string ruleId, string severity, string explanation, IEnumerable<AuditFinding> findings) => new()
        {
            RuleId = ruleId,
            RuleVersion = rules[ruleId].Version,
            Severity = severity,
            Subject = FlagSubject.Facility(FacilityKey.Of(audit.Facility.Gln, audit.Facility.OshId)),
            TenantId = audit.TenantId,
            Scope = new FlagScope(audit.Facility.Country, HsChapter: null, Scheme: audit.Scheme),
            Explanation = explanation,
            Evidence = [new FlagEvidence($"audit:{audit.AuditId}", EvidenceSource.Audit), .. findings.Select(f => new FlagEvidence($"finding:{f.FindingId}", EvidenceSource.Audit, f.Code))],
        };

        var zeroTolerance = rules[ZeroToleranceRule];
        var zero = open.Where(f => f.Severity == "zero-tolerance").ToList();
        if (zeroTolerance.Enabled && zero.Count > 0)
        {
            signals.Add(Signal(ZeroToleranceRule, zeroTolerance.Text("Severity"),
                $"{zero.Count} zero-tolerance finding{(zero.Count == 1 ? "" : "s")} ({string.Join(", ", zero.Select(f => f.Code).Distinct())}) in {where}.", zero));
        }

        var ilo = rules[IloIndicatorsRule];
        var indicators = open.SelectMany(f => f.IloIndicators).Distinct().Order(StringComparer.Ordinal).ToList();
        if (ilo.Enabled && indicators.Count >= ilo.Integer("MinimumIndicators"))
        {
            signals.Add(Signal(IloIndicatorsRule, ilo.Text("Severity"),
                $"{indicators.Count} ILO forced-labour indicators ({string.Join(", ", indicators)}) in {where}.", open.Where(f => f.IloIndicators.Count > 0)));
        }
        return signals;
    }
}
