using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Traceability.Hosting;
using Traceability.Portal.Apis;

namespace Traceability.Portal.Pages;

/// <summary>
/// The dashboard: every open flag this user may see by severity, rule and country, and how long the flags raised in a
/// window waited to be assigned and resolved (median and 90th percentile). Risk counts them, scoped to the user.
/// </summary>
public sealed class IndexModel(RiskApi risk) : PageModel
{
    /// <summary>The windows a person may choose, in days.</summary>
    public static readonly int[] Windows = [7, 30, 90, 365];

    [BindProperty(SupportsGet = true)] public int Days { get; set; } = 90;

    public ApiProblem? Problem { get; private set; }
    public bool SeesFlags { get; private set; }
    public FlagStatistics? Statistics { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        SeesFlags = User.IsInRole(Roles.Auditor) || User.IsInRole(Roles.Caseworker) || User.IsInRole(Roles.Admin);
        if (!SeesFlags)
        {
            return;
        }
        Days = Windows.Contains(Days) ? Days : 90;
        var answer = await risk.GetStatisticsAsync(Days, cancellationToken);
        (Statistics, Problem) = (answer.Value, answer.Problem);
    }
}
