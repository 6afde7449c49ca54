using System.Globalization;
using Traceability.Data;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.FlagGrievances;

/// <summary>
/// A grievance naming a facility Risk has not heard of is filed under the facility's Provenance id (<see cref="GrievanceFiledConsumer"/>).
/// When the facility arrives with a GLN or Open Supply Hub id, its grievances and its <c>grievance-forced-labour</c> flag move to
/// that key, as in-order delivery files them (<see cref="FlagBook.MoveAsync"/>: evidence and history kept), and the flag's
/// severity is judged again over every grievance now known there.
/// </summary>
public sealed class GrievanceWorkplaces(FlagBook flags, RuleCatalog catalog)
{
    /// <summary>Moves what was filed under <paramref name="facility"/>'s Provenance id to its key, inside the caller's transaction.</summary>
    public async Task SettleAsync(DataTransaction data, FacilityFacts facility, string tenantId)
    {
        var provisional = facility.ProvenanceId!.Value.ToString();
        var key = facility.Key;
        if (key == provisional)
        {
            return;
        }
        var keys = new { Provisional = provisional, Key = key, facility.Country };
        // A case that named two registrations of one site is one grievance there.
        data.Defer(GrievanceWorkplacesSql.DropTwice, keys);
        data.Defer(GrievanceWorkplacesSql.Rekey, keys);
        var rule = catalog[GrievanceFiledConsumer.RuleId];
        if (!rule.Enabled)
        {
            return;
        }
        await flags.MoveAsync(data, GrievanceFiledConsumer.RuleId, FlagSubject.Facility(provisional), FlagSubject.Facility(key), facility.Country, $"facility:{key}");
        var grievances = (await data.QueryAsync<Filed>(FlagGrievancesSql.ForcedLabour, new { FacilityKey = key, True = true, AllTime.From, AllTime.To })).ToList();
        var window = rule.Duration("Window");
        var busiest = Busiest(grievances, window);
        if (busiest.Count < rule.Integer("RepeatCount"))
        {
            return;
        }
        // Several at one workplace within the window: the severity in-order delivery reaches (it only ever climbs).
        flags.RaiseOrAppend(data, new FlagSignal
        {
            RuleId = GrievanceFiledConsumer.RuleId,
            RuleVersion = rule.Version,
            Severity = rule.Text("RepeatSeverity"),
            Subject = FlagSubject.Facility(key),
            TenantId = tenantId,
            Scope = new FlagScope(facility.Country),
            Explanation = string.Create(CultureInfo.InvariantCulture,
                $"{busiest.Count} workers' grievances of forced-labour indicators at this workplace within {window.TotalDays:0} days, the latest: {busiest[^1].Category}."),
            Evidence = busiest.Select(g => new FlagEvidence($"grievance:{g.CaseId}", EvidenceSource.Grievance, g.Category)).ToList(),
        });
    }

    /// <summary>
    /// The most grievances any one window holds (a window ends at a grievance's filing). In-order delivery judges each
    /// grievance on the window it ends; the busiest of those is what it reaches, whatever order they arrive in.
    /// </summary>
    public static IReadOnlyList<Filed> Busiest(IReadOnlyList<Filed> grievances, TimeSpan window) =>
        grievances
            .Select(g => grievances.Where(o => o.FiledAt > g.FiledAt - window && o.FiledAt <= g.FiledAt).ToList())
            .MaxBy(inWindow => inWindow.Count) ?? [];

    /// <summary>
    /// Bounds that hold every grievance, for the windowed read (<see cref="FlagGrievancesSql.ForcedLabour"/>): one statement
    /// for both reads, so that what counts as a forced-labour grievance at a workplace is written once. Npgsql sends these
    /// as -infinity and infinity; SQL Server's datetime2 holds both.
    /// </summary>
    public static readonly (DateTime From, DateTime To) AllTime =
        (DateTime.SpecifyKind(DateTime.MinValue, DateTimeKind.Utc), DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc));

    /// <summary>A forced-labour grievance Risk keeps for a workplace.</summary>
    public sealed record Filed(Guid CaseId, DateTime FiledAt, string Category);
}

internal static class GrievanceWorkplacesSql
{
    public const string DropTwice = """
        DELETE FROM risk.grievance_signal
        WHERE facility_key = @Provisional AND case_id IN (SELECT s.case_id FROM risk.grievance_signal s WHERE s.facility_key = @Key)
        """;

    public const string Rekey = "UPDATE risk.grievance_signal SET facility_key = @Key, country = @Country WHERE facility_key = @Provisional";
}
