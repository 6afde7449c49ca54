using Traceability.Data;
using Traceability.Risk.Features.ListFlags;
using Traceability.Risk.Flags;
using Traceability.Risk.Rules;

namespace Traceability.Risk.Features.WorkFlag;

/// <summary>A step of the case workflow a person asks for.</summary>
internal sealed record FlagStep(string Action, int Version, string? Assignee, string? Resolution, string? Reason, string? Note);

/// <summary>How a step ended.</summary>
internal enum StepOutcome
{
    Done,
    NotFound,
    Conflict,
    Forbidden,
    Unprocessable,
}

/// <summary>
/// The case workflow: open → assigned → investigating → resolved (confirmed, dismissed, remediated), escalation
/// at any open stage, reopening of a resolved flag. Each step checks the caller may see the flag (else 404), that the
/// flag is still at the version they read (else 409), that the step follows from its status (else 409), that the
/// caller may take it (an auditor assigns only themselves and works only flags assigned to them: else 403) and that an
/// assignee's accreditation covers the flag (else 422); then it updates the flag, appends the history step and
/// publishes <c>FlagStatusChanged</c>, all in one transaction.
/// </summary>
internal sealed class FlagWorkflow(Database database, RuleCatalog catalog, TimeProvider time)
{
    public const string AssignAction = "assigned";
    public const string StartAction = "started";
    public const string EscalateAction = "escalated";
    public const string ResolveAction = "resolved";
    public const string ReopenAction = "reopened";

    public static readonly IReadOnlyList<string> Resolutions = ["confirmed", "dismissed", "remediated"];

    /// <summary>Takes the step and answers with the flag as it is now (with its evidence ids).</summary>
    public async Task<(StepOutcome Outcome, string? Why, FlagResponse? Flag)> AnswerAsync(Viewer viewer, Guid id, FlagStep step, CancellationToken cancellationToken)
    {
        var (outcome, why, flag) = await StepAsync(viewer, id, step, cancellationToken);
        if (outcome != StepOutcome.Done)
        {
            return (outcome, why, null);
        }
        var evidence = await ListFlagsEndpoint.EvidenceOfAsync(database, [id], cancellationToken);
        return (outcome, why, flag!.ToResponse(evidence[id].ToList(), time.GetUtcNow().UtcDateTime));
    }

    public Task<(StepOutcome Outcome, string? Why, FlagRow? Flag)> StepAsync(Viewer viewer, Guid id, FlagStep step, CancellationToken cancellationToken) =>
        database.InTransactionAsync<(StepOutcome, string?, FlagRow?)>(async data =>
        {
            var now = time.GetUtcNow().UtcDateTime;
            var today = DateOnly.FromDateTime(now);
            if (viewer.Visibility == Visibility.None)
            {
                return (StepOutcome.NotFound, null, null);
            }
            var flag = await data.QuerySingleOrDefaultAsync<FlagRow>(ScopedFlagParts.ByIdOf(viewer.Visibility), new { Id = id, viewer.AuditorId, Today = today });
            if (flag is null)
            {
                return (StepOutcome.NotFound, null, null);
            }
            if (flag.Version != step.Version)
            {
                return (StepOutcome.Conflict, $"The flag is at version {flag.Version}, not {step.Version}: read it again.", flag);
            }
            if (Refusal(viewer, flag, step) is { } refusal)
            {
                return refusal;
            }
            if (step.Action == AssignAction
                && await data.QuerySingleOrDefaultAsync<FlagRow>(ListFlagsSql.ByIdAccreditation, new { Id = id, AuditorId = step.Assignee, Today = today }) is null)
            {
                return (StepOutcome.Unprocessable, $"No active accreditation of auditor '{step.Assignee}' covers this flag ({Scope(flag)}).", flag);
            }
            var sla = catalog.SlaFor(flag.Severity);
            var (sql, row) = step.Action switch
            {
                AssignAction => (WorkFlagSql.Assign, (object)new { Id = id, step.Version, step.Assignee, Now = now }),
                StartAction => (WorkFlagSql.Start, new { Id = id, step.Version, Now = now }),
                EscalateAction => (WorkFlagSql.Escalate, new { Id = id, step.Version, Escalated = true, Now = now }),
                ResolveAction => (WorkFlagSql.Resolve, new { Id = id, step.Version, step.Resolution, Now = now }),
                ReopenAction => (WorkFlagSql.Reopen, new { Id = id, step.Version, Now = now, AssignDueAt = now + sla.Assign, ResolveDueAt = now + sla.Resolve }),
                _ => throw new ArgumentOutOfRangeException(nameof(step)),
            };
            if (await data.ExecuteAsync(sql, row) == 0)
            {
                return (StepOutcome.Conflict, "The flag was changed at the same time: read it again.", flag);
            }
            var state = (await data.QuerySingleOrDefaultAsync<FlagState>(FlagBookSql.SelectFlagState, new { Id = id }))!;
            await FlagChanges.RecordAsync(data, state, step.Action, viewer.Actor, step.Reason, step.Note, now);
            var after = await data.QuerySingleOrDefaultAsync<FlagRow>(ListFlagsSql.ByIdAll, new { Id = id });
            return (StepOutcome.Done, null, after);
        }, cancellationToken);

    private static string Scope(FlagRow flag) =>
        string.Join(", ", new[] { $"country {flag.ScopeCountry}", flag.ScopeHsChapter is null ? null : $"HS chapter {flag.ScopeHsChapter}", flag.ScopeScheme is null ? null : $"scheme {flag.ScopeScheme}" }.OfType<string>());

    private static (StepOutcome, string?, FlagRow?)? Refusal(Viewer viewer, FlagRow flag, FlagStep step)
    {
        var open = flag.Status != FlagStatus.Resolved;
        var allowed = step.Action switch
        {
            AssignAction => open,
            StartAction => flag.Status == FlagStatus.Assigned,
            EscalateAction => open && !flag.Escalated,
            ResolveAction => open,
            ReopenAction => !open,
            _ => false,
        };
        if (!allowed)
        {
            return (StepOutcome.Conflict, $"A flag that is {flag.Status}{(flag.Escalated ? " and escalated" : "")} cannot be {step.Action}.", flag);
        }
        // Admins and caseworkers work every flag they see; an auditor assigns only themselves and works only what is assigned to them.
        if (viewer.Admin || viewer.Caseworker || viewer.AuditorId is null)
        {
            return null;
        }
        return step.Action switch
        {
            AssignAction when step.Assignee != viewer.AuditorId => (StepOutcome.Forbidden, "An auditor may assign a flag only to themselves.", flag),
            StartAction or ResolveAction when flag.Assignee != viewer.AuditorId => (StepOutcome.Forbidden, "Only the assigned auditor may work this flag.", flag),
            _ => null,
        };
    }
}
