using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Traceability.Contracts.Grievances;
using Traceability.Data;
using Traceability.Grievances.Features.Converse;
using Traceability.Grievances.Features.SendSms;
using Traceability.Grievances.Privacy;
using Traceability.Grievances.Sms;
using Traceability.Hosting;

namespace Traceability.Grievances.Features.Cases;

/// <summary>A case as caseworkers see it: never the worker's number (see the reveal-contact action).</summary>
public sealed record CaseSummary(Guid Id, string Reference, string Status, string Category, IReadOnlyList<string> IloIndicators, string Language,
    IReadOnlyList<Guid> FacilityIds, string? FacilityName, string? Country, bool ContactAllowed, string? Outcome, DateTime FiledAt,
    DateTime AcknowledgeBy, DateTime FeedbackBy, DateTime? AcknowledgedAt, DateTime? ClosedAt, bool Overdue);

/// <summary>A case with the worker's words, its history and the replies the worker was sent.</summary>
public sealed record CaseDetail(CaseSummary Case, string Description, IReadOnlyList<CaseEvent> History, IReadOnlyList<ReplyToWorker> Replies);

/// <summary>
/// One SMS sent (or to be sent) to the case's worker and what became of it: queued, sending, sent, delivered,
/// failed, throttled, or unknown (the provider may or may not have taken it; it is not sent again, so the
/// worker may not have it).
/// </summary>
public sealed record ReplyToWorker(Guid Id, DateTime At, string Status, int Segments, string? Error, Guid? CaseId);

/// <summary>One line of a case's history.</summary>
public sealed record CaseEvent(DateTime At, string Actor, string Action, string? Detail);

/// <summary>A page of cases.</summary>
public sealed record CasePage(IReadOnlyList<CaseSummary> Items, int Page, int PageSize, long Total);

/// <summary>A note with an acknowledgement.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record AcknowledgeRequest(string? Note);

/// <summary>A question for the worker, sent by SMS in their language.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record QuestionRequest(string? Question);

/// <summary>The outcome of a case.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record CloseRequest(string? Outcome, string? Note);

/// <summary>Why a caseworker needs the worker's number (kept in the case's history).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RevealContactRequest(string? Reason);

/// <summary>The worker's number, answered once per audited request.</summary>
public sealed record ContactAnswer(string PhoneNumber, bool ContactAllowed);

/// <summary>Grievance counts per facility and category over a period; below k = 5 a count is not shown.</summary>
public sealed record GrievanceCount(Guid FacilityId, string Category, int? Cases, bool Suppressed);

internal sealed record CaseRow(Guid Id, string Reference, string TenantId, string Language, string FacilityIds, string? FacilityName, string? Country,
    string Category, string IloIndicators, bool ContactAllowed, string Status, string? Outcome, DateTime FiledAt, DateTime AcknowledgeBy,
    DateTime FeedbackBy, DateTime? AcknowledgedAt, DateTime? ClosedAt, string Pseudonym, string DescriptionCipher)
{
    public IReadOnlyList<Guid> Facilities => FacilityIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(Guid.Parse).ToList();

    public CaseSummary Summary(DateTime now) => new(Id, Reference, Status, Category,
        IloIndicators.Split(',', StringSplitOptions.RemoveEmptyEntries), Language, Facilities, FacilityName, Country, ContactAllowed, Outcome,
        Utc(FiledAt), Utc(AcknowledgeBy), Utc(FeedbackBy), AcknowledgedAt is { } a ? Utc(a) : null, ClosedAt is { } c ? Utc(c) : null,
        (Status == "filed" && AcknowledgeBy < now) || (Status != "closed" && FeedbackBy < now));

    private static DateTime Utc(DateTime value) => DateTime.SpecifyKind(value, DateTimeKind.Utc);
}

internal sealed record SenderContact(string Pseudonym, string PhoneCipher, string Gateway, string GatewayNumber, bool OptedOut);

/// <summary>
/// The caseworkers' API: list and filter cases, the overdue list (7-day acknowledgement, 3-month feedback:
/// EU Whistleblower Directive Art. 9), acknowledge, ask the worker, close with an outcome (the worker who
/// allowed contact is told by SMS in their language), and the one audited action that shows the number.
/// History is appended, never changed.
/// </summary>
internal static class CaseworkerEndpoints
{
    /// <summary>Outcomes a case closes with (each has a text in every language).</summary>
    public static readonly IReadOnlyList<string> Outcomes = ["resolved", "not-substantiated", "referred"];

    /// <summary>Counts below this are not shown outside caseworkers (a small count can point at a person).</summary>
    public const int K = 5;

