using Traceability.Contracts.Provenance;
using Traceability.Data;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Features.CertificateStatus;

/// <summary>
/// Keeps the certificates each shipment claims (with its ship date), so that a later status change finds them,
/// and flags a shipment at once when a certificate it claims was already suspended, withdrawn or expired on its ship date.
/// Runs inside the evaluation of the shipment (<see cref="EvaluateShipment.ShipmentRecordedConsumer"/>), in its
/// transaction and under its inbox row: one delivery of <see cref="ShipmentRecorded"/> per shipment instead of a
/// queue of its own, which cost every shipment a second broker message and consume, certificates or none.
/// </summary>
public sealed class CertificateClaims(Database database, FlagBook flags, CertificateRule rule)
{
    private readonly string _insertCertificate = CertificateStatusSql.InsertCertificateIfAbsent(database.Dialect);
    private readonly string _insertClaim = CertificateStatusSql.InsertClaimIfAbsent(database.Dialect);

    /// <summary>Records the shipment's claims and flags the ones invalid on its ship date; a shipment without claims costs nothing.</summary>
    public async Task KeepAsync(DataTransaction data, ShipmentRecorded shipment)
    {
        // Certificates in one order, so that two transactions locking several never wait on each other in a circle.
        var claims = shipment.Certificates
            .Select(c => (SchemeKey: CertificateRule.SchemeKey(c.Scheme), Number: c.Number.Trim()))
            .DistinctBy(c => (c.SchemeKey, c.Number))
            .OrderBy(c => c.SchemeKey, StringComparer.Ordinal).ThenBy(c => c.Number, StringComparer.Ordinal)
            .ToList();
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
    }

    private sealed record StatusOnDay
    {
        public string Scheme { get; init; } = "";
        public string Status { get; init; } = "";
        public int Sequence { get; init; }
    }
}
