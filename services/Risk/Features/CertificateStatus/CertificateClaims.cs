using MassTransit;
using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Features.CertificateStatus;

/// <summary>
/// Keeps the certificates each shipment claims (with its ship date), so that a later status change finds them,
/// and flags a shipment at once when a certificate it claims was already suspended, withdrawn or expired on its ship date.
/// </summary>
public sealed class CertificateClaimsConsumer(Inbox inbox, Database database, FlagBook flags, CertificateRule rule) : IConsumer<ShipmentRecorded>
{
    /// <summary>The consumer's name in the inbox.</summary>
    public const string InboxName = "risk.certificate-claims";

    private readonly string _insertCertificate = CertificateStatusSql.InsertCertificateIfAbsent(database.Dialect);
    private readonly string _insertClaim = CertificateStatusSql.InsertClaimIfAbsent(database.Dialect);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<ShipmentRecorded> context)
    {
        var shipment = context.Message;
        // Certificates in one order, so that two transactions locking several never wait on each other in a circle.
        var claims = shipment.Certificates
            .Select(c => (SchemeKey: CertificateRule.SchemeKey(c.Scheme), Number: c.Number.Trim()))
            .DistinctBy(c => (c.SchemeKey, c.Number))
            .OrderBy(c => c.SchemeKey, StringComparer.Ordinal).ThenBy(c => c.Number, StringComparer.Ordinal)
            .ToList();
        if (claims.Count == 0)
        {
            return Task.CompletedTask;
        }
        return inbox.ConsumeOnceAsync(context, InboxName, async data =>
        {
            foreach (var claim in claims)
            {
                data.Defer(_insertCertificate, new { claim.SchemeKey, claim.Number, LatestSequence = 0 });
                data.Defer(CertificateStatusSql.LockCertificate, new { claim.SchemeKey, claim.Number, Sequence = 0 });
                data.Defer(_insertClaim, new
                {
                    claim.SchemeKey, claim.Number, shipment.ShipmentId, SubjectId = shipment.ShipmentId.ToString(), shipment.TenantId, shipment.ShipDate,
                    shipment.OriginCountry, HsChapter = FlagScope.ChapterOf(shipment.HsCode),
                });
                if (!rule.Settings.Enabled)
                {
                    continue;
                }
                var status = await data.QuerySingleOrDefaultAsync<StatusOnDay>(CertificateStatusSql.StatusOn,
                    new { claim.SchemeKey, claim.Number, shipment.ShipDate });
                if (status is not null && CertificateRule.Invalid.Contains(status.Status))
                {
                    flags.RaiseOrAppend(data, new FlagSignal
                    {
                        RuleId = CertificateRule.RuleId,
                        RuleVersion = rule.Settings.Version,
                        Severity = rule.SeverityFor(status.Status),
                        Subject = FlagSubject.Shipment(shipment.ShipmentId),
                        TenantId = shipment.TenantId,
                        Scope = new FlagScope(shipment.OriginCountry, FlagScope.ChapterOf(shipment.HsCode), status.Scheme),
                        Explanation = CertificateRule.Explanation(status.Scheme, claim.Number, status.Status),
                        Evidence =
                        [
                            new FlagEvidence($"shipment:{shipment.ShipmentId}", EvidenceSource.Provenance),
                            new FlagEvidence(CertificateRule.Evidence(status.Scheme, claim.Number, status.Sequence), EvidenceSource.Audit),
                        ],
                    });
                }
            }
        });
    }

    private sealed record StatusOnDay
    {
        public string Scheme { get; init; } = "";
        public string Status { get; init; } = "";
        public int Sequence { get; init; }
    }
}
