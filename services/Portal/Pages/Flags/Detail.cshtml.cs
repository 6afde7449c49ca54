using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages.Flags;

/// <summary>One flag: its explanation, evidence, history and the actions this user may take on it.</summary>
public sealed class DetailModel(RiskApi risk) : PageModel
{
    public ApiAnswer<Flag>? Flag { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        Flag = await risk.GetFlagAsync(id, cancellationToken);
        if (Flag.NotFound)
        {
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
        return Page();
    }
}
