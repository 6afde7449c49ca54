using Microsoft.AspNetCore.WebUtilities;

namespace Traceability.Portal.Apis;

/// <summary>A flag as Risk's API answers it (fields an older Risk does not send stay null).</summary>
public sealed record Flag(
    Guid Id, string RuleId, int RuleVersion, string Severity, string SubjectType, string SubjectId, string ScopeCountry,
    string Explanation, IReadOnlyList<string> Evidence, string Status, DateTime RaisedAt)
{
    public string? ScopeHsChapter { get; init; }
    public string? ScopeScheme { get; init; }
    public string? Assignee { get; init; }
    public string? Resolution { get; init; }
    public bool Escalated { get; init; }
    public int Version { get; init; }
    public DateTime? AssignDueAt { get; init; }
    public DateTime? ResolveDueAt { get; init; }
    public DateTime? AssignedAt { get; init; }
    public DateTime? ResolvedAt { get; init; }
    public bool Overdue { get; init; }
    public int GrievanceCount { get; init; }
}

/// <summary>One page of flags; Risk counts the total only so far (<c>TotalCapped</c>: there are at least <c>Total</c>).</summary>
public sealed record FlagPage(IReadOnlyList<Flag> Items, int Page, int PageSize, long Total, bool TotalCapped = false);

/// <summary>One piece of a flag's evidence: what it is and where it came from; ClearedBy names the later evidence after which it no longer counts.</summary>
public sealed record FlagEvidence(string Id, string Source, int RuleVersion, string? Note, DateTime AppendedAt, DateTime? ClearedAt = null, string? ClearedBy = null);

/// <summary>One step of a flag's append-only history.</summary>
public sealed record FlagHistoryStep(int Version, string Action, string Status, string? Resolution, string Severity, string? Assignee, string Actor,
    string? Reason, string? Note, DateTime OccurredAt);

/// <summary>A flag with its evidence and history.</summary>
public sealed record FlagDetail(Flag Flag, IReadOnlyList<FlagEvidence> Evidence, IReadOnlyList<FlagHistoryStep> History);

/// <summary>How much one open flag adds to a facility's score.</summary>
public sealed record ScoreContribution(Guid FlagId, string RuleId, string Severity, int Points);

/// <summary>One signal at a facility (an ILO indicator from an audit finding or a grievance).</summary>
public sealed record FacilitySignal(DateTime ObservedAt, string Indicator, string Source, string EvidenceId);

/// <summary>A facility's risk profile as Risk answers it, scoped to the user.</summary>
public sealed record FacilityRiskProfile(string Key, string Name, string Country, IReadOnlyList<string> Glns, IReadOnlyList<string> OshIds,
    int Score, IReadOnlyList<ScoreContribution> Contributions, IReadOnlyList<Flag> OpenFlags, int ResolvedFlags, IReadOnlyList<FacilitySignal> Signals);

/// <summary>How many open flags share one value (a severity, a rule, a country).</summary>
public sealed record FlagCount(string Key, long Count);

/// <summary>A duration over the window's flags: how many were measured, the median and the 90th percentile, in seconds.</summary>
public sealed record DurationStatistics(long Count, long? MedianSeconds, long? P90Seconds)
{
    public TimeSpan? Median => MedianSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
    public TimeSpan? P90 => P90Seconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null;
}

/// <summary>Risk's figures over the flags this user may see (every open flag; the times over the flags raised in the window).</summary>
public sealed record FlagStatistics(int WindowDays, DateTime From, DateTime To, long Open, IReadOnlyList<FlagCount> BySeverity, IReadOnlyList<FlagCount> ByRule,
    IReadOnlyList<FlagCount> ByCountry, long RaisedInWindow, DurationStatistics TimeToAssign, DurationStatistics TimeToResolve);

/// <summary>A facility a shipment named, in the role it named it.</summary>
public sealed record ShipmentFacility(string Role, Guid FacilityId, string? Name, string? Country, string? Gln, string? OshId);

/// <summary>A certificate a shipment claimed, with its status on the ship date as Risk heard it.</summary>
public sealed record ShipmentCertificate(string Scheme, string Number, string? StatusOnShipDate);

