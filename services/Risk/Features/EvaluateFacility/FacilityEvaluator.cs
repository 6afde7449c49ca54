using Traceability.Data;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.EvaluateFacility;

/// <summary>
/// One site as every service may name it: the facilities registered for it in Provenance (by any exporter) and its GLN /
/// Open Supply Hub id. <see cref="Facts"/> is the registration its flags are filed under (one with a GLN first).
/// </summary>
public sealed record FacilityIdentity(FacilityFacts Facts, IReadOnlyList<string> Glns, IReadOnlyList<string> OshIds, IReadOnlyList<Guid> Ids);

/// <summary>
/// Evaluates the facility rules that combine signals over time (<c>ilo-indicators</c>, <c>reprisal-warning</c>) for one site,
/// inside the caller's transaction. Every consumer that adds a signal, and the facility consumer (a signal may have arrived
/// before its facility), calls it: whatever order the events come in, the same signals give the same flags.
/// </summary>
public sealed class FacilityEvaluator(Database database, FlagBook flags, IloIndicatorRule ilo, ReprisalRule reprisal, TimeProvider time)
{
    private readonly string _factsByIds = FacilityEvaluationSql.FactsByIds(database.Dialect);
    private readonly string _sameSite = FacilityEvaluationSql.SameSite(database.Dialect);
    private readonly string _signals = FacilityEvaluationSql.Signals(database.Dialect);
    private readonly string _cases = FacilityEvaluationSql.GrievanceCases(database.Dialect);

    /// <summary>Risk's copies of the facilities with these Provenance ids.</summary>
    public async Task<IReadOnlyList<FacilityFacts>> FactsAsync(DataTransaction data, IReadOnlyList<Guid> ids) =>
        ids.Count == 0 ? [] : await data.QueryAsync<FacilityFacts>(_factsByIds, new { Ids = ids.ToArray() });

    /// <summary>
    /// The site named by a GLN / Open Supply Hub id and/or Provenance ids; null when nothing is known of it yet (a grievance
    /// naming a facility Risk has not heard of: it is judged when the facility arrives). <paramref name="named"/> stands in
    /// when Provenance has no registration (an audit names the facility itself). A rule judging the site (<paramref name="locking"/>)
    /// takes the locks of the site's GLNs and Open Supply Hub ids (<see cref="FacilityLocks"/>) before reading anything filed
    /// under them; a key learnt from the rows read the site again once its lock is held (a registration committed meanwhile).
    /// </summary>
    public async Task<FacilityIdentity?> IdentifyAsync(DataTransaction data, string? gln, string? oshId, IReadOnlyList<Guid> ids, FacilityFacts? named = null,
        bool locking = true)
    {
        if (locking)
        {
            FacilityLocks.Learnt(data, [gln], [oshId]);
        }
        var rows = await data.QueryAsync<FacilityFacts>(_sameSite, new { Gln = gln, OshId = oshId, Ids = ids.ToArray() });
        while (locking && FacilityLocks.Learnt(data, rows))
        {
            rows = await data.QueryAsync<FacilityFacts>(_sameSite, new { Gln = gln, OshId = oshId, Ids = ids.ToArray() });
        }
        // One more round for ids learnt from the rows (a registration with both GLN and OSH id joins the two).
        var glns = rows.Select(r => r.Gln).Append(gln).OfType<string>().Select(g => g.Trim()).Distinct().ToList();
        var oshIds = rows.Select(r => r.OshId).Append(oshId).OfType<string>().Distinct().ToList();
        if (rows.Count == 0 && named is null)
        {
            return null;
        }
        var facts = rows.OrderBy(r => r.Gln is null).ThenBy(r => r.OshId is null).ThenBy(r => r.ProvenanceId).FirstOrDefault() ?? named!;
        if (facts.Gln is null && glns.Count > 0)
        {
            facts = facts with { Gln = glns[0] };
        }
        return new FacilityIdentity(facts, glns, oshIds, rows.Select(r => r.ProvenanceId).OfType<Guid>().Distinct().ToList());
    }

    /// <summary>Evaluates the signal rules for a site and raises or appends their flags.</summary>
    public async Task EvaluateAsync(DataTransaction data, FacilityIdentity site, string tenantId)
    {
        var signals = await data.QueryAsync<IndicatorSignal>(_signals, new { Glns = site.Glns.ToArray(), OshIds = site.OshIds.ToArray(), Ids = site.Ids.ToArray() });
        if (ilo.Evaluate(site.Facts, tenantId, signals.Select(s => s with { ObservedAt = DateTime.SpecifyKind(s.ObservedAt, DateTimeKind.Utc) }).ToList()) is { } found)
        {
            flags.RaiseOrAppend(data, found);
        }
        if (site.Ids.Count == 0)
        {
            return;
        }
        var cases = await data.QueryAsync<CaseRow>(_cases, new { Ids = site.Ids.ToArray() });
        var acknowledged = cases.Where(c => c.AcknowledgedAt is not null).OrderByDescending(c => c.AcknowledgedAt).FirstOrDefault();
        if (acknowledged is not null)
        {
            var filed = cases.Where(c => c.FiledAt is not null).Select(c => c.FiledAt!.Value).ToList();
            if (reprisal.Evaluate(site.Facts, tenantId, acknowledged.CaseId, acknowledged.AcknowledgedAt!.Value, filed, time.GetUtcNow().UtcDateTime) is { } warning)
            {
                flags.RaiseOrAppend(data, warning);
            }
        }
    }

    private sealed record CaseRow(Guid CaseId, DateTime? FiledAt, DateTime? AcknowledgedAt);
}
