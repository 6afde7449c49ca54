using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Data;
using Traceability.Hosting;

namespace Traceability.Risk.Features.ListFlags;

/// <summary>A flag as the API answers it.</summary>
public sealed record FlagResponse(
    Guid Id, string RuleId, int RuleVersion, string Severity, string SubjectType, string SubjectId, string ScopeCountry,
    string Explanation, IReadOnlyList<string> Evidence, string Status, DateTime RaisedAt);

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
        return TypedResults.Ok(new FlagPage(rows.Select(r => r.ToResponse()).ToList(), page, pageSize, total));
    }

    private sealed record FlagRow
    {
        public Guid Id { get; init; }
        public string RuleId { get; init; } = "";
        public int RuleVersion { get; init; }
        public string Severity { get; init; } = "";
        public string SubjectType { get; init; } = "";
        public string SubjectId { get; init; } = "";
        public string ScopeCountry { get; init; } = "";
        public string Explanation { get; init; } = "";
        public string Evidence { get; init; } = "";
        public string Status { get; init; } = "";
        public DateTime RaisedAt { get; init; }

        public FlagResponse ToResponse() => new(Id, RuleId, RuleVersion, Severity, SubjectType, SubjectId, ScopeCountry, Explanation,
            Evidence.Split(' ', StringSplitOptions.RemoveEmptyEntries), Status, DateTime.SpecifyKind(RaisedAt, DateTimeKind.Utc));
    }
}
