using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Data;
using Traceability.Hosting;

namespace Traceability.Risk.Features.ListFlags;

/// <summary>A flag as the API answers it: the rule and version that raised it, its scope, every evidence id, its case state.</summary>
public sealed record FlagResponse(
    Guid Id, string RuleId, int RuleVersion, string Severity, string SubjectType, string SubjectId, string ScopeCountry,
    string? ScopeHsChapter, string? ScopeScheme, string Explanation, IReadOnlyList<string> Evidence, int EvidenceCount, int GrievanceCount,
    string Status, string? Resolution, string? Assignee, bool Escalated, int Version, DateTime RaisedAt, DateTime UpdatedAt,
    DateTime? AssignDueAt, DateTime? ResolveDueAt);

/// <summary>One page of flags.</summary>
public sealed record FlagPage(IReadOnlyList<FlagResponse> Items, int Page, int PageSize, long Total);

internal static class ListFlagsEndpoint
{
    private static readonly string[] SubjectTypes = ["shipment", "facility"];

    public static RouteGroupBuilder MapListFlags(this RouteGroupBuilder api)
    {
        api.MapGet("/flags", ListAsync).WithName("ListFlags").WithSummary("Flags, newest first, optionally for one subject.")
            .RequireRoles(Roles.Auditor, Roles.Caseworker, Roles.Admin);
        return api;
    }

    private static async Task<Results<Ok<FlagPage>, ValidationProblem>> ListAsync(
        Database database, CancellationToken cancellationToken,
        string? subjectType = null, string? subjectId = null, int page = 1, int pageSize = 50)
    {
        var errors = new ValidationErrors();
        errors.Require(subjectType is null || SubjectTypes.Contains(subjectType), "subjectType", "The subject type is 'shipment' or 'facility'.");
        errors.Require(subjectId is null || subjectId.Length is > 0 and <= 100, "subjectId", "The subject id has 1 to 100 characters.");
        errors.RequirePage(page, pageSize);
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var filter = new { SubjectType = subjectType, SubjectId = subjectId, Offset = (page - 1) * pageSize, PageSize = pageSize };
        var rows = await database.QueryAsync<FlagRow>(ListFlagsSql.Page, filter, cancellationToken);
        var total = (await database.QueryAsync<long>(ListFlagsSql.Count, filter, cancellationToken))[0];
        var evidence = await EvidenceOfAsync(database, rows.Select(r => r.Id).ToList(), cancellationToken);
        return TypedResults.Ok(new FlagPage(rows.Select(r => r.ToResponse(evidence[r.Id].ToList())).ToList(), page, pageSize, total));
    }

    // One query for the page's evidence, not one per flag.
    internal static async Task<ILookup<Guid, string>> EvidenceOfAsync(Database database, IReadOnlyList<Guid> flagIds, CancellationToken cancellationToken)
    {
        if (flagIds.Count == 0)
        {
            return Array.Empty<(Guid, string)>().ToLookup(e => e.Item1, e => e.Item2);
        }
        var rows = await database.QueryAsync<EvidenceRow>(ListFlagsSql.EvidenceOf(database.Dialect), new { Ids = flagIds }, cancellationToken);
        return rows.ToLookup(r => r.FlagId, r => r.EvidenceId);
    }

    private sealed record EvidenceRow(Guid FlagId, string EvidenceId);

    internal sealed record FlagRow
    {
        public Guid Id { get; init; }
        public string RuleId { get; init; } = "";
        public int RuleVersion { get; init; }
        public string Severity { get; init; } = "";
        public string SubjectType { get; init; } = "";
        public string SubjectId { get; init; } = "";
        public string ScopeCountry { get; init; } = "";
        public string Explanation { get; init; } = "";
        public string? ScopeHsChapter { get; init; }
        public string? ScopeScheme { get; init; }
        public int EvidenceCount { get; init; }
        public int GrievanceCount { get; init; }
        public string Status { get; init; } = "";
        public string? Resolution { get; init; }
        public string? Assignee { get; init; }
        public bool Escalated { get; init; }
        public int Version { get; init; }
        public DateTime RaisedAt { get; init; }
        public DateTime UpdatedAt { get; init; }
        public DateTime? AssignDueAt { get; init; }
        public DateTime? ResolveDueAt { get; init; }

        public FlagResponse ToResponse(IReadOnlyList<string> evidence) => new(Id, RuleId, RuleVersion, Severity, SubjectType, SubjectId,
            ScopeCountry, ScopeHsChapter, ScopeScheme, Explanation, evidence, EvidenceCount, GrievanceCount, Status, Resolution, Assignee, Escalated,
            Version, Utc(RaisedAt), Utc(UpdatedAt), AssignDueAt is { } assign ? Utc(assign) : null, ResolveDueAt is { } resolve ? Utc(resolve) : null);

        private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);
    }
}
