using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Admin;

/// <summary>A certificate by scheme and number, its status history, and a status change (certifiers and admins).</summary>
public sealed class CertificatesModel(AuditsApi audits) : PageModel
{
    [BindProperty(SupportsGet = true)] public string? Scheme { get; set; }
    [BindProperty(SupportsGet = true)] public string? Number { get; set; }
    [BindProperty] public string? Status { get; set; }
    [BindProperty] public string? Reason { get; set; }

    public ApiAnswer<Certificate>? Certificate { get; private set; }
    public ApiProblem? Refusal { get; private set; }
    [TempData] public string? Done { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(Scheme) && !string.IsNullOrWhiteSpace(Number))
        {
            Certificate = await audits.GetCertificateAsync(Scheme.Trim(), Number.Trim(), cancellationToken);
        }
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var answer = await audits.ChangeCertificateStatusAsync(Scheme ?? "", Number ?? "", Status, string.IsNullOrWhiteSpace(Reason) ? null : Reason, cancellationToken);
        if (answer.Ok)
        {
            Done = Status;
            return RedirectToPage(new { scheme = Scheme, number = Number });
        }
        Refusal = answer.Problem;
        await OnGetAsync(cancellationToken);
        return Page();
    }
}
