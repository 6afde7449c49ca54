using Microsoft.AspNetCore.WebUtilities;

namespace Traceability.Portal.Apis;

/// <summary>A flag as Risk's API answers it (fields Risk does not send stay null).</summary>
public sealed record Flag(
    Guid Id, string RuleId, int RuleVersion, string Severity, string SubjectType, string SubjectId, string ScopeCountry,
    string Explanation, IReadOnlyList<string> Evidence, string Status, DateTime RaisedAt)
{
    public string? AssignedTo { get; init; }
    public string? Outcome { get; init; }
    public DateTime? DueAt { get; init; }
    public bool? Overdue { get; init; }
    public DateTime? AssignedAt { get; init; }
    public DateTime? ResolvedAt { get; init; }
}

/// <summary>One page of flags.</summary>
public sealed record FlagPage(IReadOnlyList<Flag> Items, int Page, int PageSize, long Total);

/// <summary>What the queue asks Risk for; empty values are left out of the query.</summary>
public sealed record FlagQuery
{
    public string? Severity { get; init; }
    public string? RuleId { get; init; }
    public string? Country { get; init; }
    public string? Status { get; init; }
    public bool Overdue { get; init; }
    public string? SubjectType { get; init; }
    public string? SubjectId { get; init; }
    public string? Sort { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = 25;

    public Dictionary<string, string?> ToQuery()
    {
        var query = new Dictionary<string, string?>
        {
            ["severity"] = Severity, ["ruleId"] = RuleId, ["country"] = Country, ["status"] = Status,
            ["overdue"] = Overdue ? "true" : null, ["subjectType"] = SubjectType, ["subjectId"] = SubjectId, ["sort"] = Sort,
            ["page"] = Page.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["pageSize"] = PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return query.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary();
    }
}

/// <summary>Risk's flag API, called with the signed-in user's token (Risk decides what this user may see).</summary>
public sealed class RiskApi(HttpClient http) : ServiceApi(http, "Risk")
{
    public Task<ApiAnswer<FlagPage>> ListFlagsAsync(FlagQuery query, CancellationToken cancellationToken) =>
        GetAsync<FlagPage>(QueryHelpers.AddQueryString("api/v1/flags", query.ToQuery()), cancellationToken);

    public Task<ApiAnswer<Flag>> GetFlagAsync(Guid id, CancellationToken cancellationToken) =>
        GetAsync<Flag>($"api/v1/flags/{id}", cancellationToken);
}
