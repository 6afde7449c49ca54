using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Hosting;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Cases;

/// <summary>
/// One grievance case: the worker's words, its clocks and history, and the caseworker's steps. Revealing the worker's
/// contact is a separate form with a reason: Grievances logs every reveal in the case's history before it answers,
/// and the number is shown in that one answer only (never stored by the portal, never cached).
/// </summary>
public sealed class DetailModel(GrievancesApi grievances, TimeProvider clock) : PageModel
{
    public ApiAnswer<GrievanceCaseDetail>? Detail { get; private set; }
    public ApiProblem? Refusal { get; private set; }
    public WorkerContact? Contact { get; private set; }
    public DateTime Now { get; private set; }

    [TempData] public string? Done { get; set; }

    [BindProperty] public string? Text { get; set; }
    [BindProperty] public string? Outcome { get; set; }

    public bool MayRevealContact => User.IsInRole(Roles.Caseworker);

    public Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken) => ShowAsync(id, cancellationToken);

    public async Task<IActionResult> OnPostAcknowledgeAsync(Guid id, CancellationToken cancellationToken) =>
        await AfterAsync(id, "acknowledge", await grievances.AcknowledgeAsync(id, Blank(Text), cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostAskAsync(Guid id, CancellationToken cancellationToken) =>
        await AfterAsync(id, "ask", await grievances.AskAsync(id, Blank(Text), cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostCloseAsync(Guid id, CancellationToken cancellationToken) =>
        await AfterAsync(id, "close", await grievances.CloseAsync(id, Blank(Outcome), Blank(Text), cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostRevealAsync(Guid id, CancellationToken cancellationToken)
    {
        var answer = await grievances.RevealContactAsync(id, Blank(Text), cancellationToken);
        Contact = answer.Value;
        Refusal = answer.Problem;
        Response.Headers.CacheControl = "no-store";
        return await ShowAsync(id, cancellationToken);
    }

    private async Task<IActionResult> AfterAsync<T>(Guid id, string step, ApiAnswer<T> answer, CancellationToken cancellationToken)
    {
        if (answer.Ok)
        {
            Done = step;
            return RedirectToPage(new { id });
        }
        Refusal = answer.Problem;
        return await ShowAsync(id, cancellationToken);
    }

    private async Task<IActionResult> ShowAsync(Guid id, CancellationToken cancellationToken)
    {
        Now = clock.GetUtcNow().UtcDateTime;
        Detail = await grievances.GetCaseAsync(id, cancellationToken);
        if (Detail.NotFound)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
        return Page();
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;
}
