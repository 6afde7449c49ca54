using MassTransit;
using Traceability.Contracts.Grievances;
using Traceability.Data;
using Traceability.Data.Messaging;
using Traceability.Risk.Features.EvaluateFacility;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.FlagGrievances;

internal static class FlagGrievancesSql
{
    public static string InsertGrievance(SqlDialect dialect) => dialect.InsertIfAbsent(
        "risk.grievance_signal", ["case_id", "facility_key", "country", "category", "forced_labour", "filed_at"], ["case_id", "facility_key"]);

    public static string FacilitiesByIds(SqlDialect dialect) => $"""
        SELECT id AS Id, gln AS Gln, osh_id AS OshId, country AS Country FROM risk.facility WHERE {dialect.IsAnyOf("id", "Ids")}
        """;

    /// <summary>
    /// The forced-labour grievances kept for a workplace, filed after @From up to @To, those found not substantiated left out:
    /// one window either side of a grievance (every window that holds it, <see cref="GrievanceFiledConsumer"/>), or all of them
    /// (<see cref="GrievanceWorkplaces.AllTime"/>) when a re-keyed workplace is judged again.
    /// </summary>
    public const string ForcedLabour = """
        SELECT case_id AS CaseId, filed_at AS FiledAt, category AS Category FROM risk.grievance_signal
        WHERE facility_key = @FacilityKey AND forced_labour = @True AND filed_at > @From AND filed_at <= @To
          AND (outcome IS NULL OR outcome <> 'not-substantiated')
        ORDER BY filed_at, case_id
        """;
}

/// <summary>
/// Rule <c>grievance-forced-labour</c>: a worker's grievance in a category that is an ILO forced-labour indicator
/// flags the workplace (medium); several at one workplace within the window (3 in 30 days) flag it high. The flag
/// names the case and the category only: Risk never receives what the worker wrote, nor who they are.
/// </summary>
public sealed class GrievanceFiledConsumer(Inbox inbox, Database database, FlagBook flags, RuleCatalog catalog) : IConsumer<GrievanceFiled>
{
    /// <summary>The rule's id.</summary>
    public const string RuleId = "grievance-forced-labour";

    private readonly string _insert = FlagGrievancesSql.InsertGrievance(database.Dialect);
    private readonly string _facilities = FlagGrievancesSql.FacilitiesByIds(database.Dialect);

    private sealed record FacilityRow(Guid Id, string? Gln, string? OshId, string Country);

    /// <inheritdoc />
    public Task Consume(ConsumeContext<GrievanceFiled> context)
    {
        var grievance = context.Message;
        var rule = catalog[RuleId];
        // The workplaces it names first (FacilityLocks), then the GLNs / Open Supply Hub ids learnt from their rows: a grievance
        // naming another registration of the same site, or the facility's registration, consumed at the same moment is seen.
        var locks = rule.Enabled ? FacilityLocks.Named(database.Dialect, grievance.FacilityIds) : [];
        return inbox.ConsumeOnceAsync(context, "risk.flag-grievances", locks, async data =>
        {
            if (!rule.Enabled || grievance.FacilityIds.Count == 0)
            {
                return;
            }
            var known = (await data.QueryAsync<FacilityRow>(_facilities, new { Ids = grievance.FacilityIds.ToArray() })).ToDictionary(f => f.Id);
            FacilityLocks.Learnt(data, known.Values.Select(f => f.Gln), known.Values.Select(f => f.OshId));
            // One workplace registered by several exporters is one subject (its GLN or Open Supply Hub id).
            var workplaces = grievance.FacilityIds
                .Select(id => known.TryGetValue(id, out var f)
                    ? (Key: FacilityKey.Of(f.Gln, f.OshId, f.Id), Country: f.Country)
                    : (Key: FacilityKey.Of(null, null, id), Country: grievance.FacilityCountry ?? "ZZ"))
                .DistinctBy(w => w.Key)
                .ToList();
            foreach (var (key, country) in workplaces)
            {
                data.Defer(_insert, new
                {
                    grievance.CaseId, FacilityKey = key, Country = country, grievance.Category, ForcedLabour = grievance.ForcedLabourIndicator,
                    grievance.FiledAt,
                });
                if (!grievance.ForcedLabourIndicator)
                {
                    continue;
                }
                var window = rule.Duration("Window");
                // Not only the window that ends with this grievance: one filed later but consumed first (two consumers, a
                // retry) has already been judged without it, so every window holding this one is counted here.
                var around = await data.QueryAsync<GrievanceWorkplaces.Filed>(FlagGrievancesSql.ForcedLabour, new
                {
                    FacilityKey = key, True = true, From = grievance.FiledAt - window, To = grievance.FiledAt + window,
                });
                var recent = GrievanceWorkplaces.Busiest(around.ToList(), window).Count;
                var repeated = recent >= rule.Integer("RepeatCount");
                flags.RaiseOrAppend(data, new FlagSignal
                {
                    RuleId = RuleId,
                    RuleVersion = rule.Version,
                    Severity = repeated ? rule.Text("RepeatSeverity") : rule.Text("Severity"),
                    Subject = FlagSubject.Facility(key),
                    TenantId = grievance.TenantId,
                    Scope = new FlagScope(country),
                    Explanation = repeated
                        ? $"{recent} workers' grievances of forced-labour indicators at this workplace within {window.TotalDays:0} days, the latest: {grievance.Category} ({string.Join(", ", grievance.IloIndicators)})."
                        : $"A worker's grievance of a forced-labour indicator at this workplace: {grievance.Category} ({string.Join(", ", grievance.IloIndicators)}).",
                    Evidence = [new FlagEvidence($"grievance:{grievance.CaseId}", EvidenceSource.Grievance, $"case {grievance.CaseReference}, {grievance.Category}")],
                });
            }
        });
    }
}
