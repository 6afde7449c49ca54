using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Cases;

/// <summary>The caseworkers' cases: those past a legal clock first, then the others by status, each with its two clocks.</summary>
public sealed class IndexModel(GrievancesApi grievances, TimeProvider clock) : PageModel
{
    public ApiAnswer<GrievanceCasePage>? Overdue { get; private set; }
    public ApiAnswer<GrievanceCasePage>? Cases { get; private set; }
    public DateTime Now { get; private set; }

    [Microsoft.AspNetCore.Mvc.BindProperty(SupportsGet = true)] public string? Status { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Now = clock.GetUtcNow().UtcDateTime;
        var status = GrievancesApi.Statuses.Contains(Status) ? Status : null;
        var overdue = grievances.ListCasesAsync(null, overdue: true, 1, cancellationToken);
        var cases = grievances.ListCasesAsync(status, overdue: false, 1, cancellationToken);
        Overdue = await overdue;
        Cases = await cases;
    }
}