    public static RouteGroupBuilder MapCases(this RouteGroupBuilder api)
    {
        var cases = api.MapGroup("/cases").WithTags("Cases").RequireRoles(Roles.Caseworker, Roles.Admin);
        cases.MapGet("", ListAsync).WithName("ListCases").WithSummary("Lists cases, oldest first; filters: status, category, facilityId, overdue.");
        cases.MapGet("/overdue", (HttpContext http, Database database, TimeProvider time, CancellationToken ct, int page = 1, int pageSize = 50) =>
            ListAsync(http, database, time, ct, null, null, null, true, page, pageSize)).WithName("ListOverdueCases")
            .WithSummary("Cases past their 7-day acknowledgement or 3-month feedback deadline.");
        cases.MapGet("/{id:guid}", GetAsync).WithName("GetCase").WithSummary("A case with the worker's words and its history.");
        cases.MapPost("/{id:guid}/acknowledge", AcknowledgeAsync).WithName("AcknowledgeCase").WithSummary("Acknowledges a filed case.")
            .WithRequestExample("""{"note":"Assigned to the Dhaka team."}""");
        cases.MapPost("/{id:guid}/questions", AskAsync).WithName("AskWorker").WithSummary("Sends the worker a question by SMS (only when they allowed contact).")
            .WithRequestExample("""{"question":"Which month were wages not paid?"}""");
        cases.MapPost("/{id:guid}/close", CloseAsync).WithName("CloseCase").WithSummary("Records the outcome and closes the case; the worker is told when they allowed contact.")
            .WithRequestExample("""{"outcome":"resolved","note":"Back pay confirmed by the auditor."}""");
        api.MapPost("/cases/{id:guid}/reveal-contact", RevealContactAsync).WithTags("Cases").RequireRoles(Roles.Caseworker).WithName("RevealContact")
            .WithSummary("Shows the worker's phone number to a caseworker; every call is kept in the case's history with its reason.")
            .WithRequestExample("""{"reason":"Worker asked to be called back about the remediation."}""");
        api.MapGet("/grievance-counts", CountsAsync).WithTags("Cases").RequireRoles(Roles.Caseworker, Roles.Admin, Roles.Auditor, Roles.Certifier)
            .WithName("GrievanceCounts").WithSummary("Cases per facility and category in the last days (default 90); counts below 5 are suppressed.");
        return api;
    }

    private static async Task<Results<Ok<CasePage>, ValidationProblem>> ListAsync(HttpContext http, Database database, TimeProvider time, CancellationToken cancellationToken,
        string? status = null, string? category = null, Guid? facilityId = null, bool overdue = false, int page = 1, int pageSize = 50)
    {
        var errors = new ValidationErrors().RequirePage(page, pageSize);
        errors.Require(status is null or "filed" or "acknowledged" or "awaiting-worker" or "closed", "status", "filed, acknowledged, awaiting-worker or closed.");
        errors.Require(category is null || Categories.Find(category) is not null, "category", "One of: " + string.Join(", ", Categories.All.Select(c => c.Id)) + ".");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var now = time.GetUtcNow().UtcDateTime;
        var filter = new
        {
            Status = status, Category = category, FacilityId = facilityId is { } f ? $"%{f}%" : null, Overdue = overdue ? 1 : 0, Now = now,
            Offset = (page - 1) * pageSize, PageSize = pageSize,
        };
        var rows = await database.QueryAsync<CaseRow>(CasesSql.List, filter, cancellationToken);
        var total = (await database.QueryAsync<long>(CasesSql.Count, filter, cancellationToken))[0];
        return TypedResults.Ok(new CasePage(rows.Select(r => r.Summary(now)).ToList(), page, pageSize, total));
    }

    private static async Task<Results<Ok<CaseDetail>, NotFound>> GetAsync(Guid id, Database database, PrivacyVault vault, TimeProvider time, CancellationToken cancellationToken)
    {
        var row = await database.QuerySingleOrDefaultAsync<CaseRow>(CasesSql.One, new { Id = id }, cancellationToken);
        if (row is null)
        {
            return TypedResults.NotFound();
        }
        var history = await database.QueryAsync<CaseEvent>(CasesSql.History, new { Id = id }, cancellationToken);
        var replies = await database.QueryAsync<ReplyToWorker>(CasesSql.Replies, new { row.Pseudonym }, cancellationToken);
        return TypedResults.Ok(new CaseDetail(row.Summary(time.GetUtcNow().UtcDateTime), vault.Decrypt(row.DescriptionCipher),
            history.Select(h => h with
            {
                At = DateTime.SpecifyKind(h.At, DateTimeKind.Utc),
                // The worker's answers are stored encrypted like their first words.
                Detail = h.Action == "worker-replied" && h.Detail is not null ? vault.Decrypt(h.Detail) : h.Detail,
            }).ToList(),
            replies.Select(r => r with { At = DateTime.SpecifyKind(r.At, DateTimeKind.Utc) }).ToList()));
    }

