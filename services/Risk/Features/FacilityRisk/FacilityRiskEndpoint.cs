using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Risk.Features.EvaluateFacility;
using Traceability.Risk.Features.ListFlags;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.FacilityRisk;

/// <summary>How much one open flag adds to a facility's score.</summary>
public sealed record ScoreContribution(Guid FlagId, string RuleId, string Severity, int Points);

/// <summary>One signal at the facility (an ILO indicator from an audit finding or a grievance), in time order.</summary>
public sealed record FacilitySignal(DateTime ObservedAt, string Indicator, string Source, string EvidenceId);

/// <summary>
/// A facility's risk profile: the site as Risk knows it, its open flags (those the caller may see), its signals over time and
/// a score, the sum of its open flags' severity weights, with the contribution of each.
/// </summary>
public sealed record FacilityRiskProfile(string Key, string Name, string Country, IReadOnlyList<string> Glns, IReadOnlyList<string> OshIds,
    int Score, IReadOnlyList<ScoreContribution> Contributions, IReadOnlyList<FlagResponse> OpenFlags, int ResolvedFlags, IReadOnlyList<FacilitySignal> Signals);

internal static class FacilityRiskEndpoint
{
    public static RouteGroupBuilder MapFacilityRisk(this RouteGroupBuilder api)
    {
        api.MapGet("/facilities/{key}/risk", GetAsync).WithName("GetFacilityRisk")
            .WithSummary("A facility's risk profile by GLN, Open Supply Hub id or Provenance id: open flags, signals over time, score and each flag's contribution.")
            .RequireRoles(Roles.Auditor, Roles.Caseworker, Roles.Admin);
        return api;
    }

    private static async Task<Results<Ok<FacilityRiskProfile>, NotFound, ValidationProblem>> GetAsync(
        string key, ClaimsPrincipal user, Database database, FacilityEvaluator evaluator, RuleCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var isGln = key.Length == 13 && key.All(char.IsAsciiDigit);
        var isId = Guid.TryParse(key, out var provenanceId);
        var isOsh = !isGln && !isId && key.Length is >= 3 and <= 15 && key.All(char.IsAsciiLetterOrDigit);
        errors.Require(isGln || isId || isOsh, "key", "The facility is named by its GLN (13 digits), its Open Supply Hub id (up to 15 letters and digits) or its Provenance id.");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var viewer = Viewer.Of(user);
        var now = time.GetUtcNow().UtcDateTime;
        var site = await database.InTransactionAsync(data => evaluator.IdentifyAsync(data, isGln ? key : null, isOsh ? key.ToUpperInvariant() : null,
            isId ? [provenanceId] : [], locking: false), cancellationToken);
        var subjectKey = site?.Facts.Key ?? (isOsh ? key.ToUpperInvariant() : key);
        var flags = viewer.Visibility == Visibility.None ? [] : await database.QueryAsync<FlagRow>(ListFlagsSql.Page(database.Dialect, viewer.Visibility, FlagOrder.NewestFirst, afterCursor: false), new
        {
            SubjectType = FlagSubject.FacilityType, SubjectId = subjectKey, Status = (string?)null, Resolution = (string?)null, Severity = (string?)null, RuleId = (string?)null,
            Assignee = (string?)null, Escalated = (bool?)null, Country = (string?)null, Overdue = 0, Now = now, viewer.AuditorId, Today = DateOnly.FromDateTime(now),
            Offset = 0, Fetch = 500, Window = 500,
        }, cancellationToken);
        // A site the caller can see nothing of is as absent as a missing one (admins see every site Risk knows).
        if (flags.Count == 0 && !(viewer.Admin && site is not null))
        {
            return TypedResults.NotFound();
        }
        var open = flags.Where(f => f.Status != FlagStatus.Resolved).ToList();
        var weights = catalog.ScoreWeights;
        var contributions = open.Select(f => new ScoreContribution(f.Id, f.RuleId, f.Severity, weights.GetValueOrDefault(f.Severity))).ToList();
        var evidence = await ListFlagsEndpoint.EvidenceOfAsync(database, open.Select(f => f.Id).ToList(), cancellationToken);
        var signals = site is null ? [] : await database.QueryAsync<FacilitySignal>(FacilityRiskSql.Signals(database.Dialect),
            new { Glns = site.Glns.ToArray(), OshIds = site.OshIds.ToArray(), Ids = site.Ids.ToArray() }, cancellationToken);
        var facts = site?.Facts;
        return TypedResults.Ok(new FacilityRiskProfile(subjectKey, facts?.Name ?? "", facts?.Country ?? open.FirstOrDefault()?.ScopeCountry ?? "",
            site?.Glns ?? [], site?.OshIds ?? [], contributions.Sum(c => c.Points), contributions,
            open.Select(f => f.ToResponse(evidence[f.Id].ToList(), now)).ToList(), flags.Count - open.Count,
            signals.Select(s => s with { ObservedAt = DateTime.SpecifyKind(s.ObservedAt, DateTimeKind.Utc) }).ToList()));
    }
}

internal static class FacilityRiskSql
{
    public static string Signals(SqlDialect dialect) => $"""
        SELECT observed_at AS ObservedAt, indicator AS Indicator, source AS Source, evidence_id AS EvidenceId
        FROM risk.facility_signal
        WHERE {dialect.IsAnyOf("gln", "Glns")} OR {dialect.IsAnyOf("osh_id", "OshIds")} OR {dialect.IsAnyOf("facility_id", "Ids")}
        ORDER BY observed_at, evidence_id, indicator
        """;
}
