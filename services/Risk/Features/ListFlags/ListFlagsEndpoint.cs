using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Features.ListFlags;

/// <summary>A flag as the API answers it: the rule and version that raised it, its scope, every evidence id, its case state and clocks.</summary>
public sealed record FlagResponse(
    Guid Id, string RuleId, int RuleVersion, string Severity, string SubjectType, string SubjectId, string ScopeCountry,
    string? ScopeHsChapter, string? ScopeScheme, string Explanation, IReadOnlyList<string> Evidence, int EvidenceCount, int GrievanceCount,
    string Status, string? Resolution, string? Assignee, bool Escalated, int Version, DateTime RaisedAt, DateTime UpdatedAt,
    DateTime? AssignDueAt, DateTime? ResolveDueAt, DateTime? ResolvedAt, bool Overdue);

/// <summary>
/// One page of flags. <see cref="Total"/> is exact up to <see cref="ListFlagsEndpoint.TotalLimit"/> (or to the end of the
/// page asked for, if further); past it, <see cref="TotalCapped"/> is true and there are at least <see cref="Total"/> flags.
/// <see cref="NextCursor"/> continues the list after this page (keyset paging), null on the last page.
/// </summary>
public sealed record FlagPage(IReadOnlyList<FlagResponse> Items, int Page, int PageSize, long Total, bool TotalCapped = false, string? NextCursor = null);

internal static class ListFlagsEndpoint
{
    /// <summary>The flags counted at most for a page's total (further only when the page asked for lies beyond it).</summary>
    public const int TotalLimit = 1_000;

    private static readonly string[] SubjectTypes = [FlagSubject.ShipmentType, FlagSubject.FacilityType];
    private static readonly string[] Statuses = [FlagStatus.Open, FlagStatus.Assigned, FlagStatus.Investigating, FlagStatus.Resolved];
    private static readonly string[] Resolutions = ["confirmed", "dismissed", "remediated", FlagConvergence.Withdrawn];

    public static RouteGroupBuilder MapListFlags(this RouteGroupBuilder api)
    {
        api.MapGet("/flags", ListAsync).WithName("ListFlags")
            .WithSummary("The flags the caller may see (admin: all; caseworker: flags holding a grievance; auditor: inside an active accreditation), newest first.")
            .RequireRoles(Roles.Auditor, Roles.Caseworker, Roles.Admin);
        api.MapGet("/flags/overdue", OverdueAsync).WithName("ListOverdueFlags")
            .WithSummary("The caller's flags past their SLA clock: unassigned past the time to assign, or unresolved past the time to resolve.")
            .RequireRoles(Roles.Auditor, Roles.Caseworker, Roles.Admin);
        return api;
    }

    private static Task<Results<Ok<FlagPage>, ValidationProblem>> OverdueAsync(
        ClaimsPrincipal user, Database database, TimeProvider time, CancellationToken cancellationToken, int page = 1, int pageSize = 50, string? cursor = null) =>
        ListAsync(user, database, time, cancellationToken, overdue: true, page: page, pageSize: pageSize, cursor: cursor);

    // sort names the order (FlagOrders.ByName); country is the flag's scope country (ISO 3166-1 alpha-2), for every caller inside their scope.

