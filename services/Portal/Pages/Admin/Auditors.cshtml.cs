using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Admin;

/// <summary>Audits' registry of auditors with their accreditations, and a new auditor with a first accreditation (certifiers and admins).</summary>
public sealed class AuditorsModel(AuditsApi audits) : PageModel
{
    public static readonly string[] Levels = ["ASCA", "RA", "CSCA"];

    public ApiAnswer<AuditsPage<Auditor>>? Auditors { get; private set; }
    public ApiProblem? Refusal { get; private set; }
    [TempData] public string? Registered { get; set; }
    [BindProperty] public AuditorForm Input { get; set; } = new();

    public async Task OnGetAsync(CancellationToken cancellationToken) => Auditors = await audits.ListAuditorsAsync(1, cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var answer = await audits.RegisterAuditorAsync(Input, cancellationToken);
        if (answer.Value is { } auditor)
        {
            Registered = auditor.Id;
            return RedirectToPage();
        }
        Refusal = answer.Problem;
        await OnGetAsync(cancellationToken);
        return Page();
    }
}