    private static async Task<Results<Ok<CaseSummary>, NotFound, ValidationProblem, ProblemHttpResult>> AcknowledgeAsync(Guid id, AcknowledgeRequest? request,
        HttpContext http, Database database, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.Require(request is not null, "$", "A JSON object is required in the body ({} without a note).");
        var note = errors.RequireText("note", request?.Note, 2000, required: false, "The note");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        return await ChangeAsync(id, http, database, time, "acknowledged", async (data, row, now) =>
        {
            if (await data.ExecuteAsync(CasesSql.Acknowledge, new { Id = id, Now = now }) != 1)
            {
                return Conflict($"A case that is {row.Status} cannot be acknowledged.");
            }
            History(data, id, now, http, "acknowledged", note);
            return null;
        }, cancellationToken);
    }

    private static async Task<Results<Ok<CaseSummary>, NotFound, ValidationProblem, ProblemHttpResult>> AskAsync(Guid id, QuestionRequest? request, HttpContext http,
        Database database, Replies replies, ConversationTexts texts, IOptions<SmsOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var question = errors.RequireText("question", request?.Question, 320, required: true, "The question");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        return await ChangeAsync(id, http, database, time, "awaiting-worker", async (data, row, now) =>
        {
            var text = texts.Languages[row.Language].Format("question", ("reference", row.Reference), ("question", question!));
            if (SegmentCounter.Count(text).Segments > options.Value.MaxSegments)
            {
                return TypedResults.Problem(statusCode: 400, title: $"The question makes an SMS of more than {options.Value.MaxSegments} segments; shorten it.",
                    extensions: new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["question"] = ["Too long for the SMS budget."] } });
            }
            if (row.Status == "closed")
            {
                return Conflict("The case is closed.");
            }
            var sender = await data.QuerySingleOrDefaultAsync<SenderContact>(CasesSql.Sender, new { row.Pseudonym });
            if (!row.ContactAllowed || sender is null || sender.OptedOut)
            {
                return Conflict("The worker did not allow contact, or has stopped messages.");
            }
            await data.ExecuteAsync(CasesSql.SetStatus, new { Id = id, Status = "awaiting-worker", Previous = row.Status });
            replies.Queue(data, new ReplyTarget(row.Pseudonym, OutboundGatewayFor(options.Value, sender.Gateway), sender.GatewayNumber), text, null, id);
            History(data, id, now, http, "asked-worker", question);
            return null;
        }, cancellationToken);
    }

    private static async Task<Results<Ok<CaseSummary>, NotFound, ValidationProblem, ProblemHttpResult>> CloseAsync(Guid id, CloseRequest? request, HttpContext http,
        Database database, Replies replies, ConversationTexts texts, IOptions<SmsOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.Require(request?.Outcome is { } o && Outcomes.Contains(o), "outcome", "One of: " + string.Join(", ", Outcomes) + ".");
        var note = errors.RequireText("note", request?.Note, 2000, required: false, "The note");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        return await ChangeAsync(id, http, database, time, "closed", async (data, row, now) =>
        {
            if (await data.ExecuteAsync(CasesSql.Close, new { Id = id, request!.Outcome, Now = now }) != 1)
            {
                return Conflict("The case is closed already.");
            }
            History(data, id, now, http, "closed", request.Outcome + (note is null ? "" : ": " + note));
            var sender = await data.QuerySingleOrDefaultAsync<SenderContact>(CasesSql.Sender, new { row.Pseudonym });
            if (row.ContactAllowed && sender is { OptedOut: false })
            {
                var language = texts.Languages[row.Language];
                var text = language.Format("closed", ("reference", row.Reference), ("outcome", language.Texts[$"outcome.{request.Outcome}"]));
                replies.Queue(data, new ReplyTarget(row.Pseudonym, OutboundGatewayFor(options.Value, sender.Gateway), sender.GatewayNumber), text, null, id);
            }
            return null;
        }, cancellationToken, outcome: request!.Outcome);
    }

    private static async Task<Results<Ok<ContactAnswer>, NotFound, ValidationProblem>> RevealContactAsync(Guid id, RevealContactRequest? request, HttpContext http,
        Database database, PrivacyVault vault, TimeProvider time, ILoggerFactory logs, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        var reason = errors.RequireText("reason", request?.Reason, 500, required: true, "The reason");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var answer = await database.InTransactionAsync(async data =>
        {
            var row = await data.QuerySingleOrDefaultAsync<CaseRow>(CasesSql.One, new { Id = id });
            var sender = row is null ? null : await data.QuerySingleOrDefaultAsync<SenderContact>(CasesSql.Sender, new { row.Pseudonym });
            if (row is null || sender is null)
            {
                return null;
            }
            // The audit line commits before the number is answered: no reveal without its record.
            History(data, id, time.GetUtcNow().UtcDateTime, http, "contact-revealed", reason);
            return new ContactAnswer(vault.Decrypt(sender.PhoneCipher), row.ContactAllowed);
        }, cancellationToken);
        if (answer is null)
        {
            return TypedResults.NotFound();
        }
        logs.CreateLogger("Traceability.Grievances.Audit").LogInformation("Caseworker {Subject} revealed the contact of case {CaseId}", http.User.Subject(), id);
        return TypedResults.Ok(answer);
    }

    private static async Task<Results<Ok<IReadOnlyList<GrievanceCount>>, ValidationProblem>> CountsAsync(HttpContext http, Database database, TimeProvider time,
        CancellationToken cancellationToken, int days = 90)
    {
        var errors = new ValidationErrors();
        errors.Require(days is >= 1 and <= 3660, "days", "From 1 to 3660 days.");
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var rows = await database.QueryAsync<(string FacilityIds, string Category, long Cases)>(CasesSql.CountsByFacility,
            new { Since = time.GetUtcNow().UtcDateTime.AddDays(-days) }, cancellationToken);
        var counts = rows
            .SelectMany(r => r.FacilityIds.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(f => (Facility: Guid.Parse(f), r.Category, r.Cases)))
            .GroupBy(r => (r.Facility, r.Category))
            .Select(g => (g.Key.Facility, g.Key.Category, Cases: (int)g.Sum(r => r.Cases)))
            // Caseworkers see every count; everyone else sees counts from k up only.
            .Select(c => http.User.IsInRole(Roles.Caseworker) || c.Cases >= K
                ? new GrievanceCount(c.Facility, c.Category, c.Cases, false)
                : new GrievanceCount(c.Facility, c.Category, null, true))
            .OrderBy(c => c.FacilityId).ThenBy(c => c.Category)
            .ToList();
        return TypedResults.Ok<IReadOnlyList<GrievanceCount>>(counts);
    }

    /// <summary>Replies go back through the gateway the worker wrote to, or to the simulator when that gateway has no credentials here.</summary>
    public static string OutboundGatewayFor(SmsOptions options, string gateway) => gateway switch
    {
        "twilio" when options.Twilio.AccountSid.Length > 0 => "twilio",
        "africastalking" when options.AfricasTalking.Username.Length > 0 => "africastalking",
        "generic" when options.Generic.OutboundUrl.Length > 0 => "generic",
        _ => "simulator",
    };

    private static ProblemHttpResult Conflict(string title) => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title);

    private static void History(DataTransaction data, Guid caseId, DateTime at, HttpContext http, string action, string? detail) =>
        data.Defer(CasesSql.InsertHistory, new { Id = Guid.CreateVersion7(), CaseId = caseId, At = at, Actor = http.User.Subject() ?? "unknown", Action = action, Detail = detail });

    /// <summary>One status change in one transaction: the change, its history line and GrievanceStatusChanged.</summary>
    private static async Task<Results<Ok<CaseSummary>, NotFound, ValidationProblem, ProblemHttpResult>> ChangeAsync(Guid id, HttpContext http, Database database,
        TimeProvider time, string status, Func<DataTransaction, CaseRow, DateTime, Task<ProblemHttpResult?>> change, CancellationToken cancellationToken,
        string? outcome = null)
    {
        var now = time.GetUtcNow().UtcDateTime;
        try
        {
            var after = await database.InTransactionAsync(async data =>
            {
                var row = await data.QuerySingleOrDefaultAsync<CaseRow>(CasesSql.One, new { Id = id });
                if (row is null)
                {
                    return null;
                }
                if (await change(data, row, now) is { } refused)
                {
                    // The throw rolls the transaction back: nothing of a refused change stays.
                    throw new RefusedChange(refused);
                }
                await data.PublishAsync(new GrievanceStatusChanged
                {
                    EventId = Guid.CreateVersion7(), TenantId = row.TenantId, OccurredAt = now, CaseId = id, CaseReference = row.Reference,
                    FacilityIds = row.Facilities, PreviousStatus = row.Status, Status = status, Outcome = outcome, Category = row.Category,
                });
                return await data.QuerySingleOrDefaultAsync<CaseRow>(CasesSql.One, new { Id = id });
            }, cancellationToken);
            return after is null ? TypedResults.NotFound() : TypedResults.Ok(after.Summary(now));
        }
        catch (RefusedChange refused)
        {
            return refused.Problem;
        }
    }

    private sealed class RefusedChange(ProblemHttpResult problem) : Exception(problem.ProblemDetails.Title)
    {
        public ProblemHttpResult Problem { get; } = problem;
    }
}
