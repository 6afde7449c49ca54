using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Traceability.Data;
using Traceability.Hosting;
using Traceability.Risk.Features.ListFlags;
using Traceability.Risk.Flags;

namespace Traceability.Risk.Features.WorkFlag;

/// <summary>One piece of a flag's evidence; <paramref name="ClearedBy"/> names the later evidence after which it no longer counts (kept, not counted).</summary>
public sealed record EvidenceItem(string Id, string Source, int RuleVersion, string? Note, DateTime AppendedAt, DateTime? ClearedAt = null, string? ClearedBy = null);

/// <summary>One step of a flag's history.</summary>
public sealed record HistoryStep(int Version, string Action, string Status, string? Resolution, string Severity, string? Assignee, string Actor,
    string? Reason, string? Note, DateTime OccurredAt);

/// <summary>A flag with its evidence and its history.</summary>
public sealed record FlagDetail(FlagResponse Flag, IReadOnlyList<EvidenceItem> Evidence, IReadOnlyList<HistoryStep> History);

/// <summary>Assign a flag to an auditor whose accreditation covers it (an auditor: only to themselves).</summary>
public sealed record AssignFlagRequest(string? Assignee, int? Version, string? Reason, string? Note);

/// <summary>Start, escalate or reopen a flag: the version read, and why.</summary>
public sealed record FlagStepRequest(int? Version, string? Reason, string? Note);

/// <summary>Resolve a flag: confirmed, dismissed or remediated.</summary>
public sealed record ResolveFlagRequest(string? Resolution, int? Version, string? Reason, string? Note);

internal static class WorkFlagEndpoints
{
    private const string StepExample = """{"version":1,"reason":"Evidence reviewed","note":"Documents requested from the facility."}""";

    public static RouteGroupBuilder MapWorkFlag(this RouteGroupBuilder api)
    {
        string[] roles = [Roles.Auditor, Roles.Caseworker, Roles.Admin];
        api.MapGet("/flags/{id:guid}", GetAsync).WithName("GetFlag")
            .WithSummary("A flag with its evidence and history; 404 for a flag outside the caller's scope, exactly as for a missing one.").RequireRoles(roles);
        api.MapPost("/flags/{id:guid}/assign", AssignAsync).WithName("AssignFlag")
            .WithSummary("open/assigned/investigating → assigned, to an auditor whose active accreditation covers the flag (an auditor assigns only themselves).")
            .WithRequestExample("""{"assignee":"aud-1","version":1,"reason":"In my region","note":"I take this one."}""").RequireRoles(roles);
        api.MapPost("/flags/{id:guid}/start", (Guid id, FlagStepRequest? request, ClaimsPrincipal user, FlagWorkflow workflow, CancellationToken ct) =>
                StepAsync(id, request?.Version, null, null, request?.Reason, request?.Note, FlagWorkflow.StartAction, user, workflow, ct)).WithName("StartFlag")
            .WithSummary("assigned → investigating (the assigned auditor, a caseworker or an admin).").WithRequestExample(StepExample).RequireRoles(roles);
        api.MapPost("/flags/{id:guid}/escalate", (Guid id, FlagStepRequest? request, ClaimsPrincipal user, FlagWorkflow workflow, CancellationToken ct) =>
                StepAsync(id, request?.Version, null, null, request?.Reason, request?.Note, FlagWorkflow.EscalateAction, user, workflow, ct)).WithName("EscalateFlag")
            .WithSummary("Marks an unresolved flag escalated (for admins' attention); its status stays.").WithRequestExample(StepExample).RequireRoles(roles);
        api.MapPost("/flags/{id:guid}/resolve", ResolveAsync).WithName("ResolveFlag")
            .WithSummary("→ resolved, as confirmed, dismissed or remediated; the rule may then raise a new flag for the subject.")
            .WithRequestExample("""{"resolution":"remediated","version":1,"reason":"Passports returned","note":"Verified on a follow-up visit."}""").RequireRoles(roles);
        api.MapPost("/flags/{id:guid}/reopen", (Guid id, FlagStepRequest? request, ClaimsPrincipal user, FlagWorkflow workflow, CancellationToken ct) =>
                StepAsync(id, request?.Version, null, null, request?.Reason, request?.Note, FlagWorkflow.ReopenAction, user, workflow, ct)).WithName("ReopenFlag")
            .WithSummary("resolved → open with fresh SLA clocks (409 when the rule has raised a new open flag for the subject since).").WithRequestExample(StepExample).RequireRoles(roles);
        return api;
    }

