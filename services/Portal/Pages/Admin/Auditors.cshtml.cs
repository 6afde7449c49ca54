using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Admin;

/// <summary>Audits' registry of auditors with their accreditations (certifiers and admins).</summary>
public sealed class AuditorsModel(AuditsApi audits) : PageModel
{
    public ApiAnswer<AuditsPage<Auditor>>? Auditors { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Auditors = await audits.ListAuditorsAsync(1, cancellationToken);
}
