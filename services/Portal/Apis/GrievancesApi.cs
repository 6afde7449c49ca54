using Microsoft.AspNetCore.WebUtilities;

namespace Traceability.Portal.Apis;

/// <summary>A grievance case as caseworkers see it: never the worker's number.</summary>
public sealed record GrievanceCase(Guid Id, string Reference, string Status, string Category, IReadOnlyList<string> IloIndicators, string Language,
    IReadOnlyList<Guid> FacilityIds, string? FacilityName, string? Country, bool ContactAllowed, string? Outcome, DateTime FiledAt,
    DateTime AcknowledgeBy, DateTime FeedbackBy, DateTime? AcknowledgedAt, DateTime? ClosedAt, bool Overdue);

/// <summary>A case with the worker's words, its history and the SMS sent to the worker.</summary>
public sealed record GrievanceCaseDetail(GrievanceCase Case, string Description, IReadOnlyList<GrievanceCaseEvent> History,
    IReadOnlyList<GrievanceReply>? Replies = null);

/// <summary>One SMS sent to the worker and its status (unknown: the provider may not have taken it, and it is not sent again).</summary>
public sealed record GrievanceReply(Guid Id, DateTime At, string Status, int Segments, string? Error, Guid? CaseId);

/// <summary>One line of a case's history.</summary>
public sealed record GrievanceCaseEvent(DateTime At, string Actor, string Action, string? Detail);

/// <summary>A page of cases.</summary>
public sealed record GrievanceCasePage(IReadOnlyList<GrievanceCase> Items, int Page, int PageSize, long Total);

/// <summary>The worker's number, answered once per logged request.</summary>
public sealed record WorkerContact(string PhoneNumber, bool ContactAllowed);

/// <summary>Grievances' caseworker API.</summary>
public sealed class GrievancesApi(HttpClient http) : ServiceApi(http, "Grievances")
{
    public static readonly IReadOnlyList<string> Statuses = ["filed", "acknowledged", "awaiting-worker", "closed"];
    public static readonly IReadOnlyList<string> Outcomes = ["resolved", "not-substantiated", "referred"];

    public Task<ApiAnswer<GrievanceCasePage>> ListCasesAsync(string? status, bool overdue, int page, CancellationToken cancellationToken) =>
        GetAsync<GrievanceCasePage>(QueryHelpers.AddQueryString(overdue ? "api/v1/cases/overdue" : "api/v1/cases", new Dictionary<string, string?>
        {
            ["status"] = overdue ? null : status,
            ["page"] = page.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["pageSize"] = "50",
        }.Where(p => p.Value is not null).ToDictionary()), cancellationToken);

    public Task<ApiAnswer<GrievanceCaseDetail>> GetCaseAsync(Guid id, CancellationToken cancellationToken) =>
        GetAsync<GrievanceCaseDetail>($"api/v1/cases/{id}", cancellationToken);

    public Task<ApiAnswer<object>> AcknowledgeAsync(Guid id, string? note, CancellationToken cancellationToken) =>
        PostAsync<object>($"api/v1/cases/{id}/acknowledge", new { note }, cancellationToken);

    public Task<ApiAnswer<object>> AskAsync(Guid id, string? question, CancellationToken cancellationToken) =>
        PostAsync<object>($"api/v1/cases/{id}/questions", new { question }, cancellationToken);

    public Task<ApiAnswer<object>> CloseAsync(Guid id, string? outcome, string? note, CancellationToken cancellationToken) =>
        PostAsync<object>($"api/v1/cases/{id}/close", new { outcome, note }, cancellationToken);

    public Task<ApiAnswer<WorkerContact>> RevealContactAsync(Guid id, string? reason, CancellationToken cancellationToken) =>
        PostAsync<WorkerContact>($"api/v1/cases/{id}/reveal-contact", new { reason }, cancellationToken);
}