/// <summary>A shipment as Risk holds it, for whoever may see a flag about it.</summary>
public sealed record ShipmentEvidence(Guid Id, string? Commodity, string? HsCode, DateOnly? ShipDate, IReadOnlyList<ShipmentFacility> Facilities,
    IReadOnlyList<ShipmentCertificate> Certificates);

/// <summary>What the queue asks Risk for; empty values are left out of the query.</summary>
public sealed record FlagQuery
{
    public string? Severity { get; init; }
    public string? RuleId { get; init; }
    public string? Status { get; init; }
    public string? Resolution { get; init; }
    public bool Overdue { get; init; }
    public bool? Escalated { get; init; }
    public string? Assignee { get; init; }
    public string? SubjectType { get; init; }
    public string? SubjectId { get; init; }
    public string? Country { get; init; }
    public string? Sort { get; init; }
    public int Page { get; init; } = 1;
    public int PageSize { get; init; } = 25;

    public Dictionary<string, string?> ToQuery()
    {
        var query = new Dictionary<string, string?>
        {
            ["severity"] = Severity, ["ruleId"] = RuleId, ["status"] = Status, ["resolution"] = Resolution, ["overdue"] = Overdue ? "true" : null,
            ["escalated"] = Escalated is { } escalated ? (escalated ? "true" : "false") : null, ["assignee"] = Assignee,
            ["subjectType"] = SubjectType, ["subjectId"] = SubjectId, ["country"] = Country, ["sort"] = Sort,
            ["page"] = Page.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["pageSize"] = PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return query.Where(p => !string.IsNullOrEmpty(p.Value)).ToDictionary();
    }
}

/// <summary>A step of the case workflow as the portal's forms post it.</summary>
public sealed record FlagStepForm(int Version, string? Assignee, string? Resolution, string? Reason, string? Note);

/// <summary>Risk's flag API, called with the signed-in user's token (Risk decides what this user may see and do).</summary>
public sealed class RiskApi(HttpClient http) : ServiceApi(http, "Risk")
{
    /// <summary>The workflow steps Risk takes, by the action name in its route.</summary>
    public static readonly IReadOnlyList<string> Steps = ["assign", "start", "escalate", "resolve", "reopen"];

    public static readonly IReadOnlyList<string> Resolutions = ["confirmed", "dismissed", "remediated"];

    public Task<ApiAnswer<FlagPage>> ListFlagsAsync(FlagQuery query, CancellationToken cancellationToken) =>
        GetAsync<FlagPage>(QueryHelpers.AddQueryString("api/v1/flags", query.ToQuery()), cancellationToken);

    public Task<ApiAnswer<FlagStatistics>> GetStatisticsAsync(int days, CancellationToken cancellationToken) =>
        GetAsync<FlagStatistics>($"api/v1/flags/statistics?days={days.ToString(System.Globalization.CultureInfo.InvariantCulture)}", cancellationToken);

    public Task<ApiAnswer<FacilityRiskProfile>> GetFacilityRiskAsync(string key, CancellationToken cancellationToken) =>
        GetAsync<FacilityRiskProfile>($"api/v1/facilities/{Uri.EscapeDataString(key)}/risk", cancellationToken);

    public Task<ApiAnswer<ShipmentEvidence>> GetShipmentAsync(Guid id, CancellationToken cancellationToken) =>
        GetAsync<ShipmentEvidence>($"api/v1/shipments/{id}", cancellationToken);

    public Task<ApiAnswer<FlagDetail>> GetFlagAsync(Guid id, CancellationToken cancellationToken) =>
        GetAsync<FlagDetail>($"api/v1/flags/{id}", cancellationToken);

    public Task<ApiAnswer<Flag>> StepAsync(Guid id, string step, FlagStepForm form, CancellationToken cancellationToken) =>
        PostAsync<Flag>($"api/v1/flags/{id}/{step}", new
        {
            version = form.Version,
            assignee = step == "assign" ? form.Assignee : null,
            resolution = step == "resolve" ? form.Resolution : null,
            reason = string.IsNullOrWhiteSpace(form.Reason) ? null : form.Reason,
            note = string.IsNullOrWhiteSpace(form.Note) ? null : form.Note,
        }, cancellationToken);
}
