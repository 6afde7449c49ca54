using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Audits;

/// <summary>
/// An audit with its findings (a flag's audit evidence), as Audits shows it to this user: certifiers and admins every
/// audit, an auditor those they led and those inside their accreditations; "not found" otherwise.
/// </summary>
public sealed class DetailModel(AuditsApi audits) : PageModel
{
    public ApiAnswer<Audit>? Audit { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        Audit = await audits.GetAuditAsync(id, cancellationToken);
        Response.StatusCode = Audit.NotFound ? StatusCodes.Status404NotFound : StatusCodes.Status200OK;
        return Page();
    }
}