    private static async Task<Results<Ok<FlagPage>, ValidationProblem>> ListAsync(
        ClaimsPrincipal user, Database database, TimeProvider time, CancellationToken cancellationToken,
        string? subjectType = null, string? subjectId = null, string? status = null, string? resolution = null, string? severity = null, string? ruleId = null,
        string? assignee = null, bool? escalated = null, bool overdue = false, string? country = null, string? sort = null, int page = 1, int pageSize = 50,
        string? cursor = null)
    {
        var errors = new ValidationErrors();
        errors.Require(subjectType is null || SubjectTypes.Contains(subjectType), "subjectType", "The subject type is 'shipment' or 'facility'.");
        errors.Require(subjectId is null || subjectId.Length is > 0 and <= 100, "subjectId", "The subject id has 1 to 100 characters.");
        errors.Require(status is null || Statuses.Contains(status), "status", "The status is open, assigned, investigating or resolved.");
        errors.Require(resolution is null || Resolutions.Contains(resolution), "resolution",
            "The resolution is confirmed, dismissed, remediated (a person's) or withdrawn (the engine's, when later evidence cleared the flag).");
        // Only a resolved flag has a resolution: a status other than resolved with one would list nothing, and says the caller erred.
        errors.Require(resolution is null || status is null or FlagStatus.Resolved, "resolution",
            "Only a resolved flag has a resolution: give it with status resolved, or without a status.");
        errors.Require(severity is null || Severity.Rank(severity) > 0, "severity", "The severity is low, medium, high or critical.");
        errors.Require(ruleId is null || ruleId.Length is > 0 and <= 100, "ruleId", "The rule id has 1 to 100 characters.");
        errors.Require(assignee is null || assignee.Length is > 0 and <= 100, "assignee", "The assignee has 1 to 100 characters.");
        errors.Require(country is null || CountryCodes.IsAssigned(country), "country", "The country is an ISO 3166-1 alpha-2 code in upper case, e.g. BD.");
        var order = FlagOrder.NewestFirst;
        errors.Require(sort is null || FlagOrders.ByName.TryGetValue(sort, out order), "sort", $"The sort is one of {FlagOrders.Names}.");
        errors.RequirePage(page, pageSize);
        // A cursor belongs to the order and filters of the list that gave it (keyset paging); page numbers are offset paging.
        var filters = string.Join('\u001f', subjectType, subjectId, status, resolution, severity, ruleId, assignee, escalated, overdue, country);
        FlagCursor? after = null;
        if (cursor is not null)
        {
            errors.Require(page == 1, "cursor", "A cursor goes on from where a page ended: give it without page (page numbers are offset paging).");
            errors.Require(cursor.Length <= 200 && (after = FlagCursor.TryRead(cursor, order, filters)) is not null, "cursor",
                "The cursor is not one this list gave: it is cut or changed, or it was given for another sort or other filters. Start again without it.");
        }
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var viewer = Viewer.Of(user);
        if (viewer.Visibility == Visibility.None)
        {
            return TypedResults.Ok(new FlagPage([], page, pageSize, 0));
        }
        var now = time.GetUtcNow().UtcDateTime;
        var filter = new
        {
            SubjectType = subjectType, SubjectId = subjectId, Status = status, Resolution = resolution, Severity = severity, RuleId = ruleId, Assignee = assignee,
            Escalated = escalated, Country = country, Overdue = overdue ? 1 : 0, Now = now, viewer.AuditorId, Today = DateOnly.FromDateTime(now),
            // One flag more than the page: whether another page follows.
            Offset = (page - 1) * pageSize, Fetch = pageSize + 1, Window = page * pageSize + 1, CountLimit = CountLimit(page, pageSize) + 1,
            NoDue = FlagOrders.NoDue(order),
            AfterRank = after?.SeverityRank ?? 0, AfterResolved = after is { Resolved: true } ? 1 : 0, AfterDue = after?.Due ?? FlagOrders.NoDue(order),
            AfterRaisedAt = after?.RaisedAt ?? DateTime.UnixEpoch, AfterId = after?.Id ?? Guid.Empty,
        };
        var found = await database.QueryAsync<FlagRow>(ListFlagsSql.Page(database.Dialect, viewer.Visibility, order, after is not null), filter, cancellationToken);
        var rows = found.Take(pageSize).ToList();
        var next = found.Count > pageSize ? FlagCursor.After(rows[^1], order).Write(filters) : null;
        var counted = (await database.QueryAsync<long>(ListFlagsSql.Count(database.Dialect, viewer.Visibility), filter, cancellationToken))[0];
        var limit = CountLimit(page, pageSize);
        var evidence = await EvidenceOfAsync(database, rows.Select(r => r.Id).ToList(), cancellationToken);
        return TypedResults.Ok(new FlagPage(rows.Select(r => r.ToResponse(evidence[r.Id].ToList(), now)).ToList(), page, pageSize,
            Math.Min(counted, limit), counted > limit, next));
    }

    // A total is exact at least as far as the end of the page asked for, so "page N of M" never ends before the page shown.
    private static int CountLimit(int page, int pageSize) => Math.Max(TotalLimit, page * pageSize);

    // One query for the page's evidence, not one per flag.
    internal static async Task<ILookup<Guid, string>> EvidenceOfAsync(Database database, IReadOnlyList<Guid> flagIds, CancellationToken cancellationToken)
    {
        if (flagIds.Count == 0)
        {
            return Array.Empty<EvidenceRow>().ToLookup(e => e.FlagId, e => e.EvidenceId);
        }
        var rows = await database.QueryAsync<EvidenceRow>(ListFlagsSql.EvidenceOf(database.Dialect), new { Ids = flagIds }, cancellationToken);
        return rows.ToLookup(r => r.FlagId, r => r.EvidenceId);
    }

    internal sealed record EvidenceRow(Guid FlagId, string EvidenceId);
}

/// <summary>A flag row as the scoped statements read it.</summary>
internal sealed record FlagRow
{
    public Guid Id { get; init; }
    public string RuleId { get; init; } = "";
    public int RuleVersion { get; init; }
    public string Severity { get; init; } = "";
    public string SubjectType { get; init; } = "";
    public string SubjectId { get; init; } = "";
    public string TenantId { get; init; } = "";
    public string ScopeCountry { get; init; } = "";
    public string? ScopeHsChapter { get; init; }
    public string? ScopeScheme { get; init; }
    public string Explanation { get; init; } = "";
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
    public DateTime? ResolvedAt { get; init; }

    public bool IsOverdue(DateTime now) => Status != FlagStatus.Resolved
        && ((Status == FlagStatus.Open && AssignDueAt < now) || ResolveDueAt < now);

    public FlagResponse ToResponse(IReadOnlyList<string> evidence, DateTime now) => new(Id, RuleId, RuleVersion, Severity, SubjectType, SubjectId,
        ScopeCountry, ScopeHsChapter, ScopeScheme, Explanation, evidence, EvidenceCount, GrievanceCount, Status, Resolution, Assignee, Escalated,
        Version, Utc(RaisedAt), Utc(UpdatedAt), Utc(AssignDueAt), Utc(ResolveDueAt), Utc(ResolvedAt), IsOverdue(now));

    private static DateTime Utc(DateTime time) => DateTime.SpecifyKind(time, DateTimeKind.Utc);

    private static DateTime? Utc(DateTime? time) => time is { } value ? Utc(value) : null;
}
