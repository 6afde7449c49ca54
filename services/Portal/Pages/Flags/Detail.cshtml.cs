using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Hosting;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Flags;

/// <summary>
/// One flag: its explanation, evidence and history, and the workflow steps its status allows. Risk decides: a step
/// it refuses (someone else's flag, a stale version, an assignee outside the flag's scope) is shown with Risk's reason.
/// </summary>
public sealed class DetailModel(RiskApi risk) : PageModel
{
    public ApiAnswer<FlagDetail>? Detail { get; private set; }

    /// <summary>Risk's answer to the step just posted, when it refused it.</summary>
    public ApiProblem? Refusal { get; private set; }

    [TempData] public string? Done { get; set; }

    [BindProperty] public FlagStepInput Input { get; set; } = new();

    public string? OwnAuditorId => User.AuditorId();

    /// <summary>
    /// Caseworkers and admins see how many grievances a flag holds; anyone else only from 5 up (k-anonymity: fewer could
    /// point at the workers who spoke).
    /// </summary>
    public bool SeesGrievanceCount(Flag flag) =>
        User.IsInRole(Roles.Caseworker) || User.IsInRole(Roles.Admin) || flag.GrievanceCount >= GrievanceCountThreshold;

    public const int GrievanceCountThreshold = 5;

    public bool IsAuditorOnly => User.IsInRole(Roles.Auditor) && !User.IsInRole(Roles.Admin) && !User.IsInRole(Roles.Caseworker);

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) => await ShowAsync(id, cancellationToken);

    public async Task<IActionResult> OnPostAsync(Guid id, string step, CancellationToken cancellationToken)
    {
        if (!RiskApi.Steps.Contains(step))
        {
            return BadRequest();
        }
        // An auditor assigns only themselves: the form does not ask them for an id Risk would refuse anyway.
        var assignee = step == "assign" && IsAuditorOnly ? OwnAuditorId : Input.Assignee;
        var answer = await risk.StepAsync(id, step, new FlagStepForm(Input.Version, assignee, Input.Resolution, Input.Reason, Input.Note), cancellationToken);
        if (answer.Ok)
        {
            Done = step;
            return RedirectToPage(new { id });
        }
        Refusal = answer.Problem;
        return await ShowAsync(id, cancellationToken, StatusCodes.Status200OK);
    }

    private async Task<IActionResult> ShowAsync(Guid id, CancellationToken cancellationToken, int status = StatusCodes.Status200OK)
    {
        Detail = await risk.GetFlagAsync(id, cancellationToken);
        // Outside the user's scope or missing: Risk answers 404 for both, and so does the page.
        Response.StatusCode = Detail.NotFound ? StatusCodes.Status404NotFound : status;
        return Page();
    }

    /// <summary>The steps the flag's status allows (Risk still decides whether this user may take them).</summary>
    public static IReadOnlyList<string> StepsFor(Flag flag) => flag.Status switch
    {
        "open" => flag.Escalated ? ["assign", "resolve"] : ["assign", "escalate", "resolve"],
        "assigned" => flag.Escalated ? ["assign", "start", "resolve"] : ["assign", "start", "escalate", "resolve"],
        "investigating" => flag.Escalated ? ["assign", "resolve"] : ["assign", "escalate", "resolve"],
        "resolved" => ["reopen"],
        _ => [],
    };
}

/// <summary>What a workflow form posts.</summary>
public sealed class FlagStepInput
{
    public int Version { get; set; }
    public string? Assignee { get; set; }
    public string? Resolution { get; set; }
    public string? Reason { get; set; }
    public string? Note { get; set; }
}
