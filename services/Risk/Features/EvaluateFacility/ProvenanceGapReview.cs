using Traceability.Data;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.EvaluateFacility;

/// <summary>
/// An audit arriving after shipments it would have covered (its last day on or before their ship date, within
/// <c>MaxAuditAgeDays</c>): each of those shipments' open <c>provenance-gap</c> flags is judged again with the audits known now,
/// inside the audit's transaction. A flag whose only reason was its origin's audit is withdrawn; one whose tiers also name no
/// facility keeps that reason (<see cref="FlagBook.Judge"/>). So the flags end as if the audit had come first.
/// </summary>
public sealed class ProvenanceGapReview(Database database, FlagBook flags, ProvenanceGapRule gaps, RuleCatalog catalog)
{
    private const int Chunk = 1000;
    private readonly string _shipped = ProvenanceGapReviewSql.ShippedBetween(database.Dialect);
    private readonly string _openGaps = ProvenanceGapReviewSql.OpenGapFlags(database.Dialect);
    private readonly string _auditDays = FacilityEvaluationSql.AuditDays(database.Dialect);
    private readonly string _factsByIds = FacilityEvaluationSql.FactsByIds(database.Dialect);

    /// <summary>Judges again the flagged shipments of <paramref name="site"/> that the audit ending on <paramref name="auditEnd"/> covers.</summary>
    public async Task ReviewAsync(DataTransaction data, FacilityIdentity site, Guid auditId, DateOnly auditEnd)
    {
        if (!gaps.Enabled || site.Ids.Count == 0)
        {
            return;
        }
        var maxAge = catalog[ProvenanceGapRule.Id].Integer("MaxAuditAgeDays");
        var covered = await data.QueryAsync<Shipped>(_shipped, new { Ids = site.Ids.ToArray(), From = auditEnd, To = auditEnd.AddDays(maxAge) });
        if (covered.Count == 0)
        {
            return;
        }
        var flagged = new Dictionary<string, OpenGap>();
        foreach (var chunk in covered.Select(c => c.ShipmentId.ToString()).Distinct().Chunk(Chunk))
        {
            foreach (var gap in await data.QueryAsync<OpenGap>(_openGaps, new { Subjects = chunk }))
            {
                flagged[gap.SubjectId] = gap;
            }
        }
        if (flagged.Count == 0)
        {
            return;
        }
        var audited = await data.QueryAsync<DateOnly>(_auditDays, new { Glns = site.Glns.ToArray(), OshIds = site.OshIds.ToArray() });
        var origins = (await data.QueryAsync<FacilityFacts>(_factsByIds, new { Ids = covered.Select(c => c.FacilityId).Distinct().ToArray() }))
            .ToDictionary(f => f.ProvenanceId!.Value);
        foreach (var shipment in covered.Where(c => flagged.ContainsKey(c.ShipmentId.ToString())).DistinctBy(c => c.ShipmentId))
        {
            var gap = flagged[shipment.ShipmentId.ToString()];
            var lastAudit = audited.Where(d => d <= shipment.ShipDate).Select(d => (DateOnly?)d).Max();
            var facts = new ShipmentFacts(shipment.ShipmentId, shipment.TenantId, shipment.Commodity, shipment.HsCode, shipment.ShipDate);
            var signal = gaps.Rejudge(facts, origins[shipment.FacilityId], lastAudit, gap.UnnamedTiers);
            flags.Judge(data, new FlagJudgement(ProvenanceGapRule.Id, FlagSubject.Shipment(shipment.ShipmentId), signal, $"audit:{auditId}"));
        }
    }

    private sealed record Shipped
    {
        public Guid ShipmentId { get; init; }
        public Guid FacilityId { get; init; }
        public string TenantId { get; init; } = "";
        public string Commodity { get; init; } = "";
        public string HsCode { get; init; } = "";
        public DateOnly ShipDate { get; init; }
    }

    // The tiers' reason is the note of the flag's tiers: evidence (flags of the rule's version 1 got it from migration 0016).
    private sealed record OpenGap
    {
        public string SubjectId { get; init; } = "";
        public string? UnnamedTiers { get; init; }
    }
}

internal static class ProvenanceGapReviewSql
{
    public static string ShippedBetween(SqlDialect dialect) => $"""
        SELECT shipment_id AS ShipmentId, facility_id AS FacilityId, tenant_id AS TenantId, commodity AS Commodity, hs_code AS HsCode, ship_date AS ShipDate
        FROM risk.shipment_facility
        WHERE {dialect.IsAnyOf("facility_id", "Ids")} AND role = 'origin' AND ship_date >= @From AND ship_date <= @To
        """;

    public static string OpenGapFlags(SqlDialect dialect) => $"""
        SELECT f.subject_id AS SubjectId,
               (SELECT MAX(e.note) FROM risk.flag_evidence e
                WHERE e.flag_id = f.id AND e.evidence_id LIKE '{ProvenanceGapRule.UnnamedTiersEvidence}%' AND e.cleared_at IS NULL) AS UnnamedTiers
        FROM risk.flag f
        WHERE f.rule_id = '{ProvenanceGapRule.Id}' AND f.subject_type = 'shipment' AND f.is_open = 1 AND {dialect.IsAnyOf("f.subject_id", "Subjects")}
        """;
}
