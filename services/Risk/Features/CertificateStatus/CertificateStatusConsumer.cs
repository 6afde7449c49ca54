using MassTransit;
using Traceability.Contracts.Audits;
using Traceability.Contracts.Risk;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.CertificateStatus;

/// <summary>
/// Keeps every status a certificate has had and, when it becomes suspended, withdrawn or expired, re-evaluates every
/// shipment that claims it in a few set-based statements (not one message, nor one statement, per shipment): each
/// claim whose ship date falls under the new status gets a flag (or the change as evidence on its open flag), with its
/// history row and <see cref="FlagRaised"/>, in the same transaction as the inbox row.
/// </summary>
public sealed class CertificateStatusConsumer(Inbox inbox, Database database, CertificateRule rule, RuleCatalog catalog, TimeProvider time)
    : IConsumer<CertificateStatusChanged>
{
    /// <summary>The consumer's name in the inbox.</summary>
    public const string InboxName = "risk.certificate-status";

    // FlagRaised rows are sent to the database in batches of this many, not all held until commit.
    private const int PublishBatch = 2000;

    private readonly string _insertCertificate = CertificateStatusSql.InsertCertificateIfAbsent(database.Dialect);
    private readonly string _insertStatus = CertificateStatusSql.InsertStatusIfAbsent(database.Dialect);
    private readonly string _raiseFlags = CertificateStatusSql.RaiseFlags(database.Dialect);
    private readonly string _appendEvidence = CertificateStatusSql.AppendEvidence(database.Dialect);
    private readonly string _recount = CertificateStatusSql.Recount(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<CertificateStatusChanged> context)
    {
        var change = context.Message;
        var key = new { SchemeKey = CertificateRule.SchemeKey(change.Scheme), change.Number, change.Sequence };
        var now = time.GetUtcNow().UtcDateTime;
        now = new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
        return inbox.ConsumeOnceAsync(context, InboxName, async data =>
        {
            data.Defer(_insertCertificate, new { key.SchemeKey, key.Number, LatestSequence = 0 });
            data.Defer(CertificateStatusSql.LockCertificate, key);
            data.Defer(_insertStatus, new
            {
                key.SchemeKey, key.Number, key.Sequence, change.Scheme, change.Status, EffectiveFrom = change.EffectiveFrom, change.Reason, ChangedAt = change.ChangedAt,
            });
            var settings = rule.Settings;
            if (settings.Enabled && CertificateRule.Invalid.Contains(change.Status))
            {
                await ReevaluateClaimsAsync(data, change, key.SchemeKey, settings.Version, now);
            }
        });
    }

    private async Task ReevaluateClaimsAsync(DataTransaction data, CertificateStatusChanged change, string schemeKey, int version, DateTime now)
    {
        var evidence = CertificateRule.Evidence(change.Scheme, change.Number, change.Sequence);
        var parameters = new Dictionary<string, object?>
        {
            ["RuleId"] = CertificateRule.RuleId, ["RuleVersion"] = version, ["SchemeKey"] = schemeKey, ["Number"] = change.Number, ["Scheme"] = change.Scheme,
            ["CertificateEvidence"] = evidence, ["Note"] = $"{change.Status} from {change.EffectiveFrom:yyyy-MM-dd}: {change.Reason}", ["Now"] = now,
        };
        foreach (var status in CertificateRule.Invalid)
        {
            var name = char.ToUpperInvariant(status[0]) + status[1..];
            var severity = rule.SeverityFor(status);
            var sla = catalog.SlaFor(severity);
            parameters[$"{name}Severity"] = severity;
            parameters[$"{name}Explanation"] = CertificateRule.Explanation(change.Scheme, change.Number, status);
            parameters[$"{name}AssignDue"] = now + sla.Assign;
            parameters[$"{name}ResolveDue"] = now + sla.Resolve;
        }
        var arguments = new Dapper.DynamicParameters(parameters);
        var earlier = await data.QueryAsync<Guid>(CertificateStatusSql.EarlierOpenFlags, arguments);
        var raised = await data.ExecuteAsync(_raiseFlags, arguments);
        if (raised > 0)
        {
            await data.ExecuteAsync(CertificateStatusSql.NewFlagsEvidence, arguments);
            await data.ExecuteAsync(CertificateStatusSql.NewFlagsHistory, arguments);
        }
        // A list parameter per statement stays well under SQL Server's 2,100 parameters.
        foreach (var chunk in earlier.Chunk(1000))
        {
            arguments.Add("Ids", chunk);
            await data.ExecuteAsync(_appendEvidence, arguments);
            await data.ExecuteAsync(_recount, arguments);
        }
        if (raised == 0)
        {
            return;
        }
        var flags = await data.QueryAsync<NewFlag>(CertificateStatusSql.NewFlags, arguments);
        for (var i = 0; i < flags.Count; i++)
        {
            var f = flags[i];
            data.Publish(new FlagRaised
            {
                EventId = Guid.CreateVersion7(),
                TenantId = f.TenantId,
                OccurredAt = now,
                FlagId = f.Id,
                RuleId = CertificateRule.RuleId,
                RuleVersion = version,
                Severity = f.Severity,
                SubjectType = "shipment",
                SubjectId = f.SubjectId,
                ScopeCountry = f.ScopeCountry,
                ScopeHsChapter = f.ScopeHsChapter,
                ScopeScheme = change.Scheme,
                Explanation = f.Explanation,
            });
            if ((i + 1) % PublishBatch == 0)
            {
                await data.FlushAsync();
            }
        }
    }

    private sealed record NewFlag
    {
        public Guid Id { get; init; }
        public string Severity { get; init; } = "";
        public string SubjectId { get; init; } = "";
        public string TenantId { get; init; } = "";
        public string ScopeCountry { get; init; } = "";
        public string? ScopeHsChapter { get; init; }
        public string Explanation { get; init; } = "";
    }
}