    private static async Task<Results<Ok<FlagDetail>, NotFound>> GetAsync(Guid id, ClaimsPrincipal user, Database database, TimeProvider time, CancellationToken cancellationToken)
    {
        var viewer = Viewer.Of(user);
        if (viewer.Visibility == Visibility.None)
        {
            return TypedResults.NotFound();
        }
        var now = time.GetUtcNow().UtcDateTime;
        var flag = await database.QuerySingleOrDefaultAsync<FlagRow>(ScopedFlagParts.ByIdOf(viewer.Visibility),
            new { Id = id, viewer.AuditorId, Today = DateOnly.FromDateTime(now) }, cancellationToken);
        if (flag is null)
        {
            return TypedResults.NotFound();
        }
        var evidence = await database.QueryAsync<EvidenceItem>(ListFlagsSql.EvidenceDetail, new { Id = id }, cancellationToken);
        var history = await database.QueryAsync<HistoryStep>(ListFlagsSql.History, new { Id = id }, cancellationToken);
        return TypedResults.Ok(new FlagDetail(
            flag.ToResponse(evidence.Select(e => e.Id).ToList(), now),
            evidence.Select(e => e with
            {
                AppendedAt = DateTime.SpecifyKind(e.AppendedAt, DateTimeKind.Utc),
                ClearedAt = e.ClearedAt is { } cleared ? DateTime.SpecifyKind(cleared, DateTimeKind.Utc) : null,
            }).ToList(),
            history.Select(h => h with { OccurredAt = DateTime.SpecifyKind(h.OccurredAt, DateTimeKind.Utc) }).ToList()));
    }

    private static Task<Results<Ok<FlagResponse>, ValidationProblem, NotFound, ProblemHttpResult>> AssignAsync(
        Guid id, AssignFlagRequest? request, ClaimsPrincipal user, FlagWorkflow workflow, CancellationToken cancellationToken) =>
        StepAsync(id, request?.Version, request?.Assignee, null, request?.Reason, request?.Note, FlagWorkflow.AssignAction, user, workflow, cancellationToken);

    private static Task<Results<Ok<FlagResponse>, ValidationProblem, NotFound, ProblemHttpResult>> ResolveAsync(
        Guid id, ResolveFlagRequest? request, ClaimsPrincipal user, FlagWorkflow workflow, CancellationToken cancellationToken) =>
        StepAsync(id, request?.Version, null, request?.Resolution, request?.Reason, request?.Note, FlagWorkflow.ResolveAction, user, workflow, cancellationToken);

    private static async Task<Results<Ok<FlagResponse>, ValidationProblem, NotFound, ProblemHttpResult>> StepAsync(
        Guid id, int? version, string? assignee, string? resolution, string? reason, string? note, string action,
        ClaimsPrincipal user, FlagWorkflow workflow, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.Require(version is >= 1, "version", "The version of the flag as you read it (1 or more) is required.");
        if (action == FlagWorkflow.AssignAction)
        {
            assignee = errors.RequireText("assignee", assignee, 100, required: true, "The assignee (an auditor id)");
        }
        if (action == FlagWorkflow.ResolveAction)
        {
            errors.Require(resolution is not null && FlagWorkflow.Resolutions.Contains(resolution), "resolution", "The resolution is confirmed, dismissed or remediated.");
        }
        reason = errors.RequireText("reason", reason, 200, required: false, "The reason");
        if (note is not null)
        {
            errors.Require(note.Length <= 2000, "note", "The note has at most 2000 characters.");
            if (TextRules.Problem(note, multiline: true) is { } problem)
            {
                errors.Add("note", problem);
            }
        }
        if (!errors.IsEmpty)
        {
            return errors.ToProblem();
        }
        var (outcome, why, flag) = await workflow.AnswerAsync(Viewer.Of(user), id, new FlagStep(action, version!.Value, assignee, resolution, reason, note), cancellationToken);
        return outcome switch
        {
            StepOutcome.Done => TypedResults.Ok(flag!),
            StepOutcome.NotFound => TypedResults.NotFound(),
            StepOutcome.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: why),
            StepOutcome.Forbidden => TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: why),
            // Only an assignee is ever unprocessable: the problem names it as a field error.
            _ => TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["assignee"] = [why!] })
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "The assignee cannot take this flag.",
            }),
        };
    }
}
